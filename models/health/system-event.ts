/**
 * System events: a change of the rig or of its acquisition (a sensor remounted, a channel
 * re-ranged, a DAQ replaced, a duty changed) moves the level of every channel at every location at
 * one instant and then stays flat; the wear of one bearing is local and grows. The first must not
 * raise the degradation alarm: it is recorded with its reason and the model re-baselines; the
 * second must.
 *
 * Judged on the features' own windows, with robust statistics and nothing fitted to a history.
 * For a candidate step between window k-1 and k, with the `span` windows before it and the L
 * windows since (3 <= L <= span), per feature (log of a positive feature, else as is):
 *
 *  - stepped: the medians before and after differ by >= `stepZ` standard errors of that
 *    difference (1.2533 s sqrt(1/span + 1/L), s = 1.4826 x the median absolute deviation before
 *    the step: the median's efficiency under Gaussian noise, robust to impulsive windows);
 *  - clean: few windows on the wrong side of the midpoint between the two levels (before the step
 *    at most one in twelve, at least one; after it none when the candidate is entered, later one
 *    in twelve), none in the 3 windows right before the step: one instant separates two flat
 *    levels; a burst or a ramp leading into the change (a failing bearing's impacts) breaks it,
 *    and so does a window after it further from the new level than max(the step, `outlierZ` s);
 *  - common: in every location (a bearing, a channel: `locations`), at least `share` of the
 *    features stepped cleanly, and every amplitude (log feature) that stepped rose;
 *  - no growth: once half a span has passed since the step, no feature's second-half median
 *    exceeds its first-half median by more than max(a quarter of its step, `stepZ` standard
 *    errors) (upward for amplitudes, either way for other features).
 *
 * A candidate is entered 3 to `entryWindows` windows after the step (before the anomaly alarm,
 * which needs 6 windows above its level, can rise), re-judged at every window, and confirmed
 * after `span` windows: the confirmation span. While it is pending, the caller holds its alarm and
 * degradation decisions at their values before the step; when it is refuted they are released
 * (the alarm comes at most `span` windows late, only when a change first looked common and flat),
 * when it is confirmed the caller moves its baseline by the measured steps. A degradation that
 * follows later is judged against the new level, so a re-baselining never hides a growth.
 *
 * Pure: state serialises to JSON (`toJSON` / constructor) and a restored detector continues
 * bit for bit.
 */
import { z } from 'zod';
import { PdmError } from '../../common/errors.ts';

export const SystemEventSpec = z
  .strictObject({
    enabled: z.boolean().default(true).describe('detect system events (a common, flat step) and re-baseline after them'),
    span: z
      .number()
      .int()
      .min(6)
      .default(24)
      .describe(
        'confirmation span, windows: the medians before and after a step are taken over this many windows (a median of 24 has a standard error of 0.26 spreads, so a step of 1.5 spreads is told from noise), and a pending step is confirmed flat after it',
      ),
    entryWindows: z
      .number()
      .int()
      .min(3)
      .default(6)
      .describe('a step is taken as a candidate 3 to this many windows after it: by the time the anomaly alarm (6 windows) could rise'),
    stepZ: z.number().positive().default(4).describe('a feature stepped when its medians differ by this many standard errors'),
    outlierZ: z
      .number()
      .positive()
      .default(5)
      .describe('after a clean step no window strays from the new level by more than the step or this many robust spreads'),
    share: z
      .number()
      .gt(0)
      .max(1)
      .default(1 / 3)
      .describe(
        "share of each location's features that must step: a gain or level change moves the amplitudes (RMS, velocity; a peak too, but a single sample's maximum is too noisy to show it over a few windows), not the shape features (kurtosis, crest factor)",
      ),
    locationPrefixes: z
      .array(z.string().min(1))
      .optional()
      .describe(
        "locations by name prefix instead of `locations`: a feature `<prefix>_<name>` is in the location of its longest matching prefix (the stream's channels, whose features are fused as `<channel>_<feature>`); features without one are in none",
      ),
    locations: z
      .record(z.string().min(1), z.array(z.string().min(1)).min(1))
      .optional()
      .describe('features per location (bearing, channel); every location must step for a system event. Default: one location'),
  })
  .describe('system events: steps common to every channel and location, with no growth after them');

export type SystemEventConfig = z.output<typeof SystemEventSpec>;

/** One feature's part in a system event. */
export interface SteppedFeature {
  feature: string;
  location: string;
  /** Relative change of a positive feature (0.2 = +20 %); absolute change of a linear one. */
  change: number;
  relative: boolean;
  /** Step in standard errors of the difference of medians. */
  z: number;
}

export interface SystemEvent {
  /** Time of the first window after the step. */
  time: number;
  /** Time of the window that confirmed it (span windows later). */
  detectedAt: number;
  locations: string[];
  features: SteppedFeature[];
  /** `common step in 4/4 locations (b1, b2, b3, b4), flat for 24 windows: b1_x_rms +12 %, ...`. */
  reason: string;
}

export interface SystemEventState {
  version: 1;
  times: number[];
  rows: number[][];
  /** The alarm and degradation reported for each buffered window. */
  reported: Array<[boolean, boolean]>;
  pending: { time: number; alarm: boolean; degradation: boolean } | null;
  /** Steps at or before this time are not entered again (a refuted or a confirmed one). */
  settledUntil: number | null;
  events: number;
  last: SystemEvent | null;
}

export type SystemEventVerdict =
  | { state: 'none' }
  | { state: 'pending'; since: number; alarm: boolean; degradation: boolean }
  | { state: 'refuted'; since: number }
  | { state: 'confirmed'; event: SystemEvent; shifts: Float64Array; alarm: boolean; degradation: boolean };

/** Transform of each feature, as the baseline chose it: log of a positive feature, else linear. */
export type FeatureKind = 'log' | 'linear';

const MAD_TO_SD = 1.4826;
const MEDIAN_SE = 1.2533;
const MIN_AFTER = 3;
/** Windows right before a step in which no window may already be past its midpoint. */
const LEAD_IN = 3;

interface Judgement {
  ok: boolean;
  stepped: SteppedFeature[];
  shifts: Float64Array;
}

export class SystemEventDetector {
  readonly config: SystemEventConfig;
  readonly names: readonly string[];
  readonly where: string;
  /** Location name and feature indices of each location. */
  readonly #locations: Array<{ name: string; features: number[] }>;
  readonly #locationOf: string[];
  #times: number[] = [];
  #rows: Float64Array[] = [];
  #reported: Array<[boolean, boolean]> = [];
  #pending: SystemEventState['pending'] = null;
  #settledUntil: number | null = null;
  #events = 0;
  #last: SystemEvent | null = null;
  readonly #before: Float64Array;
  readonly #levels = new Map<number, { median: Float64Array; spread: Float64Array }>();
  readonly #after: Float64Array;

  constructor(config: SystemEventConfig, names: readonly string[], where: string, state?: SystemEventState) {
    this.config = config;
    this.names = [...names];
    this.where = where;
    this.#locations =
      config.locationPrefixes !== undefined
        ? locationsByPrefix(config.locationPrefixes, names)
        : resolveLocations(config.locations, names, where);
    this.#locationOf = names.map(() => '');
    for (const l of this.#locations) for (const i of l.features) this.#locationOf[i] = l.name;
    this.#before = new Float64Array(config.span);
    this.#after = new Float64Array(config.span);
    if (state !== undefined) this.#restore(state);
  }

  get events(): number {
    return this.#events;
  }

  get last(): SystemEvent | null {
    return this.#last;
  }

  get pending(): boolean {
    return this.#pending !== null;
  }

  /**
   * One window's raw features (in `names` order). `kinds` null while no baseline exists: the
   * window is only kept. Returns what the caller must do with its alarm and degradation.
   */
  update(time: number, raw: ArrayLike<number>, kinds: readonly FeatureKind[] | null): SystemEventVerdict {
    const row = new Float64Array(this.names.length);
    for (let i = 0; i < row.length; i++) row[i] = raw[i];
    this.#times.push(time);
    this.#rows.push(row);
    this.#reported.push([false, false]);
    const keep = 2 * this.config.span;
    if (this.#rows.length > keep) {
      const drop = this.#rows.length - keep;
      this.#times.splice(0, drop);
      this.#rows.splice(0, drop);
      this.#reported.splice(0, drop);
    }
    if (kinds === null || !this.config.enabled) return { state: 'none' };
    const n = this.#rows.length;
    const span = this.config.span;
    if (this.#pending !== null) {
      const k = this.#times.indexOf(this.#pending.time);
      const after = n - k;
      const j = k - span >= 0 ? this.#judge(k, after, kinds) : null;
      const p = this.#pending;
      if (j === null || !j.ok) {
        this.#pending = null;
        this.#settledUntil = p.time;
        return { state: 'refuted', since: p.time };
      }
      if (after < span) return { state: 'pending', since: p.time, alarm: p.alarm, degradation: p.degradation };
      const event = this.#event(p.time, time, j.stepped);
      this.#pending = null;
      this.#settledUntil = time;
      this.#events += 1;
      this.#last = event;
      // The windows before the step no longer describe the machine: later steps are judged on the new level.
      this.#times.splice(0, k);
      this.#rows.splice(0, k);
      this.#reported.splice(0, k);
      return { state: 'confirmed', event, shifts: j.shifts, alarm: p.alarm, degradation: p.degradation };
    }
    let best: { k: number; score: number } | null = null;
    for (let after = MIN_AFTER; after <= Math.min(this.config.entryWindows, span); after++) {
      const k = n - after;
      if (k - span < 0) break;
      if (this.#settledUntil !== null && this.#times[k] <= this.#settledUntil) continue;
      // A machine already alarmed or degrading is not re-baselined: hiding a failure costs more than a late clear.
      const [alarmBefore, degradingBefore] = this.#reported[k - 1];
      if (alarmBefore || degradingBefore) continue;
      const j = this.#judge(k, after, kinds, true);
      if (!j.ok) continue;
      const score = j.stepped.reduce((s, f) => s + Math.abs(f.z), 0);
      if (best === null || score > best.score) best = { k, score };
    }
    if (best === null) return { state: 'none' };
    const [alarm, degradation] = this.#reported[best.k - 1];
    this.#pending = { time: this.#times[best.k], alarm, degradation };
    return { state: 'pending', since: this.#times[best.k], alarm, degradation };
  }

  /** What the caller reported for the window last given to `update` (held flags come from here). */
  noteReported(alarm: boolean, degradation: boolean): void {
    const r = this.#reported[this.#reported.length - 1];
    if (r !== undefined) {
      r[0] = alarm;
      r[1] = degradation;
    }
  }

  /** Judges a step before buffered window k, with `after` windows from k on. */
  #judge(k: number, after: number, kinds: readonly FeatureKind[], entering = false): Judgement {
    const c = this.config;
    const span = c.span;
    const q = this.names.length;
    const stepped: SteppedFeature[] = [];
    const shifts = new Float64Array(q);
    const cleanAt = new Map<string, number>();
    const b = this.#before;
    const a = this.#after;
    const tolerated = Math.max(1, Math.floor(span / 12));
    const level = this.#levelBefore(k, kinds);
    for (let f = 0; f < q; f++) {
      const log = kinds[f] === 'log';
      for (let i = 0; i < after; i++) a[i] = value(this.#rows[k + i][f], log);
      const mb = level.median[f];
      const s = level.spread[f];
      const ma = medianOf(a, 0, after);
      const step = ma - mb;
      const z = step / (MEDIAN_SE * s * Math.sqrt(1 / span + 1 / after));
      // No growth after the step, for every feature (a fault shows in any of them): judged once
      // each half holds a quarter span (a median of fewer heavy-tailed windows says little);
      // amplitudes grow upward, other features either way.
      if (after >= span >> 1) {
        const h = after >> 1;
        const growth = medianOf(a, after - h, after) - medianOf(a, 0, h);
        const allowed = Math.max(Math.abs(step) / 4, c.stepZ * MEDIAN_SE * s * Math.sqrt(2 / h));
        if ((log ? growth : Math.abs(growth)) > allowed) return { ok: false, stepped, shifts };
      }
      // The re-baselining moves every feature that moved (half the step criterion) to its level
      // since the step: a change of the acquisition moves them all, some by less than a
      // significant step, and the health index sums them; a feature that did not move keeps its
      // baseline (moving it by noise would only blur it).
      if (Math.abs(z) >= c.stepZ / 2) shifts[f] = step;
      if (!(Math.abs(z) >= c.stepZ)) continue;
      for (let i = 0; i < span; i++) b[i] = value(this.#rows[k - span + i][f], log);
      // Clean: few windows on the wrong side of the midpoint between the two levels, and none right
      // before the step (a burst, a ramp: a failing bearing's impacts before its level jumps).
      const half = Math.abs(step) / 2;
      const sign = Math.sign(step);
      let crossedBefore = 0;
      let crossedAfter = 0;
      for (let i = 0; i < span; i++) {
        // One right before the step (a burst, a ramp leading into it) makes the feature unclean whatever the tolerance.
        if (sign * (b[i] - mb) > half) crossedBefore += i >= span - LEAD_IN ? span : 1;
      }
      // After it, a window further from the new level than the step itself is a burst, not a level.
      const burst = Math.max(Math.abs(step), c.outlierZ * s);
      for (let i = 0; i < after; i++) {
        if (sign * (a[i] - ma) < -half) crossedAfter++;
        if (Math.abs(a[i] - ma) > burst) crossedAfter = Number.POSITIVE_INFINITY;
      }
      const location = this.#locationOf[f];
      if (crossedBefore <= tolerated && crossedAfter <= (entering ? 0 : Math.max(1, Math.floor(after / 12))) && location !== '')
        cleanAt.set(location, (cleanAt.get(location) ?? 0) + 1);
      stepped.push({ feature: this.names[f], location, change: log ? Math.expm1(step) : step, relative: log, z });
    }
    // Common: at least `share` of every location's features moved cleanly at that instant, and
    // every amplitude that moved rose (a gain or level change moves them alike; a fault raises
    // some and lowers others; amplitudes count upward in the anomaly model, so a common fall
    // raises no alarm to begin with).
    const ok =
      stepped.length > 0 &&
      this.#locations.every((l) => (cleanAt.get(l.name) ?? 0) >= c.share * l.features.length) &&
      stepped.every((f) => !f.relative || f.change > 0);
    return { ok, stepped, shifts };
  }

  /**
   * Median and robust spread of each feature over the span before buffered window k: the same
   * for every judgement of that step, so kept by the step's time (derived data, not state).
   */
  #levelBefore(k: number, kinds: readonly FeatureKind[]): { median: Float64Array; spread: Float64Array } {
    const time = this.#times[k];
    const cached = this.#levels.get(time);
    if (cached !== undefined) return cached;
    const span = this.config.span;
    const q = this.names.length;
    const median = new Float64Array(q);
    const spread = new Float64Array(q);
    const b = this.#before;
    for (let f = 0; f < q; f++) {
      const log = kinds[f] === 'log';
      for (let i = 0; i < span; i++) b[i] = value(this.#rows[k - span + i][f], log);
      median[f] = medianOf(b, 0, span);
      spread[f] = Math.max(MAD_TO_SD * madOf(b, span, median[f]), log ? 0.01 : 0.01 * Math.max(Math.abs(median[f]), 1e-7));
    }
    const level = { median, spread };
    this.#levels.set(time, level);
    if (this.#levels.size > 2 * span) this.#levels.delete(this.#levels.keys().next().value!);
    return level;
  }

  #event(time: number, detectedAt: number, stepped: SteppedFeature[]): SystemEvent {
    const locations = this.#locations.map((l) => l.name);
    const parts = [...stepped]
      .sort((x, y) => Math.abs(y.z) - Math.abs(x.z))
      .map(
        (f) =>
          `${f.feature} ${f.relative ? `${f.change >= 0 ? '+' : ''}${(100 * f.change).toFixed(0)} %` : `${f.change >= 0 ? '+' : ''}${f.change.toPrecision(3)}`}`,
      );
    const where = locations.length > 1 ? `${locations.length}/${locations.length} locations (${locations.join(', ')})` : 'every channel';
    return {
      time,
      detectedAt,
      locations,
      features: stepped,
      reason: `common step in ${where}, flat for ${this.config.span} windows: ${parts.join(', ')}`,
    };
  }

  toJSON(): SystemEventState {
    return {
      version: 1,
      times: [...this.#times],
      rows: this.#rows.map((r) => Array.from(r)),
      reported: this.#reported.map(([a, d]) => [a, d]),
      pending: this.#pending === null ? null : { ...this.#pending },
      settledUntil: this.#settledUntil,
      events: this.#events,
      last: this.#last === null ? null : structuredClone(this.#last),
    };
  }

  #restore(s: SystemEventState): void {
    const bad = (what: string): never => {
      throw new PdmError('PDM_ERR_MODEL_STATE', `${this.where}: system-event state ${what}`, { where: this.where });
    };
    if (s.version !== 1) bad(`has unknown version ${JSON.stringify(s.version ?? null)} (this build reads version 1)`);
    if (s.times.length !== s.rows.length || s.reported.length !== s.rows.length) bad('has buffers of different lengths');
    if (s.rows.some((r) => r.length !== this.names.length)) bad(`rows do not have ${this.names.length} features`);
    this.#times = [...s.times];
    this.#rows = s.rows.map((r) => Float64Array.from(r));
    this.#reported = s.reported.map(([a, d]) => [a, d]);
    this.#pending = s.pending === null ? null : { ...s.pending };
    if (this.#pending !== null && !this.#times.includes(this.#pending.time)) bad('has a pending step outside its buffer');
    this.#settledUntil = s.settledUntil;
    this.#events = s.events;
    this.#last = s.last === null ? null : structuredClone(s.last);
  }
}

function value(v: number, log: boolean): number {
  return log ? Math.log(Math.max(v, Number.MIN_VALUE)) : v;
}

const scratch = { buffer: new Float64Array(64) };

/** Median of xs[from, to) (sorts a copy in a shared scratch buffer: no allocation once it is large enough). */
function medianOf(xs: Float64Array, from: number, to: number): number {
  const n = to - from;
  if (scratch.buffer.length < n) scratch.buffer = new Float64Array(n);
  const s = scratch.buffer.subarray(0, n);
  s.set(xs.subarray(from, to));
  s.sort();
  return n % 2 === 1 ? s[(n - 1) >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

const deviations = { buffer: new Float64Array(64) };

function madOf(xs: Float64Array, n: number, m: number): number {
  if (deviations.buffer.length < n) deviations.buffer = new Float64Array(n);
  const d = deviations.buffer;
  for (let i = 0; i < n; i++) d[i] = Math.abs(xs[i] - m);
  return medianOf(d, 0, n);
}

/** Locations by the longest `<prefix>_` a feature's name starts with; prefixes no feature has are left out. */
function locationsByPrefix(prefixes: readonly string[], names: readonly string[]): Array<{ name: string; features: number[] }> {
  const byPrefix = new Map<string, number[]>();
  names.forEach((n, i) => {
    let best: string | null = null;
    for (const p of prefixes) if (n.startsWith(`${p}_`) && (best === null || p.length > best.length)) best = p;
    if (best !== null) byPrefix.set(best, [...(byPrefix.get(best) ?? []), i]);
  });
  const out = prefixes.filter((p) => byPrefix.has(p)).map((p) => ({ name: p, features: byPrefix.get(p)! }));
  return out.length > 0 ? out : [{ name: 'all', features: names.map((_, i) => i) }];
}

/** Locations by feature index; the configured names must be features, each in one location. Default: one location. */
function resolveLocations(
  locations: Record<string, string[]> | undefined,
  names: readonly string[],
  where: string,
): Array<{ name: string; features: number[] }> {
  if (locations === undefined || Object.keys(locations).length === 0) return [{ name: 'all', features: names.map((_, i) => i) }];
  const seen = new Map<string, string>();
  const out: Array<{ name: string; features: number[] }> = [];
  for (const [name, features] of Object.entries(locations)) {
    const idx: number[] = [];
    for (const f of features) {
      const i = names.indexOf(f);
      if (i < 0)
        throw new PdmError(
          'PDM_ERR_CONFIG_INVALID',
          `${where}: systemEvent.locations.${name} names feature '${f}', which the model does not have (it has: ${names.join(', ')})`,
          { where, location: name, feature: f },
        );
      const other = seen.get(f);
      if (other !== undefined)
        throw new PdmError(
          'PDM_ERR_CONFIG_INVALID',
          `${where}: feature '${f}' is in locations ${other} and ${name}; a feature has one location`,
          {
            where,
            feature: f,
          },
        );
      seen.set(f, name);
      idx.push(i);
    }
    out.push({ name, features: idx });
  }
  return out;
}
