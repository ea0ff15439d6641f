/**
 * Baselines judged by the baseline quality judge (models/health/baseline-quality.ts) on the
 * simulator's physics and on the CWRU records (shared by baseline-quality.test.ts and
 * tools/baseline-quality-report.ts, so the MODELS.md table and the test judge the same windows).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MachineSimulation } from '../../ingest/simulator/physics/machine-simulation.ts';
import { lookupBearing } from '../../models/bearing/catalogue.ts';
import { requiredRevolutions } from '../../models/bearing/geometry.ts';
import {
  BaselineQualityJudge,
  type BaselineVerdict,
  judgeChannelWindows,
  type QualityWindow,
  qualityWindowOf,
} from '../../models/health/baseline-quality.ts';
import type { IsoClass } from '../../models/vibration/iso20816.ts';
import { WindowAnalyzer } from '../../models/window-analysis.ts';
import type { loadCwru } from '../models-report.ts';
import { machineWith, START_MS, window } from './simulated-pump.ts';

export const GROUP2_RIGID: IsoClass = { group: 2, foundation: 'rigid' };
const AXES = ['DE_X', 'DE_Y', 'DE_Z'];
type CwruRecord = Awaited<ReturnType<typeof loadCwru>>[number];
const DATA = join(import.meta.dirname, '..', '..', '..', 'shared', 'data');

/** A fault present from the machine's first second, `initialSeverity` of the way to failure (1 = ISO zone C/D). */
export function fromStart(type: string, initialSeverity: number): unknown[] {
  return [{ type, location: 'DE', onset: 0, growth: { timeToFailure: '45d', initialSeverity } }];
}

/** A 2-pole 22 kW pump as the demo fleet's pump-04 (deploy/config/fleet.yaml), with a well-aligned coupling. */
export const TWO_POLE = { nominalSpeedRpm: 2950, poles: 2, ratedPowerKw: 22 };
/** The drive-end accelerometer at another sampling rate (1 s windows: 10 blocks of a tenth of a second). */
export function sampledAt(sampleRateHz: number): Record<string, unknown> {
  return { sensors: { vibration: [{ location: 'DE', axes: ['X', 'Y', 'Z'], sampleRateHz, blockSize: sampleRateHz / 10 }] } };
}
/** pump-04 itself: its residual condition is already misaligned (2X 1.2 mm/s axially); its fault adds to it. */
export const PUMP_04 = { ...TWO_POLE, baseline: { imbalanceMmS: 0.8, misalignmentMmS: 1.2 } };

/**
 * The simulated machine's first `n` one-second windows of every drive-end axis, analysed at its
 * speed with its drive-end bearing and ISO group 2 rigid, judged as one baseline. A minute of
 * life per wall second: the machine stays in the condition it started in over the baseline.
 */
export function simulatedBaseline(
  faults: unknown[],
  overrides: Record<string, unknown> = {},
  bearing = '6205-2RS',
  n = 8,
): BaselineVerdict {
  const sim = new MachineSimulation(machineWith(faults, { timeAcceleration: 60, ...overrides }), { startTimeMs: START_MS });
  const ch = sim.channels[0];
  const a = new WindowAnalyzer({
    sampleRateHz: ch.sampleRateHz,
    windowSize: 10 * ch.blockSize,
    shaftHz: sim.energyAt(START_MS).speedRpm / 60,
    bearing: lookupBearing(bearing),
    iso: GROUP2_RIGID,
  });
  const judge = new BaselineQualityJudge(GROUP2_RIGID);
  for (let k = 0; k < n; k++) {
    const atMs = START_MS + k * 1000;
    const windows = new Map<string, QualityWindow>();
    for (const c of AXES) {
      const r = a.analyze(window(sim, c, atMs));
      windows.set(c, qualityWindowOf(r.features, r.iso20816.zone, r.bearing.diagnosis));
    }
    judge.add(windows);
  }
  return judge.judge();
}

/**
 * A CWRU record channel taken as a baseline: cut into consecutive windows of the bearing's
 * required revolutions (what the diagnosis needs), each analysed at the recorded speed with the
 * channel's own bearing (DE 6205-2RS, FE 6203-2RS), judged with ISO group 2 rigid.
 */
export async function recordBaseline(r: CwruRecord): Promise<BaselineVerdict> {
  const bytes = await readFile(join(DATA, r.file));
  const samples = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const bearing = lookupBearing(r.sensor_position === 'DE' ? '6205-2RS' : '6203-2RS');
  const shaftHz = r.shaft_speed_rpm / 60;
  const size = Math.ceil((requiredRevolutions(bearing) * r.sampling_rate_hz) / shaftHz);
  const a = new WindowAnalyzer({ sampleRateHz: r.sampling_rate_hz, windowSize: size, shaftHz, bearing, iso: GROUP2_RIGID });
  const ws: QualityWindow[] = [];
  for (let s = 0; s + size <= samples.length; s += size) {
    const x = a.analyze(samples.slice(s, s + size));
    ws.push(qualityWindowOf(x.features, x.iso20816.zone, x.bearing.diagnosis));
  }
  return judgeChannelWindows(r.sensor_position, ws, GROUP2_RIGID);
}
