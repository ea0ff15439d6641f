/**
 * Remaining life from the fleet's life distribution, before an asset shows degradation. A
 * two-parameter Weibull is fitted to the lifetimes of the training histories; with the handful of
 * run-to-failure histories a plant has, a point estimate of the shape would be wildly
 * over-confident (two lifetimes fix a shape almost anywhere), so the fit is Bayesian on a grid:
 * a weakly informative log-normal prior on the shape around 1.5 (rolling bearing fatigue life
 * scatters with Weibull slopes of about 1.1 to 1.5 - ISO 281, Lundberg-Palmgren - and wear-out
 * makes it steeper), a flat prior on log scale, and the exact Weibull likelihood.
 *
 * The posterior predictive survival S(x) is tabulated once (in logs, over a log-spaced grid), so
 * the per-window conditional survival given the asset's age a,
 *     P(R <= r | T > a) = 1 - S(a + r) / S(a),
 * costs two table look-ups. Conditioning on T > a is the same as adding the asset as a censored
 * observation, so its survival so far is accounted for.
 */
import { PdmError } from '../../common/errors.ts';

export interface WeibullPriorConfig {
  shapeMedian: number;
  shapeLogSd: number;
  /** Smallest shape on the grid (default 0.2). */
  minShape?: number;
}

export const DEFAULT_WEIBULL_PRIOR: WeibullPriorConfig = { shapeMedian: 1.5, shapeLogSd: 0.6 };

const TABLE_POINTS = 600;

export class WeibullFleet {
  readonly lifetimes: readonly number[];
  /** Posterior mean of the shape and of the scale (for reports). */
  readonly shapeMean: number;
  readonly scaleMean: number;
  readonly #logX: Float64Array;
  readonly #logS: Float64Array;

  constructor(lifetimes: readonly number[], prior: WeibullPriorConfig = DEFAULT_WEIBULL_PRIOR) {
    if (lifetimes.length === 0 || lifetimes.some((t) => !(t > 0) || !Number.isFinite(t))) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `fleet life distribution: lifetimes must be positive finite seconds, got [${lifetimes.join(', ')}]`,
      );
    }
    this.lifetimes = [...lifetimes];
    const minT = Math.min(...lifetimes);
    const maxT = Math.max(...lifetimes);
    const shapes = logspace(Math.min(prior.minShape ?? 0.2, 19), 20, 70);
    const scales = logspace(minT / 100, maxT * 100, 90);
    const logW: number[] = [];
    const ks: number[] = [];
    const ls: number[] = [];
    const logTs = lifetimes.map(Math.log);
    for (const k of shapes) {
      const z = (Math.log(k) - Math.log(prior.shapeMedian)) / prior.shapeLogSd;
      const logPriorK = -0.5 * z * z; // log-normal density in log k; grid is log-spaced so no Jacobian
      for (const lam of scales) {
        let ll = logPriorK;
        const logLam = Math.log(lam);
        for (const lt of logTs) ll += Math.log(k) - logLam + (k - 1) * (lt - logLam) - Math.exp(k * (lt - logLam));
        logW.push(ll);
        ks.push(k);
        ls.push(lam);
      }
    }
    const maxW = Math.max(...logW);
    let norm = 0;
    for (let i = 0; i < logW.length; i++) norm += Math.exp(logW[i] - maxW);
    const logNorm = maxW + Math.log(norm);
    let shapeMean = 0;
    let scaleMean = 0;
    for (let i = 0; i < logW.length; i++) {
      logW[i] -= logNorm;
      shapeMean += Math.exp(logW[i]) * ks[i];
      scaleMean += Math.exp(logW[i]) * ls[i];
    }
    this.shapeMean = shapeMean;
    this.scaleMean = scaleMean;
    this.#logX = Float64Array.from(logspace(minT / 1e4, maxT * 1e4, TABLE_POINTS).map(Math.log));
    this.#logS = new Float64Array(TABLE_POINTS);
    for (let j = 0; j < TABLE_POINTS; j++) {
      const lx = this.#logX[j];
      // log sum_g w_g exp(-(x / lambda_g)^k_g), computed stably.
      let m = Number.NEGATIVE_INFINITY;
      const terms = new Float64Array(logW.length);
      for (let i = 0; i < logW.length; i++) {
        terms[i] = logW[i] - Math.exp(ks[i] * (lx - Math.log(ls[i])));
        if (terms[i] > m) m = terms[i];
      }
      let s = 0;
      for (let i = 0; i < terms.length; i++) s += Math.exp(terms[i] - m);
      this.#logS[j] = m + Math.log(s);
    }
  }

  /** log S(x) of the posterior predictive life distribution (x in seconds). */
  logSurvival(x: number): number {
    if (x <= 0) return 0;
    const lx = Math.log(x);
    const X = this.#logX;
    const n = X.length;
    if (lx <= X[0]) return this.#logS[0] * Math.exp(lx - X[0]) ** this.shapeMean; // tends to 0 toward x = 0
    if (lx >= X[n - 1]) return this.#logS[n - 1];
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (X[mid] <= lx) lo = mid;
      else hi = mid;
    }
    const f = (lx - X[lo]) / (X[hi] - X[lo]);
    return this.#logS[lo] + f * (this.#logS[hi] - this.#logS[lo]);
  }

  /** P(remaining life <= r | survived to age). */
  conditionalCdf(r: number, age: number): number {
    return 1 - Math.exp(this.logSurvival(age + r) - this.logSurvival(age));
  }
}

export function logspace(from: number, to: number, n: number): number[] {
  const a = Math.log(from);
  const b = Math.log(to);
  return Array.from({ length: n }, (_, i) => Math.exp(a + ((b - a) * i) / (n - 1)));
}

/** Plain maximum-likelihood Weibull (for comparison in reports): Newton on the shape's profile equation. */
export function weibullMle(lifetimes: readonly number[]): { shape: number; scale: number } {
  const logs = lifetimes.map(Math.log);
  const n = lifetimes.length;
  let k = 1.5;
  for (let it = 0; it < 200; it++) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (const l of logs) {
      const e = Math.exp(k * l);
      s0 += e;
      s1 += e * l;
      s2 += e * l * l;
    }
    const meanLog = logs.reduce((a, b) => a + b, 0) / n;
    const f = s1 / s0 - 1 / k - meanLog;
    const df = (s2 * s0 - s1 * s1) / (s0 * s0) + 1 / (k * k);
    const next = Math.min(200, Math.max(0.05, k - f / df));
    if (Math.abs(next - k) < 1e-12 * k) break;
    k = next;
  }
  const scale = (lifetimes.reduce((a, t) => a + t ** k, 0) / n) ** (1 / k);
  return { shape: k, scale };
}
