/**
 * The healthy baseline of one stream (one machine in one operating mode): learned online over a
 * configured period, then frozen. While learning it accumulates the moments of every feature both
 * as is and as a logarithm (plus power, load and load^2 when energy is fused), so the choice of
 * transform can wait until the whole baseline has been seen; freezing then
 *  - picks per feature a log transform when the feature stayed positive (amplitudes, kurtosis,
 *    band energies: their changes are multiplicative, a doubling should weigh the same at any
 *    level, and the log tames their heavy right tail so a Gaussian model of the baseline fits),
 *  - fits power against load and derives the residual's moments from the same accumulator,
 *  - standardises every feature by its baseline mean and spread (scale-free; a feature with zero
 *    spread gets a floor so it neither divides by zero nor dominates),
 *  - shrinks the correlation matrix (OAS) and inverts it with mathjs.
 */
import { inv } from 'mathjs';
import { PdmError } from '../../common/errors.ts';
import { expectedPower, fitPowerLoad, type PowerLoadFit } from '../energy/power-load.ts';
import type { BaselineConfig, Direction, Transform } from './anomaly-config.ts';
import { safeLog } from './feature-vector.ts';
import { calibrateScore, healthIndexMaxStats, type ScoreCalibration } from './null-calibration.ts';
import { RunningMoments, type RunningMomentsState } from './running-moments.ts';
import { oasShrinkage } from './shrinkage-covariance.ts';

/** Name of the fused energy feature in scores and reports. */
export const POWER_RESIDUAL = 'power_residual';

/** Smallest spread a standardised feature may have: 1 % for log features (nepers), 1 % of the level (or 1e-9) otherwise. */
function scaleFloor(kind: Transform, mean: number): number {
  return kind === 'log' ? 0.01 : 0.01 * Math.max(Math.abs(mean), 1e-7);
}

/**
 * E[X+ Y+] for standard bivariate normal X, Y with correlation rho (X+ = max(0, X)):
 * (sqrt(1 - rho^2) + rho (pi/2 + asin rho)) / (2 pi). Gives the exact baseline mean and spread of
 * the one-sided health index without a second pass over the baseline.
 */
function positivePartProduct(rho: number): number {
  const r = Math.max(-1, Math.min(1, rho));
  return (Math.sqrt(1 - r * r) + r * (Math.PI / 2 + Math.asin(r))) / (2 * Math.PI);
}

export interface FrozenBaselineState {
  names: string[];
  kinds: Transform[];
  directions: Direction[];
  count: number;
  mean: number[];
  scale: number[];
  precision: number[];
  shrinkage: number;
  calibration: ScoreCalibration;
  energy: PowerLoadFit | null;
  hiFeatures: number[];
  hiAggregate: 'mean' | 'max';
  /** null when no feature is eligible for the health index (JSON has no NaN). */
  hiMean: number | null;
  hiSd: number | null;
}

/** A learned baseline: transforms, standardisation, precision matrix and health-index reference. */
export class FrozenBaseline {
  /** Output feature names (the input features, then `power_residual` when energy is fused). */
  readonly names: readonly string[];
  readonly kinds: readonly Transform[];
  readonly directions: readonly Direction[];
  readonly count: number;
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  readonly precision: Float64Array;
  readonly shrinkage: number;
  /** d2 / calibration.scale ~ chi-square(calibration.dof) under the baseline. */
  readonly calibration: ScoreCalibration;
  readonly energy: PowerLoadFit | null;
  /** Indices of the log features: the health index is their mean one-sided log-ratio to the baseline. */
  readonly hiFeatures: readonly number[];
  readonly hiAggregate: 'mean' | 'max';
  /** Mean and spread of the raw health index (nepers) over a baseline like this one (Gaussian model). */
  readonly hiMean: number;
  readonly hiSd: number;

  constructor(s: FrozenBaselineState) {
    this.names = s.names;
    this.kinds = s.kinds;
    this.directions = s.directions;
    this.count = s.count;
    this.mean = Float64Array.from(s.mean);
    this.scale = Float64Array.from(s.scale);
    this.precision = Float64Array.from(s.precision);
    this.shrinkage = s.shrinkage;
    this.calibration = { ...s.calibration };
    this.energy = s.energy;
    this.hiFeatures = s.hiFeatures;
    this.hiAggregate = s.hiAggregate;
    this.hiMean = s.hiMean ?? Number.NaN;
    this.hiSd = s.hiSd ?? Number.NaN;
  }

  get dim(): number {
    return this.names.length;
  }

  /** Transformed values (log or linear, then the power residual) of raw inputs. */
  transform(out: Float64Array, raw: Float64Array, powerW: number, load: number): void {
    const q = this.energy === null ? this.kinds.length : this.kinds.length - 1;
    for (let i = 0; i < q; i++) out[i] = this.kinds[i] === 'log' ? safeLog(raw[i]) : raw[i];
    if (this.energy !== null) out[q] = powerW - expectedPower(this.energy, load);
  }

  /** Standardised deviations from the baseline; features that only matter upward are clipped at 0. */
  standardize(out: Float64Array, y: Float64Array): void {
    for (let i = 0; i < this.names.length; i++) {
      const z = (y[i] - this.mean[i]) / this.scale[i];
      out[i] = this.directions[i] === 'up' && z < 0 ? 0 : z;
    }
  }

  /** Raw health index: mean one-sided log-ratio of the log features to their baseline (nepers). */
  healthIndex(y: Float64Array): number {
    if (this.hiFeatures.length === 0) return Number.NaN;
    let sum = 0;
    let max = 0;
    for (const i of this.hiFeatures) {
      const d = y[i] - this.mean[i];
      if (d > 0) {
        sum += d;
        if (d > max) max = d;
      }
    }
    return this.hiAggregate === 'max' ? max : sum / this.hiFeatures.length;
  }

  /**
   * The same baseline with each input feature's mean moved by `shifts[i]` (transformed units: nepers
   * for log features): after a system event the machine's healthy level moved, its spread and
   * correlation did not (models/health/system-event.ts). The energy residual is not moved.
   */
  shifted(shifts: ArrayLike<number>): FrozenBaseline {
    const s = this.toJSON();
    for (let i = 0; i < shifts.length && i < s.mean.length; i++) s.mean[i] += shifts[i];
    return new FrozenBaseline(s);
  }

  toJSON(): FrozenBaselineState {
    return {
      names: [...this.names],
      kinds: [...this.kinds],
      directions: [...this.directions],
      count: this.count,
      mean: Array.from(this.mean),
      scale: Array.from(this.scale),
      precision: Array.from(this.precision),
      shrinkage: this.shrinkage,
      calibration: { ...this.calibration },
      energy: this.energy === null ? null : { ...this.energy },
      hiFeatures: [...this.hiFeatures],
      hiAggregate: this.hiAggregate,
      hiMean: Number.isNaN(this.hiMean) ? null : this.hiMean,
      hiSd: Number.isNaN(this.hiSd) ? null : this.hiSd,
    };
  }
}

export interface BaselineLearnerState {
  firstTime: number | null;
  positive: boolean[];
  moments: RunningMomentsState;
}

export interface BaselineOptions {
  names: readonly string[];
  baseline: BaselineConfig;
  transform: Readonly<Record<string, Transform>>;
  direction: Readonly<Record<string, Direction>>;
  energy: boolean;
  healthIndex: 'mean' | 'max';
  where: string;
}

/** Accumulates a baseline; `push` returns true when the baseline period is complete. */
export class BaselineLearner {
  readonly opts: BaselineOptions;
  #firstTime: number | null = null;
  readonly #positive: boolean[];
  #moments: RunningMoments;
  readonly #row: Float64Array;

  constructor(opts: BaselineOptions, state?: BaselineLearnerState) {
    this.opts = opts;
    const q = opts.names.length;
    const dim = 2 * q + (opts.energy ? 3 : 0);
    this.#row = new Float64Array(dim);
    if (state === undefined) {
      this.#positive = new Array<boolean>(q).fill(true);
      this.#moments = new RunningMoments(dim);
    } else {
      if (!Array.isArray(state.positive) || state.positive.length !== q || state.moments?.dim !== dim) {
        throw new PdmError(
          'PDM_ERR_MODEL_STATE',
          `${opts.where}: baseline state does not match ${q} features${opts.energy ? ' with energy' : ''}`,
          {
            where: opts.where,
          },
        );
      }
      this.#firstTime = state.firstTime;
      this.#positive = [...state.positive];
      this.#moments = RunningMoments.fromJSON(state.moments, opts.where);
    }
  }

  get count(): number {
    return this.#moments.count;
  }

  push(time: number, raw: Float64Array, powerW: number, load: number): boolean {
    const q = this.opts.names.length;
    const row = this.#row;
    for (let i = 0; i < q; i++) {
      const v = raw[i];
      row[i] = v;
      if (!(v > 0)) this.#positive[i] = false;
      row[q + i] = safeLog(v);
    }
    if (this.opts.energy) {
      row[2 * q] = powerW;
      row[2 * q + 1] = load;
      row[2 * q + 2] = load * load;
    }
    this.#moments.push(row);
    if (this.#firstTime === null) this.#firstTime = time;
    const b = this.opts.baseline;
    const n = this.#moments.count;
    if (n >= b.windows) return true;
    return b.durationS !== undefined && n >= b.minWindows && time - this.#firstTime >= b.durationS;
  }

  freeze(): FrozenBaseline {
    const { names, energy, where } = this.opts;
    const q = names.length;
    const n = this.#moments.count;
    if (n < 2) throw new PdmError('PDM_ERR_INPUT_VALUE', `${where}: a baseline needs at least 2 windows, got ${n}`, { where });
    const mu = this.#moments.mean;
    const cov = this.#moments.covariance();
    const { kinds, directions, src } = this.#chooseTransforms();
    // Output vector v = A u + c over the accumulated u; its covariance is A Cov A'.
    const A: number[][] = [];
    for (let k = 0; k < q; k++) {
      const row = new Array<number>(cov.length).fill(0);
      row[src[k]] = 1;
      A.push(row);
    }
    let energyFit: PowerLoadFit | null = null;
    const outMean: number[] = src.map((s) => mu[s]);
    if (energy) {
      const residual = powerResidual(mu, cov, 2 * q, n);
      energyFit = residual.fit;
      A.push(residual.row);
      outMean.push(0); // least squares with an intercept: the baseline residual averages 0
      kinds.push('linear');
      directions.push(this.opts.direction[POWER_RESIDUAL] ?? 'both');
    }
    const outCov = projectCovariance(A, cov);
    const scale = outCov.map((r, i) => Math.max(Math.sqrt(Math.max(0, r[i])), scaleFloor(kinds[i], outMean[i])));
    const corr = outCov.map((r, i) => r.map((v, j) => v / (scale[i] * scale[j])));
    const shrunk = oasShrinkage(corr, n);
    const flatPrecision = Float64Array.from(invertCorrelation(shrunk.covariance, where).flat());
    const calibration = calibrateScore(
      corr,
      flatPrecision,
      directions.map((d) => d === 'up'),
    );
    const hi = healthIndexReference(kinds, q, scale, corr, this.opts.healthIndex);
    const outNames = energy ? [...names, POWER_RESIDUAL] : [...names];
    return new FrozenBaseline({
      names: outNames,
      kinds,
      directions,
      count: n,
      mean: outMean,
      scale,
      precision: Array.from(flatPrecision),
      shrinkage: shrunk.shrinkage,
      calibration,
      energy: energyFit,
      hiFeatures: hi.features,
      hiAggregate: this.opts.healthIndex,
      hiMean: hi.mean,
      hiSd: hi.sd,
    });
  }

  /**
   * Per input feature: its transform (as configured, else log when it stayed positive), its
   * direction (as configured, else up for log features) and which accumulated value it reads
   * (the feature or its logarithm). A feature configured as log must have stayed positive.
   */
  #chooseTransforms(): { kinds: Transform[]; directions: Direction[]; src: number[] } {
    const { names, where } = this.opts;
    const q = names.length;
    const kinds: Transform[] = [];
    const directions: Direction[] = [];
    const src: number[] = []; // index into the accumulated vector of each output feature
    for (let i = 0; i < q; i++) {
      const forced = this.opts.transform[names[i]];
      if (forced === 'log' && !this.#positive[i]) {
        throw new PdmError(
          'PDM_ERR_INPUT_VALUE',
          `${where}: feature '${names[i]}' is configured as 'log' but was not always positive during the baseline`,
          {
            where,
            feature: names[i],
          },
        );
      }
      const kind: Transform = forced ?? (this.#positive[i] ? 'log' : 'linear');
      kinds.push(kind);
      directions.push(this.opts.direction[names[i]] ?? (kind === 'log' ? 'up' : 'both'));
      src.push(kind === 'log' ? q + i : i);
    }
    return { kinds, directions, src };
  }

  toJSON(): BaselineLearnerState {
    return { firstTime: this.#firstTime, positive: [...this.#positive], moments: this.#moments.toJSON() };
  }
}

/**
 * The power residual (power minus its least-squares fit on load and load^2) from the moments
 * of power, load and load^2 accumulated at `e`, e+1, e+2: the fit, and the residual as a row
 * of A over the accumulated vector (see freeze).
 */
function powerResidual(mu: ArrayLike<number>, cov: number[][], e: number, n: number): { fit: PowerLoadFit; row: number[] } {
  const eMean = [mu[e], mu[e + 1], mu[e + 2]];
  const eCov = [0, 1, 2].map((i) => [0, 1, 2].map((j) => cov[e + i][e + j]));
  const fit = fitPowerLoad(eMean, eCov, n);
  const row = new Array<number>(cov.length).fill(0);
  row[e] = 1;
  row[e + 1] = -fit.slope;
  row[e + 2] = -fit.curvature;
  return { fit, row };
}

/** A Cov A' for the sparse rows of A (zero entries skipped: most of each row is zero). */
function projectCovariance(A: number[][], cov: number[][]): number[][] {
  return A.map((ra) =>
    A.map((rb) => {
      let s = 0;
      for (let i = 0; i < ra.length; i++) {
        if (ra[i] === 0) continue;
        for (let j = 0; j < rb.length; j++) if (rb[j] !== 0) s += ra[i] * cov[i][j] * rb[j];
      }
      return s;
    }),
  );
}

/** The precision matrix; a singular correlation (it should not be, once shrunk) is the baseline's fault. */
function invertCorrelation(correlation: number[][], where: string): number[][] {
  try {
    return inv(correlation) as number[][];
  } catch (err) {
    throw new PdmError(
      'PDM_ERR_INPUT_VALUE',
      `${where}: the baseline covariance cannot be inverted (${(err as Error).message})`,
      { where },
      { cause: err },
    );
  }
}

/**
 * The health index's features (the log ones among the first q) and its mean and spread over a
 * Gaussian baseline (null when no feature is eligible): for 'mean', the mean of s_f X_f+ over
 * those features, exactly; for 'max', from healthIndexMaxStats.
 */
function healthIndexReference(
  kinds: readonly Transform[],
  q: number,
  scale: readonly number[],
  corr: number[][],
  aggregate: 'mean' | 'max',
): { features: number[]; mean: number | null; sd: number | null } {
  const features: number[] = [];
  for (let i = 0; i < q; i++) if (kinds[i] === 'log') features.push(i);
  let hiMean = 0;
  let hiVar = 0;
  const m = features.length;
  for (const i of features) {
    hiMean += scale[i] / Math.sqrt(2 * Math.PI);
    for (const j of features) hiVar += scale[i] * scale[j] * (positivePartProduct(i === j ? 1 : corr[i][j]) - 1 / (2 * Math.PI));
  }
  if (aggregate === 'max' && m > 0) {
    const st = healthIndexMaxStats(corr, scale, features);
    hiMean = st.mean * m;
    hiVar = st.sd * st.sd * m * m;
  }
  return { features, mean: m === 0 ? null : hiMean / m, sd: m === 0 ? null : Math.sqrt(Math.max(0, hiVar)) / m };
}
