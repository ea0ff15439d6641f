/**
 * Local noise floor of a spectrum: medians of consecutive blocks of bins, linearly interpolated
 * between block centres. A median ignores the few tall lines in a block, so the floor follows
 * the broadband background, and this costs O(n) per spectrum where a running median would cost
 * O(n w log w).
 */
import { medianInPlace } from './select.ts';

export class NoiseFloor {
  readonly maxBins: number;
  readonly #scratch: Float64Array;
  readonly #medians: Float64Array;

  constructor(maxBins: number) {
    if (!Number.isInteger(maxBins) || maxBins < 1) throw new RangeError(`NoiseFloor: maxBins must be a positive integer, got ${maxBins}`);
    this.maxBins = maxBins;
    this.#scratch = new Float64Array(maxBins);
    this.#medians = new Float64Array(maxBins);
  }

  /**
   * out[k] = floor under spectrum[k] for k in [from, to), from blocks of `blockBins` bins.
   * Bins outside [from, to) are left untouched. With `until` (from < until <= to) only bins
   * [from, until) are written, each exactly as the whole range would have it (same blocks, same
   * interpolation), and only the blocks they need are computed: a caller that reads the floor
   * over a part of the spectrum pays for that part.
   */
  process(out: Float64Array, spectrum: Float64Array, from: number, to: number, blockBins: number, until = to): void {
    if (to > this.maxBins || to > spectrum.length || to > out.length)
      throw new RangeError(`NoiseFloor: range end ${to} beyond buffers (max ${this.maxBins})`);
    if (!(from >= 0 && to > from)) throw new RangeError(`NoiseFloor: empty range [${from}, ${to})`);
    if (!(until > from && until <= to)) throw new RangeError(`NoiseFloor: until ${until} outside (${from}, ${to}]`);
    const block = Math.max(3, Math.min(Math.floor(blockBins), to - from));
    const blocks = Math.max(1, Math.floor((to - from) / block));
    const perBin = blocks / (to - from);
    // The last block bin until - 1 interpolates from (see below), clamped to the range's blocks.
    const needed = Math.min(blocks, Math.floor((until - 1 + 0.5 - from) * perBin - 0.5) + 2);
    const med = this.#medians;
    for (let b = 0; b < needed; b++) {
      const start = from + b * block;
      // The last block absorbs the remainder so every bin belongs to one block.
      const end = b === blocks - 1 ? to : start + block;
      med[b] = this.#median(spectrum, start, end);
    }
    // Blocks per bin (perBin above): a multiplication per bin instead of a division (this loop
    // runs over every bin of every window's spectrum, and the division was most of its cost).
    for (let k = from; k < until; k++) {
      // Position in block-centre coordinates: block b is centred at from + (b + 0.5) / perBin.
      const pos = (k + 0.5 - from) * perBin - 0.5;
      if (pos <= 0) out[k] = med[0];
      else if (pos >= blocks - 1) out[k] = med[blocks - 1];
      else {
        // pos > 0: truncation is the floor.
        const b = pos | 0;
        const t = pos - b;
        out[k] = med[b] * (1 - t) + med[b + 1] * t;
      }
    }
  }

  #median(src: Float64Array, start: number, end: number): number {
    const n = end - start;
    const a = this.#scratch;
    for (let i = 0; i < n; i++) a[i] = src[start + i];
    return medianInPlace(a, 0, n);
  }
}
