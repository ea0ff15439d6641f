/**
 * Calibration of the anomaly score under the healthy baseline. With every feature two-sided and
 * the true covariance known, d2 would be chi-square(p); but features that only matter upward are
 * clipped at 0 (a vibration drop after run-in is not a fault), and the precision matrix is a
 * shrunk estimate, so d2 is smaller than chi-square(p) and a fixed chi-square calibration would
 * silently make alarms slower. Instead we draw baseline-like vectors from the baseline's own
 * correlation, compute their d2 exactly as the live score does, and match a scaled chi-square
 * a * chi2(nu) to its mean and variance (Satterthwaite). The draws use a fixed-seed generator so
 * the calibration is reproducible, and it runs once, when the baseline freezes.
 */

import { mulberry32 } from '../dsp/seeded-random.ts';
import { quadraticForm } from './mahalanobis.ts';

export interface ScoreCalibration {
  /** d2 / scale ~ chi-square(dof) under the baseline. */
  scale: number;
  dof: number;
}

/** Cholesky factor of a positive semi-definite matrix; directions with no variance get a zero column. */
export function semidefiniteCholesky(a: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    let d = a[j][j];
    for (let k = 0; k < j; k++) d -= l[j][k] * l[j][k];
    const tol = 1e-12 * Math.max(1, Math.abs(a[j][j]));
    if (d <= tol) continue; // zero (or round-off negative) variance left: nothing to draw here
    const ljj = Math.sqrt(d);
    l[j][j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = s / ljj;
    }
  }
  return l;
}

export function calibrateScore(
  correlation: readonly (readonly number[])[],
  precision: Float64Array,
  upward: readonly boolean[],
  draws = 4000,
  seed = 20240601,
): ScoreCalibration {
  const p = correlation.length;
  const chol = semidefiniteCholesky(correlation);
  const rnd = mulberry32(seed);
  const e = new Float64Array(p);
  const z = new Float64Array(p);
  let mean = 0;
  let m2 = 0;
  for (let k = 1; k <= draws; k++) {
    for (let i = 0; i < p; i += 1) {
      // Box-Muller; 1 - u keeps the log finite.
      const u = 1 - rnd();
      const v = rnd();
      e[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
    for (let i = 0; i < p; i++) {
      let s = 0;
      for (let j = 0; j <= i; j++) s += chol[i][j] * e[j];
      z[i] = upward[i] && s < 0 ? 0 : s;
    }
    const d2 = quadraticForm(precision, z, p);
    const delta = d2 - mean;
    mean += delta / k;
    m2 += delta * (d2 - mean);
  }
  const variance = m2 / (draws - 1);
  if (!(mean > 0) || !(variance > 0)) return { scale: 1, dof: p };
  return { scale: variance / (2 * mean), dof: (2 * mean * mean) / variance };
}

/** Mean and spread of max_f s_f max(0, Z_f) over baseline-like draws (no closed form with correlations). */
export function healthIndexMaxStats(
  correlation: readonly (readonly number[])[],
  scale: readonly number[],
  features: readonly number[],
  draws = 4000,
  seed = 20240602,
): { mean: number; sd: number } {
  const p = correlation.length;
  const chol = semidefiniteCholesky(correlation);
  const rnd = mulberry32(seed);
  const e = new Float64Array(p);
  let mean = 0;
  let m2 = 0;
  for (let k = 1; k <= draws; k++) {
    for (let i = 0; i < p; i++) e[i] = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    let hi = 0;
    for (const i of features) {
      let s = 0;
      for (let j = 0; j <= i; j++) s += chol[i][j] * e[j];
      const d = s * scale[i];
      if (d > hi) hi = d;
    }
    const delta = hi - mean;
    mean += delta / k;
    m2 += delta * (hi - mean);
  }
  return { mean, sd: Math.sqrt(m2 / (draws - 1)) };
}
