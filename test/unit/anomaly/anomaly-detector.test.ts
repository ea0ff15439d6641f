import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { AnomalyDetector, type AnomalyResult, newAnomalyResult } from '../../../models/anomaly/anomaly-detector.ts';
import { AnomalyDetectorBank } from '../../../models/anomaly/detector-bank.ts';
import { gaussian, healthyWindow, seeded } from '../../../tools/harness/synthetic-features.ts';

const BASELINE = 200;

function run(d: AnomalyDetector, windows: Record<string, number>[]): AnomalyResult[] {
  return windows.map((w, i) => ({ ...d.update(newAnomalyResult(), i * 10, w) }));
}

function healthyStream(n: number, seed: number): Record<string, number>[] {
  const g = gaussian(seeded(seed));
  return Array.from({ length: n }, () => healthyWindow(g));
}

describe('anomaly detector on a healthy stationary stream', () => {
  const windows = healthyStream(BASELINE + 10_000, 7);
  const results = run(new AnomalyDetector({ baseline: { windows: BASELINE } }), windows);
  const monitoring = results.filter((r) => r.phase === 'monitoring');

  it('learns the baseline over the configured number of windows, then scores every window', () => {
    expect(results.slice(0, BASELINE).every((r) => r.phase === 'baseline' && Number.isNaN(r.score))).toBe(true);
    expect(monitoring).toHaveLength(10_000);
  });

  it('raises no alarm over 10 000 windows', () => {
    expect(monitoring.filter((r) => r.alarm)).toHaveLength(0);
  });

  it('scores on a standard normal scale (mean ~0, spread ~1, P(score > 2) ~ 2 %)', () => {
    const s = monitoring.map((r) => r.score);
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (s.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.15);
    expect(sd).toBeGreaterThan(0.8);
    expect(sd).toBeLessThan(1.25);
    const above2 = s.filter((x) => x > 2).length / s.length;
    expect(above2).toBeGreaterThan(0.005);
    expect(above2).toBeLessThan(0.05);
  });
});

describe('anomaly detector reactions', () => {
  it('detects a step in one feature within a bounded number of windows (k = 6 consecutive)', () => {
    const windows = healthyStream(BASELINE + 2000, 11);
    const stepAt = BASELINE + 1000;
    for (let i = stepAt; i < windows.length; i++) windows[i] = { ...windows[i], rms: windows[i].rms * 1.4 };
    const results = run(new AnomalyDetector({ baseline: { windows: BASELINE } }), windows);
    expect(results.slice(BASELINE, stepAt).some((r) => r.alarm)).toBe(false);
    const first = results.findIndex((r, i) => i >= stepAt && r.alarm);
    expect(first).toBeGreaterThanOrEqual(stepAt + 5); // never before 6 windows of evidence
    expect(first - stepAt).toBeLessThanOrEqual(12);
  });

  it('clears the alarm with hysteresis once the step goes away', () => {
    const windows = healthyStream(BASELINE + 600, 12);
    for (let i = BASELINE + 100; i < BASELINE + 300; i++) windows[i] = { ...windows[i], peak: windows[i].peak * 2 };
    const results = run(new AnomalyDetector({ baseline: { windows: BASELINE } }), windows);
    expect(results[BASELINE + 299].alarm).toBe(true);
    const cleared = results.findIndex((r, i) => i >= BASELINE + 300 && !r.alarm);
    expect(cleared - (BASELINE + 300)).toBeGreaterThanOrEqual(5);
    expect(cleared - (BASELINE + 300)).toBeLessThanOrEqual(12);
  });

  it('ignores a drop in an amplitude (settling after run-in) but not a rise', () => {
    const windows = healthyStream(BASELINE + 400, 13);
    for (let i = BASELINE; i < BASELINE + 200; i++) windows[i] = { ...windows[i], rms: windows[i].rms * 0.5 };
    for (let i = BASELINE + 200; i < BASELINE + 400; i++) windows[i] = { ...windows[i], rms: windows[i].rms * 2 };
    const results = run(new AnomalyDetector({ baseline: { windows: BASELINE } }), windows);
    expect(results.slice(BASELINE, BASELINE + 200).some((r) => r.alarm)).toBe(false);
    expect(results.slice(BASELINE + 200).some((r) => r.alarm)).toBe(true);
  });

  it('gives the same scores whatever the units of the features (scale-free)', () => {
    const windows = healthyStream(BASELINE + 300, 14);
    const rescaled = windows.map((w) => ({ rms: w.rms * 1e6, peak: w.peak * 1e-3, kurtosis: w.kurtosis, offset: w.offset * 1e4 }));
    const a = run(new AnomalyDetector({ baseline: { windows: BASELINE } }), windows).slice(BASELINE);
    const b = run(new AnomalyDetector({ baseline: { windows: BASELINE } }), rescaled).slice(BASELINE);
    for (let i = 0; i < a.length; i++) expect(b[i].score).toBeCloseTo(a[i].score, 6);
  });

  it('copes with a feature that never moved during the baseline, and notices when it moves', () => {
    const windows = healthyStream(BASELINE + 400, 15).map((w) => ({ ...w, gear: 7 }));
    for (let i = BASELINE + 200; i < windows.length; i++) windows[i] = { ...windows[i], gear: 8 };
    const d = new AnomalyDetector({ baseline: { windows: BASELINE } });
    const results = run(d, windows);
    expect(results.slice(BASELINE).every((r) => Number.isFinite(r.score))).toBe(true);
    expect(results.slice(BASELINE, BASELINE + 200).some((r) => r.alarm)).toBe(false);
    expect(results.slice(BASELINE + 200).some((r) => r.alarm)).toBe(true);
    expect(d.baseline!.shrinkage).toBeGreaterThan(0);
  });

  it('names the stream and the feature when a feature is missing or not a number', () => {
    const d = new AnomalyDetector({ features: ['rms', 'peak'] }, 'machine press-3, mode run');
    const call = (w: Record<string, number>) => () => d.update(newAnomalyResult(), 0, w);
    expect(call({ rms: 1 })).toThrow("machine press-3, mode run: feature 'peak' is missing");
    expect(call({ rms: 1, peak: Number.NaN })).toThrow("machine press-3, mode run: feature 'peak' is not a finite number (NaN)");
  });

  it('rejects a bad configuration naming the setting', () => {
    expect(() => new AnomalyDetector({ alarm: { raise: 2, clear: 3 } }, 'anomaly.yaml')).toThrow(
      'anomaly.yaml: alarm clear must not be above raise (hysteresis)',
    );
    expect(() => new AnomalyDetector({ baseline: { windowz: 3 } } as never, 'anomaly.yaml')).toThrow(
      'anomaly.yaml: unknown setting baseline.windowz',
    );
  });
});

describe('energy fusion: power against load', () => {
  function energyStream(n: number, seed: number, extraPowerFrom: number, extra: number) {
    const rnd = seeded(seed);
    const g = gaussian(rnd);
    return Array.from({ length: n }, (_, i) => {
      const load = 20 + 60 * rnd(); // the load varies over the baseline's whole range
      const power = 800 + 12 * load + 0.05 * load * load + 5 * g() + (i >= extraPowerFrom ? extra : 0);
      return { features: healthyWindow(g), energy: { powerW: power, load } };
    });
  }

  it('learns power(load) in the baseline: load changes are normal, 60 W of extra drag is not', () => {
    const stream = energyStream(BASELINE + 600, 21, BASELINE + 300, 60);
    const d = new AnomalyDetector({ baseline: { windows: BASELINE }, energy: true });
    const results = stream.map((s, i) => ({ ...d.update(newAnomalyResult(), i, s.features, s.energy) }));
    expect(d.baseline!.energy!.degree).toBe(2);
    expect(d.baseline!.energy!.slope).toBeCloseTo(12, 0);
    expect(results.slice(BASELINE, BASELINE + 300).some((r) => r.alarm)).toBe(false);
    expect(results.slice(BASELINE + 300).some((r) => r.alarm)).toBe(true);
  });

  it('asks for energy readings when fusion is on', () => {
    const d = new AnomalyDetector({ energy: true }, 'machine m1');
    expect(() => d.update(newAnomalyResult(), 0, { rms: 1 })).toThrow(
      'machine m1: energy fusion is on but this window has no finite power and load',
    );
  });
});

describe('state survives a restart bit for bit', () => {
  it.each([
    ['during the baseline', 120],
    ['after the baseline, alarm raised', 560],
  ])('serialised %s', (_, cut) => {
    const windows = healthyStream(BASELINE + 800, 31);
    for (let i = BASELINE + 300; i < windows.length; i++) windows[i] = { ...windows[i], rms: windows[i].rms * 1.5 };
    const straight = run(new AnomalyDetector({ baseline: { windows: BASELINE } }), windows);
    const first = new AnomalyDetector({ baseline: { windows: BASELINE } });
    const before = windows.slice(0, cut).map((w, i) => ({ ...first.update(newAnomalyResult(), i * 10, w) }));
    const restored = AnomalyDetector.fromJSON(JSON.parse(JSON.stringify(first.toJSON())));
    const after = windows.slice(cut).map((w, i) => ({ ...restored.update(newAnomalyResult(), (cut + i) * 10, w) }));
    expect([...before, ...after]).toStrictEqual(straight);
    // The continuation is not trivial: the restored model goes on to raise the alarm.
    expect(after.some((r) => r.alarm)).toBe(true);
  });

  it('rejects an unknown state version', () => {
    const state = { ...new AnomalyDetector().toJSON(), version: 2 };
    try {
      AnomalyDetector.fromJSON(state as never);
      expect.unreachable();
    } catch (err) {
      expect(isPdmError(err, 'PDM_ERR_MODEL_STATE')).toBe(true);
      expect((err as Error).message).toContain('unknown model state version 2');
    }
  });
});

describe('one model per machine and operating mode', () => {
  it('keeps separate baselines, so a mode change is not an anomaly, and restores them all', () => {
    const g = gaussian(seeded(41));
    const bank = new AnomalyDetectorBank({ baseline: { windows: 100 } });
    const out = newAnomalyResult();
    let alarms = 0;
    for (let i = 0; i < 600; i++) {
      const idle = healthyWindow(g);
      // Stamping vibrates four times as much as idling: normal for that mode.
      const stamping = { ...healthyWindow(g), rms: 4 * healthyWindow(g).rms };
      if (bank.update(out, 'press-1', i % 2 === 0 ? 'idle' : 'stamping', i, i % 2 === 0 ? idle : stamping).alarm) alarms++;
    }
    expect(alarms).toBe(0);
    const restored = AnomalyDetectorBank.fromJSON(JSON.parse(JSON.stringify(bank.toJSON())));
    expect(restored.detector('press-1', 'stamping').baseline!.mean).toStrictEqual(bank.detector('press-1', 'stamping').baseline!.mean);
    expect(restored.toJSON().detectors.map((d) => d.mode)).toStrictEqual(['idle', 'stamping']);
  });
});
