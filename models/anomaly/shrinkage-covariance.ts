/**
 * Oracle Approximating Shrinkage (Chen, Wiesel, Eldar & Hero 2010), the refinement of the
 * Ledoit & Wolf (2004) estimator: Sigma = (1 - rho) S + rho (tr(S)/p) I, with rho chosen from S
 * and the sample count alone. A baseline of a few dozen windows gives a noisy, often singular
 * sample covariance (a feature that never moved has a zero row); shrinking toward a scaled
 * identity makes it well conditioned and invertible, and it needs no fourth moments, so it works
 * from the online moments of `RunningMoments`.
 */

export interface ShrunkCovariance {
  covariance: number[][];
  /** Shrinkage intensity rho in [0, 1]: 0 = sample covariance, 1 = scaled identity. */
  shrinkage: number;
}

export function oasShrinkage(sample: number[][], count: number): ShrunkCovariance {
  const p = sample.length;
  let trace = 0;
  let traceOfSquare = 0;
  for (let i = 0; i < p; i++) {
    trace += sample[i][i];
    for (let j = 0; j < p; j++) traceOfSquare += sample[i][j] * sample[j][i];
  }
  const mu = trace / p;
  const numerator = (1 - 2 / p) * traceOfSquare + trace * trace;
  const denominator = (count + 1 - 2 / p) * (traceOfSquare - (trace * trace) / p);
  // denominator 0: S is already a multiple of the identity (or zero), nothing to shrink toward.
  const rho = denominator <= 0 ? 1 : Math.min(1, numerator / denominator);
  const covariance = sample.map((row, i) => row.map((v, j) => (1 - rho) * v + (i === j ? rho * mu : 0)));
  return { covariance, shrinkage: rho };
}
