/**
 * Real FFT of a power-of-two length, on fft.js (radix-4; ~800x faster than mathjs's fft, see
 * BENCHMARKS.md). The constructor precomputes the twiddle table and owns its scratch buffers;
 * `forward(out, input)` writes the one-sided spectrum (bins 0..N/2) as interleaved re/im into a
 * buffer the caller owns, and `inverse(out, spectrum)` turns such a spectrum back into N real
 * samples, so the hot path allocates nothing.
 */
import FFT from 'fft.js';

export class RealFft {
  readonly size: number;
  readonly #fft: FFT;
  readonly #full: Float64Array;
  readonly #input: Float64Array;
  readonly #time: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`RealFft: size must be a power of two >= 4, got ${size}`);
    }
    this.size = size;
    this.#fft = new FFT(size);
    // fft.js only indexes its buffers, so typed arrays work and avoid boxed number[] storage.
    this.#full = new Float64Array(2 * size);
    this.#input = new Float64Array(size);
    this.#time = new Float64Array(2 * size);
  }

  /** Length of the interleaved one-sided output: (N/2 + 1) complex bins. */
  get outputLength(): number {
    return this.size + 2;
  }

  /**
   * `out[2k], out[2k+1]` = re, im of bin k for k = 0..N/2 (unnormalised, as numpy.fft.rfft).
   * `input` may be shorter than N: the rest is taken as zeros (zero padding).
   */
  forward(out: Float64Array, input: ArrayLike<number>): void {
    if (input.length > this.size) throw new RangeError(`RealFft.forward: input length ${input.length} > size ${this.size}`);
    if (out.length < this.outputLength) throw new RangeError(`RealFft.forward: output length ${out.length} < ${this.outputLength}`);
    const src = this.#input;
    const n = input.length;
    for (let i = 0; i < n; i++) src[i] = input[i];
    if (n < this.size) src.fill(0, n);
    this.#fft.realTransform(this.#full, src);
    // realTransform fills bins 0..N/2 (the rest is the conjugate mirror it leaves unset).
    const full = this.#full;
    for (let i = 0; i < this.outputLength; i++) out[i] = full[i];
  }

  /**
   * Inverse of `forward` (as numpy.fft.irfft, scaled by 1/N): `spectrum` holds bins 0..N/2
   * interleaved; writes N real samples into `out`. The imaginary parts of bins 0 and N/2 are
   * ignored, as they must be zero for a real signal.
   */
  inverse(out: Float64Array, spectrum: Float64Array): void {
    if (spectrum.length < this.outputLength)
      throw new RangeError(`RealFft.inverse: spectrum length ${spectrum.length} < ${this.outputLength}`);
    if (out.length < this.size) throw new RangeError(`RealFft.inverse: output length ${out.length} < ${this.size}`);
    const n = this.size;
    const full = this.#full;
    full[0] = spectrum[0];
    full[1] = 0;
    full[n] = spectrum[n];
    full[n + 1] = 0;
    for (let k = 1; k < n / 2; k++) {
      const re = spectrum[2 * k];
      const im = spectrum[2 * k + 1];
      full[2 * k] = re;
      full[2 * k + 1] = im;
      full[2 * (n - k)] = re;
      full[2 * (n - k) + 1] = -im;
    }
    this.#fft.inverseTransform(this.#time, full);
    const time = this.#time;
    for (let i = 0; i < n; i++) out[i] = time[2 * i];
  }
}
