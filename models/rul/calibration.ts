/**
 * Remaining-life intervals calibrated on the training histories themselves (an inner
 * leave-one-out), instead of taken at face value from a distribution whose tails are set by the
 * fleet model and the trend's noise model.
 *
 * At learning time (fleet-training.ts) each training history is replayed as if it were the asset,
 * with the fleet learnt from the others, and cut at fixed fractions of its life; at every cut the
 * model's median, interval and the true remaining life give one case:
 *
 *     e = ln(actual / median),  below = ln(median / lower),  above = ln(upper / median).
 *
 * Two ways of using the cases, both split-conformal in log remaining life (Vovk et al. 2005;
 * Lei et al. 2018; Papadopoulos et al. 2002 for the normalised score):
 *
 *  - 'scale': the score of a case is |e| divided by the half-width of the model's interval on
 *    e's side (the interval's log distance from the median toward the truth). The conformal
 *    quantile lambda of the scores (the ceil((n+1) coverage)-th smallest) is the factor by which
 *    the model's log interval must be stretched about its median to have contained the truth in
 *    that share of the cases: lambda > 1 widens an over-confident model, lambda < 1 narrows an
 *    under-confident one. The whole distribution is stretched alike (F'(r) = F(m (r/m)^(1/lambda)),
 *    m the median), so the score-optimal point moves with it: further below the median when
 *    the model proved over-confident.
 *  - 'residual': the distribution is the median times the inner cases' errors,
 *    F'(r) = mean_k Phi((ln(r/m) - e_k) / h), h their kernel width (Silverman's rule): the model's
 *    own spread is replaced by how wrong it was on the histories. A bias (the model long on
 *    every history) moves the median too.
 *
 * Either way nothing is set by hand: the cases come from the training histories, and with fewer
 * than `minCases` cases the calibration is not applied (the model's distribution is kept).
 */

export interface RulCalibrationCases {
  /** ln(actual / median) per inner case. */
  logRatio: number[];
  /** ln(median / lower) per case (capped at 50 nepers: a lower end of 0 s). */
  logBelow: number[];
  /** ln(upper / median) per case. */
  logAbove: number[];
  /** ln(actual / point) per case, the score-optimal point (absent in cases learnt before it). */
  logRatioPoint?: number[];
}

/**
 * The factor by which the model's score-optimal point is multiplied so that it would have scored
 * best on the inner cases: exp(c), c maximising the mean PHM 2012 accuracy of exp(c - e_k) (the
 * accuracy depends on predicted / actual only), on a grid of 0.01 neper from -5 to +2. Below 1
 * when the model's points were too long on the training histories. NaN with too few cases.
 */
export function pointFactor(c: RulCalibrationCases): number {
  const e = (c.logRatioPoint ?? []).filter(Number.isFinite);
  if (e.length < MIN_CALIBRATION_CASES) return Number.NaN;
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let k = -500; k <= 200; k++) {
    const x = k / 100;
    let sum = 0;
    for (const ek of e) sum += accuracyOfRatio(Math.exp(x - ek));
    if (sum > bestValue) {
      bestValue = sum;
      best = x;
    }
  }
  return Math.exp(best);
}

/** PHM 2012 accuracy of a prediction `ratio` times the actual remaining life (phm-score.ts). */
function accuracyOfRatio(ratio: number): number {
  const er = 100 * (1 - ratio);
  return er <= 0 ? Math.exp((Math.LN2 * er) / 5) : Math.exp((-Math.LN2 * er) / 20);
}

export type CalibrationMethod = 'none' | 'scale' | 'residual';

export const MIN_CALIBRATION_CASES = 5;

/**
 * Conformal stretch factor of the log interval: the ceil((n+1) coverage)-th smallest normalised
 * score (the largest when that rank exceeds n). NaN with too few cases.
 */
export function conformalScale(c: RulCalibrationCases, coverage: number): number {
  const scores: number[] = [];
  for (let k = 0; k < c.logRatio.length; k++) {
    const e = c.logRatio[k];
    const half = e >= 0 ? c.logAbove[k] : c.logBelow[k];
    if (!Number.isFinite(e)) continue;
    // A side of zero width that missed is a miss no stretch repairs: an infinite score.
    scores.push(e === 0 ? 0 : half > 0 ? Math.abs(e) / half : Number.POSITIVE_INFINITY);
  }
  const n = scores.length;
  if (n < MIN_CALIBRATION_CASES) return Number.NaN;
  scores.sort((a, b) => a - b);
  const rank = Math.min(n, Math.ceil((n + 1) * coverage));
  const s = scores[rank - 1];
  // Every case inside the model's own interval and centred: nothing to stretch by; keep a floor
  // so the interval never collapses to the median.
  return Number.isFinite(s) ? Math.max(s, 0.05) : (scores.filter(Number.isFinite).at(-1) ?? Number.NaN);
}

/** The inner cases' log errors and their kernel width, for 'residual'; null with too few cases. */
export function residualKernel(c: RulCalibrationCases): { errors: Float64Array; bandwidth: number } | null {
  const errors = c.logRatio.filter(Number.isFinite);
  if (errors.length < MIN_CALIBRATION_CASES) return null;
  // Silverman's rule (1986, eq. 3.31), not cross-validation: the cases come in runs of one history
  // each, nearly equal, and a cross-validated width would collapse onto them.
  const n = errors.length;
  const mean = errors.reduce((a, x) => a + x, 0) / n;
  const sd = Math.sqrt(errors.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const s = [...errors].sort((a, b) => a - b);
  const iqr = quantileSorted(s, 0.75) - quantileSorted(s, 0.25);
  const spread = iqr > 0 ? Math.min(sd, iqr / 1.349) : sd;
  return { errors: Float64Array.from(errors), bandwidth: Math.max(0.9 * spread * n ** -0.2, 0.01) };
}

function quantileSorted(s: readonly number[], q: number): number {
  const x = q * (s.length - 1);
  const i = Math.floor(x);
  return i + 1 < s.length ? s[i] + (x - i) * (s[i + 1] - s[i]) : s[i];
}
