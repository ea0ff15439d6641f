/**
 * Measures read from a one-sided power spectrum of acceleration in g (mean-square per bin, as
 * `SpectrumAnalyzer.power`), so RMS values are square roots of bin sums:
 * - velocity RMS over a band, integrated in the frequency domain (divide each bin by 2 pi f),
 *   which is how ISO 20816 broadband velocity is obtained from an accelerometer;
 * - acceleration RMS over a band (band energies);
 * - velocity RMS of one line (1X, 2X, 3X), summing the bins of the window's main lobe.
 */
import { gToMmPerS } from './units.ts';

/** Velocity RMS in mm/s of the bins with centre in [lowHz, highHz]. */
export function velocityRmsMmS(power: Float64Array, binHz: number, lowHz: number, highHz: number): number {
  const lo = Math.max(1, Math.ceil(lowHz / binHz - 1e-9));
  const hi = Math.min(power.length - 1, Math.floor(highHz / binHz + 1e-9));
  let sum = 0;
  for (let k = lo; k <= hi; k++) {
    const c = gToMmPerS(k * binHz);
    sum += power[k] * c * c;
  }
  return Math.sqrt(sum);
}

/** Acceleration RMS (input units) of the bins with centre in [lowHz, highHz]. */
export function bandRms(power: Float64Array, binHz: number, lowHz: number, highHz: number): number {
  const lo = Math.max(0, Math.ceil(lowHz / binHz - 1e-9));
  const hi = Math.min(power.length - 1, Math.floor(highHz / binHz + 1e-9));
  let sum = 0;
  for (let k = lo; k <= hi; k++) sum += power[k];
  return Math.sqrt(sum);
}

/**
 * Velocity RMS in mm/s of the line at `frequencyHz`: the bins within `halfWidthBins` of it
 * (2 bins cover the Hann main lobe; add the speed uncertainty when the speed is estimated).
 */
export function lineVelocityRmsMmS(power: Float64Array, binHz: number, frequencyHz: number, halfWidthBins: number): number {
  if (!(frequencyHz > 0)) return 0;
  const centre = frequencyHz / binHz;
  const lo = Math.max(1, Math.ceil(centre - halfWidthBins));
  const hi = Math.min(power.length - 1, Math.floor(centre + halfWidthBins));
  let sum = 0;
  for (let k = lo; k <= hi; k++) {
    const c = gToMmPerS(k * binHz);
    sum += power[k] * c * c;
  }
  return Math.sqrt(sum);
}
