/**
 * Is this window a measurement at all? Self-checks of one channel's window of acceleration (g),
 * run before its numbers are believed: a dead, disconnected, saturated or mis-declared sensor
 * otherwise reads as a quiet, healthy machine (an all-zero window is ISO zone A with no fault).
 * The result is NE 107's "function check" for the channel: its output is temporarily invalid.
 *
 * Each test compares the window with what any real accelerometer chain must show, never with the
 * machine's own history (a window is checked alone: analyzers are shared between channels):
 *
 *  - flat_line: the spread is below the chain's resolution, the signal sits on two ADC codes at
 *    most while successive samples are mostly equal, or it holds one exact value for a long run
 *    (5 % of the window, at least 64 samples; a sensor that dies within the window): nothing is
 *    measured. A real signal above the resolution changes code nearly every sample (on every
 *    shared CWRU and FEMTO window, at most 0.4 % of successive samples are equal).
 *  - offset_step: the mean of the signal moves between neighbouring 50 ms segments by many times
 *    the signal's spread. Vibration is an oscillation: over a segment holding at least a cycle of
 *    anything above 20 Hz its mean is a small fraction of its spread, and an IEPE chain's high-pass
 *    removes slower content. A level that steps is the chain's bias moving (a connector, a cable,
 *    a sensor's amplifier), not the machine.
 *  - clipping: samples pile up at exactly the window's maximum or minimum. A vibration signal's
 *    extreme is a single instant (its amplitude distribution thins out towards the peak); a run of
 *    identical extreme values is a rail: the amplifier or the ADC at full scale.
 *  - low_noise_floor: the spectral floor of the usable band is below the self-noise of any real
 *    accelerometer chain (see DEFAULT_SENSOR_CHECK.noiseFloorG): the signal is synthetic, a
 *    disconnected input, or digitally held.
 *  - sample_rate: the data do not fill the band the declared rate implies. Every DAQ passes up to
 *    its anti-alias corner fs/2.56, and any real sensor puts its self-noise there; a top band
 *    [fs/4, fs/2.56] quieter than any sensor while the band below is live means the data were
 *    produced at a lower rate and resampled (the real corner is lower), and successive samples
 *    repeated (many equal successive samples, in short runs, at fixed phases: every 2nd, 2 of 3
 *    or 3 of 4) mean a gateway fills the declared rate by holding samples (a coarse ADC's repeats
 *    fall at any phase). The roll-off is
 *    where the data say it is, whatever the header says; the other direction (data sampled faster
 *    than declared) leaves the normalised spectrum unchanged and is not detectable here.
 *  - mains_only: nearly all (95 %) of the acceleration power from 5 Hz to fs/2.56 sits on the first
 *    ten harmonics of 50 or 60 Hz, with the fundamental at the grid's own frequency (±0.25 Hz):
 *    a sensor that has lost its signal and picks up hum. A running machine's acceleration always
 *    carries broadband power (bearings, flow, structural resonances at kHz) beside its shaft
 *    lines, and an induction motor's 1X sits below the grid frequency by its slip; a shaft speed
 *    is not used to excuse a line (a 4-pole motor's 2X is within 0.2 % of the grid frequency at
 *    no load, so that would excuse every hum on such machines). Not tested when the spectrum is
 *    too coarse to tell a mains line from its neighbours (lines cover > 15 % of the band).
 *
 * Pure and allocation-free on the hot path: work buffers are sized in the constructor; `check`
 * allocates only the result it returns.
 */
import { PdmError } from '../../common/errors.ts';
import { medianInPlace } from '../dsp/select.ts';

export type SensorStatus = 'ok' | 'check_function';
export const SENSOR_FAULTS = ['flat_line', 'offset_step', 'clipping', 'low_noise_floor', 'sample_rate', 'mains_only'] as const;
export type SensorFault = (typeof SENSOR_FAULTS)[number];

/** Plain words for a reason, as an operator reads them (`DE_X flat line`). */
export const SENSOR_FAULT_TEXT: Record<SensorFault, string> = {
  flat_line: 'flat line',
  offset_step: 'offset step',
  clipping: 'clipping',
  low_noise_floor: 'noise floor below sensor',
  sample_rate: 'sample rate mismatch',
  mains_only: 'mains hum only',
};

export interface SensorCheckResult {
  status: SensorStatus;
  /** Why, in SENSOR_FAULTS order; empty when ok. */
  reasons: SensorFault[];
  /** The measured statistics behind the tests (see SensorCheck). */
  evidence: SensorEvidence;
}

export interface SensorEvidence {
  /** Standard deviation, g. */
  spread_g: number;
  /** Share of successive samples that are equal, and the longest run of one exact value (samples). */
  held_share: number;
  longest_run: number;
  /** How much the equal successive samples prefer fixed phases (0: any phase; 1: a strict hold pattern). */
  hold_contrast: number;
  /** Largest step of the segment means, in segment spreads (0: window too short). */
  offset_step: number;
  /** Samples exactly at the window's maximum or minimum, the larger count. */
  extreme_samples: number;
  /** Median noise density of the usable band [fs/100, fs/2.56] and of its top [fs/4, fs/2.56], g/sqrt(Hz). */
  floor_g_rt_hz: number;
  top_floor_g_rt_hz: number;
  /** Median noise density of [fs/16, fs/8], g/sqrt(Hz). */
  mid_floor_g_rt_hz: number;
  /** Share of the band's power on mains harmonics (0 when not tested), and the grid frequency it was measured for. */
  mains_share: number;
  mains_hz: number;
}

export interface SensorCheckConfig {
  /**
   * The chain's resolution, g: a window whose standard deviation is below it measures nothing.
   * Default 1e-5 g: the LSB of a 24-bit DAQ over ±5 V with a 100 mV/g sensor is 6e-6 g, and a
   * running industrial accelerometer's broadband noise alone is 1e-4 g RMS or more (PCB 352C33:
   * 1.5e-4 g, 1 Hz-10 kHz; Wilcoxon 786A: 1e-4 g).
   */
  resolutionG: number;
  /**
   * Share of successive equal samples above which the signal sits on one ADC code (flat) or is
   * held (sample rate). Default 0.2 (real windows: at most 0.004).
   */
  heldShare: number;
  /** Mean step between neighbouring segments, in segment spreads, above which the chain's bias moved. Default 4
   * (on every shared CWRU and FEMTO window the largest is 0.18). */
  offsetStepSpreads: number;
  /**
   * Samples at exactly the window's extreme above which it is clipped: at least `clipMinSamples`
   * and `clipShare` of the window. Defaults 4 and 0.001.
   */
  clipMinSamples: number;
  clipShare: number;
  /**
   * Lowest noise density a real accelerometer chain shows, g/sqrt(Hz). Default 1e-7: an order below
   * the quietest chain that monitors machines. Datasheets: industrial IEPE sensors 1-10 µg/√Hz at
   * 1 kHz (PCB 352C33 1.5 µg/√Hz at 1 kHz, Wilcoxon 786A 2.5 µg/√Hz, Hansford HS-100 ~5 µg/√Hz),
   * MEMS 25-100 µg/√Hz (ADXL1002 25, ADXL356 80), and the DAQ alone adds 0.44 µV/√Hz (NI 9234:
   * 50 µV RMS over 25.6 kHz), 4.4 µg/√Hz with a 100 mV/g sensor and 0.44 µg/√Hz with 1 V/g.
   */
  noiseFloorG: number;
  /** Share of the band's power on mains harmonics above which only hum is measured. Default 0.95. */
  mainsShare: number;
  /** Grid frequencies tested. Default [50, 60]. */
  mainsHz: readonly number[];
}

export const DEFAULT_SENSOR_CHECK: Readonly<SensorCheckConfig> = Object.freeze({
  resolutionG: 1e-5,
  heldShare: 0.2,
  offsetStepSpreads: 4,
  clipMinSamples: 4,
  clipShare: 0.001,
  noiseFloorG: 1e-7,
  mainsShare: 0.95,
  mainsHz: Object.freeze([50, 60]),
});

/** Phase preference of repeats above which samples are held to fill a rate (a coarse ADC's: about 0). */
const HOLD_CONTRAST = 0.3;
/** Most spectral bins a floor median is taken over. */
const MEDIAN_BINS = 2048;
/** A run of one exact value this long (share of the window, and samples) is a dead stretch. */
const FLAT_RUN_SHARE = 0.05;
const MIN_FLAT_RUN = 64;
/** Segments of the offset test: 50 ms, a cycle of anything above 20 Hz. */
const SEGMENT_S = 0.05;
/** Grid frequency tolerance (Hz): grids hold ±0.2 Hz in normal operation (ENTSO-E, NERC). */
const GRID_TOLERANCE_HZ = 0.25;
/** Hann main lobe half-width in bins: a line's power lies within it. */
const LOBE_BINS = 2;
/**
 * Harmonics of the grid frequency counted: pickup from a grid with rectifier loads is its 1st to
 * odd 9th harmonics; beyond, the grid tolerance times the order widens the lines into broadband.
 */
const MAINS_HARMONICS = 10;
/** Mains lines may cover at most this share of the band for the test to tell them from broadband. */
const MAX_MAINS_COVERAGE = 0.15;

function configError(setting: string, value: unknown): PdmError {
  return new PdmError('PDM_ERR_CONFIG_INVALID', `sensor check: ${setting} must be a positive number, got ${JSON.stringify(value)}`, {
    setting,
    value,
  });
}

export function resolveSensorCheckConfig(input: Partial<SensorCheckConfig> | undefined): SensorCheckConfig {
  const c: SensorCheckConfig = { ...DEFAULT_SENSOR_CHECK, ...(input ?? {}) };
  for (const k of ['resolutionG', 'heldShare', 'offsetStepSpreads', 'clipMinSamples', 'clipShare', 'noiseFloorG', 'mainsShare'] as const) {
    const v = c[k];
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw configError(k, v);
  }
  if (!(c.heldShare < 1 && c.clipShare < 1 && c.mainsShare < 1))
    throw new PdmError('PDM_ERR_CONFIG_INVALID', 'sensor check: heldShare, clipShare and mainsShare must be below 1', {});
  if (!Array.isArray(c.mainsHz) || c.mainsHz.some((f) => !(Number.isFinite(f) && f > 0))) throw configError('mainsHz', c.mainsHz);
  return c;
}

export class SensorCheck {
  readonly config: Readonly<SensorCheckConfig>;
  readonly #n: number;
  readonly #binHz: number;
  readonly #bins: number;
  readonly #segment: number;
  readonly #segments: number;
  readonly #segMean: Float64Array;
  readonly #segSpread: Float64Array;
  readonly #scratch: Float64Array;
  /** Equal successive samples by phase: i mod 2 (0-1), i mod 3 (2-4), i mod 4 (5-8). */
  readonly #phase = new Int32Array(9);
  /** Bin ranges: usable band, its top, the mid band. */
  readonly #band: [number, number];
  readonly #top: [number, number];
  readonly #mid: [number, number];
  /** The band the mains share is taken over: 5 Hz (above drift) to the anti-alias corner. */
  readonly #mainsBand: [number, number];
  /** Per grid frequency: whether testable, and the [from, to) bin range of each harmonic's lobe. */
  readonly #mains: Array<{ hz: number; lobes: Int32Array }>;

  /** `fftBins` and `binHz` describe the power spectrum `check` is given (SpectrumAnalyzer, Hann). */
  constructor(sampleRateHz: number, windowSize: number, fftBins: number, binHz: number, config?: Partial<SensorCheckConfig>) {
    this.config = resolveSensorCheckConfig(config);
    this.#n = windowSize;
    this.#binHz = binHz;
    this.#bins = fftBins;
    this.#segment = Math.ceil(SEGMENT_S * sampleRateHz);
    this.#segments = Math.floor(windowSize / this.#segment);
    this.#segMean = new Float64Array(Math.max(1, this.#segments));
    this.#segSpread = new Float64Array(Math.max(1, this.#segments));
    this.#scratch = new Float64Array(fftBins);
    const bin = (hz: number) => Math.min(fftBins - 1, Math.max(1, Math.round(hz / binHz)));
    const corner = sampleRateHz / 2.56;
    this.#band = [bin(sampleRateHz / 100), bin(corner)];
    this.#top = [bin(sampleRateHz / 4), bin(corner)];
    this.#mid = [bin(sampleRateHz / 16), bin(sampleRateHz / 8)];
    this.#mains = [];
    this.#mainsBand = [bin(5), bin(corner)];
    const [from, to] = this.#mainsBand;
    // The Hann main lobe spans ±2 bins of the window's own resolution (fs / windowSize), more FFT bins when zero-padded.
    const lobeBins = (LOBE_BINS * 2 * (fftBins - 1)) / windowSize;
    const lobe = lobeBins + GRID_TOLERANCE_HZ / binHz;
    for (const hz of this.config.mainsHz) {
      const lobes: number[] = [];
      let covered = 0;
      for (let k = 1; k <= MAINS_HARMONICS && k * hz + k * GRID_TOLERANCE_HZ < corner; k++) {
        const centre = (k * hz) / binHz;
        const half = lobeBins + (k * GRID_TOLERANCE_HZ) / binHz;
        const a = Math.max(from, Math.ceil(centre - half));
        const b = Math.min(to, Math.floor(centre + half) + 1);
        if (b > a) {
          lobes.push(a, b);
          covered += b - a;
        }
      }
      // Too coarse a spectrum: the lobes would hold a large part of any broadband signal.
      if (lobes.length > 0 && lobe * 2 < hz / binHz && covered <= MAX_MAINS_COVERAGE * (to - from)) {
        this.#mains.push({ hz, lobes: Int32Array.from(lobes) });
      }
    }
  }

  /**
   * Checks one window: `samples` in g, `power` its one-sided power spectrum (mean-square per bin,
   * mean removed, as SpectrumAnalyzer.power), `spread` its standard deviation (g).
   */
  check(samples: Float32Array, power: Float64Array, spread: number): SensorCheckResult {
    if (samples.length !== this.#n) throw new RangeError(`SensorCheck: got ${samples.length} samples, configured for ${this.#n}`);
    const c = this.config;
    const reasons: SensorFault[] = [];
    const evidence: SensorEvidence = {
      spread_g: spread,
      held_share: 0,
      longest_run: 0,
      hold_contrast: 0,
      offset_step: 0,
      extreme_samples: 0,
      floor_g_rt_hz: 0,
      top_floor_g_rt_hz: 0,
      mid_floor_g_rt_hz: 0,
      mains_share: 0,
      mains_hz: 0,
    };
    const n = samples.length;
    // One pass: held samples, extremes and how many samples sit exactly on them.
    let held = 0;
    let run = 1;
    let longest = 1;
    let max = samples[0];
    let min = samples[0];
    let atMax = 1;
    let atMin = 1;
    for (let i = 1; i < n; i++) {
      const v = samples[i];
      if (v === samples[i - 1]) {
        held++;
        run++;
        if (run > longest) longest = run;
      } else run = 1;
      if (v > max) {
        max = v;
        atMax = 1;
      } else if (v === max) atMax++;
      if (v < min) {
        min = v;
        atMin = 1;
      } else if (v === min) atMin++;
    }
    evidence.held_share = held / (n - 1);
    evidence.longest_run = longest;
    const longRun = longest >= Math.max(MIN_FLAT_RUN, FLAT_RUN_SHARE * n);
    const flat = !(spread > c.resolutionG) || longRun || (evidence.held_share >= c.heldShare && this.#codes(samples, min, max) <= 2);
    if (flat) {
      // Nothing is measured: every other test would only restate it.
      reasons.push('flat_line');
      return { status: 'check_function', reasons, evidence };
    }
    // Repeats at the rails belong to clipping, not to a held rate. A rate filled by holding puts
    // its repeats at fixed phases (every 2nd, or 2 of every 3, 3 of every 4 samples); a coarse
    // ADC's repeats (a quiet signal on few codes) fall at any phase.
    const phase = this.#phase;
    phase.fill(0);
    let heldAtRails = 0;
    // No repeated sample (a live analog signal): nothing to place, skip the second pass.
    for (let i = 1; held > 0 && i < n; i++) {
      const v = samples[i];
      if (v !== samples[i - 1]) continue;
      if (v === max || v === min) {
        heldAtRails++;
        continue;
      }
      phase[i & 1]++;
      phase[2 + (i % 3)]++;
      phase[5 + (i & 3)]++;
    }
    const heldShare = (held - heldAtRails) / (n - 1);
    evidence.hold_contrast = holdContrast(phase, n);
    evidence.offset_step = this.#offsetStep(samples);
    if (evidence.offset_step > c.offsetStepSpreads) reasons.push('offset_step');
    evidence.extreme_samples = Math.max(atMax, atMin);
    if (evidence.extreme_samples >= Math.max(c.clipMinSamples, c.clipShare * n)) reasons.push('clipping');

    evidence.floor_g_rt_hz = this.#density(power, this.#band);
    evidence.top_floor_g_rt_hz = this.#density(power, this.#top);
    evidence.mid_floor_g_rt_hz = this.#density(power, this.#mid);
    const floor = c.noiseFloorG;
    if (evidence.floor_g_rt_hz < floor) reasons.push('low_noise_floor');
    else if (
      (evidence.top_floor_g_rt_hz < floor && evidence.mid_floor_g_rt_hz >= floor) ||
      (heldShare >= c.heldShare && evidence.hold_contrast >= HOLD_CONTRAST)
    )
      reasons.push('sample_rate');

    this.#mainsShare(evidence, power);
    if (evidence.mains_share >= c.mainsShare) reasons.push('mains_only');
    return { status: reasons.length === 0 ? 'ok' : 'check_function', reasons, evidence };
  }

  /** Distinct values among the samples, counted up to 3 (a held signal's codes). */
  #codes(samples: Float32Array, min: number, max: number): number {
    if (min === max) return 1;
    for (let i = 0; i < samples.length; i++) if (samples[i] !== min && samples[i] !== max) return 3;
    return 2;
  }

  /**
   * Largest change of the mean between neighbouring segments (adjacent, or across one holding a
   * step), over the median segment spread. Segments of 50 ms; 0 when the window holds fewer than two.
   */
  #offsetStep(samples: Float32Array): number {
    const m = this.#segments;
    if (m < 2) return 0;
    const len = this.#segment;
    const means = this.#segMean;
    const spreads = this.#segSpread;
    for (let j = 0; j < m; j++) {
      let sum = 0;
      const start = j * len;
      for (let i = start; i < start + len; i++) sum += samples[i];
      const mean = sum / len;
      let ss = 0;
      for (let i = start; i < start + len; i++) {
        const d = samples[i] - mean;
        ss += d * d;
      }
      means[j] = mean;
      spreads[j] = Math.sqrt(ss / len);
    }
    let step = 0;
    for (let j = 1; j < m; j++) {
      step = Math.max(step, Math.abs(means[j] - means[j - 1]));
      if (j >= 2) step = Math.max(step, Math.abs(means[j] - means[j - 2]));
    }
    // Median spread: the segment that holds a step is inflated by it; the others are the vibration.
    const scratch = this.#scratch;
    for (let j = 0; j < m; j++) scratch[j] = spreads[j];
    const spread = medianInPlace(scratch, 0, m);
    return spread > 0 ? step / spread : step > 0 ? Number.POSITIVE_INFINITY : 0;
  }

  /**
   * Median noise density (g/sqrt(Hz)) of the bins [from, to]: median bin power over ln 2 is the
   * mean of exponential bins. At most MEDIAN_BINS bins, evenly spaced, are taken (the median of
   * 2048 exponential bins is within ±4 % of the band's; a full band of a 1 s window at 25.6 kHz
   * would cost six times as much).
   */
  #density(power: Float64Array, [from, to]: [number, number]): number {
    if (to <= from) return Number.POSITIVE_INFINITY;
    const scratch = this.#scratch;
    const stride = Math.max(1, Math.ceil((to - from + 1) / MEDIAN_BINS));
    let count = 0;
    for (let k = from; k <= to; k += stride) scratch[count++] = power[k];
    return Math.sqrt(medianInPlace(scratch, 0, count) / Math.LN2 / this.#binHz);
  }

  /** The largest share of the usable band's power on one grid's harmonics (0 when none is testable). */
  #mainsShare(evidence: SensorEvidence, power: Float64Array): void {
    const [from, to] = this.#mainsBand;
    let total = 0;
    for (let k = from; k <= to; k++) total += power[k];
    if (!(total > 0)) return;
    const binHz = this.#binHz;
    for (const m of this.#mains) {
      let onLines = 0;
      let strongest = 0;
      let strongestBin = -1;
      for (let l = 0; l < m.lobes.length; l += 2) {
        for (let k = m.lobes[l]; k < m.lobes[l + 1]; k++) {
          onLines += power[k];
          if (l === 0 && power[k] > strongest) {
            strongest = power[k];
            strongestBin = k;
          }
        }
      }
      const share = onLines / total;
      if (share <= evidence.mains_share) continue;
      // The fundamental must be at the grid's frequency (hum), not beside it (a slipping shaft).
      if (strongestBin > 0 && strongestBin < this.#bins - 1) {
        const a = power[strongestBin - 1];
        const b = power[strongestBin];
        const cc = power[strongestBin + 1];
        const den = a - 2 * b + cc;
        const offset = den < 0 ? (0.5 * (a - cc)) / den : 0;
        const hz = (strongestBin + offset) * binHz;
        if (Math.abs(hz - m.hz) > GRID_TOLERANCE_HZ + 0.1 * binHz && strongest > 0.05 * onLines) continue;
      }
      evidence.mains_share = share;
      evidence.mains_hz = m.hz;
    }
  }
}

/**
 * The largest difference between the share of equal successive samples at one phase and at
 * another, for periods 2, 3 and 4 (`phase` as filled by SensorCheck.check over `n` samples).
 */
function holdContrast(phase: Int32Array, n: number): number {
  let best = 0;
  for (const [offset, period] of [
    [0, 2],
    [2, 3],
    [5, 4],
  ] as const) {
    let lo = 1;
    let hi = 0;
    for (let r = 0; r < period; r++) {
      const share = phase[offset + r] / Math.max(1, Math.floor((n - 1 + period - r) / period));
      if (share < lo) lo = share;
      if (share > hi) hi = share;
    }
    best = Math.max(best, hi - lo);
  }
  return best;
}
