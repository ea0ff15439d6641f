/**
 * Calibration of a fault's scale: the amplitude at which severity 1 puts the vibration of the
 * fault's location exactly at its failure threshold.
 *
 * The metric (band-limited velocity RMS, or broadband acceleration RMS) is a quadratic form Q of
 * the signal, so with the healthy machine `a` and the fault at unit scale `b`:
 *   Q(a + K·b) = Q(a) + 2K·Q(a,b) + K²·Q(b) = threshold²
 * is solved for K on each axis of the location; the smallest K (the axis that reaches the
 * threshold first) is the scale. Both signals are rendered by the real renderer at the typical
 * operating point, four windows of 1.28 s after a warm-up that lets the resonators settle.
 */
import { RealFft } from '../../../models/dsp/real-fft.ts';
import type { FaultType, Location } from '../fleet-config.ts';
import { type BlockConditions, G0, locationPositions, type VibrationModel } from './vibration-model.ts';

export type FailureMetric =
  | { kind: 'velocity'; thresholdMmS: number; bandLowHz: number; bandHighHz: number }
  | { kind: 'acceleration'; thresholdG: number };

const FS = 25_600;
const BLOCK = 2_048;
const N = 32_768;
const WARMUP_BLOCKS = 2;
/**
 * Consecutive windows averaged. Sparse impacts make the velocity of one second scatter by about
 * ±15 %; one 1.28 s window left the scale up to ~25 % off, four (5.1 s) bring it within ~±7 %.
 */
const WINDOWS = 4;

export interface CalibrationResult {
  scale: number;
  /** Healthy metric per axis of the location (mm/s or g). */
  healthy: number[];
  /** Position ids of the location, in the order of `healthy`. */
  positions: number[];
}

export function calibrateFault(
  model: VibrationModel,
  fault: { type: FaultType; location: Location },
  metric: FailureMetric,
  cond: BlockConditions,
  seed: number,
): CalibrationResult {
  const positions = locationPositions(fault.location);
  const healthyRender = signalRenderer(model, positions, cond, seed, null);
  const unitRender = signalRenderer(model, positions, cond, seed + 1, fault);
  const threshold = metric.kind === 'velocity' ? metric.thresholdMmS : metric.thresholdG;
  const target = threshold * threshold;
  let scale = Number.POSITIVE_INFINITY;
  const healthyLevels: number[] = [];
  const fft = metric.kind === 'velocity' ? new RealFft(N) : null;
  const forms = positions.map(() => [0, 0, 0]);
  for (let w = 0; w < WINDOWS; w++) {
    const healthy = healthyRender();
    const unit = unitRender();
    for (let c = 0; c < positions.length; c++) {
      const q =
        metric.kind === 'velocity'
          ? velocityForms(fft!, healthy[c], unit[c], metric.bandLowHz, metric.bandHighHz)
          : accelerationForms(healthy[c], unit[c]);
      for (let i = 0; i < 3; i++) forms[c][i] += q[i] / WINDOWS;
    }
  }
  for (let c = 0; c < positions.length; c++) {
    const [qa, qb, qab] = forms[c];
    healthyLevels.push(Math.sqrt(qa));
    if (qa >= target || qb <= 0) continue;
    const disc = qab * qab - qb * (qa - target);
    const k = (-qab + Math.sqrt(disc)) / qb;
    if (k > 0 && k < scale) scale = k;
  }
  return { scale, healthy: healthyLevels, positions };
}

/** A function returning the next N samples per position (the renderer's state carries on between windows). */
function signalRenderer(
  model: VibrationModel,
  positions: number[],
  cond: BlockConditions,
  seed: number,
  fault: { type: FaultType; location: Location } | null,
): () => Float64Array[] {
  const r = model.createRenderer(positions, FS, BLOCK, seed);
  const faults = fault ? [{ type: fault.type, location: fault.location, severity: 1, scale: 1 }] : [];
  const sources = fault ? [model.createSource(fault.type, fault.location, positions, seed)] : [];
  model.fill(r, positions, cond, faults, sources, fault ? { baseline: false, noise: false } : { baseline: true, noise: true });
  const block = positions.map(() => new Float64Array(BLOCK));
  for (let b = 0; b < WARMUP_BLOCKS; b++) r.render(block);
  const signals = positions.map(() => new Float64Array(N));
  return () => {
    for (let b = 0; b < N / BLOCK; b++) {
      r.render(block);
      for (let c = 0; c < positions.length; c++) signals[c].set(block[c], b * BLOCK);
    }
    return signals;
  };
}

/** Q(a), Q(b), Q(a,b) for the mean square of acceleration. */
function accelerationForms(a: Float64Array, b: Float64Array): [number, number, number] {
  let aa = 0;
  let bb = 0;
  let ab = 0;
  for (let i = 0; i < a.length; i++) {
    aa += a[i] * a[i];
    bb += b[i] * b[i];
    ab += a[i] * b[i];
  }
  return [aa / a.length, bb / a.length, ab / a.length];
}

/** Q(a), Q(b), Q(a,b) for the mean square of velocity (mm/s) in a band, from Hann-windowed spectra. */
function velocityForms(fft: RealFft, a: Float64Array, b: Float64Array, lowHz: number, highHz: number): [number, number, number] {
  const n = a.length;
  const win = new Float64Array(n);
  let w2 = 0;
  for (let i = 0; i < n; i++) {
    win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    w2 += win[i] * win[i];
  }
  const spectrum = (x: Float64Array) => {
    const xw = new Float64Array(n);
    for (let i = 0; i < n; i++) xw[i] = x[i] * win[i];
    const out = new Float64Array(fft.outputLength);
    fft.forward(out, xw);
    return out;
  };
  const sa = spectrum(a);
  const sb = spectrum(b);
  let qa = 0;
  let qb = 0;
  let qab = 0;
  const df = FS / n;
  for (let k = Math.ceil(lowHz / df); k <= Math.floor(highHz / df); k++) {
    const toVel = (G0 / (2 * Math.PI * k * df)) ** 2;
    qa += (sa[2 * k] ** 2 + sa[2 * k + 1] ** 2) * toVel;
    qb += (sb[2 * k] ** 2 + sb[2 * k + 1] ** 2) * toVel;
    qab += (sa[2 * k] * sb[2 * k] + sa[2 * k + 1] * sb[2 * k + 1]) * toVel;
  }
  const norm = 2 / (n * w2);
  return [qa * norm, qb * norm, qab * norm];
}
