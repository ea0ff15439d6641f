import { describe, expect, it } from 'vitest';
import { gammaQuantile, maxOfGammaOverMedianThreshold, regularizedGammaP } from '../../../models/dsp/gamma.ts';
import { NoiseFloor } from '../../../models/dsp/noise-floor.ts';
import { emptyPeak, findPeak } from '../../../models/dsp/peaks.ts';
import { computeTimeFeatures, emptyTimeFeatures } from '../../../models/dsp/time-features.ts';
import { gaussian, seededRandom } from './helpers/oracle.ts';
import { expectClose, fixture } from './helpers/tolerance.ts';

describe('time-domain features', () => {
  it('equal numpy/scipy.stats population moments (committed fixture)', async () => {
    const fx = await fixture<{
      input: number[];
      mean: number;
      rms_ac: number;
      kurtosis_pearson: number;
      skewness: number;
      peak_to_peak: number;
    }>('moments');
    const t = computeTimeFeatures(emptyTimeFeatures(), fx.input);
    expectClose(t.mean, fx.mean, { abs: 1e-12 }, 'mean');
    expectClose(t.rms, fx.rms_ac, { rel: 1e-12 }, 'rms');
    expectClose(t.kurtosis, fx.kurtosis_pearson, { rel: 1e-10 }, 'kurtosis');
    expectClose(t.skewness, fx.skewness, { rel: 1e-10 }, 'skewness');
    expectClose(t.peakToPeak, fx.peak_to_peak, { rel: 1e-12 }, 'peak to peak');
  });

  it('known values: a sine has crest factor sqrt 2 and kurtosis 1.5; Gaussian noise kurtosis ~3', () => {
    const sine = Float64Array.from({ length: 10000 }, (_, i) => 3 + 2 * Math.sin((2 * Math.PI * i) / 100));
    const t = computeTimeFeatures(emptyTimeFeatures(), sine);
    expectClose(t.rms, Math.SQRT2, { rel: 1e-9 }, 'sine rms (offset removed)');
    expectClose(t.crestFactor, Math.SQRT2, { rel: 1e-6 }, 'sine crest factor');
    expectClose(t.kurtosis, 1.5, { rel: 1e-6 }, 'sine kurtosis');
    const g = computeTimeFeatures(emptyTimeFeatures(), gaussian(200000, 5));
    expectClose(g.kurtosis, 3, { abs: 0.05 }, 'Gaussian kurtosis');
    expectClose(g.skewness, 0, { abs: 0.02 }, 'Gaussian skewness');
  });

  it('a constant block gives rms 0 and no NaN', () => {
    const t = computeTimeFeatures(emptyTimeFeatures(), new Float64Array(100).fill(4));
    expect([t.rms, t.crestFactor, t.kurtosis, t.skewness, t.peak]).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('incomplete gamma (noise thresholds)', () => {
  it('P(a, x) and its inverse equal scipy.special.gammainc / gammaincinv', async () => {
    const fx = await fixture<{
      p: Array<{ a: number; x: number; value: number }>;
      quantile: Array<{ a: number; p: number; value: number }>;
    }>('gamma');
    for (const c of fx.p) expectClose(regularizedGammaP(c.a, c.x), c.value, { abs: 1e-12, rel: 1e-10 }, `P(${c.a}, ${c.x})`);
    for (const c of fx.quantile) expectClose(gammaQuantile(c.a, c.p), c.value, { rel: 1e-9 }, `quantile(${c.a}, ${c.p})`);
  });

  it('the max-of-bins threshold is exceeded by noise at about the stated rate', () => {
    // Welch-like averages of K exponentials: simulate, count windows whose max/median exceeds it.
    const rnd = seededRandom(9);
    const k = 3;
    const bins = 10;
    const falseAlarm = 0.05;
    const t = maxOfGammaOverMedianThreshold(k, bins, falseAlarm);
    const median = gammaQuantile(k, 0.5);
    let hits = 0;
    const trials = 20000;
    for (let i = 0; i < trials; i++) {
      let max = 0;
      for (let b = 0; b < bins; b++) {
        let s = 0;
        for (let j = 0; j < k; j++) s -= Math.log(Math.max(rnd(), 1e-300));
        max = Math.max(max, s);
      }
      if (max / median > t) hits++;
    }
    expectClose(hits / trials, falseAlarm, { abs: 0.006 }, 'false-alarm rate');
  });
});

describe('NoiseFloor and peaks', () => {
  it('follows the background under tall lines', () => {
    const n = 4096;
    const spec = Float64Array.from({ length: n }, (_, k) => 1 + k / 1000);
    for (let k = 50; k < n; k += 97) spec[k] = 1000;
    const floor = new Float64Array(n);
    new NoiseFloor(n).process(floor, spec, 0, n, 64);
    for (let k = 100; k < n - 100; k += 10) expectClose(floor[k], 1 + k / 1000, { rel: 0.05 }, `floor at ${k}`);
  });

  it('writes bins [from, until) exactly as the whole range has them, and leaves the rest untouched', () => {
    const random = seededRandom(11);
    for (const [n, from, to, block] of [
      [4097, 1, 4097, 16],
      [4097, 1, 4097, 23],
      [1000, 3, 997, 7],
      [513, 1, 513, 8],
      [64, 0, 64, 100],
    ] as const) {
      const spec = Float64Array.from({ length: n }, () => -Math.log(random()) * (1 + random()));
      const whole = new Float64Array(n);
      const floorer = new NoiseFloor(n);
      floorer.process(whole, spec, from, to, block);
      for (const until of [from + 1, from + 2, Math.floor((from + to) / 3), to - 1, to]) {
        const part = new Float64Array(n).fill(-1);
        floorer.process(part, spec, from, to, block, until);
        for (let k = from; k < until; k++) expect(part[k], `n ${n} block ${block} until ${until} bin ${k}`).toBe(whole[k]);
        for (let k = until; k < n; k++) expect(part[k], `untouched bin ${k}`).toBe(-1);
      }
      expect(() => floorer.process(whole, spec, from, to, block, to + 1)).toThrow(/until/);
    }
  });

  it('findPeak interpolates a Gaussian-shaped lobe exactly and honours skip', () => {
    const s = Float64Array.from({ length: 64 }, (_, k) => Math.exp(-((k - 20.3) ** 2) / 4));
    const p = findPeak(emptyPeak(), s, 10, 30);
    expectClose(p.position, 20.3, { abs: 1e-9 }, 'peak position');
    const q = findPeak(emptyPeak(), s, 10, 30, (k) => k >= 19 && k <= 21);
    expect(q.bin).toBe(22);
  });
});
