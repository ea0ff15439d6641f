/**
 * The accumulated bearing diagnosis of one machine location: a sequential test over consecutive
 * window diagnoses, so that a fault whose evidence one window holds only some of the time (an
 * inner race's 1X sidebands in a one-second window) is named steadily, and a healthy machine's
 * rare false window is not.
 *
 * For each fault type k, a window either names k or does not. Under "no fault k" the window
 * decision names k at most at the rate `falseRate` (p0: the decision is built to say `none` rather
 * than guess, every line tested at a 0.1 % false-alarm rate and two corroborating lines required);
 * under "fault k present" it names k at least at the rate `faultRate` (p1). Each window adds its
 * log-likelihood ratio (Wald 1945; Page 1954 for the bounded form):
 *
 *   names k:  +ln(p1 / p0)          otherwise:  +ln((1 - p1) / (1 - p0))
 *
 * to the statistic S_k, bounded to [-bound, +bound] so that the test keeps following the machine
 * (a fault that appears after months of health, a repair) with a bounded delay. S_k is the log
 * posterior odds of "fault k" with even prior odds at the last reset; k is named once S_k reaches
 * ln((1 - alpha) / alpha) (posterior >= 1 - alpha), and stays named until S_k falls below
 * `releaseAt` (hysteresis: a named fault does not flicker either). With the defaults, a fault
 * whose windows name it in more than ~10 % of windows drifts S_k upwards, a machine whose windows
 * name it in ~2 % or fewer drifts it downwards; at a per-window naming rate of 50 % the fault is
 * named after ~7 windows.
 *
 * Confidence: of a named fault, its posterior 1 / (1 + exp(-S_k)); of `none`, 1 minus the largest
 * posterior of any fault (0.5 right after a reset: nothing is known yet).
 *
 * A window that is not a measurement (sensor check failed, no shaft speed) adds nothing; after it
 * a named fault stands, `none` has confidence 0 (nothing says the machine is healthy now). The
 * evidence belongs to one acquisition, operating point and basis of judgement: a change of sample
 * rate or window length, a shaft speed more than `speedTolerance` from the speed at the last
 * reset, or a new basis (the healthy reference the windows are diagnosed against, once learnt:
 * lines that counted before it may not count after) starts the test afresh. Pure; the state is plain JSON (it travels in the machine's model state).
 */
import { PdmError } from '../../common/errors.ts';
import { FAULT_KINDS, type FaultKind } from './fault-evidence.ts';

export type AccumulatedDiagnosis = FaultKind | 'none';

export interface AccumulatorOptions {
  /** p0: highest rate at which windows name a fault type the machine does not have. */
  falseRate: number;
  /** p1: lowest rate at which windows name a fault type that is present. */
  faultRate: number;
  /** Posterior error at which a fault is named: S_k >= ln((1 - alpha) / alpha). */
  alpha: number;
  /** A named fault is released when its S_k falls below this (log odds; 0 = even odds). */
  releaseAt: number;
  /** |S_k| never exceeds this (log odds), so that the test follows changes with a bounded delay. */
  bound: number;
  /** Relative change of shaft speed from the speed at the last reset that starts the test afresh. */
  speedTolerance: number;
}

export const DEFAULT_ACCUMULATOR_OPTIONS: Readonly<AccumulatorOptions> = {
  falseRate: 0.02,
  faultRate: 0.25,
  alpha: 0.001,
  releaseAt: 0,
  bound: 2 * Math.log(0.999 / 0.001),
  speedTolerance: 0.05,
};

/** One window's diagnosis, as the accumulator takes it. */
export interface WindowDiagnosis {
  /** Window sequence number: a window at or before the last one taken is a replay and is ignored. */
  windowSeq: number;
  diagnosis: AccumulatedDiagnosis;
  /** False when the window is not a measurement (sensor check failed) or had no shaft speed. */
  valid: boolean;
  shaftHz: number;
  sampleRateHz: number;
  windowSize: number;
  /** What the window was diagnosed against (the healthy reference's id; '' without one). Default ''. */
  basis?: string;
}

export interface AccumulatedResult {
  diagnosis: AccumulatedDiagnosis;
  confidence: number;
  /** Valid windows taken since the last reset. */
  windows: number;
}

/** The accumulator's state as JSON (part of the machine's model state, pdm.model-state.v1). */
export interface AccumulatorState {
  version: 1;
  /** Acquisition and speed at the last reset; null before the first valid window. */
  sampleRateHz: number | null;
  windowSize: number | null;
  shaftHz: number | null;
  /** The windows' basis of judgement at the last reset (WindowDiagnosis.basis). */
  basis: string;
  windows: number;
  /** Last window sequence taken (valid or not); null before any. */
  lastWindowSeq: number | null;
  /** Log posterior odds per fault type. */
  logOdds: Record<FaultKind, number>;
  named: AccumulatedDiagnosis;
  resets: number;
}

/** What the accumulator takes from one window's analysis (WindowAnalysis), of `windowSize` samples at `sampleRateHz`. */
export function windowDiagnosisOf(
  windowSeq: number,
  a: { bearing: { diagnosis: AccumulatedDiagnosis }; sensor: { status: string }; shaft: { hz: number } },
  sampleRateHz: number,
  windowSize: number,
  basis = '',
): WindowDiagnosis {
  return {
    windowSeq,
    diagnosis: a.bearing.diagnosis,
    valid: a.sensor.status === 'ok' && a.shaft.hz > 0,
    shaftHz: a.shaft.hz,
    sampleRateHz,
    windowSize,
    basis,
  };
}

export function validateAccumulatorOptions(o: AccumulatorOptions): AccumulatorOptions {
  const bad = (field: string, rule: string, got: unknown): never => {
    throw new PdmError('PDM_ERR_CONFIG_INVALID', `diagnosis accumulator: ${field} ${rule}, got ${JSON.stringify(got)}`, {
      setting: field,
      value: got,
    });
  };
  if (!(o.falseRate > 0 && o.falseRate < 1)) bad('falseRate', 'must lie in (0, 1)', o.falseRate);
  if (!(o.faultRate > o.falseRate && o.faultRate < 1)) bad('faultRate', 'must lie in (falseRate, 1)', o.faultRate);
  if (!(o.alpha > 0 && o.alpha < 0.5)) bad('alpha', 'must lie in (0, 0.5)', o.alpha);
  const nameAt = Math.log((1 - o.alpha) / o.alpha);
  if (!(o.bound >= nameAt)) bad('bound', `must be at least the naming level ln((1 - alpha) / alpha) = ${nameAt.toFixed(2)}`, o.bound);
  if (!(o.releaseAt < nameAt && o.releaseAt > -o.bound)) bad('releaseAt', 'must lie between -bound and the naming level', o.releaseAt);
  if (!(o.speedTolerance > 0 && o.speedTolerance < 1)) bad('speedTolerance', 'must lie in (0, 1)', o.speedTolerance);
  return o;
}

function emptyOdds(): Record<FaultKind, number> {
  return { outer_race: 0, inner_race: 0, rolling_element: 0, cage: 0 };
}

export class DiagnosisAccumulator {
  readonly options: Readonly<AccumulatorOptions>;
  readonly #named: number;
  readonly #hit: number;
  readonly #miss: number;
  #state: AccumulatorState;

  constructor(options: Partial<AccumulatorOptions> = {}, state?: AccumulatorState) {
    this.options = validateAccumulatorOptions({ ...DEFAULT_ACCUMULATOR_OPTIONS, ...options });
    const { falseRate: p0, faultRate: p1, alpha } = this.options;
    this.#named = Math.log((1 - alpha) / alpha);
    this.#hit = Math.log(p1 / p0);
    this.#miss = Math.log((1 - p1) / (1 - p0));
    this.#state = state === undefined ? DiagnosisAccumulator.initialState() : validateAccumulatorState(state);
  }

  static initialState(): AccumulatorState {
    return {
      version: 1,
      sampleRateHz: null,
      windowSize: null,
      shaftHz: null,
      basis: '',
      windows: 0,
      lastWindowSeq: null,
      logOdds: emptyOdds(),
      named: 'none',
      resets: 0,
    };
  }

  /** Log posterior odds at which a fault is named. */
  get namingLevel(): number {
    return this.#named;
  }

  /** Take one window; returns the accumulated diagnosis after it (a replayed window changes nothing). */
  add(w: WindowDiagnosis): AccumulatedResult {
    const s = this.#state;
    // Window sequence numbers count windows of one acquisition: a window of another (new sample
    // rate or window length) is not a replay even if its number is lower; it starts afresh.
    const measured = w.valid && w.shaftHz > 0;
    if (measured && s.sampleRateHz !== null && (w.sampleRateHz !== s.sampleRateHz || w.windowSize !== s.windowSize)) this.#reset(w);
    if (s.lastWindowSeq !== null && w.windowSeq <= s.lastWindowSeq) return this.result();
    s.lastWindowSeq = w.windowSeq;
    if (!measured) {
      // Not a measurement: a fault already named stands on its evidence, but nothing says the
      // machine is healthy now (a dead sensor must not read as a healthy machine).
      const r = this.result();
      return r.diagnosis === 'none' ? { ...r, confidence: 0 } : r;
    }
    if (this.#acquisitionChanged(w)) this.#reset(w);
    const bound = this.options.bound;
    for (const k of FAULT_KINDS) {
      const v = s.logOdds[k] + (w.diagnosis === k ? this.#hit : this.#miss);
      s.logOdds[k] = Math.max(-bound, Math.min(bound, v));
    }
    s.windows++;
    s.named = this.#decide();
    return this.result();
  }

  /** The accumulated diagnosis now. */
  result(): AccumulatedResult {
    const s = this.#state;
    if (s.named !== 'none') return { diagnosis: s.named, confidence: posterior(s.logOdds[s.named]), windows: s.windows };
    let strongest = Number.NEGATIVE_INFINITY;
    for (const k of FAULT_KINDS) strongest = Math.max(strongest, s.logOdds[k]);
    return { diagnosis: 'none', confidence: 1 - posterior(strongest), windows: s.windows };
  }

  /** A copy of the state (JSON). */
  toJSON(): AccumulatorState {
    const s = this.#state;
    return { ...s, logOdds: { ...s.logOdds } };
  }

  #acquisitionChanged(w: WindowDiagnosis): boolean {
    const s = this.#state;
    if (s.shaftHz === null || s.sampleRateHz === null) return true;
    return (
      w.sampleRateHz !== s.sampleRateHz ||
      w.windowSize !== s.windowSize ||
      (w.basis ?? '') !== s.basis ||
      Math.abs(w.shaftHz - s.shaftHz) > this.options.speedTolerance * s.shaftHz
    );
  }

  #reset(w: WindowDiagnosis): void {
    const s = this.#state;
    if (s.shaftHz !== null) s.resets++;
    s.lastWindowSeq = null;
    s.sampleRateHz = w.sampleRateHz;
    s.windowSize = w.windowSize;
    s.shaftHz = w.shaftHz;
    s.basis = w.basis ?? '';
    s.windows = 0;
    s.logOdds = emptyOdds();
    s.named = 'none';
  }

  /** Keep the named fault while it holds (above the release level) and no other has overtaken it; else the strongest above the naming level. */
  #decide(): AccumulatedDiagnosis {
    const s = this.#state;
    let best: AccumulatedDiagnosis = 'none';
    for (const k of FAULT_KINDS) {
      if (s.logOdds[k] >= this.#named && (best === 'none' || s.logOdds[k] > s.logOdds[best])) best = k;
    }
    const held = s.named;
    if (held !== 'none' && s.logOdds[held] >= this.options.releaseAt && (best === 'none' || s.logOdds[best] <= s.logOdds[held]))
      return held;
    return best;
  }
}

function posterior(logOdds: number): number {
  return 1 / (1 + Math.exp(-logOdds));
}

/** Check a state read back from a model-state record; a damaged one is an error naming the field. */
export function validateAccumulatorState(value: unknown, where = 'diagnosis accumulator state'): AccumulatorState {
  const bad = (field: string, rule: string, got: unknown): never => {
    throw new PdmError('PDM_ERR_MODEL_STATE', `${where}: ${field} ${rule}, got ${JSON.stringify(got)?.slice(0, 80)}`, {
      field,
    });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('(top level)', 'must be an object', value);
  const s = value as Record<string, unknown>;
  if (s.version !== 1) bad('version', 'must be 1 (this build reads version 1)', s.version);
  const numberOrNull = (field: string, positive: boolean): void => {
    const v = s[field];
    if (v === null) return;
    if (!(typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0)))
      bad(field, `must be ${positive ? 'a positive number' : 'a number'} or null`, v);
  };
  numberOrNull('sampleRateHz', true);
  numberOrNull('windowSize', true);
  numberOrNull('shaftHz', true);
  numberOrNull('lastWindowSeq', false);
  if (typeof s.basis !== 'string') bad('basis', 'must be a string', s.basis);
  if (!(Number.isInteger(s.windows) && (s.windows as number) >= 0)) bad('windows', 'must be a non-negative integer', s.windows);
  if (!(Number.isInteger(s.resets) && (s.resets as number) >= 0)) bad('resets', 'must be a non-negative integer', s.resets);
  const odds = s.logOdds as Record<string, unknown> | undefined;
  if (typeof odds !== 'object' || odds === null) return bad('logOdds', 'must be an object', odds);
  for (const k of FAULT_KINDS)
    if (!(typeof odds[k] === 'number' && Number.isFinite(odds[k]))) bad(`logOdds.${k}`, 'must be a finite number', odds[k]);
  if (!(s.named === 'none' || FAULT_KINDS.includes(s.named as FaultKind))) bad('named', 'must be a fault type or none', s.named);
  return { ...(s as unknown as AccumulatorState), logOdds: { ...(odds as Record<FaultKind, number>) } };
}
