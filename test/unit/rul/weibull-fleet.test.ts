import { describe, expect, it } from 'vitest';
import { WeibullFleet, weibullMle } from '../../../models/rul/weibull-fleet.ts';
import { seeded } from '../../../tools/harness/synthetic-features.ts';

// Lifetimes drawn from a known Weibull by inverse transform: T = scale * (-ln U)^(1/shape).
function lifetimes(n: number, shape: number, scale: number, seed: number): number[] {
  const rnd = seeded(seed);
  return Array.from({ length: n }, () => scale * (-Math.log(rnd())) ** (1 / shape));
}

const trueCdf = (x: number, shape: number, scale: number) => 1 - Math.exp(-((x / scale) ** shape));

describe('fleet life distribution (Bayesian Weibull)', () => {
  const shape = 2.5;
  const scale = 10_000;
  const fleet = new WeibullFleet(lifetimes(2000, shape, scale, 1));

  it('with many histories, its conditional remaining-life CDF approaches the true one at every age', () => {
    for (const age of [0, 5000, 10_000, 15_000]) {
      const sAge = 1 - trueCdf(age, shape, scale);
      for (const r of [500, 2000, 5000, 10_000]) {
        const truth = 1 - (1 - trueCdf(age + r, shape, scale)) / sAge;
        expect(Math.abs(fleet.conditionalCdf(r, age) - truth)).toBeLessThan(0.03);
      }
    }
    expect(fleet.shapeMean).toBeGreaterThan(2.1);
    expect(fleet.shapeMean).toBeLessThan(2.9);
  });

  it('with two histories, stays wide: the 90 % range of a new life spans more than the two lifetimes', () => {
    const two = new WeibullFleet([9100, 5140]);
    const quantile = (q: number) => {
      let lo = 0;
      let hi = 1e7;
      for (let i = 0; i < 100; i++) {
        const mid = (lo + hi) / 2;
        if (two.conditionalCdf(mid, 0) < q) lo = mid;
        else hi = mid;
      }
      return lo;
    };
    expect(quantile(0.05)).toBeLessThan(5140);
    expect(quantile(0.95)).toBeGreaterThan(9100);
  });

  it('maximum likelihood recovers the shape and scale from many lifetimes', () => {
    const fit = weibullMle(lifetimes(2000, shape, scale, 2));
    expect(fit.shape).toBeGreaterThan(2.3);
    expect(fit.shape).toBeLessThan(2.7);
    expect(Math.abs(fit.scale / scale - 1)).toBeLessThan(0.03);
  });

  it('rejects lifetimes that are not positive', () => {
    expect(() => new WeibullFleet([100, 0])).toThrow('lifetimes must be positive finite seconds');
  });
});
