/**
 * The PHM 2012 protocol's harness (tools/harness/rul-protocol.ts): its cuts are the stated ones,
 * reading the whole replay's row at a cut is what `pdm rul` says for the series truncated there
 * (the monitor is causal), and the summary counts what it says it counts.
 */
import { describe, expect, it } from 'vitest';
import { loadFemtoHistories } from '../../../tools/harness/femto-histories.ts';
import {
  CHALLENGE_CUTS,
  CHALLENGE_TEST_RUNS,
  cutIndex,
  leaveOneOutReplays,
  type ProtocolCase,
  protocolCases,
  summarize,
  truncatedReplayAgrees,
} from '../../../tools/harness/rul-protocol.ts';

const histories = loadFemtoHistories();

describe('PHM 2012 protocol harness', () => {
  it("cuts at the challenge's eleven fractions of life: observed ÷ (observed + remaining)", () => {
    expect(CHALLENGE_TEST_RUNS).toHaveLength(11);
    expect(CHALLENGE_CUTS[0]).toBeCloseTo(18010 / 23740, 12); // Bearing1_3
    expect(CHALLENGE_CUTS[1]).toBeCloseTo(11380 / 11719, 12); // Bearing1_4, 339 s left
    expect(Math.min(...CHALLENGE_CUTS)).toBeGreaterThan(0.6);
    expect(Math.max(...CHALLENGE_CUTS)).toBeLessThan(0.98);
  });

  it('the cut is the last row at or before the fraction of life', () => {
    const h = histories.find((x) => x.bearing === 'Bearing2_1')!;
    const i = cutIndex(h, 0.5);
    expect(h.times[i] - h.times[0]).toBeLessThanOrEqual(0.5 * h.lifetimeS);
    expect(h.times[i + 1] - h.times[0]).toBeGreaterThan(0.5 * h.lifetimeS);
  });

  it("the whole replay's row at a cut is the last row of the series truncated there (as pdm rul would read it)", () => {
    const replays = leaveOneOutReplays(histories, {}, ['Bearing2_1']);
    for (const f of [0.5, CHALLENGE_CUTS[7]]) expect(truncatedReplayAgrees(histories, replays, 'Bearing2_1', f), String(f)).toBe(true);
    // And the cases read that row: the truth is the time from the cut to the end of the history.
    const cases = protocolCases(
      histories.filter((h) => h.bearing === 'Bearing2_1'),
      replays,
      [0.5],
      'point',
    );
    const h = histories.find((x) => x.bearing === 'Bearing2_1')!;
    const i = cutIndex(h, 0.5);
    expect(cases).toHaveLength(1);
    expect(cases[0].actualS).toBe(h.times[h.times.length - 1] - h.times[i]);
    expect(cases[0].predictedS).toBe(replays.get('Bearing2_1')![i].rul_s!.point);
  });

  it('summarises score, median |error|, over-predictions, zeros, coverage and the interval ratio', () => {
    const c = (actualS: number, predictedS: number, lower: number, upper: number, accuracy: number): ProtocolCase => ({
      name: 'b',
      fraction: 0.5,
      ageS: 0,
      actualS,
      predictedS,
      lower,
      upper,
      basis: 'degradation',
      percentError: (100 * (actualS - predictedS)) / actualS,
      accuracy,
    });
    const s = summarize([c(1000, 1050, 500, 2000, 0.5), c(1000, 800, 1100, 1800, 0.5), c(100, 0, 0, 0, 2 ** -5)]);
    expect(s).toStrictEqual({
      cases: 3,
      score: (1 + 2 ** -5) / 3,
      medianAbsPercentError: 20,
      overPredicted: 1,
      zeroPredictions: 1,
      covered: 1,
      medianUpperOverLower: 4,
    });
  });
});
