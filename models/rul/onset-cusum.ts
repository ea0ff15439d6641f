/**
 * Degradation onset: a one-sided CUSUM (Page 1954) on the health index, standardised by the
 * baseline's own health-index mean and spread. Increments are capped so that one impulsive
 * window cannot trip it alone, and the statistic runs with a reference drift so that a stable
 * machine keeps resetting it to zero. The window where it last left zero estimates the onset;
 * the CUSUM keeps the least-squares sums of (time since onset, health index) from there on, so
 * the degradation model can be fitted over exactly the degrading stretch without storing it.
 *
 * The baseline's mean is an estimate, and its error stays for the whole run: a baseline of 60
 * windows sits about 0.15 of the index's spread off (measured), and one that came out low eats the
 * drift (at 0.25 instead of 0.5 a stationary machine trips within about 2 000 windows). So the
 * decision is made on a second statistic whose drift is larger by `guard` (the caller's standard
 * errors of the baseline mean), while the onset is still dated, and the trend summed, by the
 * first: a real degradation is found a little later but fitted over the same stretch.
 */
import { PdmError } from '../../common/errors.ts';

export interface OnsetConfig {
  /** Reference drift k, in baseline standard deviations of the health index. */
  drift: number;
  /** Decision threshold h, in the same units. */
  threshold: number;
  /** Each window adds at most this much (bounded influence of outliers). */
  cap: number;
  /** Added to the drift of the statistic that decides (not of the one that dates the onset); 0 when absent. */
  guard?: number;
}

/** Least-squares sums over the stretch since onset; tau = time - onsetTime. */
export interface TrendSums {
  n: number;
  st: number;
  stt: number;
  sl: number;
  stl: number;
  sll: number;
  /** Sum of squared first differences of the index, for the autocorrelation of the noise. */
  sdd: number;
  lastL: number;
  firstL: number;
  lastTau: number;
}

export interface OnsetCusumState {
  s: number;
  /** The deciding statistic (drift + guard); absent in older states: then s. */
  g?: number;
  detected: boolean;
  onsetTime: number | null;
  sums: TrendSums;
}

export function emptySums(): TrendSums {
  return { n: 0, st: 0, stt: 0, sl: 0, stl: 0, sll: 0, sdd: 0, lastL: 0, firstL: 0, lastTau: 0 };
}

/** Adds the point (tau, l) to the least-squares sums. */
export function accumulate(m: TrendSums, tau: number, l: number): void {
  if (m.n > 0) m.sdd += (l - m.lastL) * (l - m.lastL);
  else m.firstL = l;
  m.lastTau = tau;
  m.n += 1;
  m.st += tau;
  m.stt += tau * tau;
  m.sl += l;
  m.stl += tau * l;
  m.sll += l * l;
  m.lastL = l;
}

export class OnsetCusum {
  readonly config: OnsetConfig;
  readonly mean: number;
  readonly sd: number;
  s = 0;
  /** The statistic that decides: as s, with the drift widened by the guard. */
  g = 0;
  detected = false;
  onsetTime: number | null = null;
  sums: TrendSums = emptySums();

  constructor(config: OnsetConfig, mean: number, sd: number, state?: OnsetCusumState) {
    if (!(sd > 0) || !Number.isFinite(mean))
      throw new PdmError('PDM_ERR_INPUT_VALUE', `onset detector: baseline mean ${mean} and spread ${sd} must be finite, spread > 0`);
    this.config = config;
    this.mean = mean;
    this.sd = sd;
    if (state !== undefined) {
      this.s = state.s;
      this.g = state.g ?? state.s;
      this.detected = state.detected;
      this.onsetTime = state.onsetTime;
      this.sums = { ...state.sums };
    }
  }

  /** Feed the (smoothed) health index of one window; returns whether degradation is detected. */
  update(time: number, hi: number): boolean {
    const c = this.config;
    const z = Math.min(c.cap, Math.max(-c.cap, (hi - this.mean) / this.sd));
    this.s = Math.max(0, this.s + z - c.drift);
    this.g = Math.max(0, this.g + z - c.drift - (c.guard ?? 0));
    if (this.s === 0) {
      this.g = 0;
      this.detected = false;
      this.onsetTime = null;
      this.sums = emptySums();
      return false;
    }
    if (this.onsetTime === null) this.onsetTime = time;
    accumulate(this.sums, time - this.onsetTime, hi);
    if (this.g > c.threshold) this.detected = true;
    return this.detected;
  }

  toJSON(): OnsetCusumState {
    return { s: this.s, g: this.g, detected: this.detected, onsetTime: this.onsetTime, sums: { ...this.sums } };
  }
}
