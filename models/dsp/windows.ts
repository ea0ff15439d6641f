/**
 * Window functions and the sums that correct spectra for them. Windows are "periodic" (DFT-even,
 * as scipy.signal.get_window's default): w[n] = f(2 pi n / L) for n = 0..L-1, which is what a
 * spectrum analyser wants (exact bins, no leakage for periodic signals on a bin).
 */

export type WindowKind = 'rectangular' | 'hann' | 'hamming' | 'blackman-harris' | 'flattop';

/** Cosine-sum coefficients a0 - a1 cos(x) + a2 cos(2x) - a3 cos(3x) + a4 cos(4x). */
const COSINE_SUM: Record<WindowKind, readonly number[]> = {
  rectangular: [1],
  hann: [0.5, 0.5],
  hamming: [0.54, 0.46],
  // 4-term Blackman-Harris (Harris 1978), -92 dB side lobes.
  'blackman-harris': [0.35875, 0.48829, 0.14128, 0.01168],
  // Flat top as in scipy.signal.windows.flattop (amplitude accurate to ~0.01 dB).
  flattop: [0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368],
};

export const WINDOW_KINDS = Object.keys(COSINE_SUM) as WindowKind[];

/** Fills `out` (its whole length) with the periodic window. */
export function fillWindow(out: Float64Array, kind: WindowKind): Float64Array {
  const a = COSINE_SUM[kind];
  if (a === undefined) throw new RangeError(`unknown window '${String(kind)}'; known: ${WINDOW_KINDS.join(', ')}`);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = (2 * Math.PI * i) / n;
    let v = a[0];
    for (let k = 1; k < a.length; k++) v += (k % 2 === 1 ? -a[k] : a[k]) * Math.cos(k * x);
    out[i] = v;
  }
  return out;
}

export function makeWindow(kind: WindowKind, length: number): Float64Array {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`window length must be a positive integer, got ${length}`);
  return fillWindow(new Float64Array(length), kind);
}

/**
 * S1 = sum w (coherent gain x L: a sine of amplitude A reads A*S1/2 at its bin) and
 * S2 = sum w^2 (noise power gain: Parseval for a windowed signal). ENBW in bins = L*S2/S1^2.
 */
export interface WindowSums {
  s1: number;
  s2: number;
  enbwBins: number;
}

export function windowSums(w: Float64Array): WindowSums {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < w.length; i++) {
    s1 += w[i];
    s2 += w[i] * w[i];
  }
  return { s1, s2, enbwBins: (w.length * s2) / (s1 * s1) };
}
