/**
 * The kernel fleet life distribution (models/rul/kernel-fleet.ts): the training lives themselves,
 * each smeared by a log-normal kernel whose width is cross-validated on them.
 */
import { describe, expect, it } from 'vitest';
import { crossValidatedBandwidth, FATIGUE_LOG_LIFE_SD, KernelLifeFleet, logNormalTail } from '../../../models/rul/kernel-fleet.ts';
import { MonitorConfigSpec } from '../../../models/rul/monitor-config.ts';
import { normalCdf } from '../../../models/rul/normal.ts';
import { replay } from '../../../models/rul/replay.ts';
import { WeibullFleet } from '../../../models/rul/weibull-fleet.ts';
import { gaussian, seeded } from '../../../tools/harness/synthetic-features.ts';

/** The r at which a conditional CDF reaches q (bisection). */
function quantile(cdf: (r: number) => number, q: number): number {
  let lo = 0;
  let hi = 1e8;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < q) lo = mid;
    else hi = mid;
  }
  return lo;
}

describe('kernel fleet life distribution', () => {
  it('the normal tail in logs matches the direct value where both are exact, and stays finite far out', () => {
    for (const z of [-3, 0, 2, 4.9, 5.1, 7]) expect(logNormalTail(z)).toBeCloseTo(Math.log(normalCdf(-z)), 4);
    expect(Number.isFinite(logNormalTail(60))).toBe(true);
    expect(logNormalTail(60)).toBeLessThan(logNormalTail(40));
  });

  it('with many lives from a known log-normal, its conditional remaining-life CDF approaches the true one', () => {
    const g = gaussian(seeded(3));
    const mu = Math.log(10_000);
    const sd = 0.4;
    const fleet = new KernelLifeFleet(Array.from({ length: 1500 }, () => Math.exp(mu + sd * g())));
    const trueS = (x: number) => 1 - normalCdf((Math.log(x) - mu) / sd);
    for (const age of [0, 5000, 10_000, 15_000]) {
      for (const r of [1000, 3000, 8000]) {
        const truth = 1 - trueS(age + r) / trueS(age);
        expect(Math.abs(fleet.conditionalCdf(r, age) - truth), `age ${age}, r ${r}`).toBeLessThan(0.06); // ~1500 lives: a few hundred left past 15 000 s
      }
    }
    // The cross-validated width shrinks with the sample (it is a smoothing width, not the spread).
    expect(fleet.bandwidth).toBeLessThan(sd / 2);
  });

  it('cross-validates its width on the lives: narrow for lives in tight clusters, the fatigue scatter with fewer than three', () => {
    const clustered = [5190, 5345, 5933, 16_360, 17_200].map(Math.log);
    const spread = [2000, 5000, 9000, 20_000, 45_000].map(Math.log);
    const hClustered = crossValidatedBandwidth(clustered, 0.01, 1);
    const hSpread = crossValidatedBandwidth(spread, 0.01, 1);
    expect(hClustered).toBeLessThan(hSpread);
    expect(new KernelLifeFleet([9100, 5140]).bandwidth).toBe(FATIGUE_LOG_LIFE_SD);
  });

  it('an asset that outlived the short cluster is given the next history still running, where one Weibull through both clusters gives a longer and wider life', () => {
    const lives = [5190, 5345, 5933, 16_360, 17_200];
    const kernel = new KernelLifeFleet(lives);
    const weibull = new WeibullFleet(lives);
    const age = 6500; // past all three short lives
    const kMedian = quantile((r) => kernel.conditionalCdf(r, age), 0.5);
    const wMedian = quantile((r) => weibull.conditionalCdf(r, age), 0.5);
    // The two histories still running at 6500 s failed 9 900 and 10 700 s later.
    expect(kMedian).toBeGreaterThan(8000);
    expect(kMedian).toBeLessThan(12_000);
    const kWidth = quantile((r) => kernel.conditionalCdf(r, age), 0.95) / quantile((r) => kernel.conditionalCdf(r, age), 0.05);
    const wWidth = quantile((r) => weibull.conditionalCdf(r, age), 0.95) / quantile((r) => weibull.conditionalCdf(r, age), 0.05);
    expect(kWidth).toBeLessThan(wWidth);
    expect(wMedian).not.toBeCloseTo(kMedian, -3);
  });

  it('past every training life, the remaining life shrinks as the asset ages (pessimistic where the histories say nothing)', () => {
    const kernel = new KernelLifeFleet([8000, 9000, 10_000, 12_000]);
    const medians = [13_000, 16_000, 20_000, 30_000].map((age) => quantile((r) => kernel.conditionalCdf(r, age), 0.5));
    for (let i = 1; i < medians.length; i++) expect(medians[i]).toBeLessThan(medians[i - 1]);
    expect(medians.every((m) => m > 0)).toBe(true);
  });

  it('takes its width from rul.kernelBandwidth when a plant sets it: a wider kernel, a wider interval on the fleet basis', () => {
    // Flat histories (no degradation): the remaining life comes from the fleet alone.
    const flat = (lifeS: number) => {
      const times = Array.from({ length: Math.floor(lifeS / 10) + 1 }, (_, i) => 10 * i);
      const noise = gaussian(seeded(lifeS));
      return { name: `life ${lifeS}`, times, rows: times.map(() => ({ x: 1 + 0.01 * noise() })) };
    };
    const train = [8000, 9000, 10_000, 16_000, 17_000].map(flat);
    const asset = flat(6000);
    const spread = (h: number) => {
      const rows = replay(asset, train, { anomaly: { features: ['x'] }, onset: { threshold: 1e12 }, rul: { kernelBandwidth: h } }).rows;
      const last = rows[rows.length - 1];
      expect(last.rul_basis).toBe('fleet');
      return last.rul_s!.upper / last.rul_s!.lower;
    };
    expect(spread(0.5)).toBeGreaterThan(2 * spread(0.05));
    expect(() => MonitorConfigSpec.parse({ rul: { kernelBandwidth: 0 } })).toThrow(/kernelBandwidth/);
  });
});
