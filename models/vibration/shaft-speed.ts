/**
 * Shaft speed from the spectrum when no tachometer or drive reading is available: the
 * fundamental whose harmonic series (1X..HX) stands highest above the noise floor. Candidates
 * are the spectrum's own significant peaks in the search range (a running machine shows its 1X),
 * scored by the summed log peak-to-floor ratios of their harmonics; requiring a visible
 * fundamental and at least one more harmonic keeps a lone electrical or process line from
 * being taken for the shaft.
 */
import { emptyPeak, findPeak } from '../dsp/peaks.ts';

export interface ShaftSearch {
  minHz: number;
  maxHz: number;
  /** Harmonics scored per candidate. */
  harmonics: number;
  /** Peak-to-floor amplitude ratio for a harmonic to count (4 = 12 dB: a Rayleigh-distributed noise bin exceeds it with probability 1.5e-5). */
  minRatio: number;
  /** Smallest fundamental, as a share of the tallest velocity line in the search range. */
  minFundamentalShare: number;
}

export const DEFAULT_SHAFT_SEARCH: ShaftSearch = { minHz: 5, maxHz: 100, harmonics: 5, minRatio: 4, minFundamentalShare: 0.1 };

export interface ShaftEstimate {
  /** 0 when no harmonic series stands out. */
  hz: number;
  /** Harmonics above minRatio (0 when none found). */
  harmonicsFound: number;
  /** Summed log ratio of the harmonics (the candidate's score). */
  score: number;
}

export class ShaftSpeedEstimator {
  readonly #search: ShaftSearch;
  readonly #peak = emptyPeak();
  readonly #harmonicPeak = emptyPeak();
  #minFundamental = 0;
  // refine()'s per-harmonic votes, allocated once: it runs on every window of the hot path.
  readonly #implied: Float64Array;
  readonly #weight: Float64Array;
  readonly #spread: Float64Array;

  constructor(search: ShaftSearch = DEFAULT_SHAFT_SEARCH) {
    if (!(search.minHz > 0 && search.maxHz > search.minHz))
      throw new RangeError(`shaft speed search range must satisfy 0 < min < max, got [${search.minHz}, ${search.maxHz}] Hz`);
    this.#search = search;
    this.#implied = new Float64Array(search.harmonics);
    this.#weight = new Float64Array(search.harmonics);
    this.#spread = new Float64Array(search.harmonics);
  }

  /**
   * How many bins of the floor (from bin 0) `estimate`, or `refine` at `nominalHz` with
   * `tolerance`, reads from a spectrum of `bins` bins of `binHz`: the shaft's first harmonics
   * only, so a caller computes the floor that far and no further (a few percent of a 1 s window's bins).
   */
  floorBins(bins: number, binHz: number, nominal?: { hz: number; tolerance: number }): number {
    const s = this.#search;
    // estimate: candidates up to maxHz, their harmonics searched +/- (1 + 0.1 h) bins around
    // h times an interpolated peak; refine: +/- max(1.5, tolerance x centre) around h x nominal.
    const top =
      nominal === undefined
        ? s.harmonics * (Math.floor(s.maxHz / binHz) + 2) + 2 + 0.1 * s.harmonics
        : s.harmonics * (nominal.hz / binHz) * (1 + nominal.tolerance) + 1.5;
    return Math.min(bins, Math.ceil(top) + 2);
  }

  /**
   * `velocity` and `floor`: amplitude spectrum (velocity emphasises the low orders where shaft
   * lines live) and its noise floor, bins of `binHz`.
   */
  estimate(out: ShaftEstimate, velocity: Float64Array, floor: Float64Array, binHz: number): ShaftEstimate {
    const s = this.#search;
    const lastBin = velocity.length - 2;
    const maxHz = Math.min(s.maxHz, (lastBin * binHz) / s.harmonics);
    const lo = Math.max(2, Math.ceil(s.minHz / binHz));
    const hi = Math.floor(maxHz / binHz);
    out.hz = 0;
    out.harmonicsFound = 0;
    out.score = 0;
    const logMin = Math.log(s.minRatio);
    // 1X is among the tallest low-frequency velocity lines of a running machine (residual
    // unbalance); a fundamental below a tenth of the tallest line is a by-product, e.g. one of a
    // bearing fault's cage-rate sidebands, whose comb would otherwise look like a series.
    let tallest = 0;
    for (let k = lo; k <= hi; k++) if (velocity[k] > tallest) tallest = velocity[k];
    const minFundamental = tallest * s.minFundamentalShare;
    this.#minFundamental = minFundamental;
    for (let k = lo; k <= hi; k++) {
      // Candidates: local maxima standing minRatio above the floor.
      const v = velocity[k];
      if (!(v > velocity[k - 1] && v >= velocity[k + 1] && v > s.minRatio * floor[k] && v >= minFundamental)) continue;
      const p = findPeak(this.#peak, velocity, k - 1, k + 1);
      const f0 = p.position * binHz;
      let score = Math.log(v / floor[k]);
      let found = 1;
      for (let h = 2; h <= s.harmonics; h++) {
        // Interpolation error of f0 (~0.1 bin) grows h-fold; search +/- (1 + 0.1 h) bins.
        const centre = (h * f0) / binHz;
        const half = 1 + 0.1 * h;
        const q = findPeak(this.#harmonicPeak, velocity, centre - half, centre + half);
        if (q.bin < 0) break;
        const r = Math.log(q.value / floor[q.bin]);
        if (r >= logMin) {
          score += r;
          found++;
        }
      }
      if (found >= 2 && score > out.score) {
        out.hz = f0;
        out.harmonicsFound = found;
        out.score = score;
      }
    }
    // A series at f0 is also a series at f0 / 2 and f0 / 3 when those lines exist: a machine
    // whose 1X is weaker than its 2X or 3X (common with misalignment and looseness) must not be
    // read at a multiple of its speed. Take the lowest sub-multiple that is itself a clear line.
    if (out.hz > 0) {
      for (let k = 3; k >= 2; k--) {
        const centre = out.hz / k / binHz;
        if (centre * binHz < s.minHz) continue;
        const q = findPeak(this.#harmonicPeak, velocity, centre - 1.2, centre + 1.2);
        if (
          q.bin > 1 &&
          q.bin < lastBin &&
          velocity[q.bin] > velocity[q.bin - 1] &&
          velocity[q.bin] >= velocity[q.bin + 1] &&
          q.value > s.minRatio * floor[q.bin] &&
          q.value >= this.#minFundamental
        ) {
          out.hz = q.position * binHz;
          out.harmonicsFound++;
          break;
        }
      }
    }
    return out;
  }

  /**
   * A given speed refined from the spectrum. A speed reading or a nameplate speed is nominal:
   * an induction motor's slip moves it by a percent or two, and a bearing analysis at a speed
   * 1 % off misplaces every shaft-harmonic mask and 1X sideband (measured on CWRU: the healthy
   * fan-end record was called an inner race fault at 0.8 % off, its 5X line unmasked beside the
   * 6203's BPFI). Each harmonic 1X..HX is looked for within `tolerance` of h x nominal; the
   * harmonics standing minRatio above the floor vote with their implied speed, the largest group
   * that agrees within interpolation error wins when it has at least two members, and the
   * refined speed is their mean weighted by h (a higher harmonic pins the speed h times finer).
   * Returns 0 when no two harmonics agree: the nominal speed stands.
   */
  refine(nominalHz: number, tolerance: number, velocity: Float64Array, floor: Float64Array, binHz: number): number {
    const s = this.#search;
    const lastBin = velocity.length - 2;
    const implied = this.#implied;
    const weight = this.#weight;
    const spread = this.#spread;
    let votes = 0;
    for (let h = 1; h <= s.harmonics; h++) {
      const centre = (h * nominalHz) / binHz;
      const half = Math.max(1.5, tolerance * centre);
      if (centre + half > lastBin) break;
      const q = findPeak(this.#harmonicPeak, velocity, centre - half, centre + half);
      if (q.bin < 1 || q.bin >= lastBin) continue;
      // A local maximum standing clear of the noise.
      if (!(velocity[q.bin] > velocity[q.bin - 1] && velocity[q.bin] >= velocity[q.bin + 1] && q.value > s.minRatio * floor[q.bin]))
        continue;
      implied[votes] = (q.position * binHz) / h;
      weight[votes] = h;
      // Interpolation error of a peak: about a quarter bin, h-fold finer in speed.
      spread[votes] = (0.25 * binHz) / h;
      votes++;
    }
    let best = -1;
    let bestWeight = 0;
    let bestCount = 0;
    for (let i = 0; i < votes; i++) {
      let w = 0;
      let n = 0;
      for (let j = 0; j < votes; j++) {
        if (Math.abs(implied[j] - implied[i]) <= spread[i] + spread[j]) {
          w += weight[j];
          n++;
        }
      }
      if (n > bestCount || (n === bestCount && w > bestWeight)) {
        best = i;
        bestWeight = w;
        bestCount = n;
      }
    }
    if (best < 0 || bestCount < 2) return 0;
    let sum = 0;
    let sw = 0;
    for (let j = 0; j < votes; j++) {
      if (Math.abs(implied[j] - implied[best]) <= spread[best] + spread[j]) {
        sum += weight[j] * implied[j];
        sw += weight[j];
      }
    }
    return sum / sw;
  }
}
