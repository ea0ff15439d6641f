/**
 * Real FFT of a power-of-two length, on fft.js (radix-4; ~800x faster than mathjs's fft, see
 * BENCHMARKS.md). The constructor precomputes the twiddle table and owns its scratch buffer;
 * `forward(out, input)` writes the one-sided spectrum (bins 0..N/2) as interleaved re/im into a
 * buffer the caller owns, so the hot path allocates nothing.
 */
import FFT from 'fft.js';

export class RealFft {
  readonly size: number;
  readonly #fft: FFT;
  readonly #full: number[];
  readonly #input: number[];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`RealFft: size must be a power of two >= 4, got ${size}`);
    }
    this.size = size;
    this.#fft = new FFT(size);
    this.#full = this.#fft.createComplexArray() as number[];
    this.#input = new Array<number>(size).fill(0);
  }

  /** Length of the interleaved one-sided output: (N/2 + 1) complex bins. */
  get outputLength(): number {
    return this.size + 2;
  }

  /** `out[2k], out[2k+1]` = re, im of bin k for k = 0..N/2 (unnormalised, as numpy.fft.rfft). */
  forward(out: Float64Array, input: ArrayLike<number>): void {
    if (input.length !== this.size) throw new RangeError(`RealFft.forward: input length ${input.length} != size ${this.size}`);
    if (out.length < this.outputLength) throw new RangeError(`RealFft.forward: output length ${out.length} < ${this.outputLength}`);
    const src = this.#input;
    for (let i = 0; i < this.size; i++) src[i] = input[i];
    this.#fft.realTransform(this.#full, src);
    // realTransform fills bins 0..N/2 (the rest is the conjugate mirror it leaves unset).
    for (let i = 0; i < this.outputLength; i++) out[i] = this.#full[i];
  }
}
