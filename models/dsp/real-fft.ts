/**
 * Real FFT of a power-of-two length. By default on PFFFT in WebAssembly SIMD (models/dsp/pffft.ts:
 * float32, several times faster); `{ precision: 'float64' }`, sizes PFFFT cannot do, and runtimes
 * without WebAssembly use fft.js (radix-4, float64; ~800x faster than mathjs's fft, see
 * BENCHMARKS.md). The constructor precomputes the plan and owns its scratch buffers;
 * `forward(out, input)` writes the one-sided spectrum (bins 0..N/2) as interleaved re/im into a
 * buffer the caller owns, and `inverse(out, spectrum)` turns such a spectrum back into N real
 * samples, so the hot path allocates nothing.
 */
import FFT from 'fft.js';
import { PffftPlan } from './pffft.ts';

/** `float32`: the fast transform (PFFFT) where it can run; `float64`: always fft.js. */
export type FftPrecision = 'float32' | 'float64';

export interface FftOptions {
  /** Default: the process-wide default (`float32` unless set by setDefaultFftPrecision). */
  precision?: FftPrecision;
}

let defaultPrecision: FftPrecision = 'float32';

/**
 * The precision of every transform built without an explicit one, from now on; returns the
 * previous default. For oracle tests that compare with numpy/scipy to float64 round-off and for
 * benchmarks that compare the engines: the product runs on the default.
 */
export function setDefaultFftPrecision(precision: FftPrecision): FftPrecision {
  const previous = defaultPrecision;
  defaultPrecision = precision;
  return previous;
}

/** The precision a transform built without an explicit one gets. */
export function fftPrecision(options: FftOptions): FftPrecision {
  return options.precision ?? defaultPrecision;
}

export class RealFft {
  readonly size: number;
  /** What computes the transforms: `pffft` (float32) or `fft.js` (float64). */
  readonly engine: 'pffft' | 'fft.js';
  readonly #plan: PffftPlan | undefined;
  readonly #fft: FFT | undefined;
  readonly #full: Float64Array;
  readonly #input: Float64Array;
  readonly #time: Float64Array;

  constructor(size: number, options: FftOptions = {}) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`RealFft: size must be a power of two >= 4, got ${size}`);
    }
    this.size = size;
    this.#plan = fftPrecision(options) === 'float64' ? undefined : PffftPlan.create(size, false);
    this.engine = this.#plan ? 'pffft' : 'fft.js';
    this.#fft = this.#plan ? undefined : new FFT(size);
    // fft.js only indexes its buffers, so typed arrays work and avoid boxed number[] storage.
    const scratch = this.#plan ? 0 : size;
    this.#full = new Float64Array(2 * scratch);
    this.#input = new Float64Array(scratch);
    this.#time = new Float64Array(2 * scratch);
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
    if (this.#plan) {
      this.#forwardPffft(this.#plan, out, input);
      return;
    }
    const src = this.#input;
    const n = input.length;
    for (let i = 0; i < n; i++) src[i] = input[i];
    if (n < this.size) src.fill(0, n);
    this.#fft!.realTransform(this.#full, src);
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
    if (this.#plan) {
      this.#inversePffft(this.#plan, out, spectrum);
      return;
    }
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
    this.#fft!.inverseTransform(this.#time, full);
    const time = this.#time;
    for (let i = 0; i < n; i++) out[i] = time[2 * i];
  }

  /** PFFFT's ordered real layout: [re 0, re N/2, re 1, im 1, ..., re N/2-1, im N/2-1]. */
  #forwardPffft(plan: PffftPlan, out: Float64Array, input: ArrayLike<number>): void {
    const n = this.size;
    let heap = plan.heap;
    const at = plan.inputIndex;
    const len = input.length;
    // TypedArray.set converts float64 to float32 natively, several times faster than a JS loop.
    if (ArrayBuffer.isView(input)) heap.set(input as Float64Array | Float32Array, at);
    else for (let i = 0; i < len; i++) heap[at + i] = input[i];
    if (len < n) heap.fill(0, at + len, at + n);
    plan.run('forward');
    heap = plan.heap;
    const o = plan.outputIndex;
    out.set(heap.subarray(o, o + n));
    out[1] = 0;
    out[n] = heap[o + 1];
    out[n + 1] = 0;
  }

  #inversePffft(plan: PffftPlan, out: Float64Array, spectrum: Float64Array): void {
    const n = this.size;
    let heap = plan.heap;
    const at = plan.inputIndex;
    heap.set(spectrum.subarray(0, n), at);
    heap[at + 1] = spectrum[n];
    plan.run('backward');
    heap = plan.heap;
    const o = plan.outputIndex;
    const scale = 1 / n;
    for (let i = 0; i < n; i++) out[i] = heap[o + i] * scale;
  }
}
