/**
 * A synthetic multi-month run-to-failure history of a rig with several bearings, as per-file
 * statistics (mean, RMS, standard deviation, maximum, kurtosis, skewness of each channel of each
 * bearing), for the system-event tests and report (issue 13, section 7). Built from the physics
 * of a measured signal, not from the models: a file is a stationary Gaussian-like vibration of
 * standard deviation sigma on a DC level mu (the sensor's bias), so RMS = sqrt(mu^2 + sigma^2),
 * the maximum sits some 4 sigma above the mean, kurtosis near 3 and skewness near 0, each with
 * the file-to-file scatter of a finite record.
 *
 * Optional events:
 *  - an acquisition change at `stepAtFraction` of life: every channel's bias moves by
 *    `offsetFraction` (the issue's ~20 %) and its gain by its own factor in [gainLow, gainHigh]
 *    (the issue's 4-23 %), at one instant, and stays;
 *  - the wear of one bearing from `degradeFromFraction` of life: its channels' sigma grows
 *    exponentially to `failureGain` x at failure (the last file), with impacts lifting kurtosis and
 *    the maximum; the other bearings are untouched.
 */
import { gaussian, seeded } from './synthetic-features.ts';

export const STATISTICS = ['mean', 'rms', 'std', 'max', 'kurt', 'skew'] as const;

export interface MultiBearingOptions {
  bearings?: number;
  channels?: number;
  days?: number;
  /** Seconds between files. */
  fileEveryS?: number;
  seed?: number;
  step?: { atFraction: number; offsetFraction: number; gainLow: number; gainHigh: number } | null;
  degradation?: { bearing: number; fromFraction: number; failureGain: number } | null;
}

export interface MultiBearingHistory {
  times: number[];
  rows: Record<string, number>[];
  columns: string[];
  /** Columns per bearing: the locations of a system event. */
  locations: Record<string, string[]>;
  lifetimeS: number;
  /** Time of the first file after the acquisition change, null without one. */
  stepTime: number | null;
}

export function column(bearing: number, channel: number, stat: string): string {
  return `b${bearing}_c${channel}_${stat}`;
}

export function multiBearingHistory(o: MultiBearingOptions = {}): MultiBearingHistory {
  const bearings = o.bearings ?? 4;
  const channels = o.channels ?? 2;
  const every = o.fileEveryS ?? 1200;
  const n = Math.round(((o.days ?? 90) * 86400) / every);
  const g = gaussian(seeded(o.seed ?? 7));
  const u = seeded((o.seed ?? 7) + 1);
  const step = o.step === undefined ? { atFraction: 0.5, offsetFraction: 0.2, gainLow: 0.04, gainHigh: 0.23 } : o.step;
  const degradation = o.degradation === undefined ? { bearing: 3, fromFraction: 0.85, failureGain: 4 } : o.degradation;
  const columns: string[] = [];
  const locations: Record<string, string[]> = {};
  const base: Array<{ b: number; c: number; mu: number; sigma: number; gain: number }> = [];
  for (let b = 1; b <= bearings; b++) {
    locations[`b${b}`] = [];
    for (let c = 1; c <= channels; c++) {
      for (const s of STATISTICS) {
        columns.push(column(b, c, s));
        locations[`b${b}`].push(column(b, c, s));
      }
      // Each channel its own bias and level; its gain change drawn once in [low, high].
      base.push({
        b,
        c,
        mu: 0.05 + 0.05 * u(),
        sigma: 0.08 + 0.08 * u(),
        gain: step ? step.gainLow + (step.gainHigh - step.gainLow) * u() : 0,
      });
    }
  }
  const times: number[] = [];
  const rows: Record<string, number>[] = [];
  const stepIndex = step ? Math.round(step.atFraction * (n - 1)) : -1;
  const degradeFrom = degradation ? Math.round(degradation.fromFraction * (n - 1)) : n;
  for (let i = 0; i < n; i++) {
    const row: Record<string, number> = {};
    // A common, slow factor: the rig's temperature and load wander a little from file to file.
    const rig = 0.01 * g();
    for (const ch of base) {
      let mu = ch.mu;
      let sigma = ch.sigma * Math.exp(rig + 0.02 * g());
      if (step && i >= stepIndex) {
        mu *= 1 + step.offsetFraction;
        sigma *= 1 + ch.gain;
      }
      let impacts = 0;
      if (degradation && ch.b === degradation.bearing && i >= degradeFrom) {
        const x = (i - degradeFrom) / (n - 1 - degradeFrom);
        const grow = (Math.log(degradation.failureGain) * (Math.exp(3 * x) - 1)) / (Math.exp(3) - 1);
        sigma *= Math.exp(grow);
        impacts = grow;
      }
      const mean = mu + 0.01 * sigma * g();
      const std = sigma;
      row[column(ch.b, ch.c, 'mean')] = mean;
      row[column(ch.b, ch.c, 'rms')] = Math.sqrt(mean * mean + std * std);
      row[column(ch.b, ch.c, 'std')] = std;
      row[column(ch.b, ch.c, 'max')] = mean + std * (4 + impacts) * Math.exp(0.05 * g());
      row[column(ch.b, ch.c, 'kurt')] = 3 * Math.exp(0.03 * g() + 0.5 * impacts);
      row[column(ch.b, ch.c, 'skew')] = 0.03 * g() + 0.1 * impacts;
    }
    times.push(i * every);
    rows.push(row);
  }
  return { times, rows, columns, locations, lifetimeS: (n - 1) * every, stepTime: step ? stepIndex * every : null };
}
