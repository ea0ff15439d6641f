/**
 * The system-event cases (issue 13, section 7) shared by the tests and `tools/system-event-report.ts`:
 * each replayed with the detector on and off (the control), from the same inputs.
 *
 *  - a simulated pump whose every channel changes gain and bias at once (the simulator's
 *    `acquisitionChanges`), then develops an outer race fault, driven in-process through the
 *    stream's WindowAnalyzer and MachineHealthTracker;
 *  - the six FEMTO histories with a level step (x1.5 on RMS and peak of both channels) one span
 *    after the baseline;
 *  - synthetic 90-day rigs of 4 bearings x 2 channels of per-file statistics with a common step at
 *    mid-life and one bearing wearing out at the end.
 */
import { MachineSimulation } from '../../ingest/simulator/physics/machine-simulation.ts';
import type { AssetStatus } from '../../models/rul/asset-monitor.ts';
import { replay } from '../../models/rul/replay.ts';
import { type HealthUpdate, MachineHealthTracker } from '../../stream-processing/machine-health.ts';
import { loadFemtoHistories } from './femto-histories.ts';
import { multiBearingHistory } from './multi-bearing-history.ts';
import { analyzer, HEALTH_FEATURES, machineWith, START_MS, window } from './simulated-pump.ts';

export const SIM_STEP_K = 75;
export const SIM_AXES = ['DE_X', 'DE_Y', 'DE_Z'];

export interface SimulatedRun {
  ups: Array<HealthUpdate & { k: number; severity: number }>;
  /** Windows whose sensor checks failed, with the channels and reasons. */
  sensor: Map<number, string[]>;
  /** First window at which the true severity reached 1 (failure). */
  failureK: number;
}

/**
 * 240 one-second windows of a pump (3 h of life per second): half-way through window SIM_STEP_K
 * every channel's gain goes x1.3 and its bias +1 g; an outer race fault starts at 15 days of life
 * (window 120) and fails 12 days later (window 216).
 */
export function simulatedAcquisitionChange(enabled: boolean): SimulatedRun {
  const sim = new MachineSimulation(
    machineWith([{ type: 'outer_race', location: 'DE', onset: '15d', growth: { timeToFailure: '12d' } }], {
      timeAcceleration: 3 * 3600,
      acquisitionChanges: [{ atS: START_MS / 1000 + SIM_STEP_K + 0.5, gain: 1.3, offsetG: 1 }],
    }),
    { startTimeMs: START_MS },
  );
  const a = analyzer(sim);
  const tracker = new MachineHealthTracker({
    features: HEALTH_FEATURES,
    monitor: { systemEvent: { enabled } },
    energy: false,
    fleet: null,
  });
  const ups: SimulatedRun['ups'] = [];
  const sensor = new Map<number, string[]>();
  for (let k = 0; k < 240; k++) {
    const atMs = START_MS + k * 1000;
    for (const channel of SIM_AXES) {
      const r = a.analyze(window(sim, channel, atMs));
      if (r.sensor.status !== 'ok') sensor.set(k, [...(sensor.get(k) ?? []), `${channel} ${r.sensor.reasons.join(',')}`]);
      const u = tracker.onWindow({
        machine: 'sim-1',
        channel,
        windowSeq: k,
        tsNs: BigInt(atMs) * 1_000_000n,
        features: r.features,
        zone: r.iso20816.zone,
        sensor: r.sensor,
      });
      if (u) {
        const ms = Number(u.tsNs / 1_000_000n);
        ups.push({ ...u, k: (ms - START_MS) / 1000, severity: Math.max(0, ...sim.truthAt(ms).faults.map((f) => f.severity)) });
      }
    }
  }
  return { ups, sensor, failureK: ups.find((u) => u.severity >= 1)?.k ?? Number.NaN };
}

/** One span after the 60-window baseline: the step has a span of healthy windows before it. */
export const FEMTO_STEP_INDEX = 85;
export const FEMTO_STEP_GAIN = 1.5;
const FEMTO_LEVELS = ['rms_h', 'rms_v', 'peak_h', 'peak_v'];

export interface FemtoStepCase {
  bearing: string;
  times: number[];
  lifetimeS: number;
  /** The recorded history, detector on and off. */
  original: AssetStatus[];
  originalOff: AssetStatus[];
  /** With the level step, detector on and off. */
  on: AssetStatus[];
  off: AssetStatus[];
}

export function femtoStepCases(): FemtoStepCase[] {
  return loadFemtoHistories().map((h) => {
    const stepped = h.rows.map((r, i) =>
      i < FEMTO_STEP_INDEX ? r : { ...r, ...Object.fromEntries(FEMTO_LEVELS.map((k) => [k, r[k] * FEMTO_STEP_GAIN])) },
    );
    const run = (rows: Record<string, number>[], enabled: boolean) =>
      replay({ name: h.bearing, times: h.times, rows }, [], { systemEvent: { enabled } }).statuses;
    return {
      bearing: h.bearing,
      times: h.times,
      lifetimeS: h.lifetimeS,
      original: run(h.rows, true),
      originalOff: run(h.rows, false),
      on: run(stepped, true),
      off: run(stepped, false),
    };
  });
}

export interface RigCase {
  seed: number;
  times: number[];
  lifetimeS: number;
  stepTime: number;
  on: AssetStatus[];
  off: AssetStatus[];
}

export function rigCase(seed = 7): RigCase {
  const h = multiBearingHistory({ seed });
  const run = (enabled: boolean) =>
    replay({ name: 'rig', times: h.times, rows: h.rows }, [], { systemEvent: { enabled, locations: h.locations } }).statuses;
  return { seed, times: h.times, lifetimeS: h.lifetimeS, stepTime: h.stepTime!, on: run(true), off: run(false) };
}

export const firstAlarm = (statuses: ReadonlyArray<{ status?: AssetStatus; alarm?: boolean }>): number =>
  statuses.findIndex((s) => (s.status ? s.status.alarm : s.alarm));
