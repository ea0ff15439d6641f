/**
 * Simulated magnitudes against the real CWRU records (../shared/data/cwru): a simulated copy of
 * the CWRU rig (2 hp, 4-pole 60 Hz motor at 1797 rpm, 6205-2RS drive-end bearing, 12 kHz,
 * vertical sensor) is compared with the statistics in metadata.json, and the same envelope
 * helper finds BPFO in a real outer-race record and in the simulated one.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { envelope, machine, moments, peakOverFloor, record, START_MS, spectrumFloor } from '../../../tools/harness/simulator-physics.ts';

const DATA = resolve(import.meta.dirname, '../../../../shared/data');
interface CwruRecord {
  file: string;
  sensor_position: string;
  fault_location: string | null;
  fault_diameter_in: number | null;
  sampling_rate_hz: number;
  shaft_speed_rpm: number;
  stats: { rms: number; kurtosis_pearson: number };
}
const meta = JSON.parse(readFileSync(resolve(DATA, 'cwru/metadata.json'), 'utf8')) as { records: CwruRecord[] };
const normal = meta.records.find((r) => r.file === 'cwru/normal/97_Normal_0_DE.f32')!;
const outerRaceDe = meta.records.filter((r) => r.sensor_position === 'DE' && r.fault_location?.startsWith('outer'));

const RPM = 1797;
const BPFO = 3.5848 * (RPM / 60); // CWRU's published order for the drive-end bearing

function cwruRig(faults: unknown[] = []): MachineSimulation {
  return new MachineSimulation(
    machine({
      id: 'cwru-rig',
      type: 'motor',
      ratedPowerKw: 1.5,
      nominalSpeedRpm: 1750,
      lineFrequencyHz: 60,
      poles: 4,
      operatingModes: [{ mode: '0hp', durationS: 3600, speedRpm: RPM, loadPct: 5 }],
      sensors: { vibration: [{ location: 'DE', sampleRateHz: 12_000, blockSize: 1200 }] },
      faults,
    }),
    { startTimeMs: START_MS },
  );
}

/** DE vertical (12 o'clock, as CWRU's sensor) for 5 s at a life second. */
function deVertical(sim: MachineSimulation, atS: number): Float64Array {
  return record(sim, START_MS + atS * 1000, 50).DE_Y;
}

function readF32(file: string): Float64Array {
  const b = readFileSync(resolve(DATA, file));
  return Float64Array.from(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
}

describe('simulated magnitudes versus CWRU', () => {
  it('metadata statistics match the real files (so the comparison below is against real data)', () => {
    const real = moments(readF32(normal.file));
    expect(real.rms).toBeCloseTo(normal.stats.rms, 3);
    expect(real.kurtosis).toBeCloseTo(normal.stats.kurtosis_pearson, 2);
    expect(outerRaceDe.length).toBeGreaterThanOrEqual(10);
  });

  it('healthy: RMS within a factor 2 of the CWRU baseline and a similar kurtosis', () => {
    const m = moments(deVertical(cwruRig(), 100));
    expect(m.rms / normal.stats.rms).toBeGreaterThan(0.5);
    expect(m.rms / normal.stats.rms).toBeLessThan(2);
    expect(Math.abs(m.kurtosis - normal.stats.kurtosis_pearson)).toBeLessThan(0.5);
  });

  it('developing outer-race fault (severity 0.3 and 0.6): RMS and kurtosis inside the range of the CWRU outer-race records', () => {
    const rmsRange = [Math.min(...outerRaceDe.map((r) => r.stats.rms)), Math.max(...outerRaceDe.map((r) => r.stats.rms))];
    const kurtRange = [
      Math.min(...outerRaceDe.map((r) => r.stats.kurtosis_pearson)),
      Math.max(...outerRaceDe.map((r) => r.stats.kurtosis_pearson)),
    ];
    const sim = cwruRig([{ type: 'outer_race', location: 'DE', growth: { timeToFailure: 1000, initialSeverity: 0.05, noise: 0 } }]);
    for (const atS of [600, 830]) {
      expect(sim.truthAt(START_MS + atS * 1000).faults[0].severity).toBeGreaterThan(0.29);
      const m = moments(deVertical(sim, atS));
      expect(m.rms).toBeGreaterThan(rmsRange[0]);
      expect(m.rms).toBeLessThan(rmsRange[1]);
      expect(m.kurtosis).toBeGreaterThan(Math.max(5, kurtRange[0]));
      expect(m.kurtosis).toBeLessThan(kurtRange[1]);
    }
  });

  it('the same envelope analysis finds BPFO in a real outer-race record and in the simulated one', () => {
    const realRecord = outerRaceDe.find((r) => r.file.includes('130_OR007at6_0'))!;
    const real = readF32(realRecord.file).subarray(0, 5 * realRecord.sampling_rate_hz);
    const realEnv = envelope(real, realRecord.sampling_rate_hz, 2_000, 5_000);
    const realBpfo = 3.5848 * (realRecord.shaft_speed_rpm / 60);
    expect(peakOverFloor(realEnv.env, realEnv.fs, realBpfo, 1, spectrumFloor(realEnv.env, realEnv.fs))).toBeGreaterThan(10);

    const sim = cwruRig([{ type: 'outer_race', location: 'DE', growth: { timeToFailure: 1000, initialSeverity: 0.05, noise: 0 } }]);
    const simEnv = envelope(deVertical(sim, 600), 12_000, 2_000, 5_000);
    expect(peakOverFloor(simEnv.env, simEnv.fs, BPFO, 1, spectrumFloor(simEnv.env, simEnv.fs))).toBeGreaterThan(10);
    const healthyEnv = envelope(deVertical(cwruRig(), 600), 12_000, 2_000, 5_000);
    expect(peakOverFloor(healthyEnv.env, healthyEnv.fs, BPFO, 1, spectrumFloor(healthyEnv.env, healthyEnv.fs))).toBeLessThan(8);
  });
});
