/** Seeded synthetic feature streams for the anomaly and health tests (independent of the models' own generator). */

/** xorshift32: a tiny seeded generator, so every test run sees the same stream. */
export function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return (x + 0.5) / 4294967296;
  };
}

export function gaussian(rnd: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
}

/** Healthy vibration-like features: positive amplitudes, a kurtosis near 3, a signed feature, with some correlation. */
export function healthyWindow(g: () => number): Record<string, number> {
  const common = g();
  return {
    rms: 0.5 * Math.exp(0.05 * (0.7 * common + 0.7 * g())),
    peak: 2.0 * Math.exp(0.08 * (0.7 * common + 0.7 * g())),
    kurtosis: 3 * Math.exp(0.04 * g()),
    offset: 0.01 * g(),
  };
}
