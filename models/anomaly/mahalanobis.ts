/**
 * Squared Mahalanobis distance z' P z with a precomputed precision matrix, and its calibration to
 * a standard normal score. Allocation-free: it runs once per window per machine.
 */

/** z' P z for a row-major p x p precision matrix. */
export function quadraticForm(precision: Float64Array, z: Float64Array, p: number): number {
  let sum = 0;
  for (let i = 0; i < p; i++) {
    const zi = z[i];
    if (zi === 0) continue; // one-sided features are often clipped to 0
    const row = i * p;
    let acc = 0;
    for (let j = 0; j < p; j++) acc += precision[row + j] * z[j];
    sum += zi * acc;
  }
  return sum;
}

/**
 * Wilson-Hilferty (1931): for D2 ~ chi-square(p), ((D2/p)^(1/3) - (1 - 2/(9p))) / sqrt(2/(9p)) is
 * close to standard normal. It puts scores of any feature count on one scale, so one alarm level
 * (e.g. 3) means the same false-alarm rate whether a machine has 4 features or 40.
 */
export function chiSquareToNormal(d2: number, p: number): number {
  const v = 2 / (9 * p);
  return (Math.cbrt(Math.max(0, d2) / p) - (1 - v)) / Math.sqrt(v);
}
