/**
 * The remaining-life distribution reported per window, and its median and central interval.
 *
 *  - trend part: the trend model's first-passage CDF for each candidate failure threshold (equal
 *    weights: the thresholds seen at failure in the training histories, or one configured value);
 *  - fleet part: the fleet's life distribution conditioned on the asset's age and, optionally after
 *    onset, the fleet's time-from-onset-to-failure conditioned on the time since onset (equal
 *    weights when both are present);
 *  - the probability mass the trend leaves unassigned within the horizon (it may never reach the
 *    threshold: slope possibly <= 0) goes to the fleet part when `fallbackToFleet`, so a weak or
 *    flat trend falls back on the fleet smoothly instead of reporting an endless life; with
 *    `trendWeight` < 1 the result is further mixed with the fleet part.
 *
 * The CDF is evaluated on a grid of 0 and log-spaced horizons (caller-owned buffers, no
 * allocation per window); quantiles are interpolated linearly between grid points, and a quantile
 * the distribution does not reach within the horizon is reported as the horizon itself.
 */
import type { TrendModel } from './exponential-degradation.ts';
import type { FleetLife } from './kernel-fleet.ts';
import { normalCdf } from './normal.ts';
import { ScoreOptimalPoint } from './phm-score.ts';

export interface RulEstimate {
  median: number;
  lower: number;
  upper: number;
  /**
   * The point to plan with: the remaining life maximising the expected PHM 2012 accuracy under
   * this distribution (phm-score.ts): usually below the median, because finding the machine failed
   * before the planned stop costs more than stopping it early (on a two-humped distribution it may
   * sit on the narrower hump, above the median).
   */
  point: number;
}

export interface RulInputs {
  /** Degradation trend model, null before onset. */
  trend: TrendModel | null;
  /** Seconds since onset (conditions the stage fleet). */
  tau: number;
  logThresholds: readonly number[];
  fleet: FleetLife | null;
  age: number;
  /** Time from onset to failure of the fleet (conditioned on tau), null to leave out. */
  stageFleet: FleetLife | null;
  trendWeight: number;
  fallbackToFleet: boolean;
  /**
   * The asset fails at the first of the trend's crossing and the fleet's life, combined as
   * independent: F = 1 - (1 - F_trend)(1 - F_fleet) (instead of the fleet taking only the mass the
   * trend leaves unassigned).
   */
  firstOfTrendAndFleet?: boolean;
  horizon: number;
  coverage: number;
  /**
   * A second failure criterion (feature-limit.ts): its own trend toward its own log limit. The
   * asset fails at the first of the two; they are combined as independent,
   * F = 1 - (1 - F_index)(1 - F_limit).
   */
  limit: { trend: TrendModel; logLimit: number } | null;
}

const GRID = 320;
/** Horizons from 1e-6 x the horizon to the horizon: the grid's constant log step after 0. */
const SPAN = 1e-6;
const LOG_STEP = -Math.log(SPAN) / (GRID - 2);

export class RulSolver {
  readonly #r = new Float64Array(GRID);
  readonly #cdf = new Float64Array(GRID);
  readonly #deg = new Float64Array(GRID);
  readonly #fleet = new Float64Array(GRID);
  readonly #one = new Float64Array(GRID);
  readonly #point = new ScoreOptimalPoint(GRID, LOG_STEP);

  /** @returns false when there is no basis at all (out untouched). */
  solve(out: RulEstimate, x: RulInputs): boolean {
    const hasIndexTrend = x.trend !== null && x.logThresholds.length > 0;
    const hasTrend = hasIndexTrend || x.limit !== null;
    const hasFleet = x.fleet !== null || x.stageFleet !== null;
    if (!hasTrend && !hasFleet) return false;
    const r = this.#r;
    const cdf = this.#cdf;
    const deg = this.#deg;
    const fl = this.#fleet;
    r[0] = 0;
    const a = Math.log(x.horizon * SPAN);
    const b = Math.log(x.horizon);
    for (let i = 1; i < GRID; i++) r[i] = Math.exp(a + ((b - a) * (i - 1)) / (GRID - 2));
    fl.fill(0);
    if (hasFleet) {
      const parts = (x.fleet !== null ? 1 : 0) + (x.stageFleet !== null ? 1 : 0);
      for (let i = 0; i < GRID; i++) {
        if (x.fleet !== null) fl[i] += x.fleet.conditionalCdf(r[i], x.age) / parts;
        if (x.stageFleet !== null) fl[i] += x.stageFleet.conditionalCdf(r[i], x.tau) / parts;
      }
    }
    if (!hasTrend) {
      cdf.set(fl);
    } else {
      deg.fill(0);
      const one = this.#one;
      if (hasIndexTrend) {
        const w = 1 / x.logThresholds.length;
        for (const d of x.logThresholds) {
          x.trend!.cdfOnGrid(one, r, d);
          for (let i = 0; i < GRID; i++) deg[i] += w * one[i];
        }
      }
      if (x.limit !== null) {
        x.limit.trend.cdfOnGrid(one, r, x.limit.logLimit);
        for (let i = 0; i < GRID; i++) deg[i] = 1 - (1 - deg[i]) * (1 - one[i]);
      }
      const rest = 1 - deg[GRID - 1];
      const useFleet = hasFleet && x.fallbackToFleet;
      if (useFleet && x.firstOfTrendAndFleet === true) {
        for (let i = 0; i < GRID; i++) cdf[i] = 1 - (1 - deg[i]) * (1 - fl[i]);
      } else {
        const tw = useFleet ? x.trendWeight : 1;
        for (let i = 0; i < GRID; i++) {
          const trend = deg[i] + (useFleet ? rest * fl[i] : 0);
          cdf[i] = tw * trend + (1 - tw) * (useFleet ? fl[i] : 0);
        }
      }
    }
    const tail = (1 - x.coverage) / 2;
    out.lower = this.#quantile(tail, x.horizon);
    out.median = this.#quantile(0.5, x.horizon);
    out.upper = this.#quantile(1 - tail, x.horizon);
    out.point = this.#point.solve(r, cdf);
    return true;
  }

  /**
   * Recalibrates the distribution of the last `solve` (calibration.ts) and rewrites `out`:
   * 'scale' stretches it about its median by `scale` in log remaining life, 'residual' replaces it
   * by the median times the kernel-smoothed inner errors.
   */
  calibrate(
    out: RulEstimate,
    c: { method: 'scale'; scale: number } | { method: 'residual'; errors: Float64Array; bandwidth: number },
    coverage: number,
    horizon: number,
  ): void {
    const m = out.median;
    if (!(m > 0) || !(m < horizon)) return;
    const r = this.#r;
    const cdf = this.#cdf;
    const src = this.#one;
    src.set(cdf);
    const logM = Math.log(m);
    if (c.method === 'scale') {
      // F'(r) = F(m (r/m)^(1/scale)): read F at that point, linearly in log r between grid points.
      const a = Math.log(r[1]);
      for (let i = 1; i < GRID; i++) {
        const x = logM + (Math.log(r[i]) - logM) / c.scale;
        const u = (x - a) / LOG_STEP + 1;
        if (u <= 1) cdf[i] = src[0] + Math.max(0, Math.min(1, Math.exp(x - a))) * (src[1] - src[0]);
        else if (u >= GRID - 1) cdf[i] = src[GRID - 1];
        else {
          const j = Math.floor(u);
          cdf[i] = src[j] + (u - j) * (src[j + 1] - src[j]);
        }
      }
    } else {
      cdf[0] = 0;
      const n = c.errors.length;
      for (let i = 1; i < GRID; i++) {
        const x = Math.log(r[i]) - logM;
        let s = 0;
        for (let k = 0; k < n; k++) s += normalCdf((x - c.errors[k]) / c.bandwidth);
        cdf[i] = s / n;
      }
    }
    const tail = (1 - coverage) / 2;
    out.lower = this.#quantile(tail, horizon);
    out.median = this.#quantile(0.5, horizon);
    out.upper = this.#quantile(1 - tail, horizon);
    out.point = this.#point.solve(r, cdf);
  }

  #quantile(q: number, horizon: number): number {
    const r = this.#r;
    const cdf = this.#cdf;
    if (cdf[0] >= q) return 0;
    for (let i = 1; i < GRID; i++) {
      if (cdf[i] >= q) {
        const f = (q - cdf[i - 1]) / (cdf[i] - cdf[i - 1]);
        return r[i - 1] + f * (r[i] - r[i - 1]);
      }
    }
    return horizon;
  }
}
