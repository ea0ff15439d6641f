/**
 * Whether a learnt healthy baseline (or healthy envelope reference) may be trusted: judged against
 * absolute physics over the windows it was learnt from, independently of the statistics learnt.
 * A baseline is learnt on the assumption that the machine is healthy while it is learnt; a
 * machine already faulty then is learnt as "normal", and its fault never shows as an anomaly.
 * This judge catches what absolute limits can: every window is checked per channel, and a
 * condition that holds in a sizeable share of a channel's windows (a persistent state, not a
 * passing transient) makes the baseline `suspect`:
 *
 *  - `iso_zone_c` / `iso_zone_d`: velocity RMS in ISO 20816-3 zone C ("unsatisfactory for
 *    long-term continuous operation") or D ("severe enough to cause damage"), with the machine's
 *    own class (the window's zone). A new or well-kept machine is in A or B; a baseline in C is
 *    not a healthy reference. In at least half the windows.
 *  - `bearing_fault_evidence`: the window's bearing diagnosis names a fault (outer race, inner
 *    race, rolling element, cage), with impacts behind it (kurtosis at least 3.5), in at least a
 *    third of the windows. The diagnosis itself demands harmonics over the envelope floor before
 *    it names anything (bearing/diagnosis.ts), so a third of a baseline's windows is far beyond
 *    its false-naming rate on healthy machines and well within what an early defect (which may
 *    hide in some windows) gives. The impacts: a defect's lines come from impacts, which lift the
 *    kurtosis above Gaussian 3, while a healthy machine's own lines at a defect frequency (a
 *    structural line, a modulated tone: what the healthy envelope reference exists to discount)
 *    leave it at or below 3 (periodic lines lower it). 3.5 is ten standard errors of a window's
 *    kurtosis above 3 (sqrt(24/n) = 0.05 at 10 000 samples). A fault named without impacts is
 *    not a reason: nothing in absolute physics tells such a line from a weak defect's.
 *  - `impulsive`: kurtosis of the acceleration at or above 5 in at least half the windows.
 *    Gaussian vibration has 3; the lines of a healthy machine (shaft orders, vane pass, mesh) pull
 *    it below 3 (a sine has 1.5). A window's kurtosis of n samples has a standard error of about
 *    sqrt(24/n) (0.05 at 10 000 samples), so 5 is not sampling noise but impacts dominating the
 *    signal: the classical sign of bearing damage (and of looseness or rubs).
 *  - `high_2x`: the 2X velocity line at least as high as 1X, and at least half the zone A/B
 *    boundary of the machine's class, in at least half the windows. 2X above 1X is the textbook
 *    signature of misalignment (strongest axially); the absolute floor keeps out the axial channel
 *    of a well-aligned machine, where 1X and 2X are both a few tenths of a mm/s and their ratio
 *    says nothing. Half the A/B boundary: one line alone carrying half the overall level allowed
 *    for a newly commissioned machine is not a residual.
 *  - `harmonics`: 3X at least half of 1X and at least a quarter of the A/B boundary, in at least
 *    half the windows: a series of shaft harmonics is the signature of mechanical looseness (a
 *    healthy machine's 3X is a small fraction of its 1X).
 *
 * `unknown` when there is nothing to judge: no window carried a zone, a kurtosis, the 1X/2X/3X
 * orders or a bearing diagnosis (e.g. a scalar sensor without velocity), or no window at all.
 * The judge never looks at the anomaly model's statistics, only at absolute limits, so a
 * baseline that is `good` here can still be wrong in ways no absolute limit shows (a machine
 * whose fault is below every limit): it is a guard, not a proof of health.
 */
import { PdmError } from '../../common/errors.ts';
import { type IsoClass, zoneBoundaries } from '../vibration/iso20816.ts';

export const BASELINE_QUALITIES = ['good', 'suspect', 'unknown'] as const;
export type BaselineQuality = (typeof BASELINE_QUALITIES)[number];

export const QUALITY_REASON_CODES = ['iso_zone_c', 'iso_zone_d', 'bearing_fault_evidence', 'impulsive', 'high_2x', 'harmonics'] as const;
export type QualityReasonCode = (typeof QUALITY_REASON_CODES)[number];

/** Why a baseline is suspect: a short code, the channel it was seen on, and the sentence an operator reads. */
export interface QualityReason {
  code: QualityReasonCode;
  channel: string;
  text: string;
}

export interface BaselineVerdict {
  quality: BaselineQuality;
  /** Empty unless suspect. */
  reasons: QualityReason[];
  /** Windows judged (fused windows, or one channel's windows for a reference). */
  windows: number;
}

/** What the judge reads of one channel's analysed window (absent values are not judged). */
export interface QualityWindow {
  /** ISO 20816-3 zone of the window with the machine's class; `unknown` when there is none. */
  zone?: 'A' | 'B' | 'C' | 'D' | 'unknown';
  kurtosis?: number;
  /** Velocity RMS of the shaft orders (mm/s): the window analysis's x1, x2, x3. */
  x1?: number;
  x2?: number;
  x3?: number;
  /** The window's bearing diagnosis (`none`, a fault type, or `no_waveform`); absent without a bearing. */
  diagnosis?: string;
}

/** Kurtosis from which a window counts as impulsive (see the module comment). */
export const IMPULSIVE_KURTOSIS = 5;
/** Kurtosis from which a named bearing fault is backed by impacts (see the module comment). */
export const CORROBORATING_KURTOSIS = 3.5;
/** Share of a channel's windows in which a condition must hold (zone, impulsive, orders). */
export const PERSISTENT_SHARE = 0.5;
/** Share of a channel's windows whose diagnosis must name a fault. */
export const DIAGNOSIS_SHARE = 1 / 3;
/** 2X at least this multiple of 1X, and at least this fraction of the zone A/B boundary. */
export const HIGH_2X_RATIO = 1;
export const HIGH_2X_FLOOR = 0.5;
/** 3X at least this fraction of 1X, and at least this fraction of the zone A/B boundary. */
export const HARMONIC_3X_RATIO = 0.5;
export const HARMONIC_3X_FLOOR = 0.25;

const BEARING_FAULTS = ['outer_race', 'inner_race', 'rolling_element', 'cage'] as const;
const FAULT_TEXT: Record<(typeof BEARING_FAULTS)[number], string> = {
  outer_race: 'outer race',
  inner_race: 'inner race',
  rolling_element: 'rolling element',
  cage: 'cage',
};

/** One channel's counts over the windows seen (JSON: it is part of a machine's model state). */
export interface ChannelTally {
  /** Windows with a zone, and those in C and in D. */
  zoned: number;
  zoneC: number;
  zoneD: number;
  /** Windows with a kurtosis, and those impulsive. */
  kurtosisWindows: number;
  impulsive: number;
  /** Sum of the kurtosis (for the text: its mean). */
  kurtosisSum: number;
  /** Windows with the orders, those with a high 2X and those with a harmonic series. */
  orderWindows: number;
  high2x: number;
  harmonics: number;
  /** Sums of x1, x2, x3 (for the text). */
  x1Sum: number;
  x2Sum: number;
  x3Sum: number;
  /** Windows with a diagnosis (a waveform with a bearing), and how often each fault was named with impacts behind it. */
  diagnosed: number;
  faults: Record<string, number>;
  /** Windows that named a fault without impacts behind it (the machine's own lines, or a defect too weak to tell). */
  namedWithoutImpacts: number;
}

export interface QualityTallyState {
  version: 1;
  windows: number;
  channels: Record<string, ChannelTally>;
}

function emptyTally(): ChannelTally {
  return {
    zoned: 0,
    zoneC: 0,
    zoneD: 0,
    kurtosisWindows: 0,
    impulsive: 0,
    kurtosisSum: 0,
    orderWindows: 0,
    high2x: 0,
    harmonics: 0,
    x1Sum: 0,
    x2Sum: 0,
    x3Sum: 0,
    diagnosed: 0,
    faults: {},
    namedWithoutImpacts: 0,
  };
}

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/**
 * Accumulates the windows a baseline is learnt from (one fused window = one call with every
 * channel's window) in counts that serialise to small JSON, and judges them with the machine's
 * ISO class. The per-window conditions that need the class (2X and 3X floors) are evaluated at
 * `add`, so the class is given up front.
 */
export class BaselineQualityJudge {
  readonly #boundaryAB: number;
  #windows = 0;
  readonly #channels = new Map<string, ChannelTally>();

  constructor(iso: IsoClass, state?: QualityTallyState) {
    this.#boundaryAB = zoneBoundaries(iso)[0];
    if (state !== undefined) {
      this.#windows = state.windows;
      for (const [c, t] of Object.entries(state.channels)) this.#channels.set(c, { ...emptyTally(), ...t, faults: { ...t.faults } });
    }
  }

  get windows(): number {
    return this.#windows;
  }

  /** One window of the baseline: each channel's analysed window. */
  add(channels: ReadonlyMap<string, QualityWindow> | Readonly<Record<string, QualityWindow>>): void {
    this.#windows++;
    const entries = channels instanceof Map ? channels.entries() : Object.entries(channels);
    for (const [channel, w] of entries) {
      let t = this.#channels.get(channel);
      if (t === undefined) {
        t = emptyTally();
        this.#channels.set(channel, t);
      }
      this.#addWindow(t, w);
    }
  }

  #addWindow(t: ChannelTally, w: QualityWindow): void {
    if (w.zone !== undefined && w.zone !== 'unknown') {
      t.zoned++;
      if (w.zone === 'C') t.zoneC++;
      if (w.zone === 'D') t.zoneD++;
    }
    if (finite(w.kurtosis)) {
      t.kurtosisWindows++;
      t.kurtosisSum += w.kurtosis;
      if (w.kurtosis >= IMPULSIVE_KURTOSIS) t.impulsive++;
    }
    if (finite(w.x1) && finite(w.x2)) {
      const x3 = finite(w.x3) ? w.x3 : 0;
      t.orderWindows++;
      t.x1Sum += w.x1;
      t.x2Sum += w.x2;
      t.x3Sum += x3;
      if (w.x2 >= HIGH_2X_RATIO * w.x1 && w.x2 >= HIGH_2X_FLOOR * this.#boundaryAB) t.high2x++;
      if (x3 >= HARMONIC_3X_RATIO * w.x1 && x3 >= HARMONIC_3X_FLOOR * this.#boundaryAB) t.harmonics++;
    }
    if (w.diagnosis !== undefined && w.diagnosis !== 'no_waveform') {
      t.diagnosed++;
      if (w.diagnosis !== 'none') {
        if (finite(w.kurtosis) && w.kurtosis >= CORROBORATING_KURTOSIS) t.faults[w.diagnosis] = (t.faults[w.diagnosis] ?? 0) + 1;
        else t.namedWithoutImpacts++;
      }
    }
  }

  /** The verdict over the windows added so far. */
  judge(): BaselineVerdict {
    const reasons: QualityReason[] = [];
    let judgeable = false;
    for (const [channel, t] of [...this.#channels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (t.zoned + t.kurtosisWindows + t.orderWindows + t.diagnosed > 0) judgeable = true;
      reasons.push(...channelReasons(channel, t));
    }
    if (this.#windows === 0 || !judgeable) return { quality: 'unknown', reasons: [], windows: this.#windows };
    return { quality: reasons.length > 0 ? 'suspect' : 'good', reasons, windows: this.#windows };
  }

  toJSON(): QualityTallyState {
    return {
      version: 1,
      windows: this.#windows,
      channels: Object.fromEntries([...this.#channels].map(([c, t]) => [c, { ...t, faults: { ...t.faults } }])),
    };
  }
}

/** The reasons one channel's counts give (empty: nothing suspect on it). */
function channelReasons(channel: string, t: ChannelTally): QualityReason[] {
  const out: QualityReason[] = [];
  const share = (n: number, of: number) => `${n}/${of} windows`;
  if (t.zoned > 0 && t.zoneD >= PERSISTENT_SHARE * t.zoned)
    out.push({ code: 'iso_zone_d', channel, text: `${channel} ISO zone D (${share(t.zoneD, t.zoned)})` });
  else if (t.zoned > 0 && t.zoneC + t.zoneD >= PERSISTENT_SHARE * t.zoned)
    out.push({ code: 'iso_zone_c', channel, text: `${channel} ISO zone C (${share(t.zoneC + t.zoneD, t.zoned)})` });
  if (t.diagnosed > 0) {
    const named = BEARING_FAULTS.reduce((n, f) => n + (t.faults[f] ?? 0), 0);
    if (named >= DIAGNOSIS_SHARE * t.diagnosed) {
      const most = BEARING_FAULTS.reduce((a, b) => ((t.faults[b] ?? 0) > (t.faults[a] ?? 0) ? b : a));
      out.push({
        code: 'bearing_fault_evidence',
        channel,
        text: `${channel} ${FAULT_TEXT[most]} fault named with impacts (${share(named, t.diagnosed)})`,
      });
    }
  }
  if (t.kurtosisWindows > 0 && t.impulsive >= PERSISTENT_SHARE * t.kurtosisWindows)
    out.push({
      code: 'impulsive',
      channel,
      text: `${channel} impulsive (kurtosis ${(t.kurtosisSum / t.kurtosisWindows).toFixed(1)})`,
    });
  if (t.orderWindows > 0) {
    const n = t.orderWindows;
    if (t.high2x >= PERSISTENT_SHARE * n)
      out.push({
        code: 'high_2x',
        channel,
        text: `${channel} 2X high (${(t.x2Sum / n).toFixed(2)} mm/s, 1X ${(t.x1Sum / n).toFixed(2)} mm/s)`,
      });
    if (t.harmonics >= PERSISTENT_SHARE * n)
      out.push({
        code: 'harmonics',
        channel,
        text: `${channel} shaft harmonics (3X ${(t.x3Sum / n).toFixed(2)} mm/s, 1X ${(t.x1Sum / n).toFixed(2)} mm/s)`,
      });
  }
  return out;
}

/** The verdict over one channel's windows (a healthy envelope reference's). */
export function judgeChannelWindows(channel: string, windows: readonly QualityWindow[], iso: IsoClass): BaselineVerdict {
  const judge = new BaselineQualityJudge(iso);
  for (const w of windows) judge.add({ [channel]: w });
  return judge.judge();
}

/** `DE_X ISO zone C (40/60 windows); DE_Z 2X high (...)`: the reasons' texts (for /health and logs). */
export function verdictSummary(v: BaselineVerdict): string {
  return v.reasons.map((r) => r.text).join('; ');
}

/** What the judge reads of an analysed window's features and diagnosis. */
export function qualityWindowOf(features: Readonly<Record<string, number>>, zone: string, diagnosis?: string): QualityWindow {
  const w: QualityWindow = {};
  if (zone === 'A' || zone === 'B' || zone === 'C' || zone === 'D') w.zone = zone;
  if (features.kurtosis !== undefined) w.kurtosis = features.kurtosis;
  if (features.x1 !== undefined) w.x1 = features.x1;
  if (features.x2 !== undefined) w.x2 = features.x2;
  if (features.x3 !== undefined) w.x3 = features.x3;
  if (diagnosis !== undefined) w.diagnosis = diagnosis;
  return w;
}

/** Restores a tally, naming what is wrong with a malformed one. */
export function validateQualityTally(state: unknown, where: string): QualityTallyState {
  const s = state as Partial<QualityTallyState> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    s.version !== 1 ||
    !Number.isInteger(s.windows) ||
    (s.windows as number) < 0 ||
    typeof s.channels !== 'object' ||
    s.channels === null
  )
    throw new PdmError('PDM_ERR_MODEL_STATE', `${where}: baseline quality tally must be { version: 1, windows, channels }`, { where });
  return s as QualityTallyState;
}

/** Restores a verdict, naming what is wrong with a malformed one. */
export function validateVerdict(state: unknown, where: string): BaselineVerdict {
  const v = state as Partial<BaselineVerdict> | null;
  if (
    v === null ||
    typeof v !== 'object' ||
    !BASELINE_QUALITIES.includes(v.quality as BaselineQuality) ||
    !Array.isArray(v.reasons) ||
    !v.reasons.every((r) => QUALITY_REASON_CODES.includes(r?.code) && typeof r.channel === 'string' && typeof r.text === 'string') ||
    !Number.isInteger(v.windows)
  )
    throw new PdmError(
      'PDM_ERR_MODEL_STATE',
      `${where}: baseline quality must be { quality: ${BASELINE_QUALITIES.join('|')}, reasons: [{ code, channel, text }], windows }`,
      { where },
    );
  return { quality: v.quality as BaselineQuality, reasons: v.reasons.map((r) => ({ ...r })), windows: v.windows as number };
}
