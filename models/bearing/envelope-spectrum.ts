/**
 * Squared envelope spectrum (SES) of one band of a block: cut the band out of the block's FFT,
 * bring it to baseband, inverse FFT at a decimated rate (>= 2x the band width, enough for the
 * squared envelope whose spectrum spans [0, band width]), square the magnitude, and take a Welch
 * average whose segment length sets the resolution asked for. Bearing defects show here as lines
 * at their repetition rates (Randall & Antoni 2011, section 3.2; Ho & Randall 2000 for the squared
 * envelope). The squared envelope is used rather than the envelope because its spectrum is the
 * cyclic spectrum of the band, free of the rectifier's extra harmonics.
 */
import { ComplexFft } from '../dsp/complex-fft.ts';
import { nextPowerOfTwo } from '../dsp/fft-size.ts';
import { WelchSpectrum } from '../dsp/welch.ts';

export interface EnvelopeSpectrumOptions {
  signalLength: number;
  fftSize: number;
  sampleRateHz: number;
}

export class EnvelopeSpectrum {
  readonly #opts: EnvelopeSpectrumOptions;
  readonly #inverse = new Map<number, { fft: ComplexFft; base: Float64Array; time: Float64Array }>();
  readonly #welch = new Map<number, WelchSpectrum>();
  readonly #squared: Float64Array;
  /** SES of the last `process` call, mean-square per bin; valid for bins 0..bins-1. */
  readonly power: Float64Array;
  bins = 0;
  binHz = 0;
  /** Welch segments averaged (the per-bin estimate has ~2x this many degrees of freedom). */
  segments = 0;
  /** Band actually demodulated (bin centres), Hz. */
  lowHz = 0;
  highHz = 0;

  constructor(options: EnvelopeSpectrumOptions) {
    const { signalLength, fftSize, sampleRateHz } = options;
    if (fftSize < signalLength || signalLength < 16)
      throw new RangeError(`EnvelopeSpectrum: need 16 <= signal length ${signalLength} <= FFT size ${fftSize}`);
    if (!(sampleRateHz > 0)) throw new RangeError(`EnvelopeSpectrum: sample rate must be > 0, got ${sampleRateHz}`);
    this.#opts = options;
    // Every decimated size from 16 up to the block's FFT size, so any band can be demodulated
    // without allocating; and a Welch stage per segment size that fits.
    for (let m = 16; m <= fftSize; m *= 2) {
      this.#inverse.set(m, { fft: new ComplexFft(m), base: new Float64Array(2 * m), time: new Float64Array(2 * m) });
      if (m <= signalLength) this.#welch.set(m, new WelchSpectrum(m));
    }
    this.#squared = new Float64Array(fftSize);
    this.power = new Float64Array(fftSize / 2 + 1);
  }

  /**
   * `spectrum`: one-sided FFT (interleaved, rectangular window) of the zero-padded block.
   * Demodulates [lowHz, highHz] and writes the SES with a resolution near `resolutionHz`
   * (finer resolutions than the block allows are clipped to one segment of all the samples).
   */
  process(spectrum: Float64Array, lowHz: number, highHz: number, resolutionHz: number): void {
    const { signalLength, fftSize, sampleRateHz } = this.#opts;
    const binHz = sampleRateHz / fftSize;
    const lo = Math.max(1, Math.round(lowHz / binHz));
    const hi = Math.min(fftSize / 2, Math.round(highHz / binHz));
    if (hi <= lo) throw new RangeError(`EnvelopeSpectrum: band [${lowHz}, ${highHz}] Hz holds no bins`);
    const width = hi - lo + 1;
    const m = Math.min(fftSize, Math.max(16, 2 * nextPowerOfTwo(width)));
    const stage = this.#inverse.get(m) as { fft: ComplexFft; base: Float64Array; time: Float64Array };
    const { base, time } = stage;
    base.fill(0);
    for (let k = lo; k <= hi; k++) {
      base[2 * (k - lo)] = spectrum[2 * k];
      base[2 * (k - lo) + 1] = spectrum[2 * k + 1];
    }
    stage.fft.inverse(time, base);
    const used = Math.floor((m * signalLength) / fftSize);
    if (used < 16)
      throw new RangeError(
        `EnvelopeSpectrum: band [${lowHz}, ${highHz}] Hz leaves ${used} envelope samples (< 16): widen the band or lengthen the block`,
      );
    const sq = this.#squared;
    let mean = 0;
    for (let i = 0; i < used; i++) {
      sq[i] = time[2 * i] * time[2 * i] + time[2 * i + 1] * time[2 * i + 1];
      mean += sq[i];
    }
    mean /= used;
    const rate = (sampleRateHz * m) / fftSize;
    // Largest power-of-two segment not longer than the samples, nor finer than asked.
    let seg = 16;
    while (seg * 2 <= used && rate / seg > resolutionHz) seg *= 2;
    const welch = this.#welch.get(seg) as WelchSpectrum;
    this.segments = welch.process(this.power, sq, used, mean);
    this.bins = welch.bins;
    this.binHz = rate / seg;
    this.lowHz = lo * binHz;
    this.highHz = hi * binHz;
  }
}
