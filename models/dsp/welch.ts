/**
 * Welch's averaged periodogram (Hann segments, 50 % overlap), one-sided, mean-square per bin
 * (sums to the variance, as `SpectrumAnalyzer.power`). Averaging K segments makes each bin's
 * estimate a chi-square with ~2K degrees of freedom instead of 2, so a tall bin means a line and
 * not a noise spike: this is what the envelope spectrum's significance tests rely on.
 * One instance per segment size; the signal length may vary from call to call.
 */
import { RealFft } from './real-fft.ts';
import { makeWindow, windowSums } from './windows.ts';

export class WelchSpectrum {
  readonly segmentSize: number;
  readonly bins: number;
  readonly #fft: RealFft;
  readonly #window: Float64Array;
  readonly #segment: Float64Array;
  readonly #spectrum: Float64Array;
  readonly #scale: number;

  constructor(segmentSize: number) {
    this.#fft = new RealFft(segmentSize);
    this.segmentSize = segmentSize;
    this.bins = segmentSize / 2 + 1;
    this.#window = makeWindow('hann', segmentSize);
    this.#segment = new Float64Array(segmentSize);
    this.#spectrum = new Float64Array(this.#fft.outputLength);
    this.#scale = 2 / (segmentSize * windowSums(this.#window).s2);
  }

  /** Number of segments `process` averages for a signal of `length` >= segmentSize samples. */
  segmentCount(length: number): number {
    const hop = this.segmentSize / 2;
    return Math.floor((length - this.segmentSize) / hop) + 1;
  }

  /**
   * out[k] (k = 0..segmentSize/2) = averaged power of x[0..length) after subtracting `mean`.
   * The signal must hold at least one segment (pick the segment size from the length). Samples
   * after the last whole segment are not used. Returns the segment count.
   */
  process(out: Float64Array, x: ArrayLike<number>, length: number, mean = 0): number {
    if (out.length < this.bins) throw new RangeError(`WelchSpectrum: output length ${out.length} < ${this.bins}`);
    if (length > x.length || length < this.segmentSize)
      throw new RangeError(`WelchSpectrum: length ${length} must be in [${this.segmentSize}, ${x.length}]`);
    const size = this.segmentSize;
    const hop = size / 2;
    const count = this.segmentCount(length);
    const w = this.#window;
    const seg = this.#segment;
    const s = this.#spectrum;
    out.fill(0, 0, this.bins);
    for (let c = 0; c < count; c++) {
      const start = c * hop;
      for (let i = 0; i < size; i++) seg[i] = (x[start + i] - mean) * w[i];
      this.#fft.forward(s, seg);
      for (let k = 0; k < this.bins; k++) out[k] += s[2 * k] * s[2 * k] + s[2 * k + 1] * s[2 * k + 1];
    }
    const f = this.#scale / count;
    for (let k = 0; k < this.bins; k++) out[k] *= k === 0 || k === size / 2 ? f / 2 : f;
    return count;
  }
}
