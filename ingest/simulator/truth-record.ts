/**
 * The ground truth a simulated machine publishes, as one versioned record (JSON Lines files,
 * the `pdm.truth.v1` topic; its QuestDB row is storage/rows.ts's `groundTruthRow`). Pure.
 *
 * Record v1 = the simulation's `MachineTruth` (every fault with its own onset, severity and
 * failure) plus a summary for scoring: the worst fault present, the machine's severity and the
 * predicted failure wall time of the current life. Times are ms since the epoch (`time` repeats
 * `timeMs` as ISO 8601); unknown numbers are null (a replayed recording's severity).
 */
import type { FaultType, Location } from './fleet-config.ts';
import type { FaultTruth, MachineTruth } from './physics/machine-simulation.ts';

export const TRUTH_RECORD_VERSION = 1;

export interface TruthRecordV1 extends Omit<MachineTruth, 'faults'> {
  v: 1;
  /** `timeMs` as ISO 8601. */
  time: string;
  /** The fault with the highest severity among those past onset; null while the machine is sound. */
  faultType: FaultType | null;
  faultLocation: Location | null;
  /** Its severity (0 = none, 1 = failure threshold); null when unknown (replay). */
  severity: number | null;
  /** Onset wall time of that fault. */
  onsetAtMs: number | null;
  /**
   * When this life fails: the failure time once failed, else the earliest projected failure of
   * its faults (assuming the machine keeps running; null while stopped or with no fault).
   */
  failureAtMs: number | null;
  faults: Array<Omit<FaultTruth, 'severity' | 'nominalFailureLifeS'> & { severity: number | null; nominalFailureLifeS: number | null }>;
}

const finiteOrNull = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

/** A fault counts as present once past onset; a replayed recording's declared faults (severity unknown) are present. */
function isPresent(f: FaultTruth): boolean {
  return Number.isNaN(f.severity) || f.severity > 0;
}

export function truthRecord(truth: MachineTruth): TruthRecordV1 {
  // Unknown severities rank last, so a known one is preferred; the first fault wins ties.
  const rank = (f: FaultTruth): number => (Number.isFinite(f.severity) ? f.severity : Number.NEGATIVE_INFINITY);
  let worst: FaultTruth | undefined;
  for (const f of truth.faults) {
    if (isPresent(f) && (!worst || rank(f) > rank(worst))) worst = f;
  }
  let failureAtMs = truth.failedAtMs;
  if (failureAtMs === null) {
    for (const f of truth.faults)
      if (f.failureAtMs !== null && (failureAtMs === null || f.failureAtMs < failureAtMs)) failureAtMs = f.failureAtMs;
  }
  const { faults, ...rest } = truth;
  return {
    v: TRUTH_RECORD_VERSION,
    ...rest,
    time: new Date(truth.timeMs).toISOString(),
    faultType: worst?.type ?? null,
    faultLocation: worst?.location ?? null,
    severity: worst ? finiteOrNull(worst.severity) : 0,
    onsetAtMs: worst?.onsetAtMs ?? null,
    failureAtMs,
    faults: faults.map((f) => ({ ...f, severity: finiteOrNull(f.severity), nominalFailureLifeS: finiteOrNull(f.nominalFailureLifeS) })),
  };
}
