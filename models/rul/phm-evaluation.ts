/**
 * The remaining-life model judged as the IEEE PHM 2012 challenge judged its entrants, on any
 * feature histories (`pdm rul-eval`, and the FEMTO protocol in tools/harness/rul-protocol.ts):
 *
 * - leave-one-out over run-to-failure histories: each in turn is the asset, the others its fleet,
 *   and its remaining life is predicted at fixed fractions of its life from the rows up to there;
 * - test series cut off before failure, with their true remaining life: the fleet is every
 *   run-to-failure history, and each series is predicted at its last row (the challenge's own
 *   protocol).
 *
 * A prediction is the row `pdm rul` prints at that time (the monitor is causal, so the row of a
 * whole replay at index i equals the last row of a replay of the rows up to i; the FEMTO protocol
 * test checks it), scored with the challenge's accuracy (phm-score.ts).
 */
import type { History } from './fleet-training.ts';
import type { MonitorConfigInput } from './monitor-config.ts';
import { phmAccuracy, phmPercentError } from './phm-score.ts';
import { type ReplayedRow, replay } from './replay.ts';

/** Which of a prediction's numbers is scored: the score-optimal point (what to plan with) or the median. */
export type ScoredPoint = 'median' | 'point';

export interface EvaluationCase {
  /** The history or test series predicted. */
  name: string;
  /** The fraction of life asked for (leave-one-out), or null for a test series at its last row. */
  fraction: number | null;
  /** Seconds from the series' first row to the predicting row. */
  ageS: number;
  actualS: number;
  predictedS: number;
  /** The 90 % interval's ends (0 without a basis). */
  lower: number;
  upper: number;
  basis: ReplayedRow['rul_basis'];
  /** 100 (actual - predicted) / actual: negative when over-predicted. */
  percentError: number;
  /** The challenge's accuracy, in (0, 1]. */
  accuracy: number;
}

export interface EvaluationSummary {
  cases: number;
  /** The challenge's score: mean accuracy. */
  score: number;
  medianAbsPercentError: number;
  overPredicted: number;
  /** Predictions of 0 s (every asset was still running where it was predicted). */
  zeroPredictions: number;
  /** Intervals [lower, upper] containing the actual remaining life. */
  covered: number;
  /** Median of upper ÷ lower (Infinity when lower is 0). */
  medianUpperOverLower: number;
}

/** Index of the last row at or before `fraction` of the span from the first row to the last (failure). */
export function cutIndex(times: readonly number[], fraction: number): number {
  const t = times[0] + fraction * (times[times.length - 1] - times[0]);
  let i = 0;
  while (i + 1 < times.length && times[i + 1] <= t) i++;
  return i;
}

/** The case of the prediction in `rows[index]` for an asset with `actualS` left after that row. */
export function caseAt(
  name: string,
  times: readonly number[],
  rows: readonly ReplayedRow[],
  index: number,
  actualS: number,
  fraction: number | null,
  scored: ScoredPoint,
): EvaluationCase {
  const row = rows[index];
  // No basis (no training and no onset) is scored as the horizon-less worst: a prediction of 0 s.
  const predictedS = row.rul_s === null ? 0 : scored === 'point' ? row.rul_s.point : row.rul_s.median;
  return {
    name,
    fraction,
    ageS: times[index] - times[0],
    actualS,
    predictedS,
    lower: row.rul_s?.lower ?? 0,
    upper: row.rul_s?.upper ?? 0,
    basis: row.rul_basis,
    percentError: phmPercentError(actualS, predictedS),
    accuracy: phmAccuracy(actualS, predictedS),
  };
}

/** The cases of one replayed run-to-failure history at each fraction of its life. */
export function casesAtCuts(
  name: string,
  times: readonly number[],
  rows: readonly ReplayedRow[],
  cuts: readonly number[],
  scored: ScoredPoint,
): EvaluationCase[] {
  return cuts.map((fraction) => {
    const i = cutIndex(times, fraction);
    return caseAt(name, times, rows, i, times[times.length - 1] - times[i], fraction, scored);
  });
}

/** Each history replayed as the asset with the others as its fleet (all of them, or the `only` ones). */
export function leaveOneOutReplays(
  histories: readonly History[],
  config: MonitorConfigInput = {},
  only?: readonly string[],
): Map<string, ReplayedRow[]> {
  const out = new Map<string, ReplayedRow[]>();
  for (const h of histories) {
    if (only !== undefined && !only.includes(h.name)) continue;
    out.set(
      h.name,
      replay(
        h,
        histories.filter((x) => x !== h),
        config,
      ).rows,
    );
  }
  return out;
}

/**
 * Test series cut off before failure, each predicted at its last row with every run-to-failure
 * history as the fleet, against the remaining life it really had.
 */
export function testSeriesCases(
  train: readonly History[],
  tests: readonly { series: History; remainingS: number }[],
  config: MonitorConfigInput,
  scored: ScoredPoint,
): EvaluationCase[] {
  return tests.map(({ series, remainingS }) => {
    const rows = replay(series, train, config).rows;
    return caseAt(series.name, series.times, rows, rows.length - 1, remainingS, null, scored);
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 === 1 ? s[(n - 1) >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

export function summarizeCases(cases: readonly EvaluationCase[]): EvaluationSummary {
  return {
    cases: cases.length,
    score: cases.reduce((a, c) => a + c.accuracy, 0) / cases.length,
    medianAbsPercentError: median(cases.map((c) => Math.abs(c.percentError))),
    overPredicted: cases.filter((c) => c.predictedS > c.actualS).length,
    zeroPredictions: cases.filter((c) => c.predictedS === 0).length,
    covered: cases.filter((c) => c.lower <= c.actualS && c.actualS <= c.upper).length,
    medianUpperOverLower: median(cases.map((c) => (c.lower > 0 ? c.upper / c.lower : Number.POSITIVE_INFINITY))),
  };
}
