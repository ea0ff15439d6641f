/**
 * Hilbert envelope via the FFT: the analytic signal z = x + j H{x} has spectrum 2X for positive
 * frequencies, X at DC and Nyquist, 0 for negative ones; the envelope is |z|. Restricting the
 * positive bins to a band gives the envelope of the band-passed signal in the same two FFTs
 * (one real forward, one complex inverse), which is how envelope analysis demodulates a
 * resonance excited by bearing impacts.
 */
import { bandToBins } from './band.ts';
import { ComplexFft } from './complex-fft.ts';
import { RealFft } from './real-fft.ts';

export class HilbertEnvelope {
  readonly signalLength: number;
  readonly fftSize: number;
  readonly #real: RealFft;
  readonly #complex: ComplexFft;
  /** One-sided spectrum of the last input (interleaved re/im, bins 0..N/2), rectangular window. */
  readonly spectrum: Float64Array;
  readonly #analytic: Float64Array;
  readonly #time: Float64Array;

  /** `fftSize` >= signalLength, a power of two; the signal is zero-padded to it. */
  constructor(signalLength: number, fftSize: number) {
    if (!Number.isInteger(signalLength) || signalLength < 2)
      throw new RangeError(`HilbertEnvelope: signal length must be an integer >= 2, got ${signalLength}`);
    if (fftSize < signalLength) throw new RangeError(`HilbertEnvelope: FFT size ${fftSize} < signal length ${signalLength}`);
    this.signalLength = signalLength;
    this.fftSize = fftSize;
    this.#real = new RealFft(fftSize);
    this.#complex = new ComplexFft(fftSize);
    this.spectrum = new Float64Array(this.#real.outputLength);
    this.#analytic = new Float64Array(2 * fftSize);
    this.#time = new Float64Array(2 * fftSize);
  }

  /** Transforms `input` (length signalLength) into `spectrum`; `envelopeOfBand` then reads it. */
  load(input: ArrayLike<number>): void {
    if (input.length !== this.signalLength) throw new RangeError(`HilbertEnvelope: input length ${input.length} != ${this.signalLength}`);
    this.#real.forward(this.spectrum, input);
  }

  /** Envelope of the whole signal: |analytic signal|, written to out[0..signalLength). */
  process(out: Float64Array, input: ArrayLike<number>): void {
    this.load(input);
    this.envelopeOfBins(out, 0, this.fftSize / 2);
  }

  /** Envelope of the loaded signal band-passed to [lowHz, highHz]. */
  envelopeOfBand(out: Float64Array, lowHz: number, highHz: number, sampleRateHz: number): void {
    const { lo, hi } = bandToBins(lowHz, highHz, sampleRateHz, this.fftSize);
    this.envelopeOfBins(out, lo, hi);
  }

  /** Envelope of the loaded signal restricted to bins lo..hi (inclusive). */
  envelopeOfBins(out: Float64Array, lo: number, hi: number): void {
    if (out.length < this.signalLength) throw new RangeError(`HilbertEnvelope: output length ${out.length} < ${this.signalLength}`);
    const n = this.fftSize;
    const z = this.#analytic;
    const x = this.spectrum;
    z.fill(0);
    for (let k = Math.max(0, lo); k <= Math.min(hi, n / 2); k++) {
      const gain = k === 0 || k === n / 2 ? 1 : 2;
      z[2 * k] = gain * x[2 * k];
      z[2 * k + 1] = gain * x[2 * k + 1];
    }
    this.#complex.inverse(this.#time, z);
    const t = this.#time;
    // sqrt of the sum of squares: Math.hypot's overflow guard costs several times as much.
    for (let i = 0; i < this.signalLength; i++) out[i] = Math.sqrt(t[2 * i] * t[2 * i] + t[2 * i + 1] * t[2 * i + 1]);
  }
}
