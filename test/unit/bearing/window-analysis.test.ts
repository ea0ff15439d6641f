import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { type WindowAnalysisConfig, WindowAnalyzer } from '../../../models/window-analysis.ts';
import { gaussian } from '../models-dsp/helpers/oracle.ts';
import { expectClose } from '../models-dsp/helpers/tolerance.ts';
import { syntheticVibration } from './helpers/synthetic.ts';

const bearing = lookupBearing('6205-2RS');

function expectConfigError(config: WindowAnalysisConfig, message: RegExp): void {
  try {
    new WindowAnalyzer(config);
    expect.fail(`accepted ${JSON.stringify(config)}`);
  } catch (err) {
    expect(isPdmError(err, 'PDM_ERR_CONFIG_INVALID'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(message);
  }
}

describe('WindowAnalyzer: the shaft speed per window', () => {
  it('one analyzer given each window’s speed answers exactly as a fresh analyzer built for that speed', () => {
    const shared = new WindowAnalyzer({ sampleRateHz: 25600, windowSize: 8448, shaftHz: 24, bearing });
    for (const [shaftHz, fault] of [
      [25, 'outer_race'],
      [29.3, 'inner_race'],
      [24, 'none'],
    ] as const) {
      const x = syntheticVibration({ fault, bearing, sampleRateHz: 25600, shaftHz, seconds: 0.33, impact: 6, seed: 3 });
      const fresh = new WindowAnalyzer({ sampleRateHz: 25600, windowSize: x.length, shaftHz, bearing }).analyze(x.slice());
      expect(shared.analyze(x.slice(), { shaftHz })).toEqual(fresh);
    }
    // No speed given for this window: estimated, as by an analyzer configured without one.
    const x = syntheticVibration({ fault: 'outer_race', bearing, sampleRateHz: 25600, shaftHz: 27, seconds: 0.33, impact: 6, seed: 4 });
    const estimated = new WindowAnalyzer({ sampleRateHz: 25600, windowSize: x.length, bearing }).analyze(x.slice());
    expect(shared.analyze(x.slice(), { shaftHz: undefined })).toEqual(estimated);
    expect(() => shared.analyze(x.slice(), { shaftHz: -1 })).toThrow(/shaftHz must be a positive number/);
  });
});

describe('WindowAnalyzer configuration', () => {
  it('refuses bad settings with a message naming the setting', () => {
    expectConfigError({ sampleRateHz: 0, windowSize: 8192 }, /sampleRateHz must be a positive number/);
    expectConfigError({ sampleRateHz: 25600, windowSize: 100 }, /windowSize must be an integer >= 256/);
    expectConfigError({ sampleRateHz: 25600, windowSize: 8192, shaftHz: -3 }, /shaftHz must be a positive number/);
    expectConfigError({ sampleRateHz: 25600, windowSize: 8192, iso: { group: 3 as never, foundation: 'rigid' } }, /iso must be/);
    expectConfigError(
      { sampleRateHz: 25600, windowSize: 8192, bands: [{ name: 'Low Band', lowHz: 10, highHz: 100 }] },
      /bands\[0\]\.name must be snake_case/,
    );
    expectConfigError(
      { sampleRateHz: 25600, windowSize: 8192, bands: [{ name: 'a', lowHz: 100, highHz: 10 }] },
      /bands\[0\] must have 0 <= lowHz < highHz/,
    );
    expect(
      () =>
        new WindowAnalyzer({
          sampleRateHz: 25600,
          windowSize: 8192,
          bearing: { balls: 2, ballDiameterMm: 5, pitchDiameterMm: 30, contactAngleDeg: 0 },
        }),
    ).toThrow(/balls must be an integer/);
  });

  it('refuses a window of the wrong length and NaN samples', () => {
    const a = new WindowAnalyzer({ sampleRateHz: 25600, windowSize: 8192 });
    expect(() => a.analyze(new Float32Array(8191))).toThrow(/got 8191 samples, configured for 8192/);
    const x = new Float32Array(8192);
    x[17] = Number.NaN;
    expect(() => a.analyze(x)).toThrow(/NaN or Infinity/);
  });
});

describe('WindowAnalyzer results', () => {
  it('reports the same NaN-free feature keys for every window of a configuration, any length', () => {
    for (const windowSize of [256, 8192, 25600, 32768]) {
      const cfg: WindowAnalysisConfig = { sampleRateHz: 25600, windowSize, bearing, iso: { group: 1, foundation: 'flexible' } };
      const a = new WindowAnalyzer(cfg);
      let keys: string[] | undefined;
      for (const [i, x] of [
        Float32Array.from(gaussian(windowSize, 1)),
        new Float32Array(windowSize),
        syntheticVibration({
          fault: 'outer_race',
          bearing,
          sampleRateHz: 25600,
          shaftHz: 25,
          seconds: windowSize / 25600 + 0.01,
          seed: 2,
        }).subarray(0, windowSize),
      ].entries()) {
        const r = a.analyze(x);
        const k = Object.keys(r.features).sort();
        keys ??= k;
        expect(k, `window ${windowSize}, signal ${i}`).toEqual(keys);
        for (const [name, v] of Object.entries(r.features)) expect(Number.isFinite(v), `${name} = ${v}`).toBe(true);
        expect(r.iso20816.group).toBe(1);
        expect(r.bearing.confidence).toBeGreaterThanOrEqual(0);
        expect(r.bearing.confidence).toBeLessThanOrEqual(1);
      }
      for (const k of [
        'rms',
        'peak',
        'peak_to_peak',
        'crest_factor',
        'kurtosis',
        'skewness',
        'velocity_rms_mm_s',
        'dominant_hz',
        'shaft_hz',
        'x1',
        'x2',
        'x3',
        'band_low',
        'band_mid',
        'band_high',
        'bpfo_score',
        'bpfi_score',
        'bsf_score',
        'ftf_score',
      ]) {
        expect(keys).toContain(k);
      }
    }
  });

  it('refines a given speed that is 1 % off to the harmonic series of the spectrum, and says what was given; tolerance 0 keeps it', () => {
    const fs = 25600;
    const n = 25600;
    const shaft = 24.7;
    const x = Float32Array.from(
      { length: n },
      (_, i) =>
        [1, 2, 3, 4].reduce((s, h) => s + (0.05 / h) * Math.sin(2 * Math.PI * h * shaft * (i / fs) + h), 0) + 0.001 * Math.sin(i * 1.3),
    );
    for (const off of [0.99, 1.01]) {
      const r = new WindowAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: shaft * off }).analyze(x);
      expect(r.shaft.source).toBe('given');
      expect(r.shaft.given_hz).toBe(shaft * off);
      expectClose(r.shaft.hz, shaft, { rel: 1e-3 }, `refined from ${off}`);
      expectClose(r.features.shaft_hz, shaft, { rel: 1e-3 }, 'shaft_hz feature');
    }
    const kept = new WindowAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: shaft * 1.01, shaftTolerance: 0 }).analyze(x);
    expect(kept.shaft).toEqual({ hz: shaft * 1.01, source: 'given' });
    // Beyond the tolerance (3 % off with the default 1.5 %), or no harmonic series: as given.
    const far = new WindowAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: shaft * 1.03 }).analyze(x);
    expect(far.shaft).toEqual({ hz: shaft * 1.03, source: 'given' });
    const noise = new WindowAnalyzer({ sampleRateHz: fs, windowSize: 8192, shaftHz: 25 }).analyze(Float32Array.from(gaussian(8192, 5)));
    expect(noise.shaft).toEqual({ hz: 25, source: 'given' });
    expect(() => new WindowAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: 25, shaftTolerance: 0.5 })).toThrow(/shaftTolerance/);
  });

  it('reads 1X/2X/3X velocity and the dominant line of a machine with known tones, and says the speed was given', () => {
    const fs = 25600;
    const n = 25600;
    const shaft = 24.7;
    const g = 9.80665;
    // Acceleration amplitudes chosen for 1X 2.0 mm/s, 2X 1.0, 3X 0.5 (RMS) and a 1200 Hz line.
    const accel = (vRms: number, hz: number) => (vRms * Math.SQRT2 * 2 * Math.PI * hz) / (g * 1000);
    const x = Float32Array.from({ length: n }, (_, i) => {
      const t = i / fs;
      return (
        [1, 2, 3].reduce((s, h) => s + accel(2 / 2 ** (h - 1), h * shaft) * Math.sin(2 * Math.PI * h * shaft * t + h), 0) +
        0.3 * Math.sin(2 * Math.PI * 1200 * t)
      );
    });
    // Noiseless tones are below any sensor's self-noise: the sensor checks would flag them (tested in sensor-check.test.ts).
    const r = new WindowAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: shaft, sensorCheck: false }).analyze(x);
    // The given speed is refined to the spectrum's harmonic series (here: where it was already,
    // within the 0.05 % bias of interpolating 1 Hz bins of a 1/f-weighted velocity spectrum).
    expect(r.shaft.source).toBe('given');
    expectClose(r.shaft.hz, shaft, { rel: 1e-3 }, 'given shaft');
    expectClose(r.features.x1, 2, { rel: 0.01 }, 'x1');
    expectClose(r.features.x2, 1, { rel: 0.01 }, 'x2');
    expectClose(r.features.x3, 0.5, { rel: 0.01 }, 'x3');
    expectClose(
      r.features.velocity_rms_mm_s,
      Math.hypot(2, 1, 0.5, (0.3 * g * 1000) / (2 * Math.PI * 1200) / Math.SQRT2),
      { rel: 0.01 },
      'velocity',
    );
    expectClose(r.features.dominant_hz, 1200, { abs: 0.2 }, 'dominant');
    expect(r.iso20816.zone).toBe('B');
    const est = new WindowAnalyzer({ sampleRateHz: fs, windowSize: n, sensorCheck: false }).analyze(x);
    expect(est.shaft.source).toBe('estimated');
    expectClose(est.shaft.hz, shaft, { rel: 0.003 }, 'estimated shaft');
    const none = new WindowAnalyzer({ sampleRateHz: fs, windowSize: 8192, bearing }).analyze(Float32Array.from(gaussian(8192, 4)));
    expect(none.shaft).toEqual({ hz: 0, source: 'unavailable' });
    expect(none.bearing.diagnosis).toBe('none');
  });

  it('stream windows of 8192 samples at 25.6 kHz (8 revolutions): clear race faults named in most, no window misnamed', () => {
    const an = new WindowAnalyzer({ sampleRateHz: 25600, windowSize: 8192, shaftHz: 25, bearing });
    for (const fault of ['outer_race', 'inner_race', 'rolling_element', 'none'] as const) {
      const counts: Record<string, number> = {};
      for (let seed = 1; seed <= 10; seed++) {
        const x = syntheticVibration({ fault, bearing, sampleRateHz: 25600, shaftHz: 25, seconds: 0.33, impact: 6, seed });
        const r = an.analyze(x.subarray(0, 8192));
        counts[r.bearing.diagnosis] = (counts[r.bearing.diagnosis] ?? 0) + 1;
      }
      const wrong = Object.entries(counts).filter(([d]) => d !== fault && d !== 'none');
      expect(wrong, `${fault}: ${JSON.stringify(counts)}`).toEqual([]);
      // A rolling-element fault needs several cage periods to show; 8 revolutions are too few.
      if (fault === 'outer_race' || fault === 'inner_race')
        expect(counts[fault] ?? 0, `${fault}: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(8);
    }
  });
});
