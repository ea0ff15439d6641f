/**
 * The simulated machine the models are judged on (shared by simulated-faults.test.ts and
 * tools/simulator-report.ts): the simulator tests' 11 kW pump on 6205-2RS / 6203-2RS bearings,
 * with a triaxial accelerometer at the drive end (25.6 kHz), one day of life per wall second
 * unless overridden, and the stream's one-second windows and analyzer.
 */

import { MachineSimulation } from '../../ingest/simulator/physics/machine-simulation.ts';
import { lookupBearing } from '../../models/bearing/catalogue.ts';
import { type WindowAnalysisConfig, WindowAnalyzer } from '../../models/window-analysis.ts';
import { type HealthUpdate, MachineHealthTracker } from '../../stream-processing/machine-health.ts';
import { machine, START_MS } from './simulator-physics.ts';

export { START_MS };
export const DAY_S = 86_400;

export function machineWith(faults: unknown[], overrides: Record<string, unknown> = {}) {
  return machine({
    id: 'sim-1',
    operatingModes: [{ mode: 'full', durationS: 36_000, loadPct: 90 }],
    sensors: { vibration: [{ location: 'DE', axes: ['X', 'Y', 'Z'] }] },
    timeAcceleration: DAY_S, // one day of life per wall second
    seed: 11,
    faults,
    ...overrides,
  });
}

/** Ten consecutive blocks (1 s at 25.6 kHz) of one channel, starting at a wall time. */
export function window(sim: MachineSimulation, channel: string, atMs: number): Float32Array {
  const ch = sim.channels.find((c) => c.id === channel)!;
  const blocks = 10;
  const seq0 = Math.floor((atMs * ch.sampleRateHz) / (1000 * ch.blockSize));
  const out = new Float32Array(blocks * ch.blockSize);
  const buf = new Float32Array(ch.blockSize);
  for (let b = 0; b < blocks; b++) {
    sim.renderBlock(channel, seq0 + b, buf);
    out.set(buf, b * ch.blockSize);
  }
  return out;
}

/** The stream's analysis of the pump's drive-end channels: one-second windows, its 6205-2RS, ISO group 2 rigid. */
export function analysisConfig(sim: MachineSimulation, shaftHz?: number): WindowAnalysisConfig {
  const ch = sim.channels[0];
  return {
    sampleRateHz: ch.sampleRateHz,
    windowSize: 10 * ch.blockSize,
    shaftHz,
    bearing: lookupBearing('6205-2RS'),
    iso: { group: 2, foundation: 'rigid' },
  };
}

export function analyzer(sim: MachineSimulation, shaftHz?: number): WindowAnalyzer {
  return new WindowAnalyzer(analysisConfig(sim, shaftHz));
}

export const HEALTH_FEATURES = ['rms', 'kurtosis', 'crest_factor', 'velocity_rms_mm_s'];
const AXES = ['DE_X', 'DE_Y', 'DE_Z'];

export interface LifeRun {
  /** Wall second (window index) at which the simulator's true severity reached 1 (zone C/D), or NaN. */
  failureK: number;
  /** Windows on the degradation basis before failure. */
  degradationWindows: number;
  /** Share of those whose 90 % interval contains the true remaining life. */
  coverage: number;
  /** Median of |median − truth| / truth over them. */
  medianRelativeError: number;
}

/**
 * One fault from day 12 of life, failing `timeToFailure` later (severity 1 = the worst axis at the
 * ISO 20816-3 zone C/D boundary, 4.5 mm/s), 3 h of life per wall second, run through the stream's
 * health tracker until the true failure; with `velocityLimitMmS` the tracker also fails the
 * machine at that velocity (what the processor does with the machine's ISO class).
 */
export function remainingLifeRun(
  type: string,
  opts: { timeToFailure?: string; seed?: number; velocityLimitMmS?: number | null } = {},
): LifeRun {
  const limit = opts.velocityLimitMmS ?? null;
  const sim = new MachineSimulation(
    machineWith([{ type, location: 'DE', onset: '12d', growth: { timeToFailure: opts.timeToFailure ?? '12d' } }], {
      timeAcceleration: 3 * 3600,
      seed: opts.seed ?? 11,
    }),
    {
      startTimeMs: START_MS,
    },
  );
  const a = analyzer(sim);
  const tracker = new MachineHealthTracker({
    features: HEALTH_FEATURES,
    monitor: {},
    energy: false,
    fleet: null,
    velocityLimitMmS: limit === null ? null : () => limit,
  });
  const rows: Array<{ k: number; lower: number; median: number; upper: number }> = [];
  let failureK = Number.NaN;
  for (let k = 0; k < 1200; k++) {
    const atMs = START_MS + k * 1000;
    let u: HealthUpdate | undefined;
    for (const channel of AXES) {
      const r = a.analyze(window(sim, channel, atMs));
      u =
        tracker.onWindow({
          machine: 'sim-1',
          channel,
          windowSeq: k,
          tsNs: BigInt(atMs) * 1_000_000n,
          features: r.features,
          zone: r.iso20816.zone,
        }) ?? u;
    }
    // The update of window k - 1 arrives with window k.
    if (u?.status.rulBasis === 'degradation') rows.push({ k: k - 1, ...u.status.rul });
    if (Math.max(0, ...sim.truthAt(atMs).faults.map((f) => f.severity)) >= 1) {
      failureK = k;
      break;
    }
  }
  const scored = rows.filter((r) => r.k < failureK);
  const truth = (r: (typeof rows)[number]) => failureK - r.k;
  const covered = scored.filter((r) => truth(r) >= r.lower && truth(r) <= r.upper).length;
  const errors = scored.map((r) => Math.abs(r.median - truth(r)) / truth(r)).sort((x, y) => x - y);
  return {
    failureK,
    degradationWindows: scored.length,
    coverage: scored.length === 0 ? 0 : covered / scored.length,
    medianRelativeError: errors.length === 0 ? Number.NaN : errors[errors.length >> 1],
  };
}
