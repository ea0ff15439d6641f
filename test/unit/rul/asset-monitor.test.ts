import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { AssetMonitor, type AssetStatus, newAssetStatus } from '../../../models/rul/asset-monitor.ts';
import { type History, learnFleet } from '../../../models/rul/fleet-training.ts';
import { gaussian, seeded } from '../../../tools/harness/synthetic-features.ts';
import { runToFailure } from './synthetic-runs.ts';

function statuses(m: AssetMonitor, h: History): AssetStatus[] {
  const out: AssetStatus[] = [];
  for (let i = 0; i < h.times.length; i++) {
    const s = m.update(newAssetStatus(), h.times[i], h.rows[i]);
    out.push(s);
  }
  return out;
}

describe('asset monitor on synthetic runs to failure that follow its assumptions', () => {
  const training = [101, 102, 103, 104, 105, 106].map((seed) => runToFailure(seed, 8000 + 1000 * (seed % 3)));
  const fleet = learnFleet(training, {});
  const asset = runToFailure(201, 9000);
  const st = statuses(new AssetMonitor({}, fleet, asset.name), asset);
  const life = asset.lifetimeS;

  it('learns from the training histories: lifetimes, failure thresholds near ln 5 x 2/3, a positive slope', () => {
    expect(fleet.lifetimesS).toHaveLength(6);
    // Two of the three features carry the degradation, so the index reaches 2/3 of ln 5 at failure.
    for (const d of fleet.failureLogHi) expect(Math.abs(d - (2 / 3) * Math.log(5))).toBeLessThan(0.25);
    expect(fleet.prior!.meanBeta).toBeGreaterThan(0);
  });

  it('uses the fleet before onset and the degradation model after, and alarms before failure', () => {
    expect(st[0].rulBasis).toBe('fleet');
    const onset = st.findIndex((s) => s.degradation);
    expect(asset.times[onset]).toBeGreaterThan(9000);
    expect(st.slice(onset).every((s) => s.rulBasis === 'degradation')).toBe(true);
    const alarm = st.findIndex((s) => s.alarm);
    expect(life - asset.times[alarm]).toBeGreaterThan(0.3 * (life - 9000));
  });

  it('covers the true remaining life in most of the last third, with intervals that narrow', () => {
    const last = st.filter((s) => s.age >= (2 * life) / 3);
    const covered = last.filter((s) => s.rul.lower <= life - s.age && life - s.age <= s.rul.upper).length / last.length;
    expect(covered).toBeGreaterThan(0.8);
    const width = (f: number) => {
      const s = st.reduce((a, b) => (Math.abs(b.age - f * life) < Math.abs(a.age - f * life) ? b : a));
      return s.rul.upper - s.rul.lower;
    };
    expect(width(0.9)).toBeLessThan(width(0.75));
    expect(width(0.75)).toBeLessThan(width(0.5));
  });

  it('without training, reports no remaining life until it detects degradation', () => {
    const alone = statuses(new AssetMonitor({}, null, asset.name), asset);
    const onset = alone.findIndex((s) => s.degradation);
    expect(alone.slice(0, onset).every((s) => s.rulBasis === null && Number.isNaN(s.rul.median))).toBe(true);
    expect(alone[alone.length - 1].rulBasis).toBe('degradation');
  });
});

describe('asset monitor state', () => {
  const training = [301, 302, 303].map((seed) => runToFailure(seed, 6000));
  const fleet = learnFleet(training, {});
  const asset = runToFailure(401, 7000);

  it.each([
    ['during the baseline', 30],
    ['before onset', 400],
    ['after onset', asset.times.length - 100],
  ])('restores %s and continues bit for bit', (_, cut) => {
    const straight = statuses(new AssetMonitor({}, fleet, 'a'), asset);
    const first = new AssetMonitor({}, fleet, 'a');
    const head: AssetStatus[] = [];
    for (let i = 0; i < cut; i++) head.push(first.update(newAssetStatus(), asset.times[i], asset.rows[i]));
    const restored = AssetMonitor.fromJSON(JSON.parse(JSON.stringify(first.toJSON())), 'a');
    const tail: AssetStatus[] = [];
    for (let i = cut; i < asset.times.length; i++) tail.push(restored.update(newAssetStatus(), asset.times[i], asset.rows[i]));
    expect([...head, ...tail]).toStrictEqual(straight);
  });

  it('a state written when the onset threshold was 10 windows takes the one set in time; one set by hand stays', () => {
    const first = new AssetMonitor({}, fleet, 'a');
    for (let i = 0; i < 400; i++) first.update(newAssetStatus(), asset.times[i], asset.rows[i]);
    const now = first.onset!.config.threshold;
    expect(now).toBeGreaterThan(10);
    // Such a state: the old default resolved into its configuration, no false-onset rate.
    const old = JSON.parse(JSON.stringify(first.toJSON()));
    delete old.config.onset.falseOnsetsPerYear;
    delete old.config.onset.longRunVariance;
    old.config.onset.threshold = 10;
    expect(AssetMonitor.fromJSON(old, 'a').onset!.config.threshold).toBe(now);
    const chosen = new AssetMonitor({ onset: { threshold: 10 } }, fleet, 'a');
    for (let i = 0; i < 400; i++) chosen.update(newAssetStatus(), asset.times[i], asset.rows[i]);
    expect(AssetMonitor.fromJSON(JSON.parse(JSON.stringify(chosen.toJSON())), 'a').onset!.config.threshold).toBe(10);
  });

  it('rejects an unknown state version and out-of-order windows', () => {
    const m = new AssetMonitor({}, null, 'machine m7');
    expect(() => AssetMonitor.fromJSON({ ...m.toJSON(), version: 3 } as never)).toThrow(/unknown model state version 3/);
    try {
      AssetMonitor.fromJSON({ ...m.toJSON(), version: 3 } as never);
    } catch (err) {
      expect(isPdmError(err, 'PDM_ERR_MODEL_STATE')).toBe(true);
    }
    m.update(newAssetStatus(), 100, { rms: 1 });
    expect(() => m.update(newAssetStatus(), 100, { rms: 1 })).toThrow("machine m7: time 100 is not after the previous window's 100");
  });

  it('refuses to build a health index from features that are never positive', () => {
    const m = new AssetMonitor({ anomaly: { baseline: { windows: 5 } } }, null, 'machine m8');
    const g = gaussian(seeded(5));
    expect(() => {
      for (let i = 0; i < 10; i++) m.update(newAssetStatus(), i, { offset: g() });
    }).toThrow('machine m8: the health index needs at least one feature that stayed positive');
  });
});
