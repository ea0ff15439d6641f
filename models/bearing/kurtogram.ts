/**
 * Fast kurtogram (Antoni 2007, "Fast computation of the kurtogram for the detection of transient
 * faults", MSSP 21(1) 108-124): spectral kurtosis of the complex envelope in the bands of a
 * 1/3-binary tree (level l splits the analysed range into 2^l bands, level l + 0.6 into
 * 3 * 2^(l-1)). The band where impacts stand out of the background most is the resonance to
 * demodulate.
 *
 * Implementation: instead of Antoni's cascade of quasi-analytic FIR filters, each band is cut out
 * of one FFT of the block (brick-wall, zero phase) and brought to baseband; an inverse FFT of the
 * next power of two above its width gives its complex envelope already decimated, so a level
 * costs about one FFT of the block. SK = E|c|^4 / (E|c|^2)^2 - 2 (0 for Gaussian noise).
 *
 * Two departures from the textbook, both for robustness on real recordings:
 * - the tree spans [0, fs / 2.56], the usable band of a recorder whose anti-alias filter follows
 *   the usual 2.56 rule; above it the filter's roll-off leaves noise and artefacts;
 * - SK is the median of the SK of up to 8 consecutive segments of the envelope, so one glitch
 *   (a cable knock, a dropout) cannot win, while a bearing's repeated impacts raise every
 *   segment (an "outlier-robust" kurtogram in the spirit of Smith, Fan, Peng, Randall 2016).
 */
import { ComplexFft } from '../dsp/complex-fft.ts';
import { nextPowerOfTwo } from '../dsp/fft-size.ts';

export interface KurtogramBand {
  /** Level in Antoni's labelling: 0, 1, 1.6, 2, 2.6, ... (log2 of the band count, rounded to 0.1). */
  level: number;
  lowHz: number;
  highHz: number;
  kurtosis: number;
  /** Decimated envelope samples the kurtosis was computed from. */
  samples: number;
}

export function emptyKurtogramBand(): KurtogramBand {
  return { level: 0, lowHz: 0, highHz: 0, kurtosis: 0, samples: 0 };
}

export interface KurtogramOptions {
  signalLength: number;
  fftSize: number;
  sampleRateHz: number;
  /** Top of the analysed range; default fs / 2.56. */
  maxFrequencyHz?: number;
  /** Fewest envelope samples per band (segments of it get SK each). Default 128. */
  minSamples?: number;
  /** Segments whose SK median is taken. Default 8 (fewer when a band has few samples). */
  segments?: number;
}

/** The usable bandwidth of a recording by the 2.56 rule of anti-alias filtering. */
export const USABLE_BANDWIDTH_FACTOR = 2.56;

interface Stage {
  fft: ComplexFft;
  base: Float64Array;
  env: Float64Array;
}

export class FastKurtogram {
  readonly #n: number;
  readonly #length: number;
  readonly #binHz: number;
  readonly #topBin: number;
  readonly #segments: number;
  readonly #minSamples: number;
  /** Bands per level, ascending (1, 2, 3, 4, 6, 8, 12, ...). */
  readonly bandCounts: readonly number[];
  readonly #stages = new Map<number, Stage>();
  readonly #segmentSk: Float64Array;
  /**
   * After `process`: the band of largest kurtosis of each level (index as in `bandCounts`);
   * kurtosis -Infinity for a level skipped as too narrow. Lets a caller weigh each level's best
   * band by another criterion (the envelope spectrum's content) without a second scan.
   */
  readonly levelBest: KurtogramBand[];

  constructor(options: KurtogramOptions) {
    const { signalLength, fftSize, sampleRateHz } = options;
    if (!(sampleRateHz > 0)) throw new RangeError(`FastKurtogram: sample rate must be > 0, got ${sampleRateHz}`);
    if (fftSize < signalLength) throw new RangeError(`FastKurtogram: FFT size ${fftSize} < signal length ${signalLength}`);
    const maxHz = Math.min(options.maxFrequencyHz ?? sampleRateHz / USABLE_BANDWIDTH_FACTOR, sampleRateHz / 2);
    this.#n = fftSize;
    this.#length = signalLength;
    this.#binHz = sampleRateHz / fftSize;
    this.#topBin = Math.floor(maxHz / this.#binHz);
    this.#segments = options.segments ?? 8;
    this.#minSamples = options.minSamples ?? 128;
    const counts: number[] = [1];
    for (let l = 1; ; l++) {
      let added = false;
      for (const c of [3 * 2 ** (l - 1), 2 ** l]) {
        if (this.#usedSamples(c) >= this.#minSamples && !counts.includes(c)) {
          counts.push(c);
          added = true;
        }
      }
      if (!added) break;
    }
    counts.sort((a, b) => a - b);
    this.bandCounts = counts;
    for (const c of counts) {
      const m = this.#envelopeSize(c);
      if (!this.#stages.has(m))
        this.#stages.set(m, { fft: new ComplexFft(m), base: new Float64Array(2 * m), env: new Float64Array(2 * m) });
    }
    this.#segmentSk = new Float64Array(this.#segments);
    this.levelBest = counts.map(emptyKurtogramBand);
  }

  /**
   * Scans every band of the tree over `spectrum` (one-sided, interleaved, of the zero-padded
   * block, rectangular window) and writes the band of largest kurtosis into `best`. Levels with
   * bands narrower than `minBandwidthHz` are skipped (level 0 always counts). Optionally reports
   * every band to `visit` (for plots and tests). Returns `best`.
   */
  process(best: KurtogramBand, spectrum: Float64Array, minBandwidthHz = 0, visit?: (band: KurtogramBand) => void): KurtogramBand {
    const top = this.#topBin;
    best.kurtosis = -Infinity;
    best.samples = 0;
    const scratch = visit === undefined ? undefined : emptyKurtogramBand();
    for (let li = 0; li < this.bandCounts.length; li++) {
      const count = this.bandCounts[li];
      const levelBest = this.levelBest[li];
      levelBest.kurtosis = -Infinity;
      levelBest.samples = 0;
      if (count > 1 && (top * this.#binHz) / count < minBandwidthHz) continue;
      const level = Math.round(Math.log2(count) * 10) / 10;
      const m = this.#envelopeSize(count);
      const used = Math.floor((m * this.#length) / this.#n);
      for (let b = 0; b < count; b++) {
        // Band b covers bins [lo, hi); bin 0 (DC) never belongs to a band.
        const lo = Math.max(1, Math.round((b * top) / count));
        const hi = Math.round(((b + 1) * top) / count);
        const k = this.#bandKurtosis(spectrum, lo, hi, m, used);
        if (k > levelBest.kurtosis) {
          levelBest.level = level;
          levelBest.lowHz = lo * this.#binHz;
          levelBest.highHz = (hi - 1) * this.#binHz;
          levelBest.kurtosis = k;
          levelBest.samples = used;
        }
        if (k > best.kurtosis) {
          best.level = level;
          best.lowHz = lo * this.#binHz;
          best.highHz = (hi - 1) * this.#binHz;
          best.kurtosis = k;
          best.samples = used;
        }
        if (scratch !== undefined && visit !== undefined) {
          scratch.level = level;
          scratch.lowHz = lo * this.#binHz;
          scratch.highHz = (hi - 1) * this.#binHz;
          scratch.kurtosis = k;
          scratch.samples = used;
          visit(scratch);
        }
      }
    }
    return best;
  }

  /** Decimated envelope length for a level of `count` bands: the band's bins fit (+1 for rounding). */
  #envelopeSize(count: number): number {
    return nextPowerOfTwo(Math.ceil(this.#topBin / count) + 1);
  }

  #usedSamples(count: number): number {
    return Math.floor((this.#envelopeSize(count) * this.#length) / this.#n);
  }

  #bandKurtosis(spectrum: Float64Array, lo: number, hi: number, m: number, used: number): number {
    const { fft, base, env } = this.#stages.get(m) as Stage;
    // PFFFT: the band goes straight into the transform's buffer and the kurtosis is read from its
    // output, unscaled (SK is a ratio: the 1/m of the inverse cancels). fft.js: through our buffers.
    const direct = fft.directInput();
    let c: Float32Array | Float64Array;
    if (direct !== undefined) {
      for (let k = lo; k < hi; k++) {
        direct[2 * (k - lo)] = spectrum[2 * k];
        direct[2 * (k - lo) + 1] = spectrum[2 * k + 1];
      }
      // Only the rest needs zeros: the band's bins were just written.
      direct.fill(0, 2 * (hi - lo));
      c = fft.backwardInPlace();
    } else {
      base.fill(0);
      for (let k = lo; k < hi; k++) {
        base[2 * (k - lo)] = spectrum[2 * k];
        base[2 * (k - lo) + 1] = spectrum[2 * k + 1];
      }
      fft.inverse(env, base);
      c = env;
    }
    return this.#segmentMedianSk(c, used);
  }

  /** Median over segments of the spectral kurtosis of the complex envelope `c` (its first `used` samples). */
  #segmentMedianSk(env: Float32Array | Float64Array, used: number): number {
    // Sample i of the decimated envelope is at input sample i * N / m: only the first `used` hold signal.
    const segments = Math.max(1, Math.min(this.#segments, Math.floor(used / 64)));
    const sk = this.#segmentSk;
    for (let s = 0; s < segments; s++) {
      const from = Math.floor((s * used) / segments);
      const to = Math.floor(((s + 1) * used) / segments);
      let s2 = 0;
      let s4 = 0;
      for (let i = from; i < to; i++) {
        const p = env[2 * i] * env[2 * i] + env[2 * i + 1] * env[2 * i + 1];
        s2 += p;
        s4 += p * p;
      }
      const n = to - from;
      sk[s] = s2 > 0 ? s4 / n / ((s2 / n) * (s2 / n)) - 2 : 0;
    }
    return median(sk, segments);
  }
}

/** Median of a[0..n) by insertion sort (n <= 8 here), reordering a. */
function median(a: Float64Array, n: number): number {
  for (let i = 1; i < n; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
  return n % 2 === 1 ? a[(n - 1) / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
}
