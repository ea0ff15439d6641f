/**
 * The PHM 2012 protocol on the six FEMTO learning bearings (`tools/rul-protocol-report.ts` writes
 * it into MODELS.md, `bench/rul-protocol.bench.ts` prints it): leave-one-out, the left-out history
 * cut at fixed fractions of its life, remaining life predicted at the cut from the data up to the
 * cut only, scored with the challenge's function (models/rul/phm-score.ts).
 *
 * Two fixed sets of cuts, both stated before measuring:
 *  - UNIFORM_CUTS: 50, 60, 70, 80 and 90 % of life;
 *  - CHALLENGE_CUTS: the fractions of life at which the challenge cut its eleven test runs
 *    (observed time ÷ (observed time + remaining life to predict), from the test set's table in
 *    Nectoux et al. 2012: Bearing1_3 18010 s + 5730 s, 1_4 11380 + 339, 1_5 23010 + 1610, 1_6 23010 +
 *    1460, 1_7 15010 + 7570, 2_3 12010 + 7530, 2_4 6110 + 1390, 2_5 20010 + 3090, 2_6 5710 + 1290,
 *    2_7 1710 + 580, 3_3 3510 + 820), so each learning bearing is asked the challenge's questions.
 *
 * The prediction at a cut is the one `pdm rul` prints for the last row of the truncated series.
 * The monitor is causal (a row depends only on rows before it), so the row at the cut of one
 * replay of the whole history is that prediction; `truncatedReplayAgrees` checks it by replaying
 * the truncated series (the unit test and the bench call it).
 */
import type { History } from '../../models/rul/fleet-training.ts';
import type { MonitorConfigInput } from '../../models/rul/monitor-config.ts';
import {
  casesAtCuts,
  cutIndex as cutIndexOfTimes,
  type EvaluationCase,
  type EvaluationSummary,
  leaveOneOutReplays as leaveOneOutReplaysOf,
  type ScoredPoint,
  summarizeCases,
} from '../../models/rul/phm-evaluation.ts';
import { type ReplayedRow, replay } from '../../models/rul/replay.ts';
import { FEMTO_FEATURES, type FemtoHistory } from './femto-histories.ts';

export type { ScoredPoint };
export type ProtocolCase = EvaluationCase;
export type ProtocolSummary = EvaluationSummary;
export const summarize = summarizeCases;

export const UNIFORM_CUTS = [0.5, 0.6, 0.7, 0.8, 0.9] as const;

/**
 * 50 to 95 % of life in steps of 0.5 %: a score over these is smooth in the prediction, where one
 * over eleven or five cuts is dominated by the few cuts a prediction happens to hit closely.
 */
export const DENSE_CUTS: readonly number[] = Array.from({ length: 91 }, (_, k) => 0.5 + k * 0.005);

/** The challenge's eleven test runs: observed seconds and remaining life at the cut. */
export const CHALLENGE_TEST_RUNS = [
  ['Bearing1_3', 18010, 5730],
  ['Bearing1_4', 11380, 339],
  ['Bearing1_5', 23010, 1610],
  ['Bearing1_6', 23010, 1460],
  ['Bearing1_7', 15010, 7570],
  ['Bearing2_3', 12010, 7530],
  ['Bearing2_4', 6110, 1390],
  ['Bearing2_5', 20010, 3090],
  ['Bearing2_6', 5710, 1290],
  ['Bearing2_7', 1710, 580],
  ['Bearing3_3', 3510, 820],
] as const;

export const CHALLENGE_CUTS: readonly number[] = CHALLENGE_TEST_RUNS.map(([, seen, left]) => seen / (seen + left));

/** A FEMTO history as the model's history, with the conditions `pdm rul --load/--rpm/--train-load/--train-rpm` would be given (metadata.json). */
function asHistory(h: FemtoHistory): History {
  return { name: h.bearing, times: h.times, rows: h.rows, condition: { loadN: h.loadN, speedRpm: h.speedRpm } };
}

function withFeatures(config: MonitorConfigInput): MonitorConfigInput {
  return { ...config, anomaly: { ...(config.anomaly ?? {}), features: [...FEMTO_FEATURES] } };
}

/** Index of the last row at or before `fraction` of the history's life. */
export function cutIndex(h: FemtoHistory, fraction: number): number {
  return cutIndexOfTimes(h.times, fraction);
}

/** Leave-one-out replays (one per bearing, whole history; only the `only` bearings when given) with `config`. */
export function leaveOneOutReplays(
  histories: readonly FemtoHistory[],
  config: MonitorConfigInput = {},
  only?: readonly string[],
): Map<string, ReplayedRow[]> {
  return leaveOneOutReplaysOf(histories.map(asHistory), withFeatures(config), only);
}

export function protocolCases(
  histories: readonly FemtoHistory[],
  replays: ReadonlyMap<string, readonly ReplayedRow[]>,
  cuts: readonly number[],
  scored: ScoredPoint,
): ProtocolCase[] {
  return histories.flatMap((h) => casesAtCuts(h.bearing, h.times, replays.get(h.bearing)!, cuts, scored));
}

/**
 * Replays the series truncated at `fraction` (as `pdm rul` would read a file that ends there) and
 * says whether its last row equals the whole replay's row at the cut.
 */
export function truncatedReplayAgrees(
  histories: readonly FemtoHistory[],
  replays: ReadonlyMap<string, readonly ReplayedRow[]>,
  bearing: string,
  fraction: number,
  config: MonitorConfigInput = {},
): boolean {
  const h = histories.find((x) => x.bearing === bearing)!;
  const i = cutIndex(h, fraction);
  const whole = asHistory(h);
  const r = replay(
    { ...whole, times: h.times.slice(0, i + 1), rows: h.rows.slice(0, i + 1) },
    histories.filter((x) => x !== h).map(asHistory),
    withFeatures(config),
  );
  return JSON.stringify(r.rows[i]) === JSON.stringify(replays.get(bearing)![i]);
}
