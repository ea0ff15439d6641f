/**
 * The remaining-life model on the PHM 2012 protocol (tools/harness/rul-protocol.ts): leave-one-out
 * over the six FEMTO learning bearings, each cut at the challenge's eleven fractions of life and
 * at 50-90 %, scored with the challenge's function. References, in the same run: the model before
 * the state work (Bayesian Weibull fleet, trend + fleet, uncalibrated; its score-optimal point
 * scored) and the model as it was before the score-optimal point and the dropping of passed
 * training failure levels (its median scored). A measurement, not a test threshold. Prints one
 * JSON line.
 *
 *   node bench/rul-protocol.bench.ts
 */
import type { MonitorConfigInput } from '../models/rul/monitor-config.ts';
import { loadFemtoHistories } from '../tools/harness/femto-histories.ts';
import {
  CHALLENGE_CUTS,
  leaveOneOutReplays,
  type ProtocolSummary,
  protocolCases,
  type ScoredPoint,
  summarize,
  truncatedReplayAgrees,
  UNIFORM_CUTS,
} from '../tools/harness/rul-protocol.ts';

const histories = loadFemtoHistories();

function measure(config: MonitorConfigInput, scored: ScoredPoint) {
  const t0 = process.hrtime.bigint();
  const replays = leaveOneOutReplays(histories, config);
  const replayMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const round = (s: ProtocolSummary) => ({
    ...s,
    score: Math.round(s.score * 1000) / 1000,
    medianAbsPercentError: Math.round(s.medianAbsPercentError * 10) / 10,
    medianUpperOverLower: Number.isFinite(s.medianUpperOverLower) ? Math.round(s.medianUpperOverLower * 10) / 10 : null,
  });
  return {
    replays,
    summary: {
      scored,
      challenge: round(summarize(protocolCases(histories, replays, CHALLENGE_CUTS, scored))),
      uniform: round(summarize(protocolCases(histories, replays, UNIFORM_CUTS, scored))),
      replayMs: Math.round(replayMs),
    },
  };
}

const model = measure({}, 'point');
const BEFORE_STATE = { fleetModel: 'weibull', combine: 'trend+fleet', calibration: { method: 'none' } } as const;
const beforeState = measure({ rul: BEFORE_STATE }, 'point');
const reference = measure({ rul: { ...BEFORE_STATE, unreachedThresholds: false } }, 'median');
// The protocol reads the whole replay's row at each cut; replaying series truncated at the
// challenge's cuts must give the same rows (the monitor is causal).
const checked = histories.map((h) => truncatedReplayAgrees(histories, model.replays, h.bearing, CHALLENGE_CUTS[0]));
process.stdout.write(
  `${JSON.stringify({
    bench: 'rul-protocol',
    bearings: histories.map((h) => h.bearing),
    cuts: { challenge: CHALLENGE_CUTS.map((c) => Math.round(c * 1000) / 1000), uniform: [...UNIFORM_CUTS] },
    model: model.summary,
    beforeState: beforeState.summary,
    reference: reference.summary,
    truncatedReplaysAgree: checked.every(Boolean),
    goal: { score: 0.35, medianAbsPercentError: 40, coveredOf11: 8, medianUpperOverLower: 5 },
  })}\n`,
);
