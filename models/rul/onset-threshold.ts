/**
 * The onset CUSUM's decision threshold from a false-onset rate in time.
 *
 * A threshold counted in windows means a different false-alarm rate at every window rate: the
 * same h = 10 trips a healthy machine ten times as often per day at one window a second as at one
 * every ten seconds. A plant states what it tolerates in time (one false onset per machine-year),
 * so h is derived from it: the in-control average run length (ARL0, in windows) the rate asks for
 * at the asset's own window interval, and the h that gives that ARL0.
 *
 * ARL0 of a one-sided CUSUM whose increments have mean -drift and long-run variance v (Siegmund
 * 1985, eq. 2.55; the Brownian approximation with the overshoot correction 1.166 sigma):
 *
 *   ARL0 = v / (2 drift^2) * (exp(2 drift b / v) - 2 drift b / v - 1),   b = h + 1.166 sqrt(v)
 *
 * which the tests hold against the exact ARL of a Gaussian CUSUM (Brook & Evans' Markov chain).
 * v is the long-run variance of the standardised, smoothed index: a running median keeps the
 * index's low-frequency power (by Bahadur's representation it is a moving average of the signs of
 * the deviations), so sums over long stretches vary more than the index's own variance says.
 */
import { PdmError } from '../../common/errors.ts';

export const SECONDS_PER_YEAR = 365.25 * 24 * 3600;

/** Siegmund's overshoot correction, in standard deviations of the increments. */
const OVERSHOOT = 1.166;

/** In-control average run length (windows) of a CUSUM with threshold h, drift >= 0, long-run variance v. */
export function cusumArlWindows(h: number, drift: number, v: number): number {
  if (!(drift >= 0) || !(v > 0) || !(h >= 0))
    throw new RangeError(`cusumArlWindows: need h >= 0, drift >= 0, v > 0 (got ${h}, ${drift}, ${v})`);
  const b = h + OVERSHOOT * Math.sqrt(v);
  const x = (2 * drift * b) / v;
  // Without drift the statistic is a reflected random walk: ARL b^2 / v (the limit of the formula,
  // whose own evaluation loses every digit there).
  if (x < 1e-4) return (b * b) / v;
  return (v / (2 * drift * drift)) * (Math.exp(x) - x - 1);
}

/** The threshold h whose in-control ARL is `arlWindows` (ARL grows with h; bisection). */
export function thresholdForArl(arlWindows: number, drift: number, v: number): number {
  if (cusumArlWindows(0, drift, v) >= arlWindows) return 0;
  let lo = 0;
  let hi = 1;
  while (cusumArlWindows(hi, drift, v) < arlWindows) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (cusumArlWindows(mid, drift, v) < arlWindows) lo = mid;
    else hi = mid;
  }
  return hi;
}

export interface OnsetRate {
  /** False onsets a healthy machine may raise per year of operation. */
  falseOnsetsPerYear: number;
  /** Seconds between the asset's windows (its baseline's mean spacing). */
  windowIntervalS: number;
  /** The CUSUM's reference drift, in standard deviations of the index. */
  drift: number;
  /** Long-run variance of the standardised smoothed index (1 for independent windows). */
  longRunVariance: number;
}

/** The decision threshold (index standard deviations) that holds a healthy asset to `falseOnsetsPerYear`. */
export function onsetThreshold(r: OnsetRate): number {
  if (!(r.falseOnsetsPerYear > 0) || !(r.windowIntervalS > 0) || !(r.drift >= 0) || !(r.longRunVariance > 0)) {
    throw new PdmError(
      'PDM_ERR_CONFIG_INVALID',
      `onset threshold: false onsets per year ${r.falseOnsetsPerYear}, window interval ${r.windowIntervalS} s, long-run variance ${r.longRunVariance} must be positive and drift ${r.drift} not negative`,
      { ...r },
    );
  }
  const arl = SECONDS_PER_YEAR / r.falseOnsetsPerYear / r.windowIntervalS;
  return thresholdForArl(arl, r.drift, r.longRunVariance);
}
