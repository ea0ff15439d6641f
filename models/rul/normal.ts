/**
 * ln erfc(x) for x >= 0 by Numerical Recipes' Chebyshev fit (relative error < 1.2e-7), taken in
 * logs so it never underflows: far tails (kernel-fleet.ts) need the log itself.
 */
export function logErfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  return (
    Math.log(t) -
    x * x -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  );
}

/** erfc by the same fit. */
function erfc(x: number): number {
  const r = Math.exp(logErfc(Math.abs(x)));
  return x >= 0 ? r : 2 - r;
}

export function normalCdf(x: number): number {
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x === Number.NEGATIVE_INFINITY) return 0;
  return 0.5 * erfc(-x / Math.SQRT2);
}
