import { describe, expect, it } from 'vitest';
import { RunningMoments } from '../../../models/anomaly/running-moments.ts';
import { oasShrinkage } from '../../../models/anomaly/shrinkage-covariance.ts';
import { gaussian, seeded } from '../../../tools/harness/synthetic-features.ts';

function twoPassCovariance(xs: number[][]): { mean: number[]; cov: number[][] } {
  const n = xs.length;
  const p = xs[0].length;
  const mean = Array.from({ length: p }, (_, j) => xs.reduce((a, x) => a + x[j], 0) / n);
  const cov = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p }, (_, j) => xs.reduce((a, x) => a + (x[i] - mean[i]) * (x[j] - mean[j]), 0) / (n - 1)),
  );
  return { mean, cov };
}

function frobenius(a: number[][], b: number[][]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < a.length; j++) s += (a[i][j] - b[i][j]) ** 2;
  return Math.sqrt(s);
}

describe('running moments', () => {
  it('equal a two-pass mean and covariance, also for data far from zero', () => {
    const g = gaussian(seeded(3));
    const xs = Array.from({ length: 500 }, () => [1e6 + g(), 3 * g(), -2 + 0.01 * g()]);
    const m = new RunningMoments(3);
    for (const x of xs) m.push(x);
    const ref = twoPassCovariance(xs);
    for (let j = 0; j < 3; j++) expect(m.mean[j]).toBeCloseTo(ref.mean[j], 6);
    const cov = m.covariance();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(cov[i][j]).toBeCloseTo(ref.cov[i][j], 8);
  });
});

describe('OAS shrinkage', () => {
  // A correlated 10-dimensional truth, estimated from 20 samples: the regime of a short baseline.
  const p = 10;
  const truth = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => 0.5 ** Math.abs(i - j)));
  const chol = truth.map(() => new Array<number>(p).fill(0));
  for (let j = 0; j < p; j++) {
    let d = truth[j][j];
    for (let k = 0; k < j; k++) d -= chol[j][k] ** 2;
    chol[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < p; i++) {
      let s = truth[i][j];
      for (let k = 0; k < j; k++) s -= chol[i][k] * chol[j][k];
      chol[i][j] = s / chol[j][j];
    }
  }

  it('is closer to the true covariance than the sample covariance when samples are few', () => {
    const g = gaussian(seeded(5));
    let sampleErr = 0;
    let shrunkErr = 0;
    for (let trial = 0; trial < 50; trial++) {
      const xs = Array.from({ length: 20 }, () => {
        const e = Array.from({ length: p }, () => g());
        return chol.map((row) => row.reduce((a, c, k) => a + c * e[k], 0));
      });
      const { cov } = twoPassCovariance(xs);
      sampleErr += frobenius(cov, truth);
      shrunkErr += frobenius(oasShrinkage(cov, 20).covariance, truth);
    }
    expect(shrunkErr).toBeLessThan(0.9 * sampleErr);
  });

  it('shrinks less as samples grow, and makes a singular covariance invertible', () => {
    const g = gaussian(seeded(6));
    const draw = () => {
      const e = Array.from({ length: p }, () => g());
      return chol.map((row) => row.reduce((a, c, k) => a + c * e[k], 0));
    };
    const sample = (n: number) => twoPassCovariance(Array.from({ length: n }, draw)).cov;
    const few = oasShrinkage(sample(15), 15).shrinkage;
    const many = oasShrinkage(sample(5000), 5000).shrinkage;
    expect(many).toBeLessThan(few);
    expect(many).toBeLessThan(0.1);
    expect(many).toBeGreaterThanOrEqual(0);
    // Third feature constant: a zero row and column.
    const singular = [
      [1, 0.5, 0],
      [0.5, 1, 0],
      [0, 0, 0],
    ];
    const shrunk = oasShrinkage(singular, 30);
    expect(shrunk.shrinkage).toBeGreaterThan(0);
    expect(shrunk.covariance[2][2]).toBeGreaterThan(0);
  });
});
