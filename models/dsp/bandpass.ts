/**
 * Band-pass in the frequency domain: transform, keep the bins whose centre lies in
 * [lowHz, highHz], transform back. A brick wall (zero-phase, no group delay) suits offline and
 * windowed analysis where the whole block is at hand; its ringing is confined to a few periods
 * of the band edge frequencies.
 */
import { bandToBins } from './band.ts';
import { RealFft } from './real-fft.ts';

export class BandPassFilter {
  readonly signalLength: number;
  readonly fftSize: number;
  readonly sampleRateHz: number;
  readonly #fft: RealFft;
  readonly #spectrum: Float64Array;
  readonly #time: Float64Array;
  readonly #lo: number;
  readonly #hi: number;

  constructor(options: { signalLength: number; fftSize: number; sampleRateHz: number; lowHz: number; highHz: number }) {
    const { signalLength, fftSize, sampleRateHz, lowHz, highHz } = options;
    if (!Number.isInteger(signalLength) || signalLength < 2)
      throw new RangeError(`BandPassFilter: signal length must be an integer >= 2, got ${signalLength}`);
    if (fftSize < signalLength) throw new RangeError(`BandPassFilter: FFT size ${fftSize} < signal length ${signalLength}`);
    if (!(sampleRateHz > 0)) throw new RangeError(`BandPassFilter: sample rate must be > 0, got ${sampleRateHz}`);
    this.signalLength = signalLength;
    this.fftSize = fftSize;
    this.sampleRateHz = sampleRateHz;
    this.#fft = new RealFft(fftSize);
    this.#spectrum = new Float64Array(this.#fft.outputLength);
    this.#time = new Float64Array(fftSize);
    const { lo, hi } = bandToBins(lowHz, highHz, sampleRateHz, fftSize);
    this.#lo = lo;
    this.#hi = hi;
  }

  /** out[0..signalLength) = input band-passed. */
  process(out: Float64Array, input: ArrayLike<number>): void {
    if (input.length !== this.signalLength) throw new RangeError(`BandPassFilter: input length ${input.length} != ${this.signalLength}`);
    if (out.length < this.signalLength) throw new RangeError(`BandPassFilter: output length ${out.length} < ${this.signalLength}`);
    const s = this.#spectrum;
    this.#fft.forward(s, input);
    for (let k = 0; k <= this.fftSize / 2; k++) {
      if (k < this.#lo || k > this.#hi) {
        s[2 * k] = 0;
        s[2 * k + 1] = 0;
      }
    }
    this.#fft.inverse(this.#time, s);
    for (let i = 0; i < this.signalLength; i++) out[i] = this.#time[i];
  }
}
