/**
 * A machine's healthy reference for the envelope analysis: the lines its squared envelope
 * spectrum (SES) carries when nothing is wrong (rig and structural lines, electrical lines, blade
 * pass, shaft harmonics), so that the diagnosis weighs a line by its *excess over the healthy
 * level* rather than by its mere presence. It is what an analyst's baseline spectrum does.
 *
 * What is stored. Levels of the healthy SES, as λ = mean line power / mean noise power (0 dB for
 * noise), on two grids: one in shaft orders (lines that follow the speed: shaft harmonics, gear
 * mesh, blade pass, a healthy bearing's own kinematic lines) and one in Hz (fixed lines:
 * electrical, structural resonances modulated at a fixed rate). With healthy windows at several
 * speeds, a speed-following line piles up in one order cell and smears over Hz cells, a fixed line
 * the other way round, and the averaging sorts them; with one speed both grids hold the line
 * (it cannot be told which it is) and both are used, which is the conservative reading.
 *
 * How it is learnt (`ReferenceBuilder`, `buildReference`). Each healthy window is demodulated in
 * every band the diagnosis may choose (the kurtogram tree's bands of width >= 3 x the fastest
 * defect frequency, up to `maxFrequencyHz`), because how strongly a machine line shows in the
 * envelope depends on the band, and the diagnosis compares like with like: a line's level in the
 * band it demodulated against the healthy level *in that band*. (Record 97 of CWRU shows an 8 dB
 * line near BPFO in one narrow band and 0-4 dB in the bands its faulty records choose; the largest
 * level over all bands would have hidden half of the outer race faults.) Per band, λ is averaged
 * over the windows. A cell is a line only if its λ is more than averaged noise reaches with
 * probability `falseAlarm` (Gamma(windows x segments), the statistics of the diagnosis): noise in
 * a short reference must not blind the diagnosis at random frequencies.
 *
 * How it is used (`ReferenceFloor`). The band the diagnosis demodulated is matched to the
 * reference band that overlaps it best (intersection over union >= 0.5, the same tree when the
 * reference was built for the same usable band); failing that, every overlapping band counts
 * and the largest level wins (conservative). Before the fault evidence is measured, the SES noise
 * floor is raised at that band's lines to floor x λ (λ converted to the window's resolution: a line's
 * power stays in one bin while the noise per bin scales with the bin width). A line is then
 * "present" only when it exceeds what the healthy line reaches by chance, with the same Gamma(K)
 * threshold as a line over noise: for a K-segment estimate of a line of mean level λ, P(ratio >
 * λ T) equals P(noise ratio > T). Its SNR and strength become its excess over the healthy level.
 * Tolerance: a line matches a reference cell in Hz within half the two resolutions, and in orders
 * within that plus `slip` of its frequency (speed readings and a healthy bearing's own lines,
 * which slip).
 *
 * The reference is independent of the sampling rate (bands and lines in Hz and orders, levels
 * relative to the noise), so a healthy record sampled at 48 kHz serves 12 kHz data: build it with
 * `maxFrequencyHz` = the analysed data's usable band (fs / 2.56). Pure: no I/O; the serialised
 * form is plain JSON (`EnvelopeReference`), validated by `validateReference`.
 */
import { PdmError } from '../../common/errors.ts';
import { escaped } from '../../common/input/display.ts';
import { nextPowerOfTwo } from '../dsp/fft-size.ts';
import { gammaQuantile } from '../dsp/gamma.ts';
import { NoiseFloor } from '../dsp/noise-floor.ts';
import { RealFft } from '../dsp/real-fft.ts';
import { EnvelopeSpectrum } from './envelope-spectrum.ts';
import { type BearingGeometry, defectOrders, requiredResolutionOrders, validateBearingGeometry } from './geometry.ts';
import { USABLE_BANDWIDTH_FACTOR } from './kurtogram.ts';

export const REFERENCE_FORMAT = 'pdm-envelope-reference';
export const REFERENCE_VERSION = 1;

/** The serialisable reference (JSON). Levels in dB of λ = line power / noise power. */
export interface EnvelopeReference {
  format: typeof REFERENCE_FORMAT;
  version: typeof REFERENCE_VERSION;
  /** Healthy windows averaged and their Welch segments in all (the reference's degrees of freedom / 2). */
  windows: number;
  segments: number;
  /** Shaft speeds of the windows, Hz. */
  shaftHz: { min: number; max: number };
  /** SES bin width of the healthy windows (their mean), Hz: levels are for this resolution. */
  binHz: number;
  /** Top of the demodulated bands, Hz. */
  maxFrequencyHz: number;
  /** Grid steps: cell c is centred at c x step (orders, Hz). */
  orderStep: number;
  hzStep: number;
  /** Per demodulated band: its lines in shaft orders and in Hz, as [cell, level dB]. */
  bands: ReferenceBand[];
}

export interface ReferenceBand {
  lowHz: number;
  highHz: number;
  orders: Array<[number, number]>;
  hz: Array<[number, number]>;
}

export interface ReferenceOptions {
  bearing: BearingGeometry;
  /** Top of the bands demodulated; default each window's fs / 2.56. Set it to the analysed data's usable band. */
  maxFrequencyHz?: number;
  /** SES resolution in shaft orders; default `requiredResolutionOrders(bearing)`, as the diagnosis. */
  resolutionOrders?: number;
  /** Probability that noise alone makes one cell a reference line; default 1e-3, as the fault evidence. */
  falseAlarm?: number;
}

export interface HealthyWindow {
  samples: Float32Array;
  sampleRateHz: number;
  shaftHz: number;
}

/** Orders covered: 4 x the fastest defect frequency (third harmonics and their sidebands) + 4. */
function maxOrderOf(bearing: BearingGeometry): number {
  const o = defectOrders(bearing);
  return 4 * Math.max(o.bpfi, o.bpfo, 2 * o.bsf) + 4;
}

interface Stage {
  fft: RealFft;
  spectrum: Float64Array;
  envelope: EnvelopeSpectrum;
  floorer: NoiseFloor;
  floor: Float64Array;
}

/** Per band: λ summed over windows, per grid cell. */
interface BandSums {
  lowHz: number;
  highHz: number;
  orders: number[];
  hz: number[];
  windows: number;
}

/**
 * Accumulates healthy windows (any lengths, rates and speeds) and builds the reference. Not for
 * the hot path: each window is demodulated in every admissible band.
 */
export class ReferenceBuilder {
  readonly #bearing: BearingGeometry;
  readonly #maxFrequencyHz: number | undefined;
  readonly #resolutionOrders: number;
  readonly #falseAlarm: number;
  readonly #maxOrder: number;
  readonly #stages = new Map<string, Stage>();
  readonly #bands = new Map<string, BandSums>();
  #orderStep = 0;
  #hzStep = 0;
  #windows = 0;
  #segments = 0;
  #binHzSum = 0;
  #minShaft = Infinity;
  #maxShaft = 0;
  #topHz = 0;

  constructor(options: ReferenceOptions) {
    this.#bearing = validateBearingGeometry(options.bearing, 'reference: bearing');
    const { maxFrequencyHz, resolutionOrders, falseAlarm } = options;
    if (maxFrequencyHz !== undefined && !(Number.isFinite(maxFrequencyHz) && maxFrequencyHz > 0))
      throw referenceError('maxFrequencyHz', 'must be a positive number (Hz)', maxFrequencyHz);
    if (resolutionOrders !== undefined && !(resolutionOrders > 0 && resolutionOrders < 1))
      throw referenceError('resolutionOrders', 'must be in (0, 1) orders', resolutionOrders);
    if (falseAlarm !== undefined && !(falseAlarm > 0 && falseAlarm < 0.5))
      throw referenceError('falseAlarm', 'must be in (0, 0.5)', falseAlarm);
    this.#maxFrequencyHz = maxFrequencyHz;
    this.#resolutionOrders = resolutionOrders ?? requiredResolutionOrders(this.#bearing);
    this.#falseAlarm = falseAlarm ?? 1e-3;
    this.#maxOrder = maxOrderOf(this.#bearing);
  }

  get windows(): number {
    return this.#windows;
  }

  /** Adds one healthy window. */
  add(window: HealthyWindow): void {
    const { samples, sampleRateHz: fs, shaftHz } = window;
    if (!(Number.isFinite(fs) && fs > 0))
      throw new PdmError('PDM_ERR_INPUT_VALUE', `reference: sample rate must be a positive number, got ${fs}`, { fs });
    if (!(Number.isFinite(shaftHz) && shaftHz > 0 && shaftHz < fs / 2))
      throw new PdmError('PDM_ERR_INPUT_VALUE', `reference: shaft speed must be a positive number below Nyquist, got ${shaftHz} Hz`, {
        shaftHz,
      });
    if (samples.length < 256)
      throw new PdmError('PDM_ERR_INPUT_VALUE', `reference: a healthy window needs at least 256 samples, got ${samples.length}`, {
        samples: samples.length,
      });
    const stage = this.#stage(samples.length, fs);
    stage.fft.forward(stage.spectrum, samples);
    let finite = true;
    for (let i = 0; i < stage.spectrum.length && finite; i++) finite = Number.isFinite(stage.spectrum[i]);
    if (!finite) throw new PdmError('PDM_ERR_INPUT_VALUE', 'reference: a healthy window contains NaN or Infinity', {});
    stage.spectrum[0] = 0;
    stage.spectrum[1] = 0;

    const top = Math.min(this.#maxFrequencyHz ?? Infinity, fs / USABLE_BANDWIDTH_FACTOR, fs / 2);
    const o = defectOrders(this.#bearing);
    const minWidth = 3 * Math.max(o.bpfi, o.bpfo, 2 * o.bsf) * shaftHz;
    const binHz = fs / nextPowerOfTwo(samples.length);
    const topBin = Math.floor(top / binHz);
    let windowSegments = 0;
    let windowBinHz = 0;
    let bands = 0;
    // The kurtogram's 1/3-binary tree (1, 2, 3, 4, 6, 8, ... bands over [0, top]), admissible bands only.
    for (let level = 0; ; level++) {
      const counts = level === 0 ? [1] : [3 * 2 ** (level - 1), 2 ** level];
      let any = false;
      for (const count of counts) {
        if (count > 1 && top / count < minWidth) continue;
        any = true;
        for (let b = 0; b < count; b++) {
          const lo = Math.max(1, Math.round((b * topBin) / count));
          const hi = Math.round(((b + 1) * topBin) / count) - 1;
          if (hi <= lo) continue;
          const env = stage.envelope;
          try {
            env.process(stage.spectrum, lo * binHz, hi * binHz, shaftHz * this.#resolutionOrders);
          } catch {
            continue; // a band too narrow for this window holds no envelope spectrum
          }
          stage.floorer.process(stage.floor, env.power, 1, env.bins, Math.max(8, Math.round(shaftHz / 2 / env.binHz)));
          this.#accumulate(`${count}/${b}`, env, stage.floor, shaftHz, lo * binHz, hi * binHz);
          windowSegments = env.segments;
          windowBinHz = env.binHz;
          bands++;
        }
      }
      if (!any) break;
    }
    if (bands === 0)
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `reference: no band of the window (${samples.length} samples at ${fs} Hz, ${shaftHz} Hz shaft) is wide enough for the bearing`,
        {},
      );
    this.#windows++;
    this.#segments += windowSegments;
    this.#binHzSum += windowBinHz;
    this.#minShaft = Math.min(this.#minShaft, shaftHz);
    this.#maxShaft = Math.max(this.#maxShaft, shaftHz);
    this.#topHz = Math.max(this.#topHz, top);
  }

  /** The reference learnt so far. Throws when no window was added. */
  build(): EnvelopeReference {
    if (this.#windows === 0) throw new PdmError('PDM_ERR_INPUT_VALUE', 'reference: no healthy window was given', {});
    // Noise level a cell's λ (the mean of windows x segments Gamma variables) reaches with
    // probability falseAlarm.
    const dof = Math.max(1, this.#segments);
    const gate = gammaQuantile(dof, 1 - this.#falseAlarm) / dof;
    const bands: ReferenceBand[] = [];
    for (const sums of this.#bands.values()) {
      bands.push({
        lowHz: sums.lowHz,
        highHz: sums.highHz,
        orders: lines(sums.orders, sums.windows, gate),
        hz: lines(sums.hz, sums.windows, gate),
      });
    }
    bands.sort((a, b) => a.lowHz - b.lowHz || a.highHz - b.highHz);
    return {
      format: REFERENCE_FORMAT,
      version: REFERENCE_VERSION,
      windows: this.#windows,
      segments: this.#segments,
      shaftHz: { min: this.#minShaft, max: this.#maxShaft },
      binHz: this.#binHzSum / this.#windows,
      maxFrequencyHz: this.#topHz,
      orderStep: this.#orderStep,
      hzStep: this.#hzStep,
      bands,
    };
  }

  #stage(length: number, fs: number): Stage {
    const key = `${length}@${fs}`;
    let s = this.#stages.get(key);
    if (s === undefined) {
      const n = nextPowerOfTwo(length);
      const fft = new RealFft(n);
      s = {
        fft,
        spectrum: new Float64Array(fft.outputLength),
        envelope: new EnvelopeSpectrum({ signalLength: length, fftSize: n, sampleRateHz: fs }),
        floorer: new NoiseFloor(n / 2 + 1),
        floor: new Float64Array(n / 2 + 1),
      };
      this.#stages.set(key, s);
    }
    return s;
  }

  /** Adds one band's λ of one window to the band's sums (each cell takes the largest bin covering it). */
  #accumulate(band: string, env: EnvelopeSpectrum, floor: Float64Array, shaftHz: number, lowHz: number, highHz: number): void {
    if (this.#hzStep === 0) {
      // The grids' cells are the first window's bins: fine enough for its resolution.
      this.#hzStep = env.binHz;
      this.#orderStep = env.binHz / shaftHz;
    }
    let sums = this.#bands.get(band);
    if (sums === undefined) {
      sums = { lowHz, highHz, orders: [], hz: [], windows: 0 };
      this.#bands.set(band, sums);
    }
    sums.windows++;
    // Scale to λ (mean line power over mean noise power): a K-segment bin over its median floor
    // is Gamma(K) / median(Gamma(K)) for noise.
    const k = env.segments;
    const scale = gammaQuantile(k, 0.5) / k;
    const window = { orders: new Map<number, number>(), hz: new Map<number, number>() };
    const maxHz = this.#maxOrder * shaftHz;
    for (let i = 1; i < env.bins; i++) {
      const f = i * env.binHz;
      if (f - env.binHz / 2 > maxHz) break;
      const lambda = (env.power[i] / floor[i]) * scale;
      if (!(lambda > 0)) continue;
      spread(window.hz, (f - env.binHz / 2) / this.#hzStep, (f + env.binHz / 2) / this.#hzStep, lambda);
      spread(window.orders, (f - env.binHz / 2) / shaftHz / this.#orderStep, (f + env.binHz / 2) / shaftHz / this.#orderStep, lambda);
    }
    for (const [cell, v] of window.hz) sums.hz[cell] = (sums.hz[cell] ?? 0) + v;
    for (const [cell, v] of window.orders) sums.orders[cell] = (sums.orders[cell] ?? 0) + v;
  }
}

/**
 * The lines: cells whose mean λ exceeds the gate and is a local maximum, as [cell, dB to 0.1 dB].
 * Only the peak of each line is kept; its main lobe is covered by the matching tolerance.
 */
function lines(sums: number[], windows: number, gate: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let c = 0; c < sums.length; c++) {
    const v = sums[c];
    if (v === undefined || !(v / windows > gate)) continue;
    if (!(v > (sums[c - 1] ?? 0) && v >= (sums[c + 1] ?? 0))) continue;
    out.push([c, Math.round(10 * 10 * Math.log10(v / windows)) / 10]);
  }
  return out;
}

/** Each cell from ceil(a - 0.5) to floor(b + 0.5) (cells centred on integers) takes the max with v. */
function spread(cells: Map<number, number>, a: number, b: number, v: number): void {
  const from = Math.max(0, Math.round(a));
  const to = Math.round(b);
  for (let c = from; c <= to; c++) {
    const old = cells.get(c);
    if (old === undefined || v > old) cells.set(c, v);
  }
}

/** The reference of some healthy windows (see ReferenceBuilder). */
export function buildReference(windows: Iterable<HealthyWindow>, options: ReferenceOptions): EnvelopeReference {
  const builder = new ReferenceBuilder(options);
  for (const w of windows) builder.add(w);
  return builder.build();
}

function referenceError(field: string, rule: string, value: unknown): PdmError {
  return new PdmError('PDM_ERR_CONFIG_INVALID', `reference: ${field} ${rule}, got ${JSON.stringify(value)}`, {
    setting: `reference.${field}`,
    value,
  });
}

/**
 * Checks a reference read from JSON (or handed over by another process); throws
 * PDM_ERR_CONFIG_INVALID naming the field, prefixed by `where` (e.g. the file name).
 */
export function validateReference(value: unknown, where = 'reference'): EnvelopeReference {
  // A field name and value may come from a file: shown escaped (JSON.stringify leaves DEL and C1
  // controls raw, and a key is not quoted at all).
  const bad = (field: string, rule: string, got: unknown): never => {
    const shownValue = escaped(String(JSON.stringify(got)?.slice(0, 80)), 500);
    throw new PdmError('PDM_ERR_CONFIG_INVALID', `${where}: ${escaped(field, 200)} ${rule}, got ${shownValue}`, {
      setting: field,
      value: got,
    });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return bad('(top level)', `must be an object with format '${REFERENCE_FORMAT}'`, value);
  const r = value as Record<string, unknown>;
  if (r.format !== REFERENCE_FORMAT) bad('format', `must be '${REFERENCE_FORMAT}'`, r.format);
  if (r.version !== REFERENCE_VERSION)
    bad('version', `must be ${REFERENCE_VERSION} (this build reads version ${REFERENCE_VERSION} only)`, r.version);
  const known = new Set(['format', 'version', 'windows', 'segments', 'shaftHz', 'binHz', 'maxFrequencyHz', 'orderStep', 'hzStep', 'bands']);
  for (const k of Object.keys(r)) if (!known.has(k)) bad(k, 'is not a reference field', r[k]);
  const positive = (field: string, v: unknown, integer = false): void => {
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v))))
      bad(field, integer ? 'must be a positive integer' : 'must be a positive number', v);
  };
  positive('windows', r.windows, true);
  positive('segments', r.segments, true);
  positive('binHz', r.binHz);
  positive('maxFrequencyHz', r.maxFrequencyHz);
  positive('orderStep', r.orderStep);
  positive('hzStep', r.hzStep);
  const shaft = r.shaftHz as Record<string, unknown> | undefined;
  if (typeof shaft !== 'object' || shaft === null) bad('shaftHz', 'must be { min, max } in Hz', shaft);
  positive('shaftHz.min', shaft?.min);
  positive('shaftHz.max', shaft?.max);
  if ((shaft?.max as number) < (shaft?.min as number)) bad('shaftHz', 'must have min <= max', shaft);
  if (!Array.isArray(r.bands) || r.bands.length === 0 || r.bands.length > 1024)
    return bad('bands', 'must be a non-empty array (at most 1024) of { lowHz, highHz, orders, hz }', r.bands);
  for (const [j, band] of (r.bands as unknown[]).entries()) {
    const where = `bands[${j}]`;
    if (typeof band !== 'object' || band === null) return bad(where, 'must be { lowHz, highHz, orders, hz }', band);
    const b = band as Record<string, unknown>;
    for (const k of Object.keys(b)) if (!['lowHz', 'highHz', 'orders', 'hz'].includes(k)) bad(`${where}.${k}`, 'is not a band field', b[k]);
    if (!(typeof b.lowHz === 'number' && b.lowHz >= 0 && typeof b.highHz === 'number' && b.highHz > b.lowHz && Number.isFinite(b.highHz)))
      bad(where, 'must have 0 <= lowHz < highHz', { lowHz: b.lowHz, highHz: b.highHz });
    for (const grid of ['orders', 'hz'] as const) {
      const cells = b[grid];
      if (!Array.isArray(cells)) return bad(`${where}.${grid}`, 'must be an array of [cell, dB]', cells);
      if (cells.length > 1_000_000) bad(`${where}.${grid}`, 'must hold at most 1e6 lines', cells.length);
      for (let i = 0; i < cells.length; i++) {
        const l = cells[i] as unknown;
        if (
          !(
            Array.isArray(l) &&
            l.length === 2 &&
            Number.isInteger(l[0]) &&
            l[0] >= 0 &&
            l[0] <= 10_000_000 &&
            typeof l[1] === 'number' &&
            Number.isFinite(l[1]) &&
            l[1] < 200
          )
        ) {
          bad(`${where}.${grid}[${i}]`, 'must be [cell (integer >= 0), level dB (finite, < 200)]', l);
        }
      }
    }
  }
  return value as EnvelopeReference;
}

/** One band's lines, unpacked for the hot path. */
interface BandLevels {
  lowHz: number;
  highHz: number;
  orderCells: Int32Array;
  orderLevels: Float64Array;
  hzCells: Int32Array;
  hzLevels: Float64Array;
}

/**
 * The reference as used by the analysis: the band matching the demodulated one, and the floor
 * raised at its lines. `apply` allocates nothing (buffers sized at construction for `maxBins`).
 */
export class ReferenceFloor {
  readonly reference: EnvelopeReference;
  readonly #bands: BandLevels[];
  readonly #factor: Float64Array;
  readonly #slip: number;
  /** Index of the reference band used by the last `apply` (-1: every overlapping band). */
  lastBand = -1;

  /** `slip`: relative tolerance of the order grid (speed reading error and slip of a healthy bearing's own lines). */
  constructor(reference: EnvelopeReference, maxBins: number, slip = 0.01) {
    this.reference = reference;
    this.#slip = slip;
    this.#bands = reference.bands.map((b) => ({
      lowHz: b.lowHz,
      highHz: b.highHz,
      orderCells: Int32Array.from(b.orders.map((l) => l[0])),
      orderLevels: Float64Array.from(b.orders.map((l) => 10 ** (l[1] / 10))),
      hzCells: Int32Array.from(b.hz.map((l) => l[0])),
      hzLevels: Float64Array.from(b.hz.map((l) => 10 ** (l[1] / 10))),
    }));
    this.#factor = new Float64Array(maxBins);
  }

  /**
   * out[k] = floor[k] x max(1, λ(k)) for k < bins, where λ(k) is the largest level of the
   * matching reference band's lines at bin k (in Hz, or in orders at `shaftHz`), converted to
   * this spectrum's resolution. [bandLowHz, bandHighHz] is the demodulated band. Returns how
   * many bins were raised.
   */
  apply(
    out: Float64Array,
    floor: Float64Array,
    bins: number,
    binHz: number,
    shaftHz: number,
    bandLowHz: number,
    bandHighHz: number,
  ): number {
    const fac = this.#factor;
    const n = Math.min(bins, fac.length);
    fac.fill(1, 0, n);
    // The reference band that overlaps the demodulated one best; if none overlaps it by half,
    // every overlapping band counts (the largest level wins).
    let best = -1;
    let bestIou = 0;
    for (let i = 0; i < this.#bands.length; i++) {
      const b = this.#bands[i];
      const inter = Math.min(b.highHz, bandHighHz) - Math.max(b.lowHz, bandLowHz);
      const union = Math.max(b.highHz, bandHighHz) - Math.min(b.lowHz, bandLowHz);
      const iou = inter > 0 && union > 0 ? inter / union : 0;
      if (iou > bestIou) {
        bestIou = iou;
        best = i;
      }
    }
    this.lastBand = bestIou >= 0.5 ? best : -1;
    for (let i = 0; i < this.#bands.length; i++) {
      const b = this.#bands[i];
      if (this.lastBand >= 0 ? i !== this.lastBand : !(Math.min(b.highHz, bandHighHz) > Math.max(b.lowHz, bandLowHz))) continue;
      this.#raiseBand(b, binHz, shaftHz, n);
    }
    let raised = 0;
    for (let k = 0; k < n; k++) {
      out[k] = floor[k] * fac[k];
      if (fac[k] > 1) raised++;
    }
    for (let k = n; k < bins; k++) out[k] = floor[k];
    return raised;
  }

  #raiseBand(b: BandLevels, binHz: number, shaftHz: number, n: number): void {
    const ref = this.reference;
    // A line's power stays in one bin while the noise per bin scales with the bin's width.
    const toThis = ref.binHz / binHz;
    const halfRes = 0.5 * (binHz + ref.binHz);
    for (let i = 0; i < b.hzCells.length; i++) this.#raise(b.hzCells[i] * ref.hzStep, halfRes, b.hzLevels[i], toThis, binHz, n);
    if (shaftHz > 0) {
      for (let i = 0; i < b.orderCells.length; i++) {
        const hz = b.orderCells[i] * ref.orderStep * shaftHz;
        this.#raise(hz, halfRes + this.#slip * hz, b.orderLevels[i], toThis, binHz, n);
      }
    }
  }

  #raise(hz: number, tolHz: number, level: number, toThis: number, binHz: number, n: number): void {
    const lambda = 1 + (level - 1) * toThis;
    if (!(lambda > 1)) return;
    const a = Math.max(0, Math.ceil((hz - tolHz) / binHz));
    const b = Math.min(n - 1, Math.floor((hz + tolHz) / binHz));
    const fac = this.#factor;
    for (let k = a; k <= b; k++) if (lambda > fac[k]) fac[k] = lambda;
  }
}
