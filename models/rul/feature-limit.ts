/**
 * A second failure criterion beside the health-index threshold: a limit on physical features,
 * e.g. ISO 20816-3's zone C/D boundary on vibration velocity ("severe enough to cause damage"),
 * or a test rig's stop criterion (FEMTO's 20 g). The health index is a geometric mean over all
 * features, so where it stands when one feature reaches its limit depends on the fault: a growing
 * bearing defect raises kurtosis and crest factor with the velocity (the index is about 4x when the
 * velocity reaches zone D on the simulator), an imbalance raises the velocity alone (1.5x). A
 * threshold on the index alone would then predict years of life for a machine already in zone D.
 *
 * The feature x (the largest of the limited ones, smoothed by the same running median as the
 * health index) is the healthy machine's vibration plus the fault's, and uncorrelated vibrations
 * add in power: x² = x0² + f². The fault's part f is what grows exponentially (Gebraeel et al.
 * 2005); x itself stays on the healthy floor x0 until f approaches it, so a line fitted to log x
 * from the onset lags far behind (measured on the simulator: an imbalance 16 % covered). The
 * criterion therefore follows y = ½·log(x² − x0²), x0² the baseline's mean power, and its limit
 * is ½·log(limit² − x0²). Below twice the baseline's spread of x², the excess is not told from
 * noise, and y is held at that floor. After the health index's degradation onset, y's
 * least-squares sums are kept over exactly the same stretch (they restart whenever the onset
 * does), and the same Brownian first-passage model (exponential-degradation.ts) gives the CDF of
 * the time until y reaches its limit, from a vague prior. `AssetMonitor` combines it with the index's criterion as the
 * first of the two failures, taken as independent: the two rise together in fact, so that
 * overstates the chance of an early failure a little, on the safe side.
 *
 * A machine whose healthy baseline already sits at or above the limit cannot use it (its normal is
 * beyond it); the criterion then stays off and says so in `disabledReason`.
 */
import { PdmError } from '../../common/errors.ts';
import type { FeatureRecord } from '../anomaly/feature-vector.ts';
import { BrownianTrend, vagueDegradationPrior } from './exponential-degradation.ts';
import { MedianSmoother, type MedianSmootherState } from './median-smoother.ts';
import { accumulate, emptySums, type TrendSums } from './onset-cusum.ts';

export interface FeatureLimitConfig {
  /** Features whose largest value is limited (e.g. every channel's velocity RMS). */
  features: string[];
  /** The limit, in the features' unit. */
  limit: number;
}

export interface FeatureLimitState {
  smoother: MedianSmootherState;
  /** Moments of x² over the baseline. */
  baseline: { n: number; mean: number; m2: number; frozen: boolean };
  onsetTime: number | null;
  sums: TrendSums;
  /** The last smoothed x. */
  level: number;
}

export class FeatureLimitCriterion {
  readonly config: FeatureLimitConfig;
  readonly #where: string;
  #smoother: MedianSmoother;
  #n = 0;
  #mean = 0;
  #m2 = 0;
  #frozen = false;
  #onsetTime: number | null = null;
  #sums: TrendSums = emptySums();
  #level = Number.NaN;
  readonly #trend = new BrownianTrend();

  constructor(config: FeatureLimitConfig, smoothingWindows: number, where: string, state?: FeatureLimitState) {
    if (config.features.length === 0 || !(config.limit > 0) || !Number.isFinite(config.limit)) {
      throw new PdmError(
        'PDM_ERR_CONFIG_INVALID',
        `${where}: a feature limit needs at least one feature and a positive limit, got [${config.features.join(', ')}] at ${config.limit}`,
        { where },
      );
    }
    this.config = { features: [...config.features], limit: config.limit };
    this.#where = where;
    this.#smoother = new MedianSmoother(smoothingWindows, state?.smoother);
    if (state !== undefined) {
      this.#n = state.baseline.n;
      this.#mean = state.baseline.mean;
      this.#m2 = state.baseline.m2;
      this.#frozen = state.baseline.frozen;
      this.#onsetTime = state.onsetTime;
      this.#sums = { ...state.sums };
      this.#level = Number.isFinite(state.level) ? state.level : Number.NaN; // JSON writes NaN as null
    }
  }

  /** The smoothed largest limited feature of this window. */
  #observe(features: FeatureRecord): number {
    // A dead channel reads 0 and simply is not the largest; a missing or non-finite value is an error.
    let largest = 0;
    for (const f of this.config.features) {
      const v = features[f];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new PdmError('PDM_ERR_INPUT_VALUE', `${this.#where}: limited feature '${f}' must be a finite number >= 0, got ${v}`, {
          where: this.#where,
          feature: f,
        });
      }
      if (v > largest) largest = v;
    }
    this.#level = this.#smoother.push(largest);
    return this.#level;
  }

  /** A baseline window: learns the healthy power x0² and its spread. */
  learn(features: FeatureRecord): void {
    const x = this.#observe(features);
    const y = x * x;
    this.#n += 1;
    const d = y - this.#mean;
    this.#mean += d / this.#n;
    this.#m2 += d * (y - this.#mean);
  }

  /** The baseline is complete (called once, when the health index's baseline freezes). */
  freeze(): void {
    this.#frozen = true;
  }

  /** Why the criterion cannot be used, or null when it can. */
  get disabledReason(): string | null {
    if (!this.#frozen || this.#n < 2) return 'its baseline is not complete';
    if (this.#mean >= this.config.limit * this.config.limit) {
      return `the healthy baseline (${Math.sqrt(this.#mean).toPrecision(3)}) is already at or above the limit ${this.config.limit}`;
    }
    return null;
  }

  get reached(): boolean {
    return this.disabledReason === null && this.#level >= this.config.limit;
  }

  /** ½·log of the fault's power x² − x0², floored where it cannot be told from the baseline's noise. */
  #excess(x: number): number {
    const floor = Math.max(2 * Math.sqrt(this.#m2 / Math.max(1, this.#n - 1)), 1e-9 * this.#mean, Number.MIN_VALUE);
    return 0.5 * Math.log(Math.max(x * x - this.#mean, floor));
  }

  /** The limit on the criterion's signal: ½·log(limit² − x0²). */
  get logLimit(): number {
    return 0.5 * Math.log(this.config.limit * this.config.limit - this.#mean);
  }

  /**
   * A monitored window; `onsetTime` is the health index's current onset (null: no degradation),
   * so the trend is fitted over the same stretch as the index's.
   */
  update(time: number, features: FeatureRecord, onsetTime: number | null): void {
    const x = this.#observe(features);
    if (onsetTime === null || !this.#frozen) {
      this.#onsetTime = null;
      this.#sums = emptySums();
      return;
    }
    if (this.#onsetTime !== onsetTime) {
      this.#onsetTime = onsetTime;
      this.#sums = emptySums();
    }
    accumulate(this.#sums, time - onsetTime, this.#excess(x));
  }

  /** The trend toward the limit, given the baseline duration (for the vague prior); null when unusable. */
  trend(baselineDurationS: number, vagueSlopeScale: number): BrownianTrend | null {
    if (this.disabledReason !== null || this.#onsetTime === null || this.#sums.n === 0) return null;
    // The signal's spread over the baseline: the excess's noise, in its own log units (at least 0.1).
    const sd = Math.max(0.5 * Math.log1p((2 * Math.sqrt(this.#m2 / (this.#n - 1))) / this.#mean), 0.1);
    return this.#trend.update(
      this.#sums,
      vagueDegradationPrior(this.#excess(Math.sqrt(this.#mean)), sd, baselineDurationS, vagueSlopeScale),
    );
  }

  toJSON(): FeatureLimitState {
    return {
      smoother: this.#smoother.toJSON(),
      baseline: { n: this.#n, mean: this.#mean, m2: this.#m2, frozen: this.#frozen },
      onsetTime: this.#onsetTime,
      sums: { ...this.#sums },
      level: this.#level,
    };
  }
}
