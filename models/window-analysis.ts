/**
 * One entry point for the vibration analytics of a block of acceleration samples (in g), used by
 * the stream processor's workers (one call per window) and by `pdm analyze` (one call per record
 * or segment). The constructor validates the configuration and precomputes windows, FFT tables
 * and work buffers; `analyze` allocates only the objects it returns.
 *
 * Pipeline: time-domain features -> Hann spectrum (amplitude, power) -> velocity RMS and ISO
 * 20816-3 zone, dominant line, band energies -> shaft speed (given or estimated) and 1X/2X/3X ->
 * with a bearing: fast kurtogram -> squared envelope spectrum of the chosen band -> (with the
 * machine's healthy reference: floor raised at its own lines) -> fault evidence -> decision.
 * See MODELS.md, "Vibration analysis and bearing diagnosis".
 */
import type { Quantity } from '../common/channels.ts';
import { PdmError } from '../common/errors.ts';
import { type DecisionResult, decide, isSupported } from './bearing/diagnosis.ts';
import { EnvelopeSpectrum } from './bearing/envelope-spectrum.ts';
import { type CandidateEvidence, FAULT_KEYS, FaultEvidence, type ShaftLine } from './bearing/fault-evidence.ts';
import {
  type BearingGeometry,
  type DefectFrequencies,
  defectOrders,
  requiredResolutionOrders,
  requiredRevolutions,
  validateBearingGeometry,
} from './bearing/geometry.ts';
import { emptyKurtogramBand, FastKurtogram, type KurtogramBand } from './bearing/kurtogram.ts';
import { type EnvelopeReference, ReferenceBuilder, ReferenceFloor, validateReference } from './bearing/reference.ts';
import { nextPowerOfTwo } from './dsp/fft-size.ts';
import { NoiseFloor } from './dsp/noise-floor.ts';
import { emptyPeak, findPeak } from './dsp/peaks.ts';
import { prewhitenSpectrum } from './dsp/prewhiten.ts';
import { RealFft } from './dsp/real-fft.ts';
import { SpectrumAnalyzer } from './dsp/spectrum.ts';
import { computeTimeFeatures, emptyTimeFeatures } from './dsp/time-features.ts';
import {
  SENSOR_FAULTS,
  SensorCheck,
  type SensorCheckConfig,
  type SensorCheckResult,
  type SensorEvidence,
  type SensorFault,
} from './sensor/sensor-check.ts';
import { type FamilyEvidence, familyEvidence, storedSpectra, type WindowSpectra } from './stored-evidence.ts';
import {
  DEFAULT_ISO_CLASS,
  ISO_BAND_HIGH_HZ,
  type IsoFoundation,
  type IsoGroup,
  type IsoZone,
  isoBandLowHz,
  isoZone,
  zoneBoundaries,
} from './vibration/iso20816.ts';
import { DEFAULT_SHAFT_SEARCH, type ShaftEstimate, ShaftSpeedEstimator } from './vibration/shaft-speed.ts';
import { bandRms, lineVelocityRmsMmS, velocityRmsMmS } from './vibration/spectral-measures.ts';
import { AccelerationInput } from './vibration/to-acceleration.ts';
import { gToMmPerS } from './vibration/units.ts';

export type { BearingGeometry } from './bearing/geometry.ts';
export type { EnvelopeReference } from './bearing/reference.ts';
export type { SensorCheckConfig, SensorEvidence, SensorFault } from './sensor/sensor-check.ts';

export interface WindowAnalysisConfig {
  sampleRateHz: number;
  /** Any length >= 256; FFT sizes are chosen internally (next power of two, zero-padded). */
  windowSize: number;
  /** Known shaft speed; else estimated from the spectrum. */
  shaftHz?: number;
  /**
   * How far (fraction) the given speed may be from the machine's actual one: the given speed is
   * refined to the harmonic series of the spectrum within it (a nominal speed, a drive's reading
   * and induction-motor slip differ by a percent or two). Default 0.015; 0 uses it as given.
   */
  shaftTolerance?: number;
  /** Resolved geometry (name lookup happens outside the hot path). */
  bearing?: BearingGeometry;
  /** ISO 20816-3 class; default group 2 (15-300 kW), rigid foundation. */
  iso?: { group: 1 | 2; foundation: 'rigid' | 'flexible' };
  /** Band energies (acceleration RMS in g) reported as band_<name>; default DEFAULT_BANDS. */
  bands?: Array<{ name: string; lowHz: number; highHz: number }>;
  /** Shaft speed search range when shaftHz is not given; default 5-100 Hz (300-6000 r/min). */
  shaftSearchHz?: { minHz: number; maxHz: number };
  /**
   * The machine's healthy envelope reference (bearing/reference.ts, from `buildReference` over
   * healthy windows of this channel): lines it holds count only by their excess over the
   * healthy level. Without it, every line counts by its level over the noise.
   */
  reference?: EnvelopeReference;
  /**
   * What the samples measure and in which units (common/channels.ts); default acceleration in g.
   * Anything else is converted to acceleration in g first (vibration/to-acceleration.ts), so the
   * analysis itself always sees g.
   */
  quantity?: Quantity;
  units?: string;
  /**
   * The sensor's self-checks (sensor/sensor-check.ts): thresholds to override, or false to skip
   * them. A window that fails one is NE 107 "check function": zone `unknown`, no diagnosis.
   */
  sensorCheck?: Partial<SensorCheckConfig> | false;
  /**
   * Cepstral pre-whitening (dsp/prewhiten.ts) of the block before the bearing's kurtogram and
   * demodulation: the machine's discrete lines and resonance shaping flattened, the impacts kept.
   * Default false. `analyzeRecord` uses it for a second look at a record whose envelope says `none`.
   */
  prewhiten?: boolean;
}

/** Default `shaftTolerance`: induction motors slip 1-3 % below synchronous speed; nominal readings are that close. */
export const DEFAULT_SHAFT_TOLERANCE = 0.015;

export type BearingDiagnosis = 'outer_race' | 'inner_race' | 'rolling_element' | 'cage' | 'none';

/** A line the healthy reference discounted: present over the noise, not over the machine's healthy level. */
export interface DiscountedLine {
  /** Fault type whose line it was, and which line: h1..h8 (harmonic) or 1x (the SES's shaft line). */
  type: 'outer_race' | 'inner_race' | 'rolling_element' | 'cage';
  line: string;
  hz: number;
  /** Level over the noise floor, and the reference's level there (dB). */
  snr_db: number;
  reference_db: number;
  /** Records only: in how many segments (the other values are means over them). */
  segments?: number;
}

/** ISO zone of a window whose sensor failed its self-checks: its velocity says nothing about the machine. */
export const UNKNOWN_ZONE = 'unknown';

export interface WindowAnalysis {
  /** Flat, numeric, snake_case, NaN-free; the same keys for every window of one configuration. */
  features: Record<string, number>;
  iso20816: { zone: IsoZone | typeof UNKNOWN_ZONE; group: IsoGroup; foundation: IsoFoundation };
  /**
   * NE 107 state of the measurement itself (sensor/sensor-check.ts): `check_function` when the
   * window is not a valid vibration measurement (flat, stepped, clipped, too quiet for a sensor,
   * band-limited below the declared rate, hum only), with why. Then the zone is `unknown` and the
   * diagnosis `none` with confidence 0: a dead sensor must not read as a healthy machine.
   */
  sensor: { status: 'ok' | 'check_function'; reasons: SensorFault[]; evidence?: SensorEvidence };
  /** 'unavailable' (hz 0) when no speed is given and no harmonic series stands out. */
  shaft: {
    hz: number;
    source: 'given' | 'estimated' | 'unavailable' /** The speed given, when refined from the spectrum to `hz`. */;
    given_hz?: number;
  };
  bearing: {
    diagnosis: BearingDiagnosis;
    confidence: number;
    frequencies_hz?: { bpfo: number; bpfi: number; bsf: number; ftf: number };
    band_hz?: [number, number];
    evidence?: Record<string, number>;
    /** With a healthy reference: the lines it discounted (the machine's own lines, not fault evidence). */
    discounted?: DiscountedLine[];
  };
}

/**
 * The arrays behind one window's analysis, for plots and reports (WindowAnalyzer.analyzeDetailed):
 * copies, so they outlive the analyzer's next window. Frequencies of bin k are k x binHz.
 */
export interface WindowDetail {
  /** Hann-window amplitude spectrum of the acceleration (g, peak), bins 0..fftSize/2. */
  spectrum: { binHz: number; amplitude: Float64Array };
  /** With a bearing and a shaft speed: the squared envelope spectrum of the chosen band. */
  envelope?: {
    binHz: number;
    /** Mean-square per bin (g^2) of the squared envelope. */
    power: Float64Array;
    /** The floor the fault evidence measured lines against (raised at a healthy reference's lines when there is one). */
    floor: Float64Array;
    band_hz: [number, number];
    /** Welch segments averaged. */
    segments: number;
  };
  /** With a bearing and a shaft speed: every band of the kurtogram's tree, and the one chosen. */
  kurtogram?: {
    bands: KurtogramBand[];
    chosen: KurtogramBand;
    /** Bands narrower than this could not be chosen: they would not pass 3 x the fastest defect rate. */
    minBandwidthHz: number;
  };
}

/**
 * Default band energies, named by what usually lives there: `low` shaft-related faults
 * (unbalance, misalignment, looseness), `mid` gear mesh and structural resonances, `high`
 * bearing impacts and lubrication; clipped at Nyquist (0 when entirely above it).
 */
export const DEFAULT_BANDS: ReadonlyArray<{ name: string; lowHz: number; highHz: number }> = [
  { name: 'low', lowHz: 10, highHz: 1000 },
  { name: 'mid', lowHz: 1000, highHz: 5000 },
  { name: 'high', lowHz: 5000, highHz: 20000 },
];

const MIN_WINDOW = 256;

function configError(setting: string, message: string, value: unknown): PdmError {
  return new PdmError('PDM_ERR_CONFIG_INVALID', `window analysis: ${setting} ${message}, got ${JSON.stringify(value)}`, { setting, value });
}

/**
 * Checks a configuration before anything is built and resolves the defaulted settings. Settings
 * are checked in a fixed order, so the first bad one found is the one reported; the bearing's
 * geometry is checked later, where its stages are built.
 */
function validateConfig(config: WindowAnalysisConfig): {
  iso: { group: IsoGroup; foundation: IsoFoundation };
  bands: ReadonlyArray<{ name: string; lowHz: number; highHz: number }>;
  search: { minHz: number; maxHz: number };
} {
  const { sampleRateHz, windowSize, shaftHz } = config;
  if (!(typeof sampleRateHz === 'number' && Number.isFinite(sampleRateHz) && sampleRateHz > 0))
    throw configError('sampleRateHz', 'must be a positive number', sampleRateHz);
  if (!(Number.isInteger(windowSize) && windowSize >= MIN_WINDOW))
    throw configError('windowSize', `must be an integer >= ${MIN_WINDOW}`, windowSize);
  if (shaftHz !== undefined && !(Number.isFinite(shaftHz) && shaftHz > 0 && shaftHz < sampleRateHz / 2))
    throw configError('shaftHz', `must be a positive number below Nyquist (${sampleRateHz / 2} Hz)`, shaftHz);
  if (config.shaftTolerance !== undefined && !(config.shaftTolerance >= 0 && config.shaftTolerance < 0.2))
    throw configError('shaftTolerance', 'must be a fraction from 0 to 0.2', config.shaftTolerance);
  const iso = config.iso ?? DEFAULT_ISO_CLASS;
  try {
    zoneBoundaries(iso);
  } catch {
    throw configError('iso', "must be { group: 1 | 2, foundation: 'rigid' | 'flexible' }", iso);
  }
  const bands = config.bands ?? DEFAULT_BANDS;
  validateBands(bands);
  if (config.reference !== undefined) {
    try {
      validateReference(config.reference, 'window analysis: reference');
    } catch (err) {
      throw configError('reference', `is not a valid healthy reference (${err instanceof Error ? err.message : String(err)})`, '...');
    }
  }
  const search = config.shaftSearchHz ?? DEFAULT_SHAFT_SEARCH;
  if (!(search.minHz > 0 && search.maxHz > search.minHz)) throw configError('shaftSearchHz', 'must satisfy 0 < minHz < maxHz', search);
  return { iso, bands, search };
}

/** Band names become feature keys (band_<name>), so they must be snake_case and unique. */
function validateBands(bands: ReadonlyArray<{ name: string; lowHz: number; highHz: number }>): void {
  const seen = new Set<string>();
  for (const [i, b] of bands.entries()) {
    if (!/^[a-z0-9_]+$/.test(b.name)) throw configError(`bands[${i}].name`, 'must be snake_case (a-z, 0-9, _)', b.name);
    if (seen.has(b.name)) throw configError(`bands[${i}].name`, 'is a duplicate', b.name);
    seen.add(b.name);
    if (!(Number.isFinite(b.lowHz) && Number.isFinite(b.highHz) && b.lowHz >= 0 && b.highHz > b.lowHz))
      throw configError(`bands[${i}]`, 'must have 0 <= lowHz < highHz', b);
  }
}

/** Feature and evidence key names of one fault type, built once (no string building per window). */
interface FaultKeys {
  score: string;
  supported: string;
  strength: string;
  rank: string;
  explained: string;
  modulated: string;
  modulationExpected: string;
  harmonics: Array<{
    hz: string;
    snr: string;
    threshold: string;
    present: string;
    sidebands: string;
    sidebandSnr: string;
    discounted: string;
    reference: string;
  }>;
}

interface BearingStages {
  geometry: BearingGeometry;
  orders: DefectFrequencies;
  /** Defect frequencies at the current window's speed (reused). */
  freqs: DefectFrequencies;
  /** Per candidate of FaultEvidence, in its order. */
  keys: FaultKeys[];
  rectFft: RealFft;
  rectSpectrum: Float64Array;
  kurtogram: FastKurtogram;
  envelope: EnvelopeSpectrum;
  sesFloor: Float64Array;
  sesFloorer: NoiseFloor;
  /** Healthy reference, and the SES floor raised at its lines. */
  reference: ReferenceFloor | undefined;
  sesReferenceFloor: Float64Array;
  /** The floor of the band demodulated last: sesFloor, or sesReferenceFloor with a reference. */
  lastFloor: Float64Array;
  evidence: FaultEvidence;
  resolutionOrders: number;
}

/**
 * The bearing diagnosis's stages for one window length, built once so that `analyze` only reads
 * and overwrites them. The geometry is validated here, after the rest of the configuration.
 */
function bearingStages(config: WindowAnalysisConfig, bearing: BearingGeometry, fftSize: number): BearingStages {
  const { sampleRateHz, windowSize } = config;
  const geometry = validateBearingGeometry(bearing, 'window analysis: bearing');
  const rectFft = new RealFft(fftSize);
  const envelope = new EnvelopeSpectrum({ signalLength: windowSize, fftSize, sampleRateHz });
  const evidence = new FaultEvidence();
  return {
    geometry,
    orders: defectOrders(geometry),
    freqs: { bpfo: 0, bpfi: 0, bsf: 0, ftf: 0 },
    keys: faultKeys(evidence),
    rectFft,
    rectSpectrum: new Float64Array(rectFft.outputLength),
    // The narrowest admissible band is decided per call from the shaft speed; the tree is
    // built down to bands of 128 envelope samples.
    kurtogram: new FastKurtogram({ signalLength: windowSize, fftSize, sampleRateHz }),
    envelope,
    sesFloor: new Float64Array(fftSize / 2 + 1),
    sesFloorer: new NoiseFloor(fftSize / 2 + 1),
    reference: config.reference === undefined ? undefined : new ReferenceFloor(config.reference, fftSize / 2 + 1),
    sesReferenceFloor: new Float64Array(fftSize / 2 + 1),
    lastFloor: new Float64Array(0),
    evidence,
    resolutionOrders: requiredResolutionOrders(geometry),
  };
}

/** The feature and evidence keys of every candidate of `evidence`, in its order (see FaultKeys). */
function faultKeys(evidence: FaultEvidence): FaultKeys[] {
  return evidence.candidates.map((c): FaultKeys => {
    const k = FAULT_KEYS[c.kind];
    return {
      score: `${k}_score`,
      supported: `${k}_supported`,
      strength: `${k}_strength_db`,
      rank: `${k}_rank`,
      explained: `${k}_explained`,
      modulated: `${k}_modulated`,
      modulationExpected: `${k}_sidebands_expected`,
      harmonics: Array.from({ length: evidence.options.harmonics[c.kind] }, (_, i) => ({
        hz: `${k}_h${i + 1}_hz`,
        snr: `${k}_h${i + 1}_snr_db`,
        threshold: `${k}_h${i + 1}_threshold_db`,
        present: `${k}_h${i + 1}_present`,
        sidebands: `${k}_h${i + 1}_sidebands`,
        sidebandSnr: `${k}_h${i + 1}_sideband_snr_db`,
        discounted: `${k}_h${i + 1}_discounted`,
        reference: `${k}_h${i + 1}_reference_db`,
      })),
    };
  });
}

export class WindowAnalyzer {
  readonly config: Readonly<WindowAnalysisConfig>;
  readonly fftSize: number;
  readonly #binHz: number;
  readonly #iso: { group: IsoGroup; foundation: IsoFoundation };
  readonly #bands: ReadonlyArray<{ name: string; lowHz: number; highHz: number }>;
  readonly #bandKeys: string[];
  readonly #spectrum: SpectrumAnalyzer;
  readonly #amplitude: Float64Array;
  readonly #power: Float64Array;
  readonly #velocity: Float64Array;
  readonly #floor: Float64Array;
  readonly #floorer: NoiseFloor;
  readonly #floorBlockBins: number;
  readonly #time = emptyTimeFeatures();
  readonly #peak = emptyPeak();
  readonly #shaft: ShaftSpeedEstimator;
  readonly #shaftEstimate: ShaftEstimate = { hz: 0, harmonicsFound: 0, score: 0 };
  readonly #bearing: BearingStages | undefined;
  /** Floors of the references given per window (analyze's `at.reference`), by reference object. */
  readonly #referenceFloors = new WeakMap<EnvelopeReference, ReferenceFloor>();
  readonly #band = emptyKurtogramBand();
  readonly #decision: DecisionResult = { diagnosis: 'none', confidence: 0, runnerUpDb: 0, dominated: false };
  /** The configured quantity and units as acceleration in g (pass-through for g). */
  #input: AccelerationInput | undefined;
  /** Whether the last window was demodulated (a bearing and a speed): the envelope stages hold its arrays. */
  #demodulated = false;
  #lastShaftHz = 0;
  readonly #sensorCheck: SensorCheck | undefined;

  constructor(config: WindowAnalysisConfig) {
    const { iso, bands, search } = validateConfig(config);
    const { sampleRateHz, windowSize } = config;
    this.config = config;
    this.#iso = { group: iso.group, foundation: iso.foundation };
    this.#bands = bands;
    this.#bandKeys = bands.map((b) => `band_${b.name}`);
    this.fftSize = nextPowerOfTwo(windowSize);
    this.#binHz = sampleRateHz / this.fftSize;
    this.#spectrum = new SpectrumAnalyzer(windowSize, this.fftSize, 'hann');
    const bins = this.fftSize / 2 + 1;
    this.#amplitude = new Float64Array(bins);
    this.#power = new Float64Array(bins);
    this.#velocity = new Float64Array(bins);
    this.#floor = new Float64Array(bins);
    this.#floorer = new NoiseFloor(bins);
    // Floor blocks of ~2 Hz (and >= 16 bins): narrow enough to follow the spectrum's shape at
    // low frequency, wide enough that a block's median is background, not a line.
    this.#floorBlockBins = Math.max(16, Math.ceil(2 / this.#binHz));
    this.#shaft = new ShaftSpeedEstimator({ ...DEFAULT_SHAFT_SEARCH, minHz: search.minHz, maxHz: search.maxHz });
    if (config.bearing !== undefined) this.#bearing = bearingStages(config, config.bearing, this.fftSize);
    if (config.sensorCheck !== false) {
      try {
        this.#sensorCheck = new SensorCheck(sampleRateHz, windowSize, bins, this.#binHz, config.sensorCheck);
      } catch (err) {
        throw configError('sensorCheck', err instanceof Error ? err.message : String(err), config.sensorCheck);
      }
    }
  }

  /**
   * `at.shaftHz`, when `at` is given, is this window's known shaft speed (undefined: estimate
   * it), in place of the configuration's: the speed changes from window to window while
   * everything the analyzer precomputes (tens of MB at 25.6 kHz) does not.
   */
  analyze(input: Float32Array, at?: { shaftHz: number | undefined; reference?: EnvelopeReference | undefined }): WindowAnalysis {
    const cfg = at === undefined ? this.config : { ...this.config, shaftHz: at.shaftHz };
    if (at?.shaftHz !== undefined && !(Number.isFinite(at.shaftHz) && at.shaftHz > 0 && at.shaftHz < cfg.sampleRateHz / 2))
      throw configError('shaftHz', `must be a positive number below Nyquist (${cfg.sampleRateHz / 2} Hz)`, at.shaftHz);
    // The channel's healthy reference, when the caller gives it per window: one analyzer then
    // serves every channel of the same acquisition and bearing. Its floor is kept per reference
    // object (validated and built once: up to 0.7 ms at 1 s windows of 25.6 kHz for a reference
    // of thousands of lines), so channels taking turns on the analyzer do not rebuild it; a
    // caller that gives the same channel's reference as the same object gets it back.
    if (at !== undefined && 'reference' in at && this.#bearing !== undefined && at.reference !== this.#bearing.reference?.reference) {
      let floor: ReferenceFloor | undefined;
      if (at.reference !== undefined) {
        floor = this.#referenceFloors.get(at.reference);
        if (floor === undefined) {
          validateReference(at.reference, 'window analysis: reference');
          floor = new ReferenceFloor(at.reference, this.fftSize / 2 + 1);
          this.#referenceFloors.set(at.reference, floor);
        }
      }
      this.#bearing.reference = floor;
    }
    if (input.length !== cfg.windowSize) {
      throw new PdmError('PDM_ERR_INPUT_VALUE', `window analysis: got ${input.length} samples, configured for ${cfg.windowSize}`, {
        samples: input.length,
        windowSize: cfg.windowSize,
      });
    }
    // Built on first use (its buffers live as long as the analyzer): from here on, acceleration in g.
    this.#input ??= new AccelerationInput(cfg);
    const samples = this.#input.convert(input);
    const t = computeTimeFeatures(this.#time, samples);
    if (!Number.isFinite(t.mean) || !Number.isFinite(t.rms)) {
      throw new PdmError('PDM_ERR_INPUT_VALUE', 'window analysis: samples contain NaN or Infinity', { samples: samples.length });
    }
    const binHz = this.#binHz;
    const bins = this.fftSize / 2 + 1;
    this.#spectrum.process(samples, t.mean);
    this.#spectrum.amplitude(this.#amplitude);
    this.#spectrum.power(this.#power);
    const amp = this.#amplitude;
    const vel = this.#velocity;
    vel[0] = 0;
    for (let k = 1; k < bins; k++) vel[k] = amp[k] * gToMmPerS(k * binHz);

    // Shaft speed: given, or the strongest harmonic series of the velocity spectrum. The
    // velocity floor serves only this search, which reads the shaft's first harmonics: it is
    // computed that far (the blocks above cost most of a window's floor and nobody read them).
    let shaftHz = 0;
    let shaftSource: WindowAnalysis['shaft']['source'];
    let givenHz: number | undefined;
    if (cfg.shaftHz !== undefined) {
      shaftHz = cfg.shaftHz;
      shaftSource = 'given';
      const tolerance = cfg.shaftTolerance ?? DEFAULT_SHAFT_TOLERANCE;
      let refined = 0;
      if (tolerance > 0) {
        const until = this.#shaft.floorBins(bins, binHz, { hz: cfg.shaftHz, tolerance });
        this.#floorer.process(this.#floor, vel, 1, bins, this.#floorBlockBins, until);
        refined = this.#shaft.refine(cfg.shaftHz, tolerance, vel, this.#floor, binHz);
      }
      if (refined > 0) {
        givenHz = cfg.shaftHz;
        shaftHz = refined;
      }
    } else {
      this.#floorer.process(this.#floor, vel, 1, bins, this.#floorBlockBins, this.#shaft.floorBins(bins, binHz));
      const est = this.#shaft.estimate(this.#shaftEstimate, vel, this.#floor, binHz);
      shaftHz = est.hz;
      shaftSource = est.hz > 0 ? 'estimated' : 'unavailable';
    }

    const velocityRms = velocityRmsMmS(this.#power, binHz, isoBandLowHz(shaftHz > 0 ? shaftHz : undefined), ISO_BAND_HIGH_HZ);
    const sensor: Pick<SensorCheckResult, 'status' | 'reasons'> & { evidence?: SensorEvidence } =
      this.#sensorCheck === undefined ? { status: 'ok', reasons: [] } : this.#sensorCheck.check(samples, this.#power, t.rms);
    const valid = sensor.status === 'ok';
    const zone = valid ? isoZone(velocityRms, this.#iso) : UNKNOWN_ZONE;
    // Dominant line of the acceleration spectrum, above 1 Hz (DC and drift are not vibration).
    const dom = findPeak(this.#peak, amp, Math.max(1, Math.ceil(1 / binHz)), bins - 1);
    const dominantHz = dom.bin < 0 ? 0 : dom.position * binHz;

    const features: Record<string, number> = {
      rms: t.rms,
      peak: t.peak,
      peak_to_peak: t.peakToPeak,
      crest_factor: t.crestFactor,
      kurtosis: t.kurtosis,
      skewness: t.skewness,
      velocity_rms_mm_s: velocityRms,
      dominant_hz: dominantHz,
      shaft_hz: shaftHz,
      x1: this.#orderVelocity(1, shaftHz),
      x2: this.#orderVelocity(2, shaftHz),
      x3: this.#orderVelocity(3, shaftHz),
    };
    for (let i = 0; i < this.#bands.length; i++) {
      const b = this.#bands[i];
      features[this.#bandKeys[i]] = bandRms(this.#power, binHz, b.lowHz, b.highHz);
    }

    const analysis: WindowAnalysis = {
      features,
      iso20816: { zone, group: this.#iso.group, foundation: this.#iso.foundation },
      shaft: givenHz === undefined ? { hz: shaftHz, source: shaftSource } : { hz: shaftHz, source: shaftSource, given_hz: givenHz },
      bearing: { diagnosis: 'none', confidence: 0 },
      sensor: sensor.evidence === undefined ? { status: sensor.status, reasons: sensor.reasons } : { ...sensor },
    };
    // No valid measurement, no diagnosis: the bearing's keys are still written (same keys every window).
    if (this.#bearing !== undefined) this.#analyzeBearing(analysis, samples, valid ? shaftHz : 0, this.#bearing);
    return analysis;
  }

  /**
   * `analyze`, plus copies of the arrays behind its result (WindowDetail): the spectrum, the
   * squared envelope spectrum and its floor, and the kurtogram's map (its tree scanned again over
   * the same spectrum, every band reported). For reports: it allocates the copies; `analyze`
   * itself, the hot path, is untouched by it.
   */
  analyzeDetailed(input: Float32Array): { analysis: WindowAnalysis; detail: WindowDetail } {
    const analysis = this.analyze(input);
    const detail: WindowDetail = { spectrum: { binHz: this.#binHz, amplitude: this.#amplitude.slice(0, this.fftSize / 2 + 1) } };
    const b = this.#bearing;
    // band_hz is set exactly when this window was demodulated (a bearing and a shaft speed);
    // otherwise the stages still hold an earlier window's arrays.
    if (b !== undefined && analysis.bearing.band_hz !== undefined) {
      const env = b.envelope;
      const floor = b.reference === undefined ? b.sesFloor : b.sesReferenceFloor;
      detail.envelope = {
        binHz: env.binHz,
        power: env.power.slice(0, env.bins),
        floor: floor.slice(0, env.bins),
        band_hz: [env.lowHz, env.highHz],
        segments: env.segments,
      };
      const bands: KurtogramBand[] = [];
      // Every level (no minimum bandwidth), so the map shows the bands too narrow to be chosen too.
      b.kurtogram.process(emptyKurtogramBand(), b.rectSpectrum, 0, (band) => bands.push({ ...band }));
      detail.kurtogram = { bands, chosen: { ...this.#band }, minBandwidthHz: minEnvelopeBandHz(b.freqs) };
    }
    return { analysis, detail };
  }

  /**
   * After `analyze`: what the processor stores of that window beyond its features (stored-evidence.ts),
   * from the arrays and evidence it computed: the amplitude spectrum and, when it was demodulated,
   * the SES, both peak-hold downsampled to `lines` lines, and each defect family's lines. New
   * arrays (they outlive the next window); the analysis itself is not repeated.
   */
  storedEvidence(lines: number): { spectra: WindowSpectra; families?: FamilyEvidence[] } {
    const b = this.#bearing;
    const demodulated = b !== undefined && this.#demodulated;
    const spectra = storedSpectra(
      { values: this.#amplitude, binHz: this.#binHz, sampleRateHz: this.config.sampleRateHz },
      demodulated ? { power: b.envelope.power, bins: b.envelope.bins, binHz: b.envelope.binHz, freqs: b.freqs } : undefined,
      lines,
    );
    if (!demodulated) return { spectra };
    return {
      spectra,
      families: familyEvidence(b.evidence.candidates, b.freqs, this.#lastShaftHz, b.envelope.power, b.envelope.binHz, isSupported),
    };
  }

  /** Velocity RMS (mm/s) of order h: the line nearest h x shaft within 1 % (speed readings drift), +/- 2 bins. */
  #orderVelocity(h: number, shaftHz: number): number {
    if (!(shaftHz > 0)) return 0;
    const binHz = this.#binHz;
    const centre = (h * shaftHz) / binHz;
    const half = 2 + 0.01 * centre;
    const p = findPeak(this.#peak, this.#velocity, centre - half, centre + half);
    if (p.bin < 0) return 0;
    return lineVelocityRmsMmS(this.#power, binHz, p.position * binHz, 2);
  }

  #analyzeBearing(analysis: WindowAnalysis, samples: Float32Array, shaftHz: number, b: BearingStages): void {
    const f = analysis.features;
    this.#demodulated = false;
    this.#lastShaftHz = shaftHz;
    // The bearing's feature keys come first and always, so every window has the same keys.
    for (const k of b.keys) f[k.score] = 0;
    f.envelope_band_low_hz = 0;
    f.envelope_band_high_hz = 0;
    f.spectral_kurtosis = 0;
    if (!(shaftHz > 0)) {
      // No speed, no defect frequencies: say nothing rather than guess.
      analysis.bearing = { diagnosis: 'none', confidence: 0 };
      return;
    }
    const raisedBins = this.#demodulate(samples, shaftHz, b);
    this.#demodulated = true;
    const d = decide(this.#decision, b.evidence);
    const band = this.#band;
    const env = b.envelope;

    const evidence: Record<string, number> = {
      spectral_kurtosis: band.kurtosis,
      kurtogram_level: band.level,
      envelope_bin_hz: env.binHz,
      envelope_segments: env.segments,
      runner_up_db: d.runnerUpDb,
      dominant_family_hz: b.evidence.dominant.hz,
      dominant_family_db: b.evidence.dominant.scoreDb,
      dominated: d.dominated ? 1 : 0,
      shaft_line_snr_db: b.evidence.shaftLine.snrDb,
      shaft_line_present: b.evidence.shaftLine.present ? 1 : 0,
    };
    const discounted = b.reference === undefined ? undefined : referenceEvidence(evidence, b.reference, raisedBins, b.evidence.shaftLine);
    const candidates = b.evidence.candidates;
    for (let i = 0; i < candidates.length; i++) {
      f[b.keys[i].score] = candidates[i].strengthDb;
      candidateEvidence(evidence, discounted, candidates[i], b.keys[i]);
    }
    f.envelope_band_low_hz = env.lowHz;
    f.envelope_band_high_hz = env.highHz;
    f.spectral_kurtosis = band.kurtosis;
    const freqs = b.freqs;
    analysis.bearing = {
      diagnosis: d.diagnosis,
      confidence: d.confidence,
      frequencies_hz: { bpfo: freqs.bpfo, bpfi: freqs.bpfi, bsf: freqs.bsf, ftf: freqs.ftf },
      band_hz: [env.lowHz, env.highHz],
      evidence,
    };
    if (discounted !== undefined) analysis.bearing.discounted = discounted;
  }

  /**
   * The signal-processing half of the bearing diagnosis, into the precomputed stages: defect
   * frequencies at this speed, kurtogram band, squared envelope spectrum (SES) and its floor
   * (raised at the reference's lines), fault evidence. Returns how many floor bins the
   * reference raised (0 without one).
   */
  #demodulate(samples: Float32Array, shaftHz: number, b: BearingStages): number {
    const freqs = b.freqs;
    freqs.bpfo = b.orders.bpfo * shaftHz;
    freqs.bpfi = b.orders.bpfi * shaftHz;
    freqs.bsf = b.orders.bsf * shaftHz;
    freqs.ftf = b.orders.ftf * shaftHz;
    // Rectangular-window spectrum of the block, shared by the kurtogram and the demodulation.
    b.rectFft.forward(b.rectSpectrum, samples);
    // Drop DC (the sensor offset) so the lowest band's kurtosis is not diluted by it.
    b.rectSpectrum[0] = 0;
    b.rectSpectrum[1] = 0;
    if (this.config.prewhiten === true) prewhitenSpectrum(b.rectSpectrum);
    const kurtogram = b.kurtogram;
    const band = kurtogram.process(this.#band, b.rectSpectrum, minEnvelopeBandHz(freqs));
    // The most impulsive band first. When its envelope spectrum holds a defect line that no
    // fault type's corroboration supports (e.g. BPFI without its 1X sidebands), the other
    // levels' most impulsive bands are judged at the bearing's own frequencies (targeted band
    // selection, cf. Mauricio et al. 2020, IESFOgram) and the one whose envelope spectrum
    // supports a fault type most strongly is demodulated instead. A faster sensor sees
    // resonances above the band a slow one records, where broadband and the impacts' own
    // ringing noise can make a band the most impulsive while its envelope spectrum says less
    // than another's (MODELS.md, "Recordings it has not seen"). A window with no defect line
    // in that band (most healthy windows) costs nothing more.
    let raisedBins = this.#demodulateBand(band, shaftHz, b);
    b.evidence.process(b.envelope.power, b.lastFloor, b.envelope.bins, b.envelope.binHz, b.envelope.segments, shaftHz, freqs, b.sesFloor);
    if (bandScore(b.evidence) !== 0) return raisedBins;
    let bestScore = 0;
    let chosen = -1;
    for (let i = 0; i < kurtogram.levelBest.length; i++) {
      const l = kurtogram.levelBest[i];
      if (!(l.kurtosis > -Infinity) || (l.lowHz === band.lowHz && l.highHz === band.highHz)) continue;
      this.#demodulateBand(l, shaftHz, b);
      b.evidence.process(b.envelope.power, b.lastFloor, b.envelope.bins, b.envelope.binHz, b.envelope.segments, shaftHz, freqs, b.sesFloor);
      const score = bandScore(b.evidence);
      if (score > bestScore) {
        bestScore = score;
        chosen = i;
      }
    }
    if (chosen >= 0) {
      const use = kurtogram.levelBest[chosen];
      band.level = use.level;
      band.lowHz = use.lowHz;
      band.highHz = use.highHz;
      band.kurtosis = use.kurtosis;
      band.samples = use.samples;
    }
    raisedBins = this.#demodulateBand(band, shaftHz, b);
    b.evidence.process(b.envelope.power, b.lastFloor, b.envelope.bins, b.envelope.binHz, b.envelope.segments, shaftHz, freqs, b.sesFloor);
    return raisedBins;
  }

  /**
   * Squared envelope spectrum of one band and its floor (raised at the healthy reference's
   * lines when there is one: `b.lastFloor`). Returns how many floor bins the reference raised.
   */
  #demodulateBand(band: KurtogramBand, shaftHz: number, b: BearingStages): number {
    // Resolution: 1/64 order, finer when the bearing's race frequencies lie near shaft harmonics.
    b.envelope.process(b.rectSpectrum, band.lowHz, band.highHz, shaftHz * b.resolutionOrders);
    const env = b.envelope;
    // SES floor blocks of half a shaft order: few lines fall in one, so their median is background.
    b.sesFloorer.process(b.sesFloor, env.power, 1, env.bins, Math.max(8, Math.round(shaftHz / 2 / env.binHz)));
    b.lastFloor = b.sesFloor;
    if (b.reference === undefined) return 0;
    b.lastFloor = b.sesReferenceFloor;
    return b.reference.apply(b.sesReferenceFloor, b.sesFloor, env.bins, env.binHz, shaftHz, env.lowHz, env.highHz);
  }
}

/**
 * How strongly a band's envelope spectrum supports a fault: the strongest supported type's
 * evidence (dB); 0 when none is supported; -1 when no type's anchor line is even present (the
 * band shows no defect line at all, nothing to look further for).
 */
function bandScore(evidence: FaultEvidence): number {
  let score = 0;
  let anchored = false;
  for (const c of evidence.candidates) {
    if (c.anchored) anchored = true;
    if (isSupported(c) && c.strengthDb > score) score = c.strengthDb;
  }
  return score > 0 ? score : anchored ? 0 : -1;
}

/** The narrowest envelope band: it must pass the envelope's content up to the 3rd harmonic of the fastest defect. */
function minEnvelopeBandHz(freqs: DefectFrequencies): number {
  return 3 * Math.max(freqs.bpfi, freqs.bpfo, 2 * freqs.bsf);
}

/**
 * With a healthy reference: how much of the floor it raised, and the discounted lines' list,
 * begun with the SES's 1X line when the reference discounted it (an inner race's modulation).
 */
function referenceEvidence(
  evidence: Record<string, number>,
  reference: ReferenceFloor,
  raisedBins: number,
  l: ShaftLine,
): DiscountedLine[] {
  evidence.reference_bins_raised = raisedBins;
  evidence.reference_band = reference.lastBand;
  const discounted: DiscountedLine[] = [];
  if (l.discounted) {
    evidence.shaft_line_discounted = 1;
    discounted.push({ type: 'inner_race', line: '1x', hz: l.hz, snr_db: l.snrDb + l.referenceDb, reference_db: l.referenceDb });
  }
  return discounted;
}

/**
 * One fault type's evidence under its keys `k`: support, strength and rank, then each harmonic's
 * line; optional keys only when they say something (sidebands found, a reference level, a line
 * discounted), so the evidence stays short. Discounted lines are also listed in `discounted`
 * (undefined without a reference).
 */
function candidateEvidence(
  evidence: Record<string, number>,
  discounted: DiscountedLine[] | undefined,
  c: CandidateEvidence,
  k: FaultKeys,
): void {
  evidence[k.supported] = isSupported(c) ? 1 : 0;
  evidence[k.strength] = c.strengthDb;
  evidence[k.rank] = c.rank;
  if (c.explained) evidence[k.explained] = 1;
  if (c.kind === 'cage' && c.anchored) evidence.ftf_comb_teeth = c.combTeeth;
  if (c.kind === 'inner_race' && c.anchored) {
    evidence[k.modulated] = c.modulated ? 1 : 0;
    evidence[k.modulationExpected] = c.modulationExpected ? 1 : 0;
  }
  for (let h = 1; h <= c.harmonics; h++) {
    const hk = k.harmonics[h - 1];
    evidence[hk.hz] = c.lineHz[h - 1];
    evidence[hk.snr] = c.snrDb[h - 1];
    evidence[hk.threshold] = c.thresholdDb[h - 1];
    evidence[hk.present] = c.present[h - 1];
    if (c.sidebands[h - 1] > 0) {
      evidence[hk.sidebands] = c.sidebands[h - 1];
      evidence[hk.sidebandSnr] = c.sidebandSnrDb[h - 1];
    }
    if (c.referenceDb[h - 1] > 0) evidence[hk.reference] = c.referenceDb[h - 1];
    if (c.discounted[h - 1] === 1 && discounted !== undefined) {
      evidence[hk.discounted] = 1;
      discounted.push({
        type: c.kind,
        line: `h${h}`,
        hz: c.discountedHz[h - 1],
        snr_db: c.discountedSnrDb[h - 1],
        reference_db: c.referenceDb[h - 1],
      });
    }
  }
}

/** Options of `analyzeRecord`. */
export interface RecordAnalysisOptions {
  /**
   * Segment length for the bearing diagnosis, in shaft revolutions; default from the bearing:
   * 32, up to 128 when its race frequencies lie near shaft harmonics (see requiredRevolutions).
   */
  segmentRevolutions?: number;
  /** The prewhitened second look where the envelope says `none` (see analyzeRecord); default true. */
  prewhitenedPass?: boolean;
  /** Its segments, in multiples of the envelope pass's; default PREWHITENED_REVOLUTIONS_FACTOR. */
  prewhitenedFactor?: number;
  /** Records up to this many samples get their features from one whole-record window. */
  maxWholeSamples?: number;
}

export interface RecordAnalysis extends WindowAnalysis {
  /** The diagnosing pass's segments; `prewhitened` when the prewhitened second look named the fault. */
  segments: { count: number; samples: number; votes: Record<BearingDiagnosis, number>; prewhitened?: boolean };
}

const DIAGNOSES: readonly BearingDiagnosis[] = ['outer_race', 'inner_race', 'rolling_element', 'cage', 'none'];

/**
 * A whole recording: features, ISO zone and shaft speed from the whole record (one window; for
 * records longer than `maxWholeSamples`, the mean over segments, RMS-like values as quadratic
 * means and peaks as maxima), and the bearing diagnosis by majority over overlapping segments of
 * `segmentRevolutions` shaft revolutions (32 to 128, from the bearing), i.e. what the stream processor would conclude from
 * windows of that length. A fault is named only if more than half of the segments name it; its
 * confidence is the share of segments naming it times their mean confidence. This keeps a
 * signature that only shows when 10 s are averaged (too weak to matter) from being named, and
 * a fault that comes and goes from being named from a lucky segment. Where the segments say
 * `none` (and no healthy reference is given), the prewhitened envelope of segments twice as long
 * takes a second look (`segments.prewhitened`, `bearing.evidence.prewhitened`).
 * Allocates freely: offline use, not the hot path.
 */
export function analyzeRecord(
  samples: Float32Array,
  config: Omit<WindowAnalysisConfig, 'windowSize'>,
  options: RecordAnalysisOptions = {},
): RecordAnalysis {
  const fs = config.sampleRateHz;
  const n = samples.length;
  if (n < MIN_WINDOW)
    throw new PdmError('PDM_ERR_INPUT_VALUE', `record has ${n} samples; at least ${MIN_WINDOW} are needed`, { samples: n });
  const maxWhole = options.maxWholeSamples ?? 1 << 22;
  const revolutions = options.segmentRevolutions ?? (config.bearing === undefined ? 32 : requiredRevolutions(config.bearing));
  const { bearing, ...noBearing } = config;

  // 1. Features, zone and speed.
  const whole = analyzeWhole(samples, noBearing, maxWhole);
  const shaftHz = whole.shaft.hz;
  const noVotes = Object.fromEntries(DIAGNOSES.map((d) => [d, 0])) as Record<BearingDiagnosis, number>;
  const result: RecordAnalysis = { ...whole, segments: { count: 0, samples: 0, votes: noVotes } };
  if (bearing === undefined) return result;
  // A record that fails its sensor checks is not a measurement of the machine: no diagnosis.
  if (!(shaftHz > 0) || whole.sensor.status !== 'ok') {
    result.bearing = { diagnosis: 'none', confidence: 0 };
    return result;
  }

  // 2. Bearing diagnosis by segments, all at the record's speed (given and refined over the whole
  // record, whose resolution pins it best, or estimated): the segments do not refine it again.
  const segmentConfig = { ...noBearing, bearing, shaftHz, shaftTolerance: 0 };
  const length = recordSegmentLength(n, fs, shaftHz, revolutions);
  const raw = voteSegments(samples, new WindowAnalyzer({ ...segmentConfig, windowSize: length }), length);
  let vote = raw;
  // 3. A second look where the envelope says `none`: the prewhitened envelope (dsp/prewhiten.ts)
  // of segments twice as long (as long as three fit in the record, at least the first pass's). Longer segments resolve the envelope spectrum finer (a 6205's 32
  // revolutions give a twentieth of an order), and at that resolution the raw envelope shows the
  // machine's own line families as fault families (measured: CWRU ball records named
  // `outer_race`, a healthy channel a false alarm); prewhitening flattens those lines, so its
  // envelope can take the resolution the raw one cannot. It names a fault only by a majority of at
  // least two segments. Not with a healthy reference: the reference's levels were learnt on the
  // raw envelope, and it is what makes a weak raw line trustworthy there.
  let prewhitened: SegmentVote | undefined;
  if (raw.diagnosis === 'none' && config.reference === undefined && options.prewhitenedPass !== false) {
    const wanted = recordSegmentLength(n, fs, shaftHz, (options.prewhitenedFactor ?? PREWHITENED_REVOLUTIONS_FACTOR) * revolutions);
    // Three half-overlapping segments at least (a vote of two needs them), never shorter than the first pass's.
    const longer = Math.max(length, Math.min(wanted, Math.floor(n / 2)));
    // A record that holds one segment of it (a snapshot shorter than 1.5 segments) cannot give a
    // vote of two: no second look there, rather than one that cannot name anything.
    if (n - longer >= Math.max(1, Math.floor(longer / 2))) {
      prewhitened = voteSegments(samples, new WindowAnalyzer({ ...segmentConfig, prewhiten: true, windowSize: longer }), longer, 2);
      if (prewhitened.diagnosis !== 'none') vote = prewhitened;
    }
  }
  const { count, votes, diagnosis } = vote;
  const share = votes[diagnosis] / count;
  // The evidence keeps the envelope pass's segments and votes under their plain keys, and the
  // second look's under prewhitened_* when it ran.
  const evidence: Record<string, number> = { segments: raw.count, segment_samples: raw.samples };
  for (const d of DIAGNOSES) evidence[`votes_${d}`] = raw.votes[d];
  for (const [k, v] of Object.entries(raw.scores)) {
    result.features[k] = v / raw.count;
    evidence[`mean_${k}`] = v / raw.count;
  }
  if (prewhitened !== undefined) {
    evidence.prewhitened = vote === prewhitened ? 1 : 0;
    evidence.prewhitened_segments = prewhitened.count;
    evidence.prewhitened_segment_samples = prewhitened.samples;
    for (const d of DIAGNOSES) evidence[`prewhitened_votes_${d}`] = prewhitened.votes[d];
  }
  // A `none` from segments shorter than the bearing needs is weak evidence of health: fewer
  // revolutions than `requiredRevolutions` cannot separate its race lines from the shaft
  // harmonics, and average fewer impacts. Its confidence is scaled by the share of the revolutions
  // the segments span (a 0.1 s snapshot of 3 revolutions says little, whatever its lines show); a
  // named fault keeps its own, since its lines were resolved after all.
  const segmentRevolutions = (raw.samples / fs) * shaftHz;
  evidence.segment_revolutions = segmentRevolutions;
  evidence.required_revolutions = revolutions;
  const span = diagnosis === 'none' && recordTooShort(evidence) ? segmentRevolutions / revolutions : 1;
  result.segments = { count, samples: vote.samples, votes, prewhitened: vote === prewhitened };
  result.bearing = {
    diagnosis,
    confidence: votes[diagnosis] > 0 ? span * share * (vote.confidence[diagnosis] / votes[diagnosis]) : 0,
    frequencies_hz: vote.last?.bearing.frequencies_hz,
    evidence,
  };
  if (config.reference !== undefined) {
    result.bearing.discounted = [...raw.discounted.values()].map((l) => ({
      ...l,
      hz: l.hz / l.segments,
      snr_db: l.snr_db / l.segments,
      reference_db: l.reference_db / l.segments,
    }));
  }
  return result;
}

/**
 * Whether a record's segments span fewer revolutions than its bearing needs (analyzeRecord's
 * evidence): by more than half a revolution, since a segment of the needed length, cut from a
 * refined speed and rounded to samples, may fall a fraction short.
 */
export function recordTooShort(evidence: Readonly<Record<string, number>> | undefined): boolean {
  const spanned = evidence?.segment_revolutions;
  const needed = evidence?.required_revolutions;
  return spanned !== undefined && needed !== undefined && spanned < needed - 0.5;
}

/** How many times the raw pass's segment the prewhitened pass's segment spans (analyzeRecord, step 3). */
export const PREWHITENED_REVOLUTIONS_FACTOR = 2;

/** One pass of a record's bearing diagnosis: every segment's window diagnosis, and their majority. */
interface SegmentVote {
  diagnosis: BearingDiagnosis;
  count: number;
  samples: number;
  votes: Record<BearingDiagnosis, number>;
  /** Sums over the segments naming each diagnosis. */
  confidence: Record<BearingDiagnosis, number>;
  /** Sums over all segments. */
  scores: Record<string, number>;
  discounted: Map<string, Required<DiscountedLine>>;
  last: WindowAnalysis | undefined;
}

/**
 * Analyses overlapping segments of `length` (half a segment apart) and takes the majority: a
 * fault is named when more than half of the segments, and at least `minVotes` of them, name it.
 */
function voteSegments(samples: Float32Array, analyzer: WindowAnalyzer, length: number, minVotes = 1): SegmentVote {
  const votes = Object.fromEntries(DIAGNOSES.map((d) => [d, 0])) as Record<BearingDiagnosis, number>;
  const confidence = Object.fromEntries(DIAGNOSES.map((d) => [d, 0])) as Record<BearingDiagnosis, number>;
  const scores: Record<string, number> = {};
  const discounted = new Map<string, Required<DiscountedLine>>();
  let count = 0;
  let last: WindowAnalysis | undefined;
  const hop = Math.max(1, Math.floor(length / 2));
  for (let start = 0; start + length <= samples.length; start += hop) {
    const a = analyzer.analyze(samples.subarray(start, start + length));
    for (const l of a.bearing.discounted ?? []) {
      const key = `${l.type} ${l.line}`;
      const sum = discounted.get(key) ?? { type: l.type, line: l.line, hz: 0, snr_db: 0, reference_db: 0, segments: 0 };
      sum.hz += l.hz;
      sum.snr_db += l.snr_db;
      sum.reference_db += l.reference_db;
      sum.segments++;
      discounted.set(key, sum);
    }
    votes[a.bearing.diagnosis]++;
    confidence[a.bearing.diagnosis] += a.bearing.confidence;
    for (const k of ['bpfo_score', 'bpfi_score', 'bsf_score', 'ftf_score', 'spectral_kurtosis'])
      scores[k] = (scores[k] ?? 0) + (a.features[k] ?? 0);
    last = a;
    count++;
  }
  let winner: BearingDiagnosis = 'none';
  for (const d of DIAGNOSES) if (d !== 'none' && votes[d] > (winner === 'none' ? 0 : votes[winner])) winner = d;
  const named = winner !== 'none' && votes[winner] > count / 2 && votes[winner] >= minVotes;
  return { diagnosis: named ? winner : 'none', count, samples: length, votes, confidence, scores, discounted, last };
}

/** The arrays behind a record's analysis (analyzeRecordDetail). */
export interface RecordDetail {
  /**
   * Spectrum of the window the record's features, ISO zone and speed came from: the whole record,
   * or for records longer than `maxWholeSamples` the first of the windows they were averaged over.
   */
  spectrum: WindowDetail['spectrum'] & { samples: number; whole: boolean };
  /**
   * With a bearing and a shaft speed: the representative segment of the bearing diagnosis, the one
   * of analyzeRecord's segments that agrees with the record's diagnosis most confidently (for
   * `none`: the one with the least fault evidence), with its own analysis and arrays.
   */
  segment?: {
    index: number;
    start: number;
    samples: number;
    analysis: WindowAnalysis;
    envelope: NonNullable<WindowDetail['envelope']>;
    kurtogram: NonNullable<WindowDetail['kurtogram']>;
  };
}

/**
 * The arrays behind `record` = analyzeRecord(samples, config, options), recomputed with the same
 * analyzers on the same windows (so analyzeRecord stays as it is): the spectrum of the whole
 * record, and the envelope spectrum and kurtogram of its representative segment (RecordDetail).
 * Offline use: it analyses every segment again.
 */
export function analyzeRecordDetail(
  samples: Float32Array,
  config: Omit<WindowAnalysisConfig, 'windowSize'>,
  record: RecordAnalysis,
  options: RecordAnalysisOptions = {},
): RecordDetail {
  const n = samples.length;
  const maxWhole = options.maxWholeSamples ?? 1 << 22;
  const { bearing, ...noBearing } = config;
  const w = Math.min(n, maxWhole);
  const whole = new WindowAnalyzer({ ...noBearing, windowSize: w }).analyzeDetailed(samples.subarray(0, w)).detail;
  const detail: RecordDetail = { spectrum: { ...whole.spectrum, samples: w, whole: w === n } };
  const shaftHz = record.shaft.hz;
  if (bearing === undefined || !(shaftHz > 0) || record.segments.count === 0) return detail;
  // The same segments and analyzer as the pass that gave the diagnosis (analyzeRecord).
  const length = record.segments.samples;
  const prewhiten = record.segments.prewhitened === true;
  const analyzer = new WindowAnalyzer({ ...noBearing, bearing, shaftHz, shaftTolerance: 0, windowSize: length, prewhiten });
  const hop = Math.max(1, Math.floor(length / 2));
  const diagnosis = record.bearing.diagnosis;
  let best = -1;
  let bestStart = 0;
  let bestConfidence = -Infinity;
  for (let start = 0, i = 0; start + length <= n; start += hop, i++) {
    const a = analyzer.analyze(samples.subarray(start, start + length)).bearing;
    if (a.diagnosis === diagnosis && a.confidence > bestConfidence) {
      best = i;
      bestStart = start;
      bestConfidence = a.confidence;
    }
  }
  // No segment names the record's verdict only when `none` won without a vote (no majority):
  // the segment with the least evidence for any fault then stands for it.
  if (best < 0) {
    for (let start = 0, i = 0; start + length <= n; start += hop, i++) {
      const a = analyzer.analyze(samples.subarray(start, start + length));
      const strongest = Math.max(a.features.bpfo_score ?? 0, a.features.bpfi_score ?? 0, a.features.bsf_score ?? 0);
      if (best < 0 || -strongest > bestConfidence) {
        best = i;
        bestStart = start;
        bestConfidence = -strongest;
      }
    }
  }
  const { analysis, detail: d } = analyzer.analyzeDetailed(samples.subarray(bestStart, bestStart + length));
  if (d.envelope !== undefined && d.kurtogram !== undefined)
    detail.segment = { index: best, start: bestStart, samples: length, analysis, envelope: d.envelope, kurtogram: d.kurtogram };
  return detail;
}

/** Segment length of a record's bearing diagnosis, in samples (see analyzeRecord). */
export function recordSegmentLength(samples: number, sampleRateHz: number, shaftHz: number, revolutions: number): number {
  const length = Math.max(4096, Math.round((sampleRateHz * revolutions) / shaftHz));
  return samples < 1.5 * length ? samples : length;
}

/** A healthy recording for `referenceFromRecords`; its speed is estimated when not given. */
export interface HealthyRecord {
  samples: Float32Array;
  sampleRateHz: number;
  shaftHz?: number;
  /** Names the record in error messages. */
  name?: string;
}

/**
 * The healthy reference of one machine channel from whole healthy recordings, cut into the same
 * segments `analyzeRecord` diagnoses (so the reference has the diagnosis's resolution), for
 * records to be analysed with `bearing`. `maxFrequencyHz`: the analysed data's usable band
 * (fs / 2.56) when the healthy records were sampled faster. Offline use (allocates freely).
 */
export function referenceFromRecords(
  records: readonly HealthyRecord[],
  options: { bearing: BearingGeometry; maxFrequencyHz?: number; segmentRevolutions?: number },
): EnvelopeReference {
  const builder = new ReferenceBuilder({ bearing: options.bearing, maxFrequencyHz: options.maxFrequencyHz });
  const revolutions = options.segmentRevolutions ?? requiredRevolutions(options.bearing);
  for (const [i, r] of records.entries()) {
    const name = r.name ?? `healthy record ${i + 1}`;
    // The speed as analyzeRecord takes it: given and refined over the whole record, or estimated.
    if (r.samples.length < MIN_WINDOW)
      throw new PdmError('PDM_ERR_INPUT_VALUE', `${name}: ${r.samples.length} samples; at least ${MIN_WINDOW} are needed`, {
        samples: r.samples.length,
      });
    const whole = analyzeWhole(
      r.samples,
      { sampleRateHz: r.sampleRateHz, ...(r.shaftHz !== undefined ? { shaftHz: r.shaftHz } : {}) },
      1 << 22,
    );
    if (!(whole.shaft.hz > 0))
      throw new PdmError('PDM_ERR_INPUT_VALUE', `${name}: the shaft speed cannot be estimated from the spectrum; give it`, {});
    const shaftHz = whole.shaft.hz;
    const length = recordSegmentLength(r.samples.length, r.sampleRateHz, shaftHz, revolutions);
    const hop = Math.max(1, Math.floor(length / 2));
    for (let start = 0; start + length <= r.samples.length; start += hop)
      builder.add({ samples: r.samples.subarray(start, start + length), sampleRateHz: r.sampleRateHz, shaftHz });
  }
  return builder.build();
}

/** A whole record in one window, or as the mean over windows of `maxWhole` samples when longer. */
function analyzeWhole(samples: Float32Array, config: Omit<WindowAnalysisConfig, 'windowSize'>, maxWhole: number): WindowAnalysis {
  return samples.length <= maxWhole
    ? new WindowAnalyzer({ ...config, windowSize: samples.length }).analyze(samples)
    : meanOverSegments(samples, { ...config, windowSize: maxWhole });
}

/** Features of a long record as the mean over consecutive windows (RMS-like: quadratic mean; peaks: max). */
function meanOverSegments(samples: Float32Array, config: WindowAnalysisConfig): WindowAnalysis {
  const analyzer = new WindowAnalyzer(config);
  const w = config.windowSize;
  const sums: Record<string, number> = {};
  let first: WindowAnalysis | undefined;
  let count = 0;
  const quadratic = new Set(['rms', 'velocity_rms_mm_s', 'x1', 'x2', 'x3']);
  const maxima = new Set(['peak', 'peak_to_peak']);
  const reasons = new Set<SensorFault>();
  for (let start = 0; start + w <= samples.length; start += w) {
    const a = analyzer.analyze(samples.subarray(start, start + w));
    first ??= a;
    for (const r of a.sensor.reasons) reasons.add(r);
    for (const [k, v] of Object.entries(a.features)) {
      if (maxima.has(k)) sums[k] = Math.max(sums[k] ?? 0, v);
      else sums[k] = (sums[k] ?? 0) + (quadratic.has(k) || k.startsWith('band_') ? v * v : v);
    }
    count++;
  }
  const f: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums))
    f[k] = maxima.has(k) ? v : quadratic.has(k) || k.startsWith('band_') ? Math.sqrt(v / count) : v / count;
  f.crest_factor = f.rms > 0 ? f.peak / f.rms : 0;
  const base = first as WindowAnalysis;
  const iso = config.iso ?? DEFAULT_ISO_CLASS;
  // The record's sensor result: every window's reasons (one bad stretch makes the record suspect).
  const sensor: WindowAnalysis['sensor'] =
    reasons.size === 0 ? { status: 'ok', reasons: [] } : { status: 'check_function', reasons: SENSOR_FAULTS.filter((r) => reasons.has(r)) };
  const zone = sensor.status === 'ok' ? isoZone(f.velocity_rms_mm_s, iso) : UNKNOWN_ZONE;
  return { ...base, features: f, iso20816: { zone, group: iso.group, foundation: iso.foundation }, sensor };
}
