/**
 * Time-domain condition indicators of a block, in one pass for the moments and one for the
 * extremes. Moments are central (the sensor's DC offset is not vibration). Kurtosis is Pearson's
 * (E[(x-m)^4] / sigma^4, 3 for a Gaussian signal): impacts from a damaged bearing raise it.
 */

export interface TimeFeatures {
  mean: number;
  /** RMS of x - mean. */
  rms: number;
  /** max |x - mean|. */
  peak: number;
  peakToPeak: number;
  /** peak / rms. */
  crestFactor: number;
  /** Pearson kurtosis, 3 for a normal distribution. */
  kurtosis: number;
  skewness: number;
}

export function emptyTimeFeatures(): TimeFeatures {
  return { mean: 0, rms: 0, peak: 0, peakToPeak: 0, crestFactor: 0, kurtosis: 0, skewness: 0 };
}

/**
 * Writes the features of `x` into `out` (caller-owned, reused). A constant block has rms 0; its
 * crest factor, kurtosis and skewness are reported as 0 rather than NaN.
 */
export function computeTimeFeatures(out: TimeFeatures, x: ArrayLike<number>): TimeFeatures {
  const n = x.length;
  if (n === 0) throw new RangeError('computeTimeFeatures: empty input');
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const rms = Math.sqrt(m2);
  const peak = Math.max(max - mean, mean - min);
  // Relative to the mean square of the raw values: below ~1e-24 of it, m2 is rounding noise.
  const flat = !(m2 > 0) || rms === 0;
  out.mean = mean;
  out.rms = rms;
  out.peak = peak;
  out.peakToPeak = max - min;
  out.crestFactor = flat ? 0 : peak / rms;
  out.kurtosis = flat ? 0 : m4 / (m2 * m2);
  out.skewness = flat ? 0 : m3 / (m2 * rms);
  return out;
}
