import { describe, expect, it } from 'vitest';
import { NoiseFloor } from '../../../models/dsp/noise-floor.ts';
import { SpectrumAnalyzer } from '../../../models/dsp/spectrum.ts';
import { ISO_20816_3_BOUNDARIES_MM_S, isoBandLowHz, isoZone } from '../../../models/vibration/iso20816.ts';
import { DEFAULT_SHAFT_SEARCH, ShaftSpeedEstimator } from '../../../models/vibration/shaft-speed.ts';
import { velocityRmsMmS } from '../../../models/vibration/spectral-measures.ts';
import { gaussian } from './helpers/oracle.ts';
import { expectClose } from './helpers/tolerance.ts';

const G0 = 9.80665;

function acceleration(n: number, fs: number, tones: Array<[hz: number, g: number]>, noise = 0): Float64Array {
  const w = noise > 0 ? gaussian(n, 42, noise) : new Float64Array(n);
  return Float64Array.from({ length: n }, (_, i) => tones.reduce((s, [hz, a]) => s + a * Math.sin((2 * Math.PI * hz * i) / fs + hz), w[i]));
}

/** Velocity amplitude spectrum (mm/s) of a Hann-windowed record of `tones` in noise, as the window analysis forms it. */
function velocitySpectrum(
  n: number,
  fs: number,
  tones: Array<[hz: number, g: number]>,
  noise: number,
): { vel: Float64Array; binHz: number } {
  const x = acceleration(n, fs, tones, noise);
  const sa = new SpectrumAnalyzer(n, n, 'hann');
  const amp = new Float64Array(sa.bins);
  sa.process(x);
  sa.amplitude(amp);
  const binHz = fs / n;
  return { vel: amp.map((a, k) => (k === 0 ? 0 : (a * G0 * 1000) / (2 * Math.PI * k * binHz))), binHz };
}

function powerOf(x: Float64Array, fs: number): { p: Float64Array; binHz: number } {
  const sa = new SpectrumAnalyzer(x.length, x.length, 'hann');
  const p = new Float64Array(sa.bins);
  sa.process(x);
  sa.power(p);
  return { p, binHz: fs / x.length };
}

describe('velocity RMS from acceleration', () => {
  it('equals A g0 / (2 pi f) / sqrt 2 for a tone, at several frequencies', () => {
    for (const hz of [12.5, 50, 159.2, 800]) {
      const { p, binHz } = powerOf(acceleration(65536, 6553.6, [[hz, 0.5]]), 6553.6);
      const expected = ((0.5 * G0) / (2 * Math.PI * hz) / Math.SQRT2) * 1000;
      expectClose(velocityRmsMmS(p, binHz, 10, 1000), expected, { rel: 2e-3 }, `${hz} Hz`);
    }
  });

  it('adds tones in quadrature and ignores those outside 10-1000 Hz', () => {
    const fs = 8192;
    const { p, binHz } = powerOf(
      acceleration(32768, fs, [
        [25, 0.2],
        [120, 1],
        [3, 5],
        [2500, 5],
      ]),
      fs,
    );
    const v = (a: number, f: number) => ((a * G0) / (2 * Math.PI * f) / Math.SQRT2) * 1000;
    expectClose(velocityRmsMmS(p, binHz, 10, 1000), Math.hypot(v(0.2, 25), v(1, 120)), { rel: 5e-3 }, 'two tones in band');
  });
});

describe('ISO 20816-3 zones', () => {
  it("uses the standard's boundaries per group and foundation", () => {
    expect(ISO_20816_3_BOUNDARIES_MM_S).toEqual({
      '1-rigid': [2.3, 4.5, 7.1],
      '1-flexible': [3.5, 7.1, 11.0],
      '2-rigid': [1.4, 2.8, 4.5],
      '2-flexible': [2.3, 4.5, 7.1],
    });
  });

  it('places values on both sides of each boundary (a boundary value belongs to the better zone)', () => {
    const g2r = { group: 2, foundation: 'rigid' } as const;
    expect([0.5, 1.4, 1.41, 2.8, 2.81, 4.5, 4.51, 20].map((v) => isoZone(v, g2r))).toEqual(['A', 'A', 'B', 'B', 'C', 'C', 'D', 'D']);
    const g1f = { group: 1, foundation: 'flexible' } as const;
    expect([3.4, 3.6, 7.0, 7.2, 10.9, 11.1].map((v) => isoZone(v, g1f))).toEqual(['A', 'B', 'B', 'C', 'C', 'D']);
  });

  it('measures from 2 Hz below 600 r/min and from 10 Hz above', () => {
    expect([isoBandLowHz(5), isoBandLowHz(9.9), isoBandLowHz(10), isoBandLowHz(30), isoBandLowHz(undefined)]).toEqual([2, 2, 10, 10, 10]);
  });
});

describe('shaft speed estimation', () => {
  it('finds 1X from a harmonic series among noise and a lone electrical line, across speeds and rates', () => {
    for (const [fs, shaft] of [
      [12000, 29.95],
      [25600, 24.7],
      [48000, 59.2],
      [20480, 33.3],
      [25600, 9.3],
    ] as const) {
      const n = 1 << 16;
      const tones: Array<[number, number]> = [
        [shaft, 0.05],
        [2 * shaft, 0.03],
        [3 * shaft, 0.02],
        [4 * shaft, 0.01],
        [50 * 1.003, 0.08],
      ];
      const { vel, binHz } = velocitySpectrum(n, fs, tones, 0.02);
      const floor = new Float64Array(vel.length);
      new NoiseFloor(vel.length).process(floor, vel, 1, vel.length, 32);
      const est = new ShaftSpeedEstimator({ ...DEFAULT_SHAFT_SEARCH, minHz: 5 }).estimate(
        { hz: 0, harmonicsFound: 0, score: 0 },
        vel,
        floor,
        binHz,
      );
      expectClose(est.hz, shaft, { rel: 0.005 }, `shaft at fs ${fs}`);
    }
  });

  it('reads no floor bin beyond floorBins: a floor cut there gives the same speed, estimated and refined', () => {
    for (const [fs, shaft, n] of [
      [12000, 29.95, 1 << 14],
      [25600, 24.7, 8192],
      [48000, 59.2, 1 << 15],
      [25600, 98, 8192],
      [25600, 9.3, 1 << 16],
    ] as const) {
      const tones: Array<[number, number]> = [1, 2, 3, 4, 5].map((h) => [
        h * shaft,
        h === 1 ? 0.05 : h === 2 ? 0.03 : h === 3 ? 0.02 : 0.01,
      ]);
      const { vel, binHz } = velocitySpectrum(n, fs, tones, 0.02);
      const bins = vel.length;
      const whole = new Float64Array(bins);
      const floorer = new NoiseFloor(bins);
      floorer.process(whole, vel, 1, bins, 16);
      const estimator = new ShaftSpeedEstimator();
      // Beyond the bins it says it reads, the cut floor holds NaN: any read would change the result.
      const cut = (until: number) => {
        const f = new Float64Array(bins).fill(Number.NaN);
        floorer.process(f, vel, 1, bins, 16, until);
        return f;
      };
      const estimateUntil = estimator.floorBins(bins, binHz);
      expect(estimateUntil).toBeLessThan(bins);
      const full = estimator.estimate({ hz: 0, harmonicsFound: 0, score: 0 }, vel, whole, binHz);
      const part = estimator.estimate({ hz: 0, harmonicsFound: 0, score: 0 }, vel, cut(estimateUntil), binHz);
      expectClose(full.hz, shaft, { abs: binHz / 4 }, `estimated shaft at fs ${fs}`);
      expect(part).toEqual(full);
      for (const tolerance of [0.02, 0.1]) {
        const nominal = shaft * 1.01;
        const until = estimator.floorBins(bins, binHz, { hz: nominal, tolerance });
        const refined = estimator.refine(nominal, tolerance, vel, whole, binHz);
        expect(refined, `refined at fs ${fs}`).toBeGreaterThan(0);
        expect(estimator.refine(nominal, tolerance, vel, cut(until), binHz)).toBe(refined);
      }
    }
  });

  it('reports 0 (unavailable) on noise alone', () => {
    const n = 1 << 14;
    const x = gaussian(n, 3);
    const sa = new SpectrumAnalyzer(n, n, 'hann');
    const amp = new Float64Array(sa.bins);
    sa.process(x);
    sa.amplitude(amp);
    const floor = new Float64Array(sa.bins);
    new NoiseFloor(sa.bins).process(floor, amp, 1, sa.bins, 32);
    const est = new ShaftSpeedEstimator().estimate({ hz: 0, harmonicsFound: 0, score: 0 }, amp, floor, 10000 / n);
    expect(est.hz).toBe(0);
  });
});
