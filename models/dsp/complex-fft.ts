/**
 * Complex FFT of a power-of-two length, interleaved re/im buffers owned by the caller: PFFFT
 * (float32, WebAssembly SIMD) by default, fft.js (float64) for `{ precision: 'float64' }` and the
 * sizes PFFFT cannot do (see real-fft.ts). Used where the result must stay complex: analytic
 * signals (Hilbert envelope) and the decimated complex envelopes of the kurtogram's filter bank.
 */
import FFT from 'fft.js';
import { PffftPlan } from './pffft.ts';
import { type FftOptions, fftPrecision } from './real-fft.ts';

export class ComplexFft {
  readonly size: number;
  readonly engine: 'pffft' | 'fft.js';
  readonly #plan: PffftPlan | undefined;
  readonly #fft: FFT | undefined;

  constructor(size: number, options: FftOptions = {}) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0) {
      throw new RangeError(`ComplexFft: size must be a power of two >= 2, got ${size}`);
    }
    this.size = size;
    this.#plan = fftPrecision(options) === 'float64' ? undefined : PffftPlan.create(size, true);
    this.engine = this.#plan ? 'pffft' : 'fft.js';
    this.#fft = this.#plan ? undefined : new FFT(size);
  }

  /** out = DFT(input), unnormalised; both interleaved, length 2N, and distinct buffers. */
  forward(out: Float64Array, input: Float64Array): void {
    this.#check(out, input, 'forward');
    if (this.#plan) this.#runPffft(this.#plan, out, input, 'forward');
    else this.#fft!.transform(out, input);
  }

  /** out = inverse DFT(input) scaled by 1/N (as numpy.fft.ifft). */
  inverse(out: Float64Array, input: Float64Array): void {
    this.#check(out, input, 'inverse');
    if (this.#plan) this.#runPffft(this.#plan, out, input, 'backward');
    else this.#fft!.inverseTransform(out, input);
  }

  /**
   * The transform's own input buffer (float32, interleaved, length 2N) for a caller that fills it
   * directly, or undefined on the fft.js engine. Valid until the next call of any FFT in this
   * process (the WebAssembly heap may move when a plan is created): take it, fill it, call
   * `backwardInPlace`, read its result, all in one go. Saves the two copies and the scaling pass
   * of `inverse` where they are waste: the kurtogram fills a band's bins into a mostly zero
   * buffer and reads only a scale-free ratio of the result, a dozen transforms per window.
   */
  directInput(): Float32Array | undefined {
    const plan = this.#plan;
    if (!plan) return undefined;
    const at = plan.inputIndex;
    return plan.heap.subarray(at, at + plan.floats);
  }

  /** Unscaled inverse DFT of what `directInput()` holds; the result as a float32 view (same validity). */
  backwardInPlace(): Float32Array {
    const plan = this.#plan;
    if (!plan) throw new RangeError('ComplexFft.backwardInPlace: only on the PFFFT engine (directInput() was undefined)');
    plan.run('backward');
    const o = plan.outputIndex;
    return plan.heap.subarray(o, o + plan.floats);
  }

  /** PFFFT's ordered complex layout is the same interleaved re/im as ours; its backward is unscaled. */
  #runPffft(plan: PffftPlan, out: Float64Array, input: Float64Array, direction: 'forward' | 'backward'): void {
    const floats = plan.floats;
    let heap = plan.heap;
    const at = plan.inputIndex;
    heap.set(input, at);
    plan.run(direction);
    heap = plan.heap;
    const o = plan.outputIndex;
    out.set(heap.subarray(o, o + floats));
    if (direction === 'backward') {
      const scale = 1 / this.size;
      for (let i = 0; i < floats; i++) out[i] *= scale;
    }
  }

  #check(out: Float64Array, input: Float64Array, what: string): void {
    // fft.js walks its own size, so wrong lengths would silently read or write out of range.
    if (input.length !== 2 * this.size || out.length !== 2 * this.size) {
      throw new RangeError(`ComplexFft.${what}: buffers must have length ${2 * this.size}, got in ${input.length}, out ${out.length}`);
    }
    if (out === input) throw new RangeError(`ComplexFft.${what}: input and output must be different buffers`);
  }
}
