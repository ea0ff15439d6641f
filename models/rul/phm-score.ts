/**
 * The IEEE PHM 2012 prognostic challenge's score (Nectoux et al. 2012, "PRONOSTIA: an
 * experimental platform for bearings accelerated degradation tests"), and the point estimate that
 * maximises it under a predictive distribution.
 *
 * For a test run with actual remaining life ActRUL and prediction RUL, the percent error is
 *     Er = 100 (ActRUL - RUL) / ActRUL         (negative: over-predicted, the machine fails sooner)
 * and its accuracy
 *     A = exp(-ln(0.5) Er / 5)   when Er <= 0  (halved by every 5 % of over-prediction),
 *     A = exp(+ln(0.5) Er / 20)  when Er > 0   (halved by every 20 % of under-prediction);
 * the score is the mean accuracy over the runs. Over-predicting costs four times as much per
 * percent as under-predicting, as a failure before the planned stop costs more than an early stop.
 */
import { PdmError } from '../../common/errors.ts';

const LN2 = Math.LN2;

/** Er = 100 (actual - predicted) / actual: negative when the prediction is too long. */
export function phmPercentError(actualS: number, predictedS: number): number {
  if (!(actualS > 0) || !Number.isFinite(actualS)) {
    throw new PdmError(
      'PDM_ERR_INPUT_VALUE',
      `PHM 2012 score: the actual remaining life must be a positive number of seconds, got ${actualS}`,
    );
  }
  if (!(predictedS >= 0) || !Number.isFinite(predictedS)) {
    throw new PdmError(
      'PDM_ERR_INPUT_VALUE',
      `PHM 2012 score: the predicted remaining life must be a finite number of seconds >= 0, got ${predictedS} (actual ${actualS})`,
    );
  }
  return (100 * (actualS - predictedS)) / actualS;
}

/** The challenge's accuracy of one prediction, in (0, 1]. */
export function phmAccuracy(actualS: number, predictedS: number): number {
  const er = phmPercentError(actualS, predictedS);
  return er <= 0 ? Math.exp((LN2 * er) / 5) : Math.exp((-LN2 * er) / 20);
}

/** The challenge's score: mean accuracy over the runs. */
export function phmScore(cases: readonly { actualS: number; predictedS: number }[]): number {
  if (cases.length === 0) throw new PdmError('PDM_ERR_INPUT_VALUE', 'PHM 2012 score: no runs to score');
  return cases.reduce((a, c) => a + phmAccuracy(c.actualS, c.predictedS), 0) / cases.length;
}

/**
 * The point p maximising the expected accuracy E[A(R, p)] when the remaining life R has the CDF
 * `cdf` on the grid `r`: r[0] = 0, then geometric, r[i] = r[1] e^{(i-1) logStep}. This is the
 * Bayes decision for the score's asymmetric loss: not the median but, for a narrow distribution,
 * near its 20 % quantile (the linearised loss is a pinball loss with slopes 1/5 and 1/20 on the
 * relative error, whose optimum is the 1/20 / (1/5 + 1/20) = 0.2 quantile of the distribution
 * weighted by 1/R), and lower still the wider the distribution, since a relative error is
 * unbounded upwards only.
 *
 * The mass between r[i-1] and r[i] is taken at their geometric mean, the mass at 0 (a failure
 * criterion already reached), if any, at 0. On a geometric grid A depends on the candidate and a
 * bin only through their index difference, so the accuracies are tabulated once and each
 * candidate costs one pass of multiply-adds (no exp per window); the best grid candidate is
 * refined between its neighbours by golden section on the exact expected accuracy. Returns NaN
 * when there is no mass.
 */
export class ScoreOptimalPoint {
  readonly #over: Float64Array;
  readonly #under: Float64Array;
  readonly #logStep: number;
  readonly #expected: Float64Array;
  /** Suffix sums of the bins' masses and of mass ÷ midpoint (for the far under-predicted tail). */
  readonly #tailMass: Float64Array;
  readonly #tailMassOverMid: Float64Array;

  constructor(gridSize: number, logStep: number) {
    if (!(logStep > 0) || !(gridSize >= 3)) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `score-optimal point: needs a geometric grid of at least 3 points, got ${gridSize} with log step ${logStep}`,
      );
    }
    this.#logStep = logStep;
    // Candidate k, bin i: p / m = e^{(k - i + 1/2) logStep}. Over-prediction (k >= i) until A < 1e-9.
    const over: number[] = [];
    for (let d = 0; d < gridSize; d++) {
      const a = accuracyOfRatio(Math.exp((d + 0.5) * logStep));
      over.push(a);
      if (a < 1e-9) break;
    }
    this.#over = Float64Array.from(over);
    // Under-prediction exactly while p / m > 0.01; beyond, A = 2^-5 2^{5 p/m} ~ 2^-5 (1 + 5 ln2 p/m),
    // off by under 0.1 %, summed in O(1) from suffix sums.
    const exact = Math.min(gridSize, Math.ceil(0.5 + Math.log(100) / logStep));
    this.#under = Float64Array.from({ length: exact }, (_, j) => accuracyOfRatio(Math.exp((0.5 - j) * logStep)));
    this.#expected = new Float64Array(gridSize);
    this.#tailMass = new Float64Array(gridSize + 1);
    this.#tailMassOverMid = new Float64Array(gridSize + 1);
  }

  solve(r: Float64Array, cdf: Float64Array): number {
    const n = r.length;
    if (!(cdf[n - 1] > 0)) return Number.NaN;
    const zeroMass = cdf[0];
    const over = this.#over;
    const under = this.#under;
    const e = this.#expected;
    const tm = this.#tailMass;
    const tmm = this.#tailMassOverMid;
    const shrink = Math.exp(-0.5 * this.#logStep);
    tm[n] = 0;
    tmm[n] = 0;
    for (let i = n - 1; i >= 1; i--) {
      const w = cdf[i] - cdf[i - 1];
      tm[i] = tm[i + 1] + w;
      tmm[i] = tmm[i + 1] + w / (r[i] * shrink);
    }
    let best = 0;
    let bestValue = zeroMass; // predicting 0 s scores 1 on the mass at 0 and 0 elsewhere
    for (let k = 1; k < n; k++) {
      e[k] = Number.NaN;
      // Below the 0.1 % quantile a prediction is almost surely short, so raising it gains; beyond
      // 80 % of the mass over-prediction dominates. No optimum lies outside.
      if (cdf[k] < 0.001) continue;
      if (cdf[k - 1] > 0.8) break;
      let sum = 0;
      // Bins at or below the candidate (over-predicted): i = k - d.
      for (let d = 0; d < over.length && k - d >= 1; d++) sum += (cdf[k - d] - cdf[k - d - 1]) * over[d];
      // Bins above it (under-predicted): i = k + j.
      const exactEnd = Math.min(n, k + under.length);
      for (let i = k + 1; i < exactEnd; i++) sum += (cdf[i] - cdf[i - 1]) * under[i - k];
      if (exactEnd < n) sum += TWO_TO_MINUS_5 * (tm[exactEnd] + 5 * LN2 * r[k] * tmm[exactEnd]);
      e[k] = sum;
      if (sum > bestValue) {
        bestValue = sum;
        best = k;
      }
    }
    if (best === 0) return 0;
    // Between the neighbouring grid points the expected accuracy is evaluated exactly (it has a
    // kink where p crosses a bin, so a parabola would not do for a narrow distribution): a few
    // golden-section steps, down to 1 % of the bracket (under 0.1 % of p).
    let lo = r[best] * Math.exp(-this.#logStep);
    let hi = best + 1 < n ? r[best + 1] : r[best];
    const shrinkMid = Math.exp(-0.5 * this.#logStep);
    // Bins more than 2x below p score under 1e-9 (left out); bins more than 100x above it are the
    // tail of the table above.
    const tailFrom = Math.min(n, best + this.#under.length);
    const from = Math.max(1, best - this.#over.length);
    const at = (p: number): number => {
      let sum = tailFrom < n ? TWO_TO_MINUS_5 * (tm[tailFrom] + 5 * LN2 * p * tmm[tailFrom]) : 0;
      for (let i = from; i < tailFrom; i++) {
        const w = cdf[i] - cdf[i - 1];
        if (w > 1e-12) sum += w * accuracyOfRatio(p / (r[i] * shrinkMid));
      }
      return sum;
    };
    let a = hi - GOLDEN * (hi - lo);
    let b = lo + GOLDEN * (hi - lo);
    let fa = at(a);
    let fb = at(b);
    for (let it = 0; it < 10; it++) {
      if (fa >= fb) {
        hi = b;
        b = a;
        fb = fa;
        a = hi - GOLDEN * (hi - lo);
        fa = at(a);
      } else {
        lo = a;
        a = b;
        fa = fb;
        b = lo + GOLDEN * (hi - lo);
        fb = at(b);
      }
    }
    const refined = fa >= fb ? a : b;
    return Math.max(fa, fb) >= bestValue ? refined : r[best];
  }
}

const GOLDEN = 0.6180339887498949;

const TWO_TO_MINUS_5 = 2 ** -5;

/** A for a prediction that is `ratio` times the actual remaining life. */
function accuracyOfRatio(ratio: number): number {
  // Er = 100 (1 - ratio)
  const er = 100 * (1 - ratio);
  return er <= 0 ? Math.exp((LN2 * er) / 5) : Math.exp((-LN2 * er) / 20);
}
