/**
 * Remaining life calibrated on the training histories (models/rul/calibration.ts, the inner
 * leave-one-out in fleet-training.ts) and the "first of trend and fleet" combination
 * (rul-distribution.ts).
 */
import { describe, expect, it } from 'vitest';
import { AssetMonitor, newAssetStatus } from '../../../models/rul/asset-monitor.ts';
import { conformalScale, pointFactor, type RulCalibrationCases, residualKernel } from '../../../models/rul/calibration.ts';
import type { TrendModel } from '../../../models/rul/exponential-degradation.ts';
import { fleetFromSummaries, innerLeaveOneOut, learnFleet, summarizeHistory } from '../../../models/rul/fleet-training.ts';
import { KernelLifeFleet } from '../../../models/rul/kernel-fleet.ts';
import { normalCdf } from '../../../models/rul/normal.ts';
import { type RulEstimate, RulSolver } from '../../../models/rul/rul-distribution.ts';
import { monitorOutputs, runToFailure } from './synthetic-runs.ts';

/** A trend whose first passage is log-normal about `median` seconds with log spread `sd`. */
const logNormalTrend = (median: number, sd: number): TrendModel => ({
  cdfOnGrid(out, r) {
    for (let i = 0; i < r.length; i++) out[i] = r[i] > 0 ? normalCdf(Math.log(r[i] / median) / sd) : 0;
  },
});

function solve(
  trend: TrendModel | null,
  fleet: KernelLifeFleet | null,
  age: number,
  first = false,
): { solver: RulSolver; out: RulEstimate } {
  const solver = new RulSolver();
  const out: RulEstimate = { median: 0, lower: 0, upper: 0, point: 0 };
  const ok = solver.solve(out, {
    trend,
    tau: 0,
    logThresholds: [1],
    fleet,
    age,
    stageFleet: null,
    trendWeight: 1,
    fallbackToFleet: true,
    firstOfTrendAndFleet: first,
    horizon: 1e6,
    coverage: 0.9,
    limit: null,
  });
  expect(ok).toBe(true);
  return { solver, out };
}

/** Cases where the truth sits at `at` times the model's half-width from the median, alternately above and below. */
function casesAt(at: readonly number[], halfWidth = 1): RulCalibrationCases {
  return {
    logRatio: at.map((a, k) => (k % 2 === 0 ? 1 : -1) * a * halfWidth),
    logBelow: at.map(() => halfWidth),
    logAbove: at.map(() => halfWidth),
    logRatioPoint: at.map((a, k) => (k % 2 === 0 ? 1 : -1) * a * halfWidth),
  };
}

describe('calibration on the training histories', () => {
  it('widens an interval the truth fell outside of, narrows one it always fell deep inside', () => {
    const outside = casesAt(Array.from({ length: 20 }, (_, k) => 1.5 + 0.1 * k));
    const inside = casesAt(Array.from({ length: 20 }, (_, k) => 0.1 + 0.02 * k));
    expect(conformalScale(outside, 0.9)).toBeGreaterThan(1);
    expect(conformalScale(inside, 0.9)).toBeLessThan(1);
    // The conformal rank: ceil(21 x 0.9) = 19th smallest of 20 scores.
    expect(conformalScale(inside, 0.9)).toBeCloseTo(0.1 + 0.02 * 18, 12);
    // Too few cases: not applied.
    expect(conformalScale(casesAt([2, 2, 2]), 0.9)).toBeNaN();
  });

  it("'scale' stretches the distribution about its median in log: interval ends by the factor, the point lower when widened", () => {
    const { solver, out } = solve(logNormalTrend(1000, 0.3), null, 0);
    const before = { ...out };
    solver.calibrate(out, { method: 'scale', scale: 2 }, 0.9, 1e6);
    expect(out.median).toBeCloseTo(before.median, -1);
    expect(Math.log(out.upper / out.median)).toBeCloseTo(2 * Math.log(before.upper / before.median), 1);
    expect(Math.log(out.median / out.lower)).toBeCloseTo(2 * Math.log(before.median / before.lower), 1);
    expect(out.point).toBeLessThan(before.point);
    const narrowed = solve(logNormalTrend(1000, 0.3), null, 0);
    narrowed.solver.calibrate(narrowed.out, { method: 'scale', scale: 0.5 }, 0.9, 1e6);
    expect(narrowed.out.upper / narrowed.out.lower).toBeLessThan(before.upper / before.lower);
    expect(narrowed.out.point).toBeGreaterThan(before.point);
  });

  it("'residual' replaces the spread by the inner errors: a model half as long as the truth on every history is doubled", () => {
    const errors = Array.from({ length: 30 }, (_, k) => Math.LN2 + 0.05 * Math.sin(k));
    const k = residualKernel({ logRatio: errors, logBelow: errors.map(() => 1), logAbove: errors.map(() => 1) })!;
    const { solver, out } = solve(logNormalTrend(1000, 0.05), null, 0);
    solver.calibrate(out, { method: 'residual', ...k }, 0.9, 1e6);
    expect(out.median / 1000).toBeCloseTo(2, 1);
    expect(out.lower).toBeGreaterThan(1000);
  });

  it('the point factor pulls the point down when the points were too long on the histories, up when too short', () => {
    const long = casesAt(Array.from({ length: 10 }, () => 0));
    long.logRatioPoint = Array.from({ length: 10 }, () => -Math.log(1.5)); // points 1.5x the truth
    expect(Math.abs(Math.log(pointFactor(long) * 1.5))).toBeLessThanOrEqual(0.006); // a 0.01-neper grid
    long.logRatioPoint = Array.from({ length: 10 }, () => Math.log(2)); // points half the truth
    expect(Math.abs(Math.log(pointFactor(long) / 2))).toBeLessThanOrEqual(0.006);
  });

  it('the inner leave-one-out cases are what the monitor says at the cuts of each history, with the fleet of the others', () => {
    const histories = [501, 502, 503, 504].map((seed) => runToFailure(seed, 5000 + 1500 * (seed % 3)));
    const config = { rul: { calibration: { method: 'none' as const } } };
    const summaries = histories.map((h) => summarizeHistory(h, config));
    const fractions = [0.6, 0.8];
    const cases = innerLeaveOneOut(histories, summaries, config, fractions);
    expect(cases.logRatio).toHaveLength(histories.length * fractions.length);
    // Recompute history 2 at 80 % of its life by an ordinary replay with the others' fleet.
    const j = 2;
    const h = histories[j];
    const m = new AssetMonitor(config, fleetFromSummaries(summaries.filter((_, k) => k !== j)), h.name);
    const end = h.times[h.times.length - 1];
    let row = newAssetStatus();
    let at = 0;
    for (let i = 0; i < h.times.length && h.times[i] <= 0.8 * end; i++) {
      row = m.update(newAssetStatus(), h.times[i], h.rows[i]);
      at = h.times[i];
    }
    expect(cases.logRatio[j * 2 + 1]).toBeCloseTo(Math.log((end - at) / row.rul.median), 12);
    // learnFleet stores them with the fleet when a calibration is asked for, not otherwise.
    expect(learnFleet(histories, { rul: { calibration: { method: 'residual', fractions } } }).calibration?.logRatio).toStrictEqual(
      cases.logRatio,
    );
    expect(learnFleet(histories, config).calibration).toBeUndefined();
  });
});

describe('a calibrated monitor', () => {
  const training = [601, 602, 603, 604].map((seed) => runToFailure(seed, 5000 + 1500 * (seed % 3)));
  const asset = runToFailure(701, 6000);

  it.each(['scale', 'residual'] as const)(
    "'%s': the cases travel with the fleet, change the remaining life, and a restored monitor continues bit for bit",
    (method) => {
      const config = { rul: { calibration: { method } } };
      const fleet = learnFleet(training, config);
      expect(fleet.calibration!.logRatio.length).toBeGreaterThanOrEqual(training.length * 5);
      const run = (m: AssetMonitor, from = 0, to = asset.times.length) => monitorOutputs(m, asset, from, to);
      const straight = run(new AssetMonitor(config, fleet, 'a'));
      const plain = run(new AssetMonitor({}, fleet, 'a'));
      const last = straight.length - 50;
      expect(straight[last].rul).not.toStrictEqual(plain[last].rul);
      const cut = asset.times.length - 100;
      const first = new AssetMonitor(config, fleet, 'a');
      const head = run(first, 0, cut);
      const restored = AssetMonitor.fromJSON(JSON.parse(JSON.stringify(first.toJSON())), 'a');
      expect([...head, ...run(restored, cut)]).toStrictEqual(straight);
    },
  );
});

describe('first of trend and fleet', () => {
  it('fails no later than either: its CDF is 1 - (1 - F_trend)(1 - F_fleet), its median below both', () => {
    const trend = logNormalTrend(3000, 0.4);
    const fleet = new KernelLifeFleet([6000, 7000, 9000, 12_000]);
    const age = 4000;
    const firstOf = solve(trend, fleet, age, true).out;
    const trendOnly = solve(trend, null, age).out;
    const fleetOnly = solve(null, fleet, age).out;
    expect(firstOf.median).toBeLessThan(Math.min(trendOnly.median, fleetOnly.median));
    // Median of the first of two independent lives: F_trend(m) + F_fleet(m) - F_trend F_fleet = 1/2.
    const m = firstOf.median;
    const ft = normalCdf(Math.log(m / 3000) / 0.4);
    const ff = fleet.conditionalCdf(m, age);
    expect(1 - (1 - ft) * (1 - ff)).toBeCloseTo(0.5, 2);
  });
});
