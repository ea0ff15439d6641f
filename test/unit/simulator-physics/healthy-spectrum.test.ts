/**
 * A healthy machine: its spectrum shows 1X and 2X at the configured speed, and its velocity RMS
 * lands in ISO 20816-3 zone A/B (group 2, rigid: below 2.8 mm/s), on every channel.
 */
import { describe, expect, it } from 'vitest';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { amplitudeAt, machine, moments, record, START_MS, spectrum, velocityRms } from '../../../tools/harness/simulator-physics.ts';

const FS = 25_600;

describe('healthy machine spectrum', () => {
  // A drive holds 1480 rpm: 1X = 24.667 Hz, 2X = 49.333 Hz (not on a 1 Hz grid, on purpose).
  const sim = new MachineSimulation(machine({ operatingModes: [{ mode: 'full', durationS: 3600, speedRpm: 1480, loadPct: 80 }] }), {
    startTimeMs: START_MS,
  });
  const rec = record(sim, START_MS + 60_000, 40); // 4 s
  const df = FS / rec.DE_X.length; // 0.25 Hz

  it('puts the largest low-frequency line at 1X, within one bin', () => {
    const grid = Array.from({ length: Math.round((45 - 5) / df) }, (_, i) => 5 + i * df);
    const amps = spectrum(rec.DE_X, FS, grid);
    const peak = grid[amps.indexOf(Math.max(...amps))];
    expect(Math.abs(peak - 1480 / 60)).toBeLessThanOrEqual(df);
  });

  it('shows 2X (strongest axially) within one bin, well above the spectrum between harmonics', () => {
    const twoX = (2 * 1480) / 60;
    const grid = Array.from({ length: Math.round(10 / df) }, (_, i) => twoX - 5 + i * df);
    const amps = spectrum(rec.DE_Z, FS, grid);
    const peak = grid[amps.indexOf(Math.max(...amps))];
    expect(Math.abs(peak - twoX)).toBeLessThanOrEqual(df);
    const between = amplitudeAt(rec.DE_Z, FS, 1.5 * (1480 / 60) + 3.1);
    expect(Math.max(...amps)).toBeGreaterThan(10 * between);
    // misalignment's 2X is stronger axially than radially
    expect(amplitudeAt(rec.DE_Z, FS, twoX)).toBeGreaterThan(amplitudeAt(rec.DE_X, FS, twoX));
  });

  it('has velocity RMS (10–1000 Hz) in zone A/B on every channel, and a Gaussian-like amplitude distribution', () => {
    for (const [id, x] of Object.entries(rec)) {
      const v = velocityRms(x.subarray(0, FS), FS);
      expect(v, id).toBeGreaterThan(0.2);
      expect(v, id).toBeLessThan(2.8);
      const m = moments(x);
      expect(m.kurtosis, id).toBeGreaterThan(2.5);
      expect(m.kurtosis, id).toBeLessThan(3.5);
    }
  });

  it('shows the magnetic line at twice the supply frequency', () => {
    // Supply frequency of a drive at 1480 rpm, 4 poles, slip at 80 % load: from the energy reading.
    const supplyHz = sim.energyAt(START_MS + 61_000).supplyHz;
    expect(supplyHz).toBeGreaterThan(1480 / 30);
    const line = amplitudeAt(rec.DE_X, FS, 2 * supplyHz);
    const beside = amplitudeAt(rec.DE_X, FS, 2 * supplyHz + 7.3);
    expect(line).toBeGreaterThan(5 * beside);
  });
});
