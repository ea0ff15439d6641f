/**
 * The fleet's life distribution as the training lifetimes themselves, each smeared by a log-normal
 * kernel (a kernel density estimate in log life), instead of a parametric Weibull: remaining life
 * conditioned on the asset's age, P(R <= r | T > a) = 1 - S(a + r) / S(a), with
 *
 *     S(x) = (1/n) sum_i Q((ln x - ln t_i) / h),   Q the standard normal upper tail.
 *
 * Why: a handful of histories at different loads, even scaled to one condition (life-scaling.ts),
 * gives lives in clusters (on the FEMTO learning set: three near 5 000 s and two near 16 000 s at
 * the heaviest load). A single Weibull through both clusters has a small shape, i.e. a falling
 * failure rate, so an asset that has outlived the short cluster is given a long remaining life
 * drawn from the Weibull's heavy tail; the kernel estimate says instead "the next history still
 * running at this age failed at 16 000 s", which is what the histories say.
 *
 * The bandwidth h (in nepers of life) is the one that maximises the leave-one-out likelihood of the
 * log lifetimes (likelihood cross-validation, Habbema et al. 1974; Silverman 1986 §3.4.4): each
 * lifetime scored under the kernels of the others, on a log grid. It is learnt from the histories,
 * not set. With fewer than three lifetimes, or lifetimes so alike that the cross-validation runs
 * to the grid's floor, the bandwidth falls back to / is floored at the scatter of bearing fatigue
 * lives themselves: a Weibull slope of 1.5 (ISO 281, Lundberg-Palmgren) has a log-life standard
 * deviation of pi / (sqrt 6 * 1.5) = 0.85 nepers for the fallback, and the floor is a tenth of it.
 *
 * Past every lifetime the conditional survival is the kernels' Gaussian tail: the remaining life
 * shrinks as the asset ages (about h^2 a / (ln a - ln t_max)), pessimistic where the histories say
 * nothing.
 */
import { PdmError } from '../../common/errors.ts';
import { logErfc, normalCdf } from './normal.ts';

/** What the remaining-life solver asks of a fleet life distribution. */
export interface FleetLife {
  /** P(remaining life <= r | survived to age). */
  conditionalCdf(r: number, age: number): number;
}

/** Log-life standard deviation of Weibull slope 1.5: pi / (sqrt(6) * 1.5). */
export const FATIGUE_LOG_LIFE_SD = Math.PI / (Math.sqrt(6) * 1.5);

/**
 * ln Q(z), Q the standard normal upper tail, accurate far into the tail: for z >= 0 the log of
 * Numerical Recipes' erfc fit (relative error < 1.2e-7 everywhere) taken term by term, so it never
 * underflows.
 */
export function logNormalTail(z: number): number {
  if (z < 0) return Math.log(normalCdf(-z));
  return Math.log(0.5) + logErfc(z / Math.SQRT2);
}

/** Leave-one-out likelihood cross-validated bandwidth of a Gaussian kernel density on `xs`. */
export function crossValidatedBandwidth(xs: readonly number[], floor: number, fallback: number): number {
  if (xs.length < 3) return fallback;
  let best = fallback;
  let bestLl = Number.NEGATIVE_INFINITY;
  // 0.01 to 3 nepers, 120 log-spaced candidates.
  for (let k = 0; k < 120; k++) {
    const h = 0.01 * Math.exp((k * Math.log(300)) / 119);
    let ll = 0;
    for (let i = 0; i < xs.length; i++) {
      let s = 0;
      for (let j = 0; j < xs.length; j++) if (j !== i) s += Math.exp(-0.5 * ((xs[i] - xs[j]) / h) ** 2);
      ll += Math.log(s / ((xs.length - 1) * h));
    }
    if (ll > bestLl) {
      bestLl = ll;
      best = h;
    }
  }
  return Math.max(best, floor);
}

export class KernelLifeFleet implements FleetLife {
  readonly lifetimes: readonly number[];
  /** Kernel bandwidth, nepers of life. */
  readonly bandwidth: number;
  readonly #logT: Float64Array;
  readonly #terms: Float64Array;
  /** Log weights of the lives (uniform unless set: trajectory.ts). */
  readonly #logW: Float64Array;
  #cachedAge = Number.NaN;
  #cachedLogS = 0;

  constructor(lifetimes: readonly number[], bandwidth?: number) {
    if (lifetimes.length === 0 || lifetimes.some((t) => !(t > 0) || !Number.isFinite(t))) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `fleet life distribution: lifetimes must be positive finite seconds, got [${lifetimes.join(', ')}]`,
      );
    }
    this.lifetimes = [...lifetimes];
    this.#logT = Float64Array.from(lifetimes, Math.log);
    this.bandwidth = bandwidth ?? crossValidatedBandwidth([...this.#logT], FATIGUE_LOG_LIFE_SD / 10, FATIGUE_LOG_LIFE_SD);
    this.#terms = new Float64Array(lifetimes.length);
    this.#logW = new Float64Array(lifetimes.length).fill(-Math.log(lifetimes.length));
  }

  /** Weights of the lives (normalised here; zero weights allowed, not all). */
  setWeights(w: ArrayLike<number>): void {
    let sum = 0;
    for (let i = 0; i < this.#logW.length; i++) sum += w[i];
    if (!(sum > 0) || w.length !== this.#logW.length) return;
    for (let i = 0; i < this.#logW.length; i++) this.#logW[i] = Math.log(w[i] / sum);
    this.#cachedAge = Number.NaN;
  }

  /** ln S(x). */
  logSurvival(x: number): number {
    if (x <= 0) return 0;
    const lx = Math.log(x);
    const t = this.#terms;
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < t.length; i++) {
      t[i] = this.#logW[i] + logNormalTail((lx - this.#logT[i]) / this.bandwidth);
      if (t[i] > m) m = t[i];
    }
    let s = 0;
    for (let i = 0; i < t.length; i++) s += Math.exp(t[i] - m);
    return m + Math.log(s);
  }

  conditionalCdf(r: number, age: number): number {
    // The solver asks for one age at many horizons: S(age) is computed once.
    if (age !== this.#cachedAge) {
      this.#cachedAge = age;
      this.#cachedLogS = this.logSurvival(age);
    }
    return 1 - Math.exp(this.logSurvival(age + r) - this.#cachedLogS);
  }
}
