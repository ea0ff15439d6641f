import { describe, expect, it } from 'vitest';
import { BrownianTrend, type DegradationPrior, newPosterior, updatePosterior } from '../../../models/rul/exponential-degradation.ts';
import { normalCdf } from '../../../models/rul/normal.ts';
import type { TrendSums } from '../../../models/rul/onset-cusum.ts';
import { gaussian, seeded } from '../../../tools/harness/synthetic-features.ts';

function grid(horizon: number, n = 400): Float64Array {
  const r = new Float64Array(n);
  for (let i = 1; i < n; i++) r[i] = horizon * Math.exp(Math.log(1e-6) * (1 - (i - 1) / (n - 2)));
  return r;
}

function sumsOf(taus: number[], ls: number[]): TrendSums {
  const s: TrendSums = { n: 0, st: 0, stt: 0, sl: 0, stl: 0, sll: 0, sdd: 0, lastL: 0, firstL: ls[0], lastTau: taus[taus.length - 1] };
  for (let i = 0; i < taus.length; i++) {
    if (i > 0) s.sdd += (ls[i] - ls[i - 1]) ** 2;
    s.n++;
    s.st += taus[i];
    s.stt += taus[i] ** 2;
    s.sl += ls[i];
    s.stl += taus[i] * ls[i];
    s.sll += ls[i] ** 2;
  }
  s.lastL = ls[ls.length - 1];
  return s;
}

describe('Brownian first passage', () => {
  it('equals the inverse Gaussian CDF when the drift is known', () => {
    const t = new BrownianTrend();
    t.level = 0.2;
    t.mBeta = 1e-4;
    t.vBeta = 0;
    t.diffusion = 2e-5;
    const r = grid(50_000);
    const out = new Float64Array(r.length);
    t.cdfOnGrid(out, r, 1.0);
    // Inverse Gaussian first passage of a = 0.8 with drift mu and diffusion s2 (textbook closed form).
    const a = 0.8;
    const mu = 1e-4;
    const s2 = 2e-5;
    for (const target of [2000, 6000, 8000, 12_000, 20_000]) {
      const i = r.findIndex((x) => x >= target);
      const x = r[i];
      const ig = normalCdf((mu * x - a) / Math.sqrt(s2 * x)) + Math.exp((2 * mu * a) / s2) * normalCdf(-(mu * x + a) / Math.sqrt(s2 * x));
      expect(Math.abs(out[i] - ig)).toBeLessThan(0.005);
    }
  });

  it('with an uncertain drift, matches simulated paths', () => {
    const t = new BrownianTrend();
    t.level = 0;
    t.mBeta = 2e-4;
    t.vBeta = 8e-5 ** 2;
    t.diffusion = 1e-5;
    const r = grid(100_000);
    const out = new Float64Array(r.length);
    t.cdfOnGrid(out, r, 1.0);
    // Monte Carlo: draw a drift, walk in 10 s steps, record the first crossing.
    const g = gaussian(seeded(9));
    const dt = 10;
    const crossings: number[] = [];
    for (let p = 0; p < 3000; p++) {
      const beta = t.mBeta + Math.sqrt(t.vBeta) * g();
      let x = 0;
      let time = 0;
      while (time < 30_000 && x < 1) {
        x += beta * dt + Math.sqrt(t.diffusion * dt) * g();
        time += dt;
      }
      crossings.push(x >= 1 ? time : Number.POSITIVE_INFINITY);
    }
    for (const target of [3000, 5000, 8000, 15_000]) {
      const i = r.findIndex((x) => x >= target);
      const simulated = crossings.filter((c) => c <= r[i]).length / crossings.length;
      expect(Math.abs(out[i] - simulated)).toBeLessThan(0.03);
    }
  });

  it('reports the threshold reached when the level is already past it', () => {
    const t = new BrownianTrend();
    t.level = 1.2;
    t.mBeta = 0;
    t.vBeta = 1e-10;
    t.diffusion = 1e-5;
    const r = grid(1000);
    const out = new Float64Array(r.length);
    t.cdfOnGrid(out, r, 1.0);
    expect(out[0]).toBe(1);
  });

  it('estimates the drift from the rise since onset and the diffusion from the wander about the line', () => {
    const g = gaussian(seeded(10));
    const taus: number[] = [];
    const ls: number[] = [];
    let x = 0;
    for (let i = 0; i < 3000; i++) {
      taus.push(i * 10);
      ls.push(x);
      x += 5e-5 * 10 + Math.sqrt(4e-6 * 10) * g();
    }
    const vague: DegradationPrior = {
      meanTheta: 0,
      meanBeta: 0,
      varTheta: 100,
      varBeta: 1,
      covThetaBeta: 0,
      noiseVar: 1,
      noiseWeight: 1e-6,
      diffusion: 1,
      diffusionWeightS: 0,
    };
    const t = new BrownianTrend().update(sumsOf(taus, ls), vague);
    expect(Math.abs(t.mBeta - 5e-5)).toBeLessThan(3 * Math.sqrt(t.vBeta));
    expect(t.diffusion).toBeGreaterThan(4e-6 / 3);
    expect(t.diffusion).toBeLessThan(4e-6 * 3);
  });
});

describe('white-noise degradation posterior (conjugate normal)', () => {
  it('recovers intercept and slope of a noisy line, with an interval that covers them', () => {
    const g = gaussian(seeded(11));
    const taus = Array.from({ length: 400 }, (_, i) => i * 10);
    const ls = taus.map((t) => 0.1 + 2e-4 * t + 0.05 * g());
    const prior: DegradationPrior = {
      meanTheta: 0,
      meanBeta: 0,
      varTheta: 1,
      varBeta: 1e-6,
      covThetaBeta: 0,
      noiseVar: 0.05 ** 2,
      noiseWeight: 10,
      diffusion: 1,
      diffusionWeightS: 0,
    };
    const p = updatePosterior(newPosterior(), sumsOf(taus, ls), prior, false);
    expect(Math.abs(p.mBeta - 2e-4)).toBeLessThan(2.5 * Math.sqrt(p.vBeta));
    expect(Math.abs(p.mTheta - 0.1)).toBeLessThan(2.5 * Math.sqrt(p.vTheta));
    expect(Math.sqrt(p.noiseVar)).toBeCloseTo(0.05, 2);
  });

  it('divides the information by the autocorrelation of smoothed data', () => {
    const g = gaussian(seeded(12));
    const taus = Array.from({ length: 400 }, (_, i) => i * 10);
    let e = 0;
    const ls = taus.map((t) => {
      e = 0.95 * e + 0.05 * g(); // strongly autocorrelated noise
      return 0.1 + 2e-4 * t + e;
    });
    const prior: DegradationPrior = {
      meanTheta: 0,
      meanBeta: 0,
      varTheta: 1,
      varBeta: 1e-6,
      covThetaBeta: 0,
      noiseVar: 0.01,
      noiseWeight: 1,
      diffusion: 1,
      diffusionWeightS: 0,
    };
    const naive = updatePosterior(newPosterior(), sumsOf(taus, ls), prior, false);
    const corrected = updatePosterior(newPosterior(), sumsOf(taus, ls), prior, true);
    expect(corrected.informationFactor).toBeLessThan(0.1);
    expect(corrected.vBeta).toBeGreaterThan(5 * naive.vBeta);
  });
});
