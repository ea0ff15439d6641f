/**
 * Bearing defects as the envelope spectrum shows them: an outer-race defect gives BPFO and its
 * harmonics; an inner-race defect gives BPFI with sidebands at ± shaft speed (it turns through
 * the load zone once per revolution). Defect frequencies are computed here from the geometry
 * (CWRU 6205-2RS, 9 balls, d = 0.3126 in, D = 1.537 in), not taken from the simulator.
 *
 * Levels are peak / median of the 5–500 Hz envelope spectrum. Pure noise reaches ≈6 at its
 * largest bins over 2 s of signal, so "present" is > 10 (fault lines measure 20–60) and
 * "absent" is < 8.
 */
import { describe, expect, it } from 'vitest';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { envelope, machine, peakOverFloor, record, START_MS, spectrumFloor } from '../../../tools/harness/simulator-physics.ts';

const FS = 25_600;
const RPM = 1480;
const SHAFT = RPM / 60;
const RATIO = 0.3126 / 1.537;
const BPFO = 4.5 * (1 - RATIO) * SHAFT; // 88.4 Hz
const BPFI = 4.5 * (1 + RATIO) * SHAFT; // 133.6 Hz

/** A machine whose DE bearing has a fault at severity ≈ 0.3 at the recorded time (onset 0, 1000 s to failure, no wander). */
function faulty(type: string) {
  return new MachineSimulation(
    machine({
      operatingModes: [{ mode: 'full', durationS: 3600, speedRpm: RPM, loadPct: 80 }],
      faults: [{ type, location: 'DE', growth: { timeToFailure: 1000, initialSeverity: 0.05, noise: 0 } }],
    }),
    { startTimeMs: START_MS },
  );
}

function envelopeOf(sim: MachineSimulation, channel: string) {
  const rec = record(sim, START_MS + 600_000, 20); // 2 s at severity 0.05·20^0.6 ≈ 0.30
  const { env, fs } = envelope(rec[channel], FS, 2_000, 6_000);
  return { env, fs, floor: spectrumFloor(env, fs) };
}

describe('bearing fault envelope spectra', () => {
  it('outer race: BPFO and its 2nd and 3rd harmonics stand above the floor; BPFI does not', () => {
    const sim = faulty('outer_race');
    expect(sim.truthAt(START_MS + 600_000).faults[0].severity).toBeCloseTo(0.05 * 20 ** 0.6, 3);
    const { env, fs, floor } = envelopeOf(sim, 'DE_Y');
    for (const h of [1, 2, 3]) expect(peakOverFloor(env, fs, h * BPFO, 1.0, floor), `${h}×BPFO`).toBeGreaterThan(10);
    expect(peakOverFloor(env, fs, BPFI, 1.0, floor)).toBeLessThan(8);
  });

  it('inner race: BPFI with sidebands at ± 1X; no BPFO', () => {
    const { env, fs, floor } = envelopeOf(faulty('inner_race'), 'DE_Y');
    expect(peakOverFloor(env, fs, BPFI, 1.0, floor)).toBeGreaterThan(10);
    expect(peakOverFloor(env, fs, BPFI - SHAFT, 1.0, floor)).toBeGreaterThan(8);
    expect(peakOverFloor(env, fs, BPFI + SHAFT, 1.0, floor)).toBeGreaterThan(8);
    expect(peakOverFloor(env, fs, SHAFT, 0.5, floor)).toBeGreaterThan(8); // the modulation itself
    expect(peakOverFloor(env, fs, BPFO, 1.0, floor)).toBeLessThan(8);
  });

  it('a healthy machine has no line at BPFO or BPFI', () => {
    const sim = new MachineSimulation(machine({ operatingModes: [{ mode: 'full', durationS: 3600, speedRpm: RPM, loadPct: 80 }] }), {
      startTimeMs: START_MS,
    });
    const { env, fs, floor } = envelopeOf(sim, 'DE_Y');
    expect(peakOverFloor(env, fs, BPFO, 1.0, floor)).toBeLessThan(8);
    expect(peakOverFloor(env, fs, BPFI, 1.0, floor)).toBeLessThan(8);
  });

  it('the fault is seen faintly at the other bearing', () => {
    const sim = faulty('outer_race');
    const rec = record(sim, START_MS + 600_000, 20);
    const near = envelope(rec.DE_Y, FS, 2_000, 6_000);
    const far = envelope(rec.NDE_Y, FS, 2_000, 6_000);
    const nearPeak = peakOverFloor(near.env, near.fs, BPFO, 1.0, 1);
    const farPeak = peakOverFloor(far.env, far.fs, BPFO, 1.0, 1);
    expect(farPeak).toBeLessThan(nearPeak / 10);
  });
});
