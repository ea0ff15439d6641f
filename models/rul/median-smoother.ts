/**
 * Running median of the last `size` values (odd size): the health index is smoothed with it
 * because single windows carry impulsive outliers (a kurtosis of 400 in one snapshot) that a mean
 * would smear over the following windows while a median drops them. Allocation-free.
 */
import { PdmError } from '../../common/errors.ts';

export interface MedianSmootherState {
  size: number;
  values: number[];
  next: number;
  filled: number;
}

export class MedianSmoother {
  readonly size: number;
  readonly #ring: Float64Array;
  readonly #sorted: Float64Array;
  #next = 0;
  #filled = 0;

  constructor(size: number, state?: MedianSmootherState) {
    if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
      throw new PdmError('PDM_ERR_CONFIG_INVALID', `median smoother: size must be a positive odd integer, got ${size}`);
    }
    this.size = size;
    this.#ring = new Float64Array(size);
    this.#sorted = new Float64Array(size);
    if (state !== undefined) {
      if (state.size !== size || state.values.length !== size)
        throw new PdmError('PDM_ERR_MODEL_STATE', 'median smoother: state size mismatch');
      this.#ring.set(state.values);
      this.#next = state.next;
      this.#filled = state.filled;
    }
  }

  /** Push a value; returns the median of the values held (fewer than `size` at the start). */
  push(v: number): number {
    this.#ring[this.#next] = v;
    this.#next = (this.#next + 1) % this.size;
    if (this.#filled < this.size) this.#filled += 1;
    const n = this.#filled;
    const s = this.#sorted;
    for (let i = 0; i < n; i++) {
      const x = this.#ring[i];
      let j = i - 1;
      while (j >= 0 && s[j] > x) {
        s[j + 1] = s[j];
        j--;
      }
      s[j + 1] = x;
    }
    return n % 2 === 1 ? s[(n - 1) >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }

  toJSON(): MedianSmootherState {
    return { size: this.size, values: Array.from(this.#ring), next: this.#next, filled: this.#filled };
  }
}
