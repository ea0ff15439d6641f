/**
 * The PHM 2012 challenge score against values worked out by hand from its definition, and the
 * score-optimal point against a brute-force search of the expected accuracy.
 */
import { describe, expect, it } from 'vitest';
import { PdmError } from '../../../common/errors.ts';
import { normalCdf } from '../../../models/rul/normal.ts';
import { phmAccuracy, phmPercentError, phmScore, ScoreOptimalPoint } from '../../../models/rul/phm-score.ts';

describe('PHM 2012 score', () => {
  it('percent error is 100 (actual - predicted) / actual, negative when the prediction is too long', () => {
    expect(phmPercentError(1000, 1000)).toBe(0);
    expect(phmPercentError(1000, 1050)).toBeCloseTo(-5, 12);
    expect(phmPercentError(1000, 800)).toBeCloseTo(20, 12);
    expect(phmPercentError(339, 0)).toBe(100);
  });

  it('halves the accuracy for every 5 % over-predicted and every 20 % under-predicted', () => {
    expect(phmAccuracy(1000, 1000)).toBe(1);
    expect(phmAccuracy(1000, 1050)).toBeCloseTo(0.5, 12); // Er = -5: exp(ln 0.5)
    expect(phmAccuracy(1000, 1100)).toBeCloseTo(0.25, 12); // Er = -10
    expect(phmAccuracy(1000, 800)).toBeCloseTo(0.5, 12); // Er = 20
    expect(phmAccuracy(1000, 600)).toBeCloseTo(0.25, 12); // Er = 40
    expect(phmAccuracy(1000, 0)).toBeCloseTo(2 ** -5, 12); // Er = 100: a prediction of 0 s still scores 1/32
    expect(phmAccuracy(1000, 1010)).toBeCloseTo(2 ** -0.2, 12); // Er = -1
    expect(phmAccuracy(1000, 990)).toBeCloseTo(2 ** -0.05, 12); // Er = 1
    // The example: 26 000 s predicted for 3 090 s left (Er = -741 %).
    expect(phmAccuracy(3090, 26000)).toBeLessThan(1e-40);
  });

  it('the score is the mean accuracy over the runs', () => {
    expect(
      phmScore([
        { actualS: 1000, predictedS: 1050 },
        { actualS: 1000, predictedS: 800 },
        { actualS: 500, predictedS: 500 },
        { actualS: 2000, predictedS: 1200 },
      ]),
    ).toBeCloseTo((0.5 + 0.5 + 1 + 0.25) / 4, 12);
  });

  it('refuses impossible input, naming it', () => {
    expect(() => phmAccuracy(0, 10)).toThrow(PdmError);
    expect(() => phmAccuracy(0, 10)).toThrow(/actual remaining life must be a positive number of seconds, got 0/);
    expect(() => phmAccuracy(100, Number.NaN)).toThrow(/predicted remaining life .* got NaN \(actual 100\)/);
    expect(() => phmAccuracy(100, -1)).toThrow(/predicted remaining life/);
    expect(() => phmScore([])).toThrow(/no runs to score/);
  });
});

/** The solver's grid: 0, then geometric from 1e-6 x horizon to the horizon. */
const GRID = 320;
const STEP = Math.log(1e6) / (GRID - 2);
function grid(horizon: number): Float64Array {
  const r = new Float64Array(GRID);
  for (let i = 1; i < GRID; i++) r[i] = horizon * 1e-6 * Math.exp((i - 1) * STEP);
  return r;
}
function logNormalCdf(r: Float64Array, median: number, sd: number, atZero = 0): Float64Array {
  return Float64Array.from(r, (x, i) => (i === 0 ? atZero : atZero + (1 - atZero) * normalCdf((Math.log(x) - Math.log(median)) / sd)));
}
/** Expected accuracy of predicting p, the bins' masses at their geometric midpoints (brute force). */
function expectedAccuracy(p: number, r: Float64Array, cdf: Float64Array): number {
  let e = p === 0 ? cdf[0] : 0;
  for (let i = 1; i < r.length; i++) {
    const m = r[i] * Math.exp(-STEP / 2);
    e += (cdf[i] - cdf[i - 1]) * phmAccuracy(m, p);
  }
  return e;
}

describe('score-optimal point', () => {
  const solver = new ScoreOptimalPoint(GRID, STEP);
  const r = grid(1e5);

  it.each([
    [3000, 0.05],
    [3000, 0.3],
    [3000, 1],
    [20000, 2],
  ])('log-normal with median %d s and log spread %d: the point is as good as a brute-force search, and below the median', (median, sd) => {
    const cdf = logNormalCdf(r, median, sd);
    const p = solver.solve(r, cdf);
    let best = 0;
    for (let q = median / 200; q < 2 * median; q *= 1.002) best = Math.max(best, expectedAccuracy(q, r, cdf));
    expect(expectedAccuracy(p, r, cdf)).toBeGreaterThan(best - 2e-3);
    expect(p).toBeLessThan(median);
  });

  it('for a narrow distribution sits near its 20 % quantile (the linearised loss), farther down as it widens', () => {
    const narrow = solver.solve(r, logNormalCdf(r, 3000, 0.05));
    const q = (z: number, sd: number) => 3000 * Math.exp(z * sd);
    // 20 % quantile: z = -0.8416.
    expect(narrow).toBeGreaterThan(q(-1.28, 0.05)); // above the 10 % quantile
    expect(narrow).toBeLessThan(q(-0.52, 0.05)); // below the 30 % quantile
    const wide = solver.solve(r, logNormalCdf(r, 3000, 0.3));
    expect(wide / 3000).toBeLessThan(narrow / 3000);
  });

  it('predicts 0 s only when most of the mass says the failure criterion is already reached', () => {
    expect(solver.solve(r, logNormalCdf(r, 3000, 0.3, 0.7))).toBe(0);
    expect(solver.solve(r, logNormalCdf(r, 3000, 0.3, 0.05))).toBeGreaterThan(0);
  });

  it('is NaN without any mass', () => {
    expect(solver.solve(r, new Float64Array(GRID))).toBeNaN();
  });

  it('refuses a grid it cannot use', () => {
    expect(() => new ScoreOptimalPoint(2, STEP)).toThrow(/at least 3 points/);
    expect(() => new ScoreOptimalPoint(GRID, 0)).toThrow(/log step 0/);
  });
});
