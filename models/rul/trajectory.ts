/**
 * The degradation *state* of an asset relative to the training histories' trajectories
 * (similarity-based prognostics, Wang et al. 2008): how closely the asset's smoothed log health
 * index, window by window since its first window, has followed each training history's at the
 * same age (the histories' times already scaled to the asset's load and speed, life-scaling.ts).
 * The fleet's lives are then weighted by that similarity (kernel-fleet.ts), so an asset whose
 * index has run like the long-lived histories' is given their lives, and one that has run like the
 * short-lived ones theirs.
 *
 * Weights: w_i ∝ exp(−½ D_i / s²), D_i the mean squared difference between the asset's log index
 * and history i's at the same ages (a history that has already failed at that age contributes its
 * level at failure), s² the histories' own spread about one another at the same ages (the mean,
 * over 64 ages up to the median life, of the variance of their log indices). The whole path
 * counts as one observation of a history's path: the index is strongly autocorrelated, so its
 * windows are not independent evidence, and a likelihood with one observation is the most
 * cautious choice; nothing is fitted. With fewer than two paths, or no spread, the weights are
 * uniform.
 *
 * The asset's side is kept as running sums (one misfit sum per history and a count), so memory and
 * work per window do not grow with the asset's age; a history's path is stored downsampled to at
 * most PATH_POINTS bucket means.
 */

/** A history's smoothed log health index against its age (seconds since its first window). */
export interface HealthPath {
  t: number[];
  y: number[];
}

export const PATH_POINTS = 256;

/** Records a training history's path; `path()` gives it as at most PATH_POINTS bucket means (and its last point). */
export class PathRecorder {
  readonly #raw: { t: number; y: number }[] = [];

  push(age: number, logHi: number): void {
    if (!Number.isFinite(age) || !Number.isFinite(logHi)) return;
    this.#raw.push({ t: age, y: logHi });
  }

  /** Bucket means over equal spans of the recorded ages, at most PATH_POINTS of them. */
  path(): HealthPath {
    const raw = this.#raw;
    if (raw.length <= PATH_POINTS) return { t: raw.map((p) => p.t), y: raw.map((p) => p.y) };
    const t0 = raw[0].t;
    const width = (raw[raw.length - 1].t - t0) / PATH_POINTS;
    const ts: number[] = [];
    const ys: number[] = [];
    const ns: number[] = [];
    let bucket = -1;
    for (const p of raw) {
      const b = Math.min(PATH_POINTS - 1, Math.floor((p.t - t0) / width));
      if (b !== bucket) {
        ts.push(0);
        ys.push(0);
        ns.push(0);
        bucket = b;
      }
      const k = ts.length - 1;
      ts[k] += p.t;
      ys[k] += p.y;
      ns[k]++;
    }
    // The last point is the failure itself (not averaged away).
    const out: HealthPath = { t: ts.map((x, k) => x / ns[k]), y: ys.map((x, k) => x / ns[k]) };
    const last = raw[raw.length - 1];
    out.t.push(last.t);
    out.y.push(last.y);
    return out;
  }
}

/** Linear interpolation of a path at age t (its first value before it, its last after it). */
export function pathAt(p: HealthPath, t: number): number {
  const n = p.t.length;
  if (n === 0) return Number.NaN;
  if (t <= p.t[0]) return p.y[0];
  if (t >= p.t[n - 1]) return p.y[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (p.t[mid] <= t) lo = mid;
    else hi = mid;
  }
  const f = (t - p.t[lo]) / (p.t[hi] - p.t[lo]);
  return p.y[lo] + f * (p.y[hi] - p.y[lo]);
}

/** The histories' spread about one another at the same ages: mean variance over 64 ages up to the median life. */
export function pathSpread(paths: readonly HealthPath[]): number {
  if (paths.length < 2) return Number.NaN;
  const lives = paths.map((p) => p.t[p.t.length - 1] ?? 0).sort((a, b) => a - b);
  const until = lives[Math.floor((lives.length - 1) / 2)];
  let sum = 0;
  for (let k = 1; k <= 64; k++) {
    const t = (k / 64) * until;
    const ys = paths.map((p) => pathAt(p, t));
    const m = ys.reduce((a, y) => a + y, 0) / ys.length;
    sum += ys.reduce((a, y) => a + (y - m) ** 2, 0) / (ys.length - 1);
  }
  return sum / 64;
}

export interface TrajectoryMatchState {
  misfit: number[];
  count: number;
}

/** Running similarity of an asset's path to each training path. */
export class TrajectoryMatch {
  readonly #paths: readonly HealthPath[];
  readonly #spread: number;
  readonly #misfit: Float64Array;
  #count = 0;
  readonly #weights: Float64Array;

  constructor(paths: readonly HealthPath[], state?: TrajectoryMatchState) {
    this.#paths = paths;
    this.#spread = pathSpread(paths);
    this.#misfit = new Float64Array(paths.length);
    this.#weights = new Float64Array(paths.length).fill(1 / Math.max(1, paths.length));
    if (state !== undefined && state.misfit.length === paths.length) {
      this.#misfit.set(state.misfit);
      this.#count = state.count;
    }
  }

  /** One window of the asset: its age and smoothed log index. */
  update(age: number, logHi: number): void {
    if (!Number.isFinite(logHi)) return;
    for (let i = 0; i < this.#paths.length; i++) this.#misfit[i] += (logHi - pathAt(this.#paths[i], age)) ** 2;
    this.#count++;
  }

  /** Normalised weights of the training histories (uniform before any window, or without a spread). */
  weights(): Float64Array {
    const w = this.#weights;
    const n = w.length;
    if (this.#count === 0 || !(this.#spread > 0)) {
      w.fill(1 / Math.max(1, n));
      return w;
    }
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) min = Math.min(min, this.#misfit[i]);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      w[i] = Math.exp((-0.5 * (this.#misfit[i] - min)) / this.#count / this.#spread);
      sum += w[i];
    }
    for (let i = 0; i < n; i++) w[i] /= sum;
    return w;
  }

  toJSON(): TrajectoryMatchState {
    return { misfit: [...this.#misfit], count: this.#count };
  }
}
