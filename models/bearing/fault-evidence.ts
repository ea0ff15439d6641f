/**
 * Evidence for each bearing fault type in a squared envelope spectrum (SES): how far each defect
 * frequency's harmonics, and their modulation sidebands, stand above the local noise floor, and
 * whether that is more than noise could do.
 *
 * - The fundamental is searched within +/- `slip` of its kinematic frequency (rolling elements
 *   slip 1-2 %); higher harmonics at multiples of the line found (a real defect's harmonics move
 *   together), +/- 1.5 bins. Sidebands: +/- shaft speed (inner race: the defect turns through the
 *   load zone), +/- cage speed (rolling elements: the ball turns through it).
 * - Only local maxima count, and never a bin in the main lobe of a shaft harmonic k x fr that is
 *   present in the SES: an unbalanced, misaligned or loose machine modulates at k x fr whatever
 *   its bearings. (Absent harmonics are not masked, so short windows, whose coarse bins put many
 *   defect harmonics within two bins of some k x fr, keep their evidence.)
 * - "Present" means the peak-to-floor ratio exceeds what the largest of the window's bins would
 *   reach from noise alone with probability `falseAlarm`, from the Gamma(K) distribution of a
 *   K-segment Welch average (dsp/gamma.ts): thresholds follow the data's length and resolution
 *   instead of a fixed number of dB.
 * - Explaining away: the defect frequencies of one bearing are linear combinations of each other
 *   and of the shaft speed (BPFI = n fr - BPFO, BPFO = n FTF), so one fault's lattice of
 *   harmonics and sidebands lands on or near the other types' lines (an inner race fault's
 *   BPFI - 3 fr sits 2.4 % from a 6205's ball spin frequency). Fault types are therefore examined
 *   in order of the strength of their family measured on its own; each one claims its harmonics and their
 *   sidebands (+/- 1..3 fr, +/- 1..2 FTF), and a weaker type may not use a claimed line.
 * - Dominant family: independently of the bearing's geometry, the strongest harmonic series of
 *   the SES (any fundamental between 0.8 x the lowest and 1.2 x the highest defect frequency,
 *   scored by its first three harmonics) is found, so that the decision can check that a named
 *   fault is what dominates the envelope rather than a minor line beside something else (e.g. a
 *   neighbouring bearing's fault seen through the structure).
 * - Healthy reference (reference.ts): when the floor passed in has been raised at the machine's
 *   own healthy lines, every test above measures a line's excess over its healthy level; the bare
 *   noise floor, passed alongside, tells which lines the reference discounted (present over the
 *   noise, not over the reference). Lines are then chosen by that excess.
 * - Inner race modulation: an inner race defect turns with the shaft through the load zone, so
 *   its impacts are amplitude-modulated at 1X: the SES shows BPFI +/- fr (and a 1X line, which
 *   any 1X modulation of the band makes too, so it does not count). How strong the sidebands
 *   must be follows from the carrier (see `innerRaceModulationDb`).
 */
import { maxOfGammaOverMedianThreshold } from '../dsp/gamma.ts';
import type { DefectFrequencies } from './geometry.ts';

export type FaultKind = 'outer_race' | 'inner_race' | 'rolling_element' | 'cage';
export const FAULT_KINDS: readonly FaultKind[] = ['outer_race', 'inner_race', 'rolling_element', 'cage'];

/** Short names used in feature and evidence keys. */
export const FAULT_KEYS: Record<FaultKind, 'bpfo' | 'bpfi' | 'bsf' | 'ftf'> = {
  outer_race: 'bpfo',
  inner_race: 'bpfi',
  rolling_element: 'bsf',
  cage: 'ftf',
};

export interface EvidenceOptions {
  /** Harmonics examined per fault type (the rolling element's 2 x BSF, its impact rate, is h = 2). */
  harmonics: Record<FaultKind, number>;
  /** Relative tolerance for slip and speed error on the fundamental. */
  slip: number;
  /** Probability that noise alone makes one search window "present". */
  falseAlarm: number;
  /** Half-width, in SES bins, of the main lobe excluded around each shaft harmonic present. */
  shaftMaskBins: number;
  /** Half-width, in SES bins, of the windows for harmonics, sidebands and claimed lines. */
  lineBins: number;
  /**
   * Sideband orders each fault type claims around its harmonics (shaft fr, cage FTF), after the
   * modulations it physically produces: an inner race defect turns with the shaft through the
   * load zone (+/- k fr); a ball defect travels with the cage (+/- k FTF); an outer race defect
   * is fixed but sees the shaft's rotating load and the uneven ball spacing (+/- fr, FTF).
   */
  claims: Record<FaultKind, { shaft: number; cage: number }>;
  /**
   * Largest carrier-to-sideband ratio, dB, an inner race fault's BPFI +/- fr sidebands may show:
   * 20 dB is 10 % amplitude modulation, far less than the load zone of any radially loaded
   * bearing produces (Stribeck's load distribution modulates by nearly 100 %: sidebands a few dB
   * under BPFI). Where BPFI stands more than this above the sidebands' detection threshold, the
   * sidebands are expected and must be present at >= BPFI - this; where it is weaker, they could
   * hide in the noise and the 1X line of the SES may stand in for them.
   */
  innerRaceModulationDb: number;
}

export const DEFAULT_EVIDENCE_OPTIONS: EvidenceOptions = {
  harmonics: { outer_race: 3, inner_race: 3, rolling_element: 4, cage: 3 },
  slip: 0.02,
  falseAlarm: 0.001,
  shaftMaskBins: 2,
  lineBins: 1.5,
  claims: {
    outer_race: { shaft: 2, cage: 1 },
    inner_race: { shaft: 3, cage: 0 },
    rolling_element: { shaft: 0, cage: 2 },
    cage: { shaft: 0, cage: 0 },
  },
  innerRaceModulationDb: 20,
};

const MAX_HARMONICS = 8;
/** Shaft orders tracked for the mask (beyond, a line is never treated as a shaft harmonic). */
const MAX_SHAFT_ORDERS = 4096;
const MAX_CLAIMS = 4 * MAX_HARMONICS * (1 + 2 * 4 + 2 * 4);

/** The 1X line of the SES (the shaft-rate modulation of the band itself). */
export interface ShaftLine {
  hz: number;
  snrDb: number;
  thresholdDb: number;
  present: boolean;
  /** Present over the noise floor but not over the healthy reference. */
  discounted: boolean;
  /** Level of the reference at the line, dB (0 when none). */
  referenceDb: number;
}

export interface DominantFamily {
  /** Fundamental of the strongest harmonic series, Hz (0 when no line is present). */
  hz: number;
  /** Summed dB of its present harmonics (1..3). */
  scoreDb: number;
}

export interface CandidateEvidence {
  kind: FaultKind;
  /** Kinematic fundamental, Hz. */
  frequencyHz: number;
  harmonics: number;
  /** Per harmonic h (index h-1): line found, Hz (0 when none), its peak/floor in dB, threshold in dB. */
  lineHz: Float64Array;
  snrDb: Float64Array;
  thresholdDb: Float64Array;
  present: Uint8Array;
  /** Per harmonic: sidebands present (0..2) and the larger one's dB. */
  sidebands: Uint8Array;
  sidebandSnrDb: Float64Array;
  harmonicsPresent: number;
  sidebandsPresent: number;
  /** Evidence: summed dB by which the present harmonics and sidebands exceed their noise thresholds. */
  strengthDb: number;
  /** The fundamental found first was a line already claimed by a stronger fault type. */
  explained: boolean;
  /** Rank of examination (0 = strongest family), -1 when its anchor line is absent. */
  rank: number;
  /** Strength of the family measured on its own (before claims), used for the ranking; -Infinity if not anchored. */
  rankingDb: number;
  /**
   * Harmonic that anchors the family: 1, except for a rolling element, whose defect strikes
   * the races twice per spin so that 2 x BSF is often the strongest line (then 2).
   */
  anchor: number;
  /** Whether the anchor line is present. */
  anchored: boolean;
  /** Fundamental implied by the anchor line (anchor line / anchor), Hz; 0 when not anchored. */
  baseHz: number;
  /**
   * Per harmonic: 1 when a line in the window would be present over the noise floor but is not
   * over the healthy reference (a machine line, not evidence): that line (Hz, level over the
   * noise floor in dB). `referenceDb`: the reference's level at the discounted line, else at the
   * line found (0 without a reference).
   */
  discounted: Uint8Array;
  discountedHz: Float64Array;
  discountedSnrDb: Float64Array;
  referenceDb: Float64Array;
  /**
   * Inner race only (true for the other types): the 1X modulation an inner race defect must
   * show, i.e. BPFI +/- fr sidebands, or (where they are not expected above the noise) the SES's
   * 1X line; and whether the sidebands were expected.
   */
  modulated: boolean;
  modulationExpected: boolean;
  /**
   * Cage only: of the comb's teeth 4..8 x the FTF line found, how many are present. An
   * impulsive once-per-turn series keeps its comb far up; a smooth cage-rate modulation's
   * harmonics fade after the second or third.
   */
  combTeeth: number;
}

function emptyCandidate(kind: FaultKind): CandidateEvidence {
  return {
    kind,
    frequencyHz: 0,
    harmonics: 0,
    lineHz: new Float64Array(MAX_HARMONICS),
    snrDb: new Float64Array(MAX_HARMONICS),
    thresholdDb: new Float64Array(MAX_HARMONICS),
    present: new Uint8Array(MAX_HARMONICS),
    sidebands: new Uint8Array(MAX_HARMONICS),
    sidebandSnrDb: new Float64Array(MAX_HARMONICS),
    harmonicsPresent: 0,
    sidebandsPresent: 0,
    strengthDb: 0,
    explained: false,
    rank: -1,
    rankingDb: -Infinity,
    anchor: 1,
    anchored: false,
    baseHz: 0,
    discounted: new Uint8Array(MAX_HARMONICS),
    discountedHz: new Float64Array(MAX_HARMONICS),
    discountedSnrDb: new Float64Array(MAX_HARMONICS),
    referenceDb: new Float64Array(MAX_HARMONICS),
    modulated: true,
    modulationExpected: false,
    combTeeth: 0,
  };
}

interface Spectrum {
  ses: Float64Array;
  /** Floor the tests use (the noise floor, raised at the healthy reference's lines when there is one). */
  floor: Float64Array;
  /** The bare noise floor. */
  noise: Float64Array;
  bins: number;
  binHz: number;
  segments: number;
  shaftHz: number;
}

export class FaultEvidence {
  readonly options: EvidenceOptions;
  readonly candidates: readonly CandidateEvidence[];
  readonly dominant: DominantFamily = { hz: 0, scoreDb: 0 };
  readonly shaftLine: ShaftLine = { hz: 0, snrDb: 0, thresholdDb: 0, present: false, discounted: false, referenceDb: 0 };
  readonly #thresholds = new Map<number, number>();
  readonly #claims = new Float64Array(MAX_CLAIMS);
  /** Index in `candidates` of the fault type that claimed each line, and whether it is a cage sideband. */
  readonly #claimOwner = new Uint8Array(MAX_CLAIMS);
  readonly #claimCage = new Uint8Array(MAX_CLAIMS);
  #claimCount = 0;
  readonly #order: CandidateEvidence[];
  /** Per shaft order k: 1 when a line stands at k x fr in the SES. */
  readonly #shaftLines = new Uint8Array(MAX_SHAFT_ORDERS + 1);
  readonly #s: Spectrum = {
    ses: new Float64Array(0),
    floor: new Float64Array(0),
    noise: new Float64Array(0),
    bins: 0,
    binHz: 1,
    segments: 1,
    shaftHz: 0,
  };

  constructor(options: EvidenceOptions = DEFAULT_EVIDENCE_OPTIONS) {
    for (const k of FAULT_KINDS) {
      const h = options.harmonics[k];
      if (!Number.isInteger(h) || h < 1 || h > MAX_HARMONICS)
        throw new RangeError(`FaultEvidence: harmonics for ${k} must be 1..${MAX_HARMONICS}, got ${h}`);
    }
    for (const k of FAULT_KINDS) {
      const c = options.claims[k];
      if (!(c.shaft >= 0 && c.shaft <= 4 && c.cage >= 0 && c.cage <= 4))
        throw new RangeError(`FaultEvidence: claimed sideband orders for ${k} must be 0..4`);
    }
    if (!(options.innerRaceModulationDb >= 0))
      throw new RangeError(`FaultEvidence: innerRaceModulationDb must be >= 0, got ${options.innerRaceModulationDb}`);
    this.options = options;
    this.candidates = FAULT_KINDS.map(emptyCandidate);
    this.#order = [...this.candidates];
  }

  /**
   * `ses`/`floor`: squared envelope spectrum and its noise floor (bins 0..bins-1 of `binHz`),
   * a `segments`-segment Welch average. Fills `candidates`. With a healthy reference, `floor` is
   * the floor raised at the reference's lines and `noiseFloor` the bare noise floor.
   */
  process(
    ses: Float64Array,
    floor: Float64Array,
    bins: number,
    binHz: number,
    segments: number,
    shaftHz: number,
    f: DefectFrequencies,
    noiseFloor: Float64Array = floor,
  ): void {
    const s = this.#s;
    s.ses = ses;
    s.floor = floor;
    s.noise = noiseFloor;
    s.bins = bins;
    s.binHz = binHz;
    s.segments = segments;
    s.shaftHz = shaftHz;
    this.#claimCount = 0;
    this.#findShaftLines();
    // 1. Each type's family on its own, to rank the types.
    for (const c of this.candidates) {
      c.frequencyHz = c.kind === 'outer_race' ? f.bpfo : c.kind === 'inner_race' ? f.bpfi : c.kind === 'rolling_element' ? f.bsf : f.ftf;
      c.harmonics = this.options.harmonics[c.kind];
      this.#reset(c);
      this.#anchor(c);
      if (c.anchored) this.#harmonicsAndSidebands(c, f.ftf);
      c.rankingDb = c.anchored ? c.strengthDb : -Infinity;
    }
    // 2. Strongest family first (insertion sort of 4, no allocation).
    const order = this.#order;
    for (let i = 0; i < order.length; i++) order[i] = this.candidates[i];
    for (let i = 1; i < order.length; i++) {
      const v = order[i];
      let j = i - 1;
      while (j >= 0 && order[j].rankingDb < v.rankingDb) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = v;
    }
    this.#dominantFamily(f);
    // The type whose own harmonics carry the SES's strongest series claims first, whatever its
    // summed strength: that series is the primary phenomenon, and another type's lines that
    // coincide with its lattice are by-products (a 6205's 3 x BSF lies 1.4 % from 2 x BPFO, so a
    // ball family with its many FTF sidebands could otherwise claim an outer race's 2 x BPFO
    // and hold both to a draw).
    this.#dominantFirst(order);
    // 3. In that order: re-find the fundamental among unclaimed lines, measure, claim.
    let rank = 0;
    for (const c of order) {
      if (!c.anchored) continue;
      const firstHz = c.lineHz[c.anchor - 1];
      this.#reset(c);
      c.rank = rank++;
      c.explained = this.#claimed(firstHz);
      this.#anchor(c);
      if (!c.anchored) continue;
      this.#harmonicsAndSidebands(c, f.ftf);
      this.#claimLattice(c, f.ftf);
    }
    this.#measureShaftLine();
    for (const c of this.candidates) this.#modulation(c);
    this.#cageComb(this.candidates[FAULT_KINDS.indexOf('cage')]);
  }

  /**
   * The cage's rate from its highest present harmonic of the first three (h x FTF found / h):
   * within half a bin / h of the true rate, so that the comb's k-th tooth is placed within
   * k / (2h) bins instead of k / 2.
   */
  #cageRate(c: CandidateEvidence): { hz: number; uncertaintyBins: number } {
    for (let h = Math.min(3, c.harmonics); h >= 1; h--)
      if (c.present[h - 1] === 1 && c.lineHz[h - 1] > 0) return { hz: c.lineHz[h - 1] / h, uncertaintyBins: 0.5 / h };
    return { hz: c.baseHz, uncertaintyBins: 0.5 };
  }

  #cageRateAgrees(c: CandidateEvidence, rate: { hz: number; uncertaintyBins: number }): boolean {
    return Math.abs(rate.hz - c.frequencyHz) <= c.frequencyHz * this.options.slip + rate.uncertaintyBins * this.#s.binHz;
  }

  /** Counts the cage comb's teeth 4..8 x its FTF line (see `combTeeth`); masks apply, claims do not. */
  #cageComb(c: CandidateEvidence): void {
    c.combTeeth = 0;
    if (!c.anchored || !(c.baseHz > 0)) return;
    const { ses, floor, bins, binHz, segments } = this.#s;
    const w = this.options.lineBins;
    const rate = this.#cageRate(c);
    // The comb must be this bearing's: its rate, measured on its highest harmonic, within slip
    // of the kinematic FTF (the first line alone may be another bearing's cage rate a few
    // percent off, let in by the bin added to its search window: CWRU 132's fan-end channel
    // shows the drive-end 6205's FTF comb, 4.9 % from the 6203's FTF).
    if (!this.#cageRateAgrees(c, rate)) return;
    for (let k = 4; k <= 8; k++) {
      const centre = (k * rate.hz) / binHz;
      const a = Math.max(1, Math.ceil(centre - w - k * rate.uncertaintyBins));
      const b = Math.min(bins - 2, Math.floor(centre + w + k * rate.uncertaintyBins));
      if (b < a) break;
      let best = -1;
      for (let j = a; j <= b; j++) {
        if (!(ses[j] > ses[j - 1] && ses[j] >= ses[j + 1]) || this.#onShaftHarmonic(j * binHz)) continue;
        if (best < 0 || ses[j] / floor[j] > ses[best] / floor[best]) best = j;
      }
      if (best >= 0 && ses[best] / floor[best] > this.#threshold(segments, b - a + 1)) c.combTeeth++;
    }
  }

  /** The SES's 1X line: the largest local maximum within +/- lineBins of fr (masks and claims do not apply). */
  #measureShaftLine(): void {
    const { ses, floor, noise, bins, binHz, segments, shaftHz } = this.#s;
    const l = this.shaftLine;
    l.hz = 0;
    l.snrDb = 0;
    l.thresholdDb = 0;
    l.present = false;
    l.discounted = false;
    l.referenceDb = 0;
    if (!(shaftHz > 0)) return;
    const w = this.options.lineBins;
    const a = Math.max(1, Math.ceil(shaftHz / binHz - w));
    const b = Math.min(bins - 2, Math.floor(shaftHz / binHz + w));
    if (b < a) return;
    let best = -1;
    for (let k = a; k <= b; k++) {
      if (!(ses[k] > ses[k - 1] && ses[k] >= ses[k + 1])) continue;
      if (best < 0 || ses[k] / floor[k] > ses[best] / floor[best]) best = k;
    }
    const threshold = this.#threshold(segments, b - a + 1);
    l.thresholdDb = 10 * Math.log10(threshold);
    if (best < 0) return;
    l.hz = best * binHz;
    l.snrDb = 10 * Math.log10(ses[best] / floor[best]);
    l.present = ses[best] / floor[best] > threshold;
    l.referenceDb = 10 * Math.log10(floor[best] / noise[best]);
    l.discounted = !l.present && ses[best] / noise[best] > threshold;
  }

  /**
   * Inner race: the 1X modulation its defect must show, in proportion to how much is expected
   * (see `innerRaceModulationDb`): where BPFI stands far enough above the noise that its
   * sidebands BPFI +/- fr would show, one of them must be present and within
   * innerRaceModulationDb of BPFI; elsewhere one of them must be present.
   */
  #modulation(c: CandidateEvidence): void {
    c.modulated = true;
    c.modulationExpected = false;
    if (c.kind !== 'inner_race' || !c.anchored) return;
    const w = this.options.lineBins;
    const sidebandThresholdDb = 10 * Math.log10(this.#threshold(this.#s.segments, 2 * Math.floor(w) + 1));
    const d = this.options.innerRaceModulationDb;
    const carrierDb = c.snrDb[0];
    const sideband = c.sidebands[0] > 0;
    c.modulationExpected = carrierDb - d > sidebandThresholdDb;
    // The sideband is required in every case. The SES's 1X line alone once stood in for it where
    // BPFI is weak, but any 1X modulation of the band makes that line (a healthy 6203 FE channel
    // shows it at 20 dB), so a fixed rig line sitting on BPFI passed as an inner race fault
    // (CWRU 120 and 197 FE). The sidebands are the product of the BPFI carrier and the 1X
    // modulation: only the defect makes them. A weak inner race fault whose sidebands hide in
    // the noise is `none`, not misnamed.
    c.modulated = sideband && (!c.modulationExpected || c.sidebandSnrDb[0] >= carrierDb - d);
  }

  /** Moves to the front of `order` the race or ball type with a harmonic (h1..h3) on the dominant series' fundamental. */
  #dominantFirst(order: CandidateEvidence[]): void {
    const d = this.dominant;
    if (!(d.hz > 0)) return;
    // A cage whose comb is the strongest family and carries the series keeps its place.
    if (order[0].kind === 'cage' && this.#onCageComb(d.hz)) return;
    const tol = this.options.lineBins * this.#s.binHz;
    for (let i = 1; i < order.length; i++) {
      const c = order[i];
      if (c.kind === 'cage' || !c.anchored) continue;
      let on = false;
      for (let h = 1; h <= Math.min(3, c.harmonics); h++) if (c.lineHz[h - 1] > 0 && Math.abs(c.lineHz[h - 1] - d.hz) <= tol) on = true;
      if (!on) continue;
      for (let j = i; j > 0; j--) order[j] = order[j - 1];
      order[0] = c;
      return;
    }
  }

  /** Strongest harmonic series with its fundamental in the defect frequencies' span (before claims). */
  #dominantFamily(f: DefectFrequencies): void {
    const { ses, floor, bins, binHz, segments } = this.#s;
    const d = this.dominant;
    d.hz = 0;
    d.scoreDb = 0;
    const lo = Math.max(1, Math.ceil((0.8 * Math.min(f.bsf, f.bpfo)) / binHz));
    const hi = Math.min(bins - 2, Math.floor((1.2 * Math.max(f.bpfi, 2 * f.bsf)) / binHz));
    const w = this.options.lineBins;
    const single = this.#threshold(segments, 1);
    for (let k = lo; k <= hi; k++) {
      if (!(ses[k] > ses[k - 1] && ses[k] >= ses[k + 1]) || this.#onShaftHarmonic(k * binHz)) continue;
      const r = ses[k] / floor[k];
      if (!(r > single)) continue;
      let score = 10 * Math.log10(r);
      for (let h = 2; h <= 3; h++) {
        const a = Math.max(1, Math.ceil(h * k - w));
        const b = Math.min(bins - 2, Math.floor(h * k + w));
        if (b < a) break;
        const best = this.#localMax(a, b);
        if (best < 0) continue;
        const rh = ses[best] / floor[best];
        if (rh > this.#threshold(segments, b - a + 1)) score += 10 * Math.log10(rh);
      }
      if (score > d.scoreDb) {
        d.scoreDb = score;
        d.hz = k * binHz;
      }
    }
  }

  /**
   * Whether `hz` is a harmonic of fault type `kind`'s family or one of its shaft sidebands (the
   * lines that may dominate an SES because of that fault; cage sidebands are excluded as they
   * are too dense to tell one family from another).
   */
  explainsDominant(hz: number, kind: FaultKind): boolean {
    const tol = this.options.lineBins * this.#s.binHz;
    const owner = FAULT_KINDS.indexOf(kind);
    // A cage defect's once-per-turn impacts make a comb at every multiple of FTF, which reaches
    // the ball-pass range (BPFO is balls x FTF): a series there on the comb is the cage's own.
    if (kind === 'cage' && this.#onCageComb(hz)) return true;
    for (let i = 0; i < this.#claimCount; i++) {
      if (this.#claimOwner[i] === owner && this.#claimCage[i] === 0 && Math.abs(this.#claims[i] - hz) <= tol) return true;
    }
    return false;
  }

  /**
   * Whether type `c`'s anchor line is a tooth of the cage's comb, when the cage's family is the
   * strongest of the SES: a defective cage strikes once per cage turn, and the comb of its
   * harmonics passes through BPFO (balls x FTF) and near 2 x BSF, so there those lines are the
   * cage's, not other faults. (When a race family is stronger, the cage explains nothing.)
   */
  explainedByCage(c: CandidateEvidence): boolean {
    const cage = this.candidates[FAULT_KINDS.indexOf('cage')];
    if (c === cage || !c.anchored || cage.rank !== 0) return false;
    return this.#onCageComb(c.lineHz[c.anchor - 1]);
  }

  /** Whether `hz` is a tooth k x FTF of the cage's comb (within the line window and k x the rate's uncertainty). */
  #onCageComb(hz: number): boolean {
    const cage = this.candidates[FAULT_KINDS.indexOf('cage')];
    if (!cage.anchored || !(cage.baseHz > 0)) return false;
    const rate = this.#cageRate(cage);
    if (!this.#cageRateAgrees(cage, rate)) return false;
    const k = Math.round(hz / rate.hz);
    const binHz = this.#s.binHz;
    return k >= 1 && Math.abs(hz - k * rate.hz) <= (this.options.lineBins + k * rate.uncertaintyBins) * binHz;
  }

  #reset(c: CandidateEvidence): void {
    c.harmonicsPresent = 0;
    c.sidebandsPresent = 0;
    c.strengthDb = 0;
    c.explained = false;
    c.rank = -1;
    c.anchor = 1;
    c.anchored = false;
    c.baseHz = 0;
    c.modulated = true;
    c.modulationExpected = false;
    c.combTeeth = 0;
    for (let i = 0; i < MAX_HARMONICS; i++) {
      c.discounted[i] = 0;
      c.discountedHz[i] = 0;
      c.discountedSnrDb[i] = 0;
      c.referenceDb[i] = 0;
      c.lineHz[i] = 0;
      c.snrDb[i] = 0;
      c.thresholdDb[i] = 0;
      c.present[i] = 0;
      c.sidebands[i] = 0;
      c.sidebandSnrDb[i] = 0;
    }
  }

  /** Finds the anchor line within +/- slip of its kinematic frequency (rolling element: 1 or 2 x BSF). */
  #anchor(c: CandidateEvidence): void {
    const { binHz } = this.#s;
    const last = c.kind === 'rolling_element' ? Math.min(2, c.harmonics) : 1;
    let bestSnr = -Infinity;
    for (let h = 1; h <= last; h++) {
      const centre = h * c.frequencyHz;
      const half = centre * this.options.slip + binHz;
      // The cage's FTF is searched in a narrow window (slip is relative), whose noise threshold
      // is lower than a race anchor's: it is held to the outer race anchor's threshold instead,
      // so that a sub-synchronous line needs the margin a race fault needs.
      const thresholdBins = c.kind === 'cage' ? this.#raceAnchorBins() : 0;
      this.#line(c, h - 1, (centre - half) / binHz, (centre + half) / binHz, thresholdBins);
      if (c.present[h - 1] === 1 && c.snrDb[h - 1] > bestSnr) {
        bestSnr = c.snrDb[h - 1];
        c.anchor = h;
      }
    }
    // Keep only the anchor's measurement; the other harmonic is measured from it afterwards.
    for (let h = 1; h <= last; h++) {
      if (h === c.anchor && bestSnr > -Infinity) continue;
      if (c.present[h - 1] === 1) this.#unpresent(c, h - 1);
    }
    c.anchored = c.present[c.anchor - 1] === 1;
    c.baseHz = c.anchored ? c.lineHz[c.anchor - 1] / c.anchor : 0;
  }

  #unpresent(c: CandidateEvidence, i: number): void {
    c.present[i] = 0;
    c.harmonicsPresent--;
    c.strengthDb -= c.snrDb[i] - c.thresholdDb[i];
  }

  /** Bins of the outer race anchor's search window (+/- slip + 1 bin around BPFO). */
  #raceAnchorBins(): number {
    const outer = this.candidates[0];
    const { binHz } = this.#s;
    const half = outer.frequencyHz * this.options.slip + binHz;
    return Math.max(1, Math.floor((2 * half) / binHz) + 1);
  }

  /**
   * Measures harmonic index i in bins [lo, hi]; updates presence and strength. The threshold is
   * that of a window of at least `thresholdBins` bins (0: the window's own).
   */
  #line(c: CandidateEvidence, i: number, lo: number, hi: number, thresholdBins = 0): void {
    const { ses, floor, noise, bins, segments } = this.#s;
    const a = Math.max(1, Math.ceil(lo));
    const b = Math.min(bins - 2, Math.floor(hi));
    if (b < a) return;
    const threshold = this.#threshold(segments, Math.max(b - a + 1, thresholdBins));
    c.thresholdDb[i] = 10 * Math.log10(threshold);
    const best = this.#localMax(a, b);
    if (best < 0) return;
    const ratio = ses[best] / floor[best];
    c.lineHz[i] = best * this.#s.binHz;
    c.snrDb[i] = 10 * Math.log10(ratio);
    c.referenceDb[i] = floor === noise ? 0 : 10 * Math.log10(floor[best] / noise[best]);
    if (ratio > threshold) {
      c.present[i] = 1;
      c.harmonicsPresent++;
      c.strengthDb += c.snrDb[i] - c.thresholdDb[i];
    } else if (floor !== noise) {
      const k = this.#largestOverNoise(a, b);
      if (k >= 0 && ses[k] / noise[k] > threshold) {
        c.discounted[i] = 1;
        c.discountedHz[i] = k * this.#s.binHz;
        c.discountedSnrDb[i] = 10 * Math.log10(ses[k] / noise[k]);
        c.referenceDb[i] = 10 * Math.log10(floor[k] / noise[k]);
      }
    }
  }

  /** The unmasked, unclaimed local maximum in [a, b] largest over the bare noise floor, or -1. */
  #largestOverNoise(a: number, b: number): number {
    const { ses, noise, binHz } = this.#s;
    let best = -1;
    for (let k = a; k <= b; k++) {
      if (!(ses[k] > ses[k - 1] && ses[k] >= ses[k + 1])) continue;
      const hz = k * binHz;
      if (this.#onShaftHarmonic(hz) || this.#claimed(hz)) continue;
      if (best < 0 || ses[k] / noise[k] > ses[best] / noise[best]) best = k;
    }
    return best;
  }

  #harmonicsAndSidebands(c: CandidateEvidence, ftfHz: number): void {
    const { binHz, shaftHz } = this.#s;
    const w = this.options.lineBins;
    const f1 = c.baseHz;
    const sidebandHz = c.kind === 'inner_race' ? shaftHz : c.kind === 'rolling_element' ? ftfHz : 0;
    for (let h = 1; h <= c.harmonics; h++) {
      const i = h - 1;
      if (h !== c.anchor) this.#line(c, i, (h * f1) / binHz - w, (h * f1) / binHz + w);
      if (sidebandHz > 0 && c.present[i] === 1) {
        this.#sideband(c, i, c.lineHz[i] - sidebandHz);
        this.#sideband(c, i, c.lineHz[i] + sidebandHz);
      }
    }
  }

  #sideband(c: CandidateEvidence, i: number, centreHz: number): void {
    const { ses, floor, bins, binHz, segments } = this.#s;
    const w = this.options.lineBins;
    const a = Math.max(1, Math.ceil(centreHz / binHz - w));
    const b = Math.min(bins - 2, Math.floor(centreHz / binHz + w));
    if (b < a) return;
    const best = this.#localMax(a, b);
    if (best < 0) return;
    const ratio = ses[best] / floor[best];
    const threshold = this.#threshold(segments, b - a + 1);
    if (ratio > threshold) {
      const db = 10 * Math.log10(ratio);
      c.sidebands[i]++;
      c.sidebandsPresent++;
      c.sidebandSnrDb[i] = Math.max(c.sidebandSnrDb[i], db);
      c.strengthDb += db - 10 * Math.log10(threshold);
    }
  }

  /** The lattice this fault explains: harmonics h x f1 (up to the SES's end) and their sidebands. */
  #claimLattice(c: CandidateEvidence, ftfHz: number): void {
    const { bins, binHz, shaftHz } = this.#s;
    const o = this.options;
    const f1 = c.baseHz;
    const top = (bins - 1) * binHz;
    const owner = FAULT_KINDS.indexOf(c.kind);
    for (let h = 1; h <= c.harmonics && h * f1 < top; h++) {
      const f = h * f1;
      this.#claim(f, owner, 0);
      for (let k = 1; k <= o.claims[c.kind].shaft; k++) {
        this.#claim(f - k * shaftHz, owner, 0);
        this.#claim(f + k * shaftHz, owner, 0);
      }
      for (let k = 1; k <= o.claims[c.kind].cage; k++) {
        this.#claim(f - k * ftfHz, owner, 1);
        this.#claim(f + k * ftfHz, owner, 1);
      }
    }
  }

  #claim(hz: number, owner: number, cage: number): void {
    if (hz > 0 && this.#claimCount < MAX_CLAIMS) {
      this.#claims[this.#claimCount] = hz;
      this.#claimOwner[this.#claimCount] = owner;
      this.#claimCage[this.#claimCount] = cage;
      this.#claimCount++;
    }
  }

  #claimed(hz: number): boolean {
    const tol = this.options.lineBins * this.#s.binHz;
    for (let i = 0; i < this.#claimCount; i++) if (Math.abs(this.#claims[i] - hz) <= tol) return true;
    return false;
  }

  /** Marks the shaft orders with a line present (a local maximum above the noise threshold within 1 bin). */
  #findShaftLines(): void {
    // Against the bare noise floor: a shaft harmonic present in this window is masked whatever
    // the healthy machine showed there.
    const { ses, noise: floor, bins, binHz, segments, shaftHz } = this.#s;
    this.#shaftLines.fill(0);
    if (!(shaftHz > 0)) return;
    const threshold = this.#threshold(segments, 3);
    for (let k = 1; k <= MAX_SHAFT_ORDERS; k++) {
      const centre = (k * shaftHz) / binHz;
      if (centre + 2 > bins - 1) break;
      for (let b = Math.max(1, Math.round(centre) - 1); b <= Math.round(centre) + 1; b++) {
        if (ses[b] > ses[b - 1] && ses[b] >= ses[b + 1] && ses[b] > threshold * floor[b]) this.#shaftLines[k] = 1;
      }
    }
  }

  #onShaftHarmonic(hz: number): boolean {
    const { shaftHz, binHz } = this.#s;
    if (!(shaftHz > 0)) return false;
    const order = Math.round(hz / shaftHz);
    return (
      order >= 1 &&
      order <= MAX_SHAFT_ORDERS &&
      this.#shaftLines[order] === 1 &&
      Math.abs(hz - order * shaftHz) <= this.options.shaftMaskBins * binHz
    );
  }

  /**
   * Largest local maximum in [a, b] outside shaft-harmonic main lobes and claimed lines, or -1.
   * With a healthy reference, largest by its excess over the reference (ses x noise / floor;
   * without one that is ses itself).
   */
  #localMax(a: number, b: number): number {
    const { ses, floor, noise, binHz } = this.#s;
    let best = -1;
    let bestValue = 0;
    for (let k = a; k <= b; k++) {
      if (!(ses[k] > ses[k - 1] && ses[k] >= ses[k + 1])) continue;
      const hz = k * binHz;
      if (this.#onShaftHarmonic(hz) || this.#claimed(hz)) continue;
      const v = floor === noise ? ses[k] : (ses[k] * noise[k]) / floor[k];
      if (best < 0 || v > bestValue) {
        best = k;
        bestValue = v;
      }
    }
    return best;
  }

  #threshold(segments: number, windowBins: number): number {
    const key = segments * 1_000_000 + windowBins;
    let t = this.#thresholds.get(key);
    if (t === undefined) {
      t = maxOfGammaOverMedianThreshold(Math.max(1, segments), windowBins, this.options.falseAlarm);
      this.#thresholds.set(key, t);
    }
    return t;
  }
}
