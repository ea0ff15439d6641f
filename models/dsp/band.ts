/** Frequency bands as FFT bin ranges, shared by the band-pass, envelope and kurtogram code. */

export interface BinRange {
  /** First bin in the band (inclusive). */
  lo: number;
  /** Last bin in the band (inclusive); hi < lo means an empty band. */
  hi: number;
}

/**
 * Bins k of an N-point FFT (bins 0..N/2, k * fs / N Hz) whose centre lies in [lowHz, highHz].
 * Bands reaching past Nyquist are clipped to it.
 */
export function bandToBins(lowHz: number, highHz: number, sampleRateHz: number, fftSize: number): BinRange {
  if (!(lowHz >= 0) || !(highHz > lowHz)) throw new RangeError(`band [${lowHz}, ${highHz}] Hz: need 0 <= low < high`);
  const binHz = sampleRateHz / fftSize;
  const lo = Math.max(0, Math.ceil(lowHz / binHz - 1e-9));
  const hi = Math.min(fftSize / 2, Math.floor(highHz / binHz + 1e-9));
  return { lo, hi };
}
