/**
 * One-sided amplitude and power spectra of a real signal, window-corrected:
 * - amplitude: a sine of amplitude A reads A at its bin (2|X_k| / S1);
 * - power: mean-square per bin (2|X_k|^2 / (N_fft S2)), summing over all bins to the signal's
 *   variance (Parseval), so band RMS values are sqrt(sum of bins) whatever the window.
 * Signals shorter than the FFT size are zero-padded; the window spans the real samples only.
 */
import { RealFft } from './real-fft.ts';
import { makeWindow, type WindowKind, windowSums } from './windows.ts';

export class SpectrumAnalyzer {
  readonly fftSize: number;
  readonly signalLength: number;
  readonly bins: number;
  readonly #fft: RealFft;
  readonly #window: Float64Array;
  readonly #windowed: Float64Array;
  /** Complex one-sided spectrum of the last `process` call (interleaved), for callers who need phases. */
  readonly complex: Float64Array;
  readonly #ampScale: number;
  readonly #powScale: number;

  constructor(signalLength: number, fftSize: number, window: WindowKind = 'hann') {
    if (!Number.isInteger(signalLength) || signalLength < 2)
      throw new RangeError(`SpectrumAnalyzer: signal length must be an integer >= 2, got ${signalLength}`);
    if (fftSize < signalLength) throw new RangeError(`SpectrumAnalyzer: FFT size ${fftSize} < signal length ${signalLength}`);
    this.fftSize = fftSize;
    this.signalLength = signalLength;
    this.bins = fftSize / 2 + 1;
    this.#fft = new RealFft(fftSize);
    this.#window = makeWindow(window, signalLength);
    this.#windowed = new Float64Array(signalLength);
    this.complex = new Float64Array(this.#fft.outputLength);
    const { s1, s2 } = windowSums(this.#window);
    this.#ampScale = 2 / s1;
    this.#powScale = 2 / (fftSize * s2);
  }

  /**
   * Windows `input` (length = signalLength; `mean` subtracted first) and transforms it. Then
   * read `amplitude`/`power`. Separate from them so one transform serves both.
   */
  process(input: ArrayLike<number>, mean = 0): void {
    if (input.length !== this.signalLength)
      throw new RangeError(`SpectrumAnalyzer.process: input length ${input.length} != ${this.signalLength}`);
    const w = this.#window;
    const x = this.#windowed;
    for (let i = 0; i < x.length; i++) x[i] = (input[i] - mean) * w[i];
    this.#fft.forward(this.complex, x);
  }

  /** out[k] = amplitude of bin k (peak units of the input), k = 0..N/2. */
  amplitude(out: Float64Array): void {
    this.#checkOut(out);
    const c = this.complex;
    const n2 = this.fftSize / 2;
    for (let k = 0; k <= n2; k++) {
      // sqrt of the sum of squares, not Math.hypot: hypot guards against overflow that spectra of
      // physical signals never reach, at several times the cost (it was 6 % of a window's analysis).
      const re = c[2 * k];
      const im = c[2 * k + 1];
      const m = Math.sqrt(re * re + im * im) * this.#ampScale;
      // DC and Nyquist have no mirror image, so they are not doubled.
      out[k] = k === 0 || k === n2 ? m / 2 : m;
    }
  }

  /** out[k] = mean-square of bin k (input units squared); sum over k = variance of the input. */
  power(out: Float64Array): void {
    this.#checkOut(out);
    const c = this.complex;
    const n2 = this.fftSize / 2;
    for (let k = 0; k <= n2; k++) {
      const p = (c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1]) * this.#powScale;
      out[k] = k === 0 || k === n2 ? p / 2 : p;
    }
  }

  #checkOut(out: Float64Array): void {
    if (out.length < this.bins) throw new RangeError(`SpectrumAnalyzer: output length ${out.length} < ${this.bins} bins`);
  }
}
