/**
 * The feature-limit failure criterion (models/rul/feature-limit.ts) on synthetic machines built on
 * its stated physics: a healthy vibration x0 plus a fault vibration that grows exponentially and
 * adds in power, x = sqrt(x0² + f²). The fault here raises the velocity alone (an imbalance): the
 * health index, a geometric mean with features that do not move, reaches only sqrt(4.5) ≈ 2.1x
 * when the velocity reaches 4.5x its healthy level, so a threshold on the index alone never sees
 * the failure coming.
 */
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { AssetMonitor, type AssetStatus, newAssetStatus } from '../../../models/rul/asset-monitor.ts';
import { FeatureLimitCriterion } from '../../../models/rul/feature-limit.ts';
import type { MonitorConfigInput } from '../../../models/rul/monitor-config.ts';
import { gaussian, seeded } from '../../../tools/harness/synthetic-features.ts';

const X0 = 1; // healthy velocity, mm/s
const LIMIT = 4.5;

/** Windows every 10 s; fault from `onsetS`, its amplitude growing e-fold every `efoldS`. Failure = first x >= LIMIT (noise-free). */
function imbalanceRun(seed: number, onsetS = 4000, efoldS = 900) {
  const g = gaussian(seeded(seed));
  const f0 = 0.05 * X0;
  const times: number[] = [];
  const rows: Record<string, number>[] = [];
  let failureS = Number.NaN;
  for (let t = 0; t <= onsetS + 12 * efoldS; t += 10) {
    const f = t < onsetS ? 0 : f0 * Math.exp((t - onsetS) / efoldS);
    const x = Math.sqrt(X0 * X0 + f * f);
    if (Number.isNaN(failureS) && x >= LIMIT) failureS = t;
    times.push(t);
    rows.push({ velocity: x * Math.exp(0.03 * g()), kurtosis: 3 * Math.exp(0.05 * g()) });
    if (!Number.isNaN(failureS)) break;
  }
  return { times, rows, failureS };
}

function run(config: MonitorConfigInput, h: ReturnType<typeof imbalanceRun>): AssetStatus[] {
  const m = new AssetMonitor(config, null, 'test');
  return h.times.map((t, i) => m.update(newAssetStatus(), t, h.rows[i]));
}

function coverage(statuses: AssetStatus[], failureS: number): { rows: number; covered: number } {
  const degrading = statuses.filter((s) => s.rulBasis === 'degradation');
  const covered = degrading.filter((s) => failureS - s.time >= s.rul.lower && failureS - s.time <= s.rul.upper).length;
  return { rows: degrading.length, covered: covered / Math.max(1, degrading.length) };
}

const base: MonitorConfigInput = { anomaly: { features: ['velocity', 'kurtosis'] } };
const limited: MonitorConfigInput = { ...base, rul: { featureLimit: { features: ['velocity'], limit: LIMIT } } };

describe('feature limit as a second failure criterion', () => {
  it('a velocity-only fault: the interval contains the true time to the limit over most of the degradation, the index threshold alone almost never', () => {
    for (const seed of [1, 2, 3]) {
      const h = imbalanceRun(seed);
      expect(h.failureS).toBeGreaterThan(0);
      const withLimit = coverage(run(limited, h), h.failureS);
      const indexOnly = coverage(run(base, h), h.failureS);
      expect(withLimit.rows, `seed ${seed}`).toBeGreaterThan(50);
      expect(withLimit.covered, `seed ${seed}`).toBeGreaterThanOrEqual(0.6);
      expect(indexOnly.covered, `seed ${seed}`).toBeLessThan(0.2);
    }
  });

  it('the machine is in failure once the limit is reached, and the remaining life is then 0', () => {
    const h = imbalanceRun(4);
    const m = new AssetMonitor(limited, null, 'test');
    let last = newAssetStatus();
    for (let i = 0; i < h.times.length; i++) last = m.update(newAssetStatus(), h.times[i], h.rows[i]);
    // Continue a few windows at the limit so the running median is past it.
    for (let k = 1; k <= 5; k++) last = m.update(newAssetStatus(), h.times.at(-1)! + 10 * k, { velocity: LIMIT * 1.1, kurtosis: 3 });
    expect(last.state).toBe('failure');
    expect(last.rul.median).toBe(0);
    expect(last.healthIndex).toBeLessThan(4); // the index alone would not say failure
  });

  it("a machine whose healthy level is already at the limit cannot use it, and says why; its results are the index's alone", () => {
    const h = imbalanceRun(5);
    const c = new FeatureLimitCriterion({ features: ['velocity'], limit: 0.8 }, 5, 'machine m');
    for (let i = 0; i < 60; i++) c.learn(h.rows[i]);
    c.freeze();
    expect(c.disabledReason).toMatch(/the healthy baseline \(1\.0\d*\) is already at or above the limit 0\.8/);
    const low: MonitorConfigInput = { ...base, rul: { featureLimit: { features: ['velocity'], limit: 0.8 } } };
    const a = run(low, h).map((s) => [s.rulBasis, s.rul.median, s.state]);
    const b = run(base, h).map((s) => [s.rulBasis, s.rul.median, s.state]);
    expect(a).toStrictEqual(b);
  });

  it.each([
    ['during the baseline', 30],
    ['before onset', 200],
    ['after onset', 480],
  ])('state restores %s and continues bit for bit', (_, cut) => {
    const h = imbalanceRun(6);
    expect(h.times.length).toBeGreaterThan(cut + 20);
    const whole = run(limited, h);
    const first = new AssetMonitor(limited, null, 'a');
    for (let i = 0; i < cut; i++) first.update(newAssetStatus(), h.times[i], h.rows[i]);
    const restored = AssetMonitor.fromJSON(JSON.parse(JSON.stringify(first.toJSON())), 'a');
    const tail = h.times.slice(cut).map((t, j) => restored.update(newAssetStatus(), t, h.rows[cut + j]));
    expect(tail).toStrictEqual(whole.slice(cut));
  });

  it('a window without a limited feature is refused, naming it', () => {
    const c = new FeatureLimitCriterion({ features: ['velocity_x', 'velocity_y'], limit: 4.5 }, 5, 'machine m');
    let err: unknown;
    try {
      c.learn({ velocity_x: 1 });
    } catch (e) {
      err = e;
    }
    expect(isPdmError(err) && err.code).toBe('PDM_ERR_INPUT_VALUE');
    expect((err as Error).message).toBe("machine m: limited feature 'velocity_y' must be a finite number >= 0, got undefined");
    expect(() => new FeatureLimitCriterion({ features: [], limit: 4.5 }, 5, 'machine m')).toThrow(
      /machine m: a feature limit needs at least one feature and a positive limit/,
    );
  });
});
