/** Peak search in spectra: the largest bin in a range, refined between bins. */

export interface SpectralPeak {
  /** Bin index of the largest value (-1 when the range is empty). */
  bin: number;
  /** Interpolated position in bins (fractional). */
  position: number;
  value: number;
}

export function emptyPeak(): SpectralPeak {
  return { bin: -1, position: -1, value: 0 };
}

/**
 * Largest spectrum[k] for k in [lo, hi] (clipped to the array), with a parabolic fit through the
 * log of the three bins around it (exact for a Gaussian-shaped lobe, within ~0.1 bin for the
 * Hann main lobe). `skip(k)` excludes bins (e.g. those of known machine lines).
 */
export function findPeak(out: SpectralPeak, spectrum: Float64Array, lo: number, hi: number, skip?: (k: number) => boolean): SpectralPeak {
  const a = Math.max(0, Math.ceil(lo));
  const b = Math.min(spectrum.length - 1, Math.floor(hi));
  let best = -1;
  let bestValue = -Infinity;
  for (let k = a; k <= b; k++) {
    if (skip?.(k)) continue;
    if (spectrum[k] > bestValue) {
      bestValue = spectrum[k];
      best = k;
    }
  }
  out.bin = best;
  out.value = best < 0 ? 0 : bestValue;
  out.position = best < 0 ? -1 : best + parabolicOffset(spectrum, best);
  return out;
}

/** Offset in (-0.5, 0.5) of the vertex of the parabola through log s[k-1], log s[k], log s[k+1]. */
export function parabolicOffset(s: Float64Array, k: number): number {
  if (k <= 0 || k >= s.length - 1) return 0;
  const l = s[k - 1];
  const c = s[k];
  const r = s[k + 1];
  if (!(l > 0 && c > 0 && r > 0)) return 0;
  const ll = Math.log(l);
  const lc = Math.log(c);
  const lr = Math.log(r);
  const den = ll - 2 * lc + lr;
  if (!(den < 0)) return 0;
  const d = (0.5 * (ll - lr)) / den;
  return d > 0.5 ? 0.5 : Math.max(d, -0.5);
}
