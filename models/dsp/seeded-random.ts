/**
 * mulberry32: a small, fast, seedable uniform generator on [0, 1). Deterministic draws make
 * calibrations, test signals and oracles reproducible; not for anything that needs
 * cryptographic or long-period randomness (period 2^32).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
