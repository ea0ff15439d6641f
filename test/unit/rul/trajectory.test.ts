/**
 * The asset's degradation state relative to the training histories' trajectories
 * (models/rul/trajectory.ts): the fleet's lives weighted by how closely the asset's health index
 * has followed each history's at the same ages.
 */
import { describe, expect, it } from 'vitest';
import { AssetMonitor } from '../../../models/rul/asset-monitor.ts';
import { learnFleet } from '../../../models/rul/fleet-training.ts';
import { KernelLifeFleet } from '../../../models/rul/kernel-fleet.ts';
import { type HealthPath, PATH_POINTS, PathRecorder, pathAt, TrajectoryMatch } from '../../../models/rul/trajectory.ts';
import { gaussian, seeded } from '../../../tools/harness/synthetic-features.ts';
import { monitorOutputs, runToFailure } from './synthetic-runs.ts';

/** A path over [0, life]: flat at 0 until `rise` x life, then linear to `end` at failure, plus noise. */
function path(life: number, rise: number, end: number, seed: number): HealthPath {
  const g = gaussian(seeded(seed));
  const t: number[] = [];
  const y: number[] = [];
  for (let k = 0; k <= 200; k++) {
    const x = (k / 200) * life;
    t.push(x);
    y.push((x < rise * life ? 0 : (end * (x - rise * life)) / ((1 - rise) * life)) + 0.02 * g());
  }
  return { t, y };
}

function medianRemaining(fleet: KernelLifeFleet, age: number): number {
  let lo = 0;
  let hi = 1e7;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (fleet.conditionalCdf(mid, age) < 0.5) lo = mid;
    else hi = mid;
  }
  return lo;
}

describe('trajectory matching', () => {
  // Short lives whose index rises from 20 % of life; long lives whose index stays flat until 80 %.
  const lives = [10_000, 11_000, 12_000, 30_000, 32_000, 34_000];
  const paths = lives.map((l, i) => (l < 20_000 ? path(l, 0.2, 1.5, i + 1) : path(l, 0.8, 1.5, i + 1)));

  it('moves the remaining life of an asset that follows the short-lived histories toward theirs, away from the unweighted fleet torn between both groups', () => {
    const assetLife = 11_000;
    const asset = path(assetLife, 0.2, 1.5, 99);
    const age = 6000;
    const match = new TrajectoryMatch(paths);
    for (let k = 0; k < asset.t.length && asset.t[k] <= age; k++) match.update(asset.t[k], asset.y[k]);
    const w = match.weights();
    // The whole path counts as one observation (cautious): the short group is favoured, not chosen.
    expect(Math.min(w[0], w[1], w[2])).toBeGreaterThan(Math.max(w[3], w[4], w[5]));
    const matched = new KernelLifeFleet(lives);
    matched.setWeights(w);
    const plain = new KernelLifeFleet(lives);
    const truth = assetLife - age;
    expect(Math.abs(medianRemaining(matched, age) - truth)).toBeLessThan(Math.abs(medianRemaining(plain, age) - truth));
    expect(medianRemaining(plain, age)).toBeGreaterThan(2 * truth);
  });

  it('and an asset that follows the long-lived ones is given their lives', () => {
    const asset = path(31_000, 0.8, 1.5, 98);
    const age = 9000;
    const match = new TrajectoryMatch(paths);
    for (let k = 0; k < asset.t.length && asset.t[k] <= age; k++) match.update(asset.t[k], asset.y[k]);
    const matched = new KernelLifeFleet(lives);
    matched.setWeights(match.weights());
    const truth = 31_000 - age;
    expect(Math.abs(medianRemaining(matched, age) - truth) / truth).toBeLessThan(0.2);
  });

  it('weights are uniform before the first window and when the histories do not differ', () => {
    expect([...new TrajectoryMatch(paths).weights()]).toStrictEqual(lives.map(() => 1 / lives.length));
    const same = new TrajectoryMatch([path(1000, 0.5, 1, 1), path(1000, 0.5, 1, 1)]);
    same.update(100, 0.3);
    expect([...same.weights()]).toStrictEqual([0.5, 0.5]);
  });

  it('records a long history as at most PATH_POINTS bucket means plus its last point, keeping its shape', () => {
    const r = new PathRecorder();
    for (let t = 0; t <= 100_000; t += 10) r.push(t, t / 100_000);
    const p = r.path();
    expect(p.t.length).toBeLessThanOrEqual(PATH_POINTS + 1);
    expect(p.t.at(-1)).toBe(100_000);
    expect(p.y.at(-1)).toBe(1);
    for (const t of [5000, 50_000, 95_000]) expect(pathAt(p, t)).toBeCloseTo(t / 100_000, 2);
  });

  it("with fleetModel 'matched', the histories' paths travel with the fleet and a restored monitor continues bit for bit", () => {
    const training = [801, 802, 803].map((seed) => runToFailure(seed, 5000 + 1500 * (seed % 3)));
    const asset = runToFailure(901, 6000);
    const config = { rul: { fleetModel: 'matched' as const } };
    const fleet = learnFleet(training, config);
    expect(fleet.paths).toHaveLength(3);
    // Without trajectory matching the paths are not kept (they would only grow every saved state).
    expect(learnFleet(training, {}).paths).toBeUndefined();
    const run = (m: AssetMonitor, from = 0, to = asset.times.length) => monitorOutputs(m, asset, from, to);
    const straight = run(new AssetMonitor(config, fleet, 'a'));
    const plain = run(new AssetMonitor({}, fleet, 'a'));
    expect(straight.at(-50)!.rul).not.toStrictEqual(plain.at(-50)!.rul);
    const cut = asset.times.length - 100;
    const first = new AssetMonitor(config, fleet, 'a');
    const head = run(first, 0, cut);
    const restored = AssetMonitor.fromJSON(JSON.parse(JSON.stringify(first.toJSON())), 'a');
    expect([...head, ...run(restored, cut)]).toStrictEqual(straight);
  });
});
