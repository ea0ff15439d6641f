/** FFT sizes: fft.js handles powers of two only, so records of any length are zero-padded up. */

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** Smallest power of two >= n (n >= 1). */
export function nextPowerOfTwo(n: number): number {
  if (!(n >= 1) || !Number.isFinite(n)) throw new RangeError(`nextPowerOfTwo: need a finite n >= 1, got ${n}`);
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
