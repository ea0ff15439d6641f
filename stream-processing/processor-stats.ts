/**
 * The processor's live statistics: counters and the latest analysis and health per machine, read
 * by the live view (cli/live-view.ts) and the metrics endpoint (processor-metrics.ts). The
 * updates that are more than a counter increment live here, next to the type.
 */
import type { AssetStatus } from '../models/rul/asset-monitor.ts';
import type { WindowAnalysis } from '../models/window-analysis.ts';
import type { Row } from '../storage/rows.ts';
import { NO_WAVEFORM } from '../storage/schema.ts';
import { deadLetterReason } from './dead-letter.ts';

export interface LatestAnalysis {
  ts: bigint;
  features: Record<string, number>;
  zone: string;
  diagnosis: string;
  confidence: number;
  referenceWindows: number;
  /** The channel's accumulated diagnosis after this window (diagnosis-accumulation.ts); absent without a bearing. */
  accumulated?: { diagnosis: string; confidence: number; windows: number };
}

export interface ProcessorStats {
  messagesIn: number;
  blocksIn: number;
  energyIn: number;
  /** Scalar sensors' readings (pdm.features.v1) accepted. */
  featuresIn: number;
  gapsIn: number;
  deadLettered: number;
  /** Dead letters by error code and broken rule (`rule`: the plausibility rule, or 'none'). */
  deadLettersBy: Map<string, { code: string; rule: string; count: number }>;
  /** Rows QuestDB refused that came from no single message (window features, health), per table: logged, not written. */
  rowsRefused: Record<string, number>;
  /** Failed QuestDB write attempts that were retried (transport failures). */
  writeRetries: number;
  /** QuestDB writes (ILP requests, each a commit) and the Kafka batches they carried: grouped, the writes are fewer. */
  questdbWrites: number;
  batchesWritten: number;
  windowsAnalysed: number;
  windowsFailed: number;
  rowsOut: Record<string, number>;
  commits: number;
  workerCpuUs: number;
  /** Latest analysis per machine/channel, for the live view. */
  latest: Map<string, LatestAnalysis>;
  /** Latest health per machine, and the operating mode it was computed in, for the live view. */
  latestHealth: Map<string, AssetStatus>;
  latestMode: Map<string, string>;
  /** The quality of the baseline behind each machine's latest health (absent while it is learnt). */
  latestBaselineQuality: Map<string, string>;
  /** Healthy envelope references learnt (machine channels), attempts that failed, and those not used (suspect windows). */
  referencesLearnt: number;
  referencesFailed: number;
  referencesSuspect: number;
  /** Machine model states written to the model-state topic, and restored from it (or the local copy) at assignments. */
  modelStatesSaved: number;
  modelStatesRestored: number;
  /** Times the partitions were paused by backpressure. */
  pauses: number;
}

export function newProcessorStats(): ProcessorStats {
  return {
    messagesIn: 0,
    blocksIn: 0,
    energyIn: 0,
    featuresIn: 0,
    gapsIn: 0,
    deadLettered: 0,
    deadLettersBy: new Map(),
    rowsRefused: {},
    writeRetries: 0,
    questdbWrites: 0,
    batchesWritten: 0,
    windowsAnalysed: 0,
    windowsFailed: 0,
    rowsOut: {},
    commits: 0,
    workerCpuUs: 0,
    latest: new Map(),
    latestHealth: new Map(),
    latestMode: new Map(),
    latestBaselineQuality: new Map(),
    referencesLearnt: 0,
    referencesFailed: 0,
    referencesSuspect: 0,
    modelStatesSaved: 0,
    modelStatesRestored: 0,
    pauses: 0,
  };
}

/** A window analysed in `cpuUs` of worker time, with a healthy reference of `referenceWindows` windows (0: none). */
export function recordAnalysis(
  stats: ProcessorStats,
  w: { machine: string; channel: string; startTimeNs: bigint },
  analysis: Pick<WindowAnalysis, 'features' | 'iso20816' | 'bearing'>,
  cpuUs: number,
  referenceWindows: number,
): void {
  stats.windowsAnalysed++;
  stats.workerCpuUs += cpuUs;
  stats.latest.set(`${w.machine}/${w.channel}`, {
    ts: w.startTimeNs,
    features: analysis.features,
    zone: analysis.iso20816.zone,
    diagnosis: analysis.bearing.diagnosis,
    confidence: analysis.bearing.confidence,
    referenceWindows,
  });
}

/** A scalar sensor's reading, for the live view: its zone, and `no_waveform` where a diagnosis would be. */
export function recordScalar(
  stats: ProcessorStats,
  w: { machine: string; channel: string; tsNs: bigint; features: Record<string, number>; zone: string },
): void {
  stats.latest.set(`${w.machine}/${w.channel}`, {
    ts: w.tsNs,
    features: w.features,
    zone: w.zone,
    diagnosis: NO_WAVEFORM,
    confidence: Number.NaN,
    referenceWindows: 0,
  });
}

/** The accumulated diagnosis after a window already recorded by recordAnalysis. */
export function recordAccumulated(
  stats: ProcessorStats,
  w: { machine: string; channel: string },
  accumulated: { diagnosis: string; confidence: number; windows: number },
): void {
  const latest = stats.latest.get(`${w.machine}/${w.channel}`);
  if (latest) latest.accumulated = accumulated;
}

export function recordHealth(stats: ProcessorStats, machine: string, status: AssetStatus, mode: string, baselineQuality?: string): void {
  stats.latestHealth.set(machine, status);
  stats.latestMode.set(machine, mode);
  if (baselineQuality === undefined) stats.latestBaselineQuality.delete(machine);
  else stats.latestBaselineQuality.set(machine, baselineQuality);
}

/** Rows QuestDB accepted, per table. */
export function recordRowsOut(stats: ProcessorStats, rows: readonly Row[]): void {
  for (const r of rows) stats.rowsOut[r.table] = (stats.rowsOut[r.table] ?? 0) + 1;
}

/** A message sent to the dead-letter topic because of `err`. */
export function recordDeadLetter(stats: ProcessorStats, err: unknown): void {
  stats.deadLettered++;
  const { code, rule } = deadLetterReason(err);
  const key = `${code}\u0000${rule}`;
  const entry = stats.deadLettersBy.get(key);
  if (entry) entry.count++;
  else stats.deadLettersBy.set(key, { code, rule, count: 1 });
}
