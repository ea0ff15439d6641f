/**
 * The simulator's random numbers: xoshiro128** is deterministic per seed and uniform; the
 * ziggurat normals have the moments and the tail mass of N(0, 1) (kurtosis matters: it is a
 * bearing-fault indicator, so healthy noise must have 3, not the 2.6–2.8 of cheap shortcuts).
 */
import { describe, expect, it } from 'vitest';
import { mixSeed, Xoshiro128 } from '../../../ingest/simulator/physics/prng.ts';

describe('Xoshiro128', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Xoshiro128(42);
    const b = new Xoshiro128(42);
    const c = new Xoshiro128(43);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
  });

  it('gives uniform numbers in [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new Xoshiro128(7);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      sq += u * u;
      bins[Math.floor(u * 10)]++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 3);
    for (const b of bins) expect(Math.abs(b - n / 10)).toBeLessThan(5 * Math.sqrt(n / 10)); // 5 sigma
  });

  it('gives normals with mean 0, variance 1, kurtosis 3 and the normal tail mass', () => {
    const r = new Xoshiro128(11);
    const n = 1_000_000;
    let m1 = 0,
      m2 = 0,
      m3 = 0,
      m4 = 0,
      beyond2 = 0,
      beyond3 = 0,
      beyond4 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.gaussian();
      m1 += x;
      m2 += x * x;
      m3 += x * x * x;
      m4 += x * x * x * x;
      const a = Math.abs(x);
      if (a > 2) beyond2++;
      if (a > 3) beyond3++;
      if (a > 4) beyond4++;
    }
    m1 /= n;
    m2 /= n;
    m3 /= n;
    m4 /= n;
    // Standard errors at n = 1e6: mean 0.001, variance 0.0014, skewness 0.0024, kurtosis 0.005.
    expect(Math.abs(m1)).toBeLessThan(0.005);
    expect(Math.abs(m2 - 1)).toBeLessThan(0.007);
    expect(Math.abs(m3)).toBeLessThan(0.012);
    expect(Math.abs(m4 / (m2 * m2) - 3)).toBeLessThan(0.025);
    // P(|x| > 2) = 0.04550, > 3 = 0.002700, > 4 = 6.33e-5 (counts ± 5 sigma of a binomial)
    for (const [count, p] of [
      [beyond2, 0.0455003],
      [beyond3, 0.0026998],
      [beyond4, 6.3342e-5],
    ] as const) {
      expect(Math.abs(count - n * p)).toBeLessThan(5 * Math.sqrt(n * p));
    }
  });
});
