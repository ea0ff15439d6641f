/**
 * Online mean and co-moment matrix of a vector stream (Welford's update generalised to vectors),
 * so a baseline is learned one window at a time without keeping the windows. The update is
 * allocation-free; the state is plain arrays so it serialises to JSON and restores bit for bit.
 */
import { PdmError } from '../../common/errors.ts';

export interface RunningMomentsState {
  dim: number;
  count: number;
  mean: number[];
  /** Row-major dim x dim sum of (x - mean_old)(x - mean_new)^T. */
  comoment: number[];
}

export class RunningMoments {
  readonly dim: number;
  count = 0;
  readonly mean: Float64Array;
  readonly comoment: Float64Array;
  readonly #delta: Float64Array;

  constructor(dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`RunningMoments: dim must be a positive integer, got ${dim}`);
    this.dim = dim;
    this.mean = new Float64Array(dim);
    this.comoment = new Float64Array(dim * dim);
    this.#delta = new Float64Array(dim);
  }

  push(x: ArrayLike<number>): void {
    const d = this.dim;
    this.count += 1;
    const inv = 1 / this.count;
    const delta = this.#delta;
    for (let i = 0; i < d; i++) {
      delta[i] = x[i] - this.mean[i];
      this.mean[i] += delta[i] * inv;
    }
    // (x - mean_old) (x - mean_new)^T keeps the update numerically stable (Welford).
    for (let i = 0; i < d; i++) {
      const di = delta[i];
      const row = i * d;
      for (let j = 0; j < d; j++) this.comoment[row + j] += di * (x[j] - this.mean[j]);
    }
  }

  /** Sample covariance (n - 1 denominator) as a symmetric matrix of plain arrays. */
  covariance(): number[][] {
    const d = this.dim;
    const denom = Math.max(1, this.count - 1);
    const out: number[][] = [];
    for (let i = 0; i < d; i++) {
      const row: number[] = [];
      for (let j = 0; j < d; j++) row.push((this.comoment[i * d + j] + this.comoment[j * d + i]) / (2 * denom));
      out.push(row);
    }
    return out;
  }

  toJSON(): RunningMomentsState {
    return { dim: this.dim, count: this.count, mean: Array.from(this.mean), comoment: Array.from(this.comoment) };
  }

  static fromJSON(state: RunningMomentsState, where = 'running moments'): RunningMoments {
    const ok =
      state !== null &&
      typeof state === 'object' &&
      Number.isInteger(state.dim) &&
      state.dim >= 1 &&
      Number.isInteger(state.count) &&
      Array.isArray(state.mean) &&
      state.mean.length === state.dim &&
      Array.isArray(state.comoment) &&
      state.comoment.length === state.dim * state.dim;
    if (!ok) throw new PdmError('PDM_ERR_MODEL_STATE', `${where}: malformed moments (dim, count, mean, comoment)`, { where });
    const m = new RunningMoments(state.dim);
    m.count = state.count;
    m.mean.set(state.mean);
    m.comoment.set(state.comoment);
    return m;
  }
}
