/**
 * Complex FFT of a power-of-two length on fft.js, interleaved re/im buffers owned by the caller.
 * Used where the result must stay complex: analytic signals (Hilbert envelope) and the
 * decimated complex envelopes of the kurtogram's filter bank.
 */
import FFT from 'fft.js';

export class ComplexFft {
  readonly size: number;
  readonly #fft: FFT;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0) {
      throw new RangeError(`ComplexFft: size must be a power of two >= 2, got ${size}`);
    }
    this.size = size;
    this.#fft = new FFT(size);
  }

  /** out = DFT(input), unnormalised; both interleaved, length 2N, and distinct buffers. */
  forward(out: Float64Array, input: Float64Array): void {
    this.#check(out, input, 'forward');
    this.#fft.transform(out, input);
  }

  /** out = inverse DFT(input) scaled by 1/N (as numpy.fft.ifft). */
  inverse(out: Float64Array, input: Float64Array): void {
    this.#check(out, input, 'inverse');
    this.#fft.inverseTransform(out, input);
  }

  #check(out: Float64Array, input: Float64Array, what: string): void {
    // fft.js walks its own size, so wrong lengths would silently read or write out of range.
    if (input.length !== 2 * this.size || out.length !== 2 * this.size) {
      throw new RangeError(`ComplexFft.${what}: buffers must have length ${2 * this.size}, got in ${input.length}, out ${out.length}`);
    }
    if (out === input) throw new RangeError(`ComplexFft.${what}: input and output must be different buffers`);
  }
}
