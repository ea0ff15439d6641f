/**
 * Order statistics in place, O(n) on average (Hoare's selection): the medians of the noise
 * floors and the sensor checks, taken for every window, where a sort would cost O(n log n).
 */

/** The k-th smallest of a[from, to) (k an index into a, from <= k < to); partially reorders that range. */
export function selectInPlace(a: Float64Array, from: number, to: number, k: number): number {
  let lo = from;
  let hi = to - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/** The median of a[from, to) (the upper one of an even count), 0 when the range is empty; partially reorders it. */
export function medianInPlace(a: Float64Array, from: number, to: number): number {
  if (to <= from) return 0;
  return selectInPlace(a, from, to, from + ((to - from) >> 1));
}
