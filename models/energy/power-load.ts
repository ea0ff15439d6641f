/**
 * Electrical power against load. A healthy drive draws a power that is a smooth function of its
 * load (friction and copper losses make it roughly quadratic), so the baseline learns
 * power = b0 + b1 load + b2 load^2 by least squares, and afterwards the residual (measured minus
 * expected power) is what a failing bearing, misalignment or a dragging brake adds. The residual,
 * not the raw power, is fused into the anomaly score: raw power mostly tracks the load.
 *
 * The fit is computed from centred moments (means and covariances of power, load and load^2), so
 * it can come from any moment accumulator; `PowerLoadBaseline` is a self-contained online one.
 * The degree drops to 1 or 0 when the baseline saw too little load variation to fit more; with
 * degree 0 (a single load), power is taken as proportional to load.
 */
import { lusolve } from 'mathjs';
import { PdmError } from '../../common/errors.ts';
import { RunningMoments, type RunningMomentsState } from '../anomaly/running-moments.ts';

export interface PowerLoadFit {
  /** 0, 1 or 2: the polynomial degree the baseline supported (0: one load seen; power taken as proportional to it). */
  degree: number;
  /** power ~ intercept + slope * load + curvature * load^2 */
  intercept: number;
  slope: number;
  curvature: number;
  /** Standard deviation of the baseline residual (W), n - degree - 1 denominator. */
  residualSd: number;
}

/**
 * Least squares from moments. `mean` and `cov` are over (power, load, load^2) in that order;
 * `count` is the number of baseline readings.
 */
export function fitPowerLoad(mean: readonly number[], cov: readonly (readonly number[])[], count: number): PowerLoadFit {
  const [mp, ml, ml2] = mean;
  const loadSd = Math.sqrt(Math.max(0, cov[1][1]));
  // Relative test: a load that varied by less than a millionth of its level is a constant load.
  const loadVaries = loadSd > 1e-6 * Math.max(1e-12, Math.abs(ml)) && count >= 3;
  let degree = 0;
  let slope = 0;
  let curvature = 0;
  if (loadVaries) {
    const corr = cov[1][2] / Math.sqrt(cov[1][1] * cov[2][2]);
    // load and load^2 nearly collinear (narrow load range far from 0): the quadratic term is not identifiable.
    if (count >= 4 && Number.isFinite(corr) && Math.abs(corr) < 1 - 1e-9) {
      const solved = lusolve(
        [
          [cov[1][1], cov[1][2]],
          [cov[2][1], cov[2][2]],
        ],
        [cov[1][0], cov[2][0]],
      ) as number[][];
      slope = solved[0][0];
      curvature = solved[1][0];
      degree = 2;
    } else {
      slope = cov[1][0] / cov[1][1];
      degree = 1;
    }
  }
  // A single load: nothing says how power moves with load, but it does move: power in proportion
  // to load (losses scale with it too) is far nearer than a constant when the load strays a
  // little, e.g. at the edge of an operating mode, and equals the constant at the baseline load.
  const proportional = !loadVaries && ml > 0 && mp > 0;
  if (proportional) slope = mp / ml;
  const intercept = proportional ? 0 : mp - slope * ml - curvature * ml2;
  // Residual variance = c' Cov c with c = (1, -slope, -curvature), times (n-1)/(n-degree-1).
  const c = [1, -slope, -curvature];
  let v = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) v += c[i] * cov[i][j] * c[j];
  const dof = Math.max(1, count - degree - 1);
  const residualSd = Math.sqrt(Math.max(0, (v * (count - 1)) / dof));
  return { degree, intercept, slope, curvature, residualSd };
}

export function expectedPower(fit: PowerLoadFit, load: number): number {
  return fit.intercept + fit.slope * load + fit.curvature * load * load;
}

export interface PowerLoadBaselineState {
  version: 1;
  baselineReadings: number;
  moments: RunningMomentsState;
  fit: PowerLoadFit | null;
}

/** Online: learns the fit over the first `baselineReadings` readings, then returns residuals. */
export class PowerLoadBaseline {
  readonly baselineReadings: number;
  #moments: RunningMoments;
  #fit: PowerLoadFit | null = null;
  readonly #row = new Float64Array(3);

  constructor(baselineReadings: number) {
    if (!Number.isInteger(baselineReadings) || baselineReadings < 2) {
      throw new PdmError(
        'PDM_ERR_CONFIG_INVALID',
        `power/load baseline: baselineReadings must be an integer >= 2, got ${baselineReadings}`,
      );
    }
    this.baselineReadings = baselineReadings;
    this.#moments = new RunningMoments(3);
  }

  get fit(): PowerLoadFit | null {
    return this.#fit;
  }

  /** Residual power (W) once the baseline is learned, NaN while it is being learned. */
  update(powerW: number, load: number): number {
    if (!Number.isFinite(powerW) || !Number.isFinite(load)) {
      throw new PdmError('PDM_ERR_INPUT_VALUE', `power/load baseline: power ${powerW} and load ${load} must be finite numbers`);
    }
    if (this.#fit !== null) return powerW - expectedPower(this.#fit, load);
    this.#row[0] = powerW;
    this.#row[1] = load;
    this.#row[2] = load * load;
    this.#moments.push(this.#row);
    if (this.#moments.count >= this.baselineReadings) {
      this.#fit = fitPowerLoad(Array.from(this.#moments.mean), this.#moments.covariance(), this.#moments.count);
    }
    return Number.NaN;
  }

  toJSON(): PowerLoadBaselineState {
    return {
      version: 1,
      baselineReadings: this.baselineReadings,
      moments: this.#moments.toJSON(),
      fit: this.#fit === null ? null : { ...this.#fit },
    };
  }

  static fromJSON(state: PowerLoadBaselineState): PowerLoadBaseline {
    if (state?.version !== 1) {
      throw new PdmError(
        'PDM_ERR_MODEL_STATE',
        `power/load baseline: unknown state version ${String(state?.version)} (this build reads version 1)`,
        {
          version: state?.version,
        },
      );
    }
    const m = new PowerLoadBaseline(state.baselineReadings);
    m.#moments = RunningMoments.fromJSON(state.moments, 'power/load baseline');
    m.#fit = state.fit === null ? null : { ...state.fit };
    return m;
  }
}
