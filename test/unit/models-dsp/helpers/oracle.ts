/**
 * Slow, obviously-correct references for the DSP tests: the O(N^2) DFT straight from its
 * definition, and a seeded random generator so sweeps are reproducible.
 */

import { mulberry32 as seededRandom } from '../../../../models/dsp/seeded-random.ts';

export { seededRandom };

/** X[k] = sum_n x[n] e^{-2 pi i k n / N} for complex x (re, im); returns [re, im]. */
export function naiveDft(re: ArrayLike<number>, im: ArrayLike<number> | undefined, inverse = false): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      // (k * j) mod n keeps the angle small, so the reference itself stays accurate at large n.
      const a = (sign * 2 * Math.PI * ((k * j) % n)) / n;
      const xr = re[j];
      const xi = im === undefined ? 0 : im[j];
      sr += xr * Math.cos(a) - xi * Math.sin(a);
      si += xr * Math.sin(a) + xi * Math.cos(a);
    }
    outRe[k] = inverse ? sr / n : sr;
    outIm[k] = inverse ? si / n : si;
  }
  return [outRe, outIm];
}

/** Standard normal samples (Box-Muller) from a seeded generator. */
export function gaussian(n: number, seed: number, sigma = 1): Float64Array {
  const rnd = seededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rnd(), 1e-300);
    const v = rnd();
    const r = sigma * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}
