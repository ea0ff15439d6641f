/**
 * What a faster sensor sees above the band of a 12 kHz recording, built from physics and from
 * the rig's own 48 kHz healthy record (CWRU 97), for the unseen-recordings set (unseen-set.ts):
 *
 * - the fault's impacts ring every resonance of the structure, not only those below 6 kHz: a
 *   resonance band above it, amplitude-modulated by the record's own envelope (the envelope of
 *   its 1 kHz-0.45 fs band, where CWRU's impacts ring), at a level that is a fraction of the
 *   impact energy the record carries over the healthy rig's level in that band;
 * - the structure's and the flow's broadband that is not modulated by the fault, shaped as
 *   record 97 measures it at 48 kHz (6-12 kHz at 0.0168 g RMS, 12-18.75 kHz at 0.0023 g);
 * - the sensor's white noise floor (record 97 above 18.75 kHz: 0.0020 g over 4.75 kHz,
 *   i.e. 0.029 mg/sqrt(Hz)).
 *
 * The slow record itself is kept up to its usable band (fs / 2.56): above, its recorder's
 * anti-alias roll-off is replaced by the faster sensor's content (which starts there).
 *
 * Pure functions of their inputs and a seed (Gaussian noise by Box-Muller from mulberry32).
 */
import { USABLE_BANDWIDTH_FACTOR } from '../../models/bearing/kurtogram.ts';
import { nextPowerOfTwo } from '../../models/dsp/fft-size.ts';
import { HilbertEnvelope } from '../../models/dsp/hilbert.ts';
import { RealFft } from '../../models/dsp/real-fft.ts';
import { resample } from '../../models/dsp/resample.ts';
import { mulberry32 } from '../../models/dsp/seeded-random.ts';

/** Record 97 (CWRU healthy, 48 kHz, DE), measured: band RMS in g (see the header). */
export const RIG_48K = {
  impactBand: { lowHz: 1000, highHz: 5500, rmsG: 0.0622 },
  broadband: [
    { lowHz: 6000, highHz: 12_000, rmsG: 0.0168 },
    { lowHz: 12_000, highHz: 18_750, rmsG: 0.0023 },
  ],
  /** Sensor noise density, g / sqrt(Hz). */
  noiseDensity: 0.002 / Math.sqrt(4750),
} as const;

export interface HighBandOptions {
  /** Centre of the resonance the impacts ring above the original band, Hz. */
  resonanceHz: number;
  /** Its damping ratio (a mode's -3 dB width is 2 zeta f). */
  damping: number;
  /** Modulated resonance RMS as a fraction of the record's excess impact-band RMS over the healthy rig's. */
  impactShare: number;
  seed: number;
}

function gaussianNoise(n: number, seed: number): Float64Array {
  const rnd = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rnd(), 1e-300);
    const v = rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * Gaussian noise of length n at fs, shaped in the frequency domain by `gain(f)` and scaled to
 * `rms` (computed over the samples themselves, so the level is exact).
 */
export function shapedNoise(n: number, fs: number, gain: (hz: number) => number, rms: number, seed: number): Float64Array {
  const size = nextPowerOfTwo(n);
  const fft = new RealFft(size);
  const spectrum = new Float64Array(fft.outputLength);
  fft.forward(spectrum, gaussianNoise(size, seed));
  for (let k = 0; k <= size / 2; k++) {
    const g = gain((k * fs) / size);
    spectrum[2 * k] *= g;
    spectrum[2 * k + 1] *= g;
  }
  const time = new Float64Array(size);
  fft.inverse(time, spectrum);
  const out = time.slice(0, n);
  let s = 0;
  for (let i = 0; i < n; i++) s += out[i] * out[i];
  const scale = s > 0 ? rms / Math.sqrt(s / n) : 0;
  for (let i = 0; i < n; i++) out[i] *= scale;
  return out;
}

/** |H(f)| of a single mode (force to displacement, normalised to 1 at resonance). */
export function modeGain(hz: number, resonanceHz: number, damping: number): number {
  const r = hz / resonanceHz;
  return (2 * damping) / Math.sqrt((1 - r * r) ** 2 + (2 * damping * r) ** 2);
}

/** x low-passed at edgeHz in the frequency domain, with a raised-cosine taper `taperHz` wide below the edge. */
export function lowPass(x: Float64Array, fs: number, edgeHz: number, taperHz: number): Float64Array {
  const n = x.length;
  const size = nextPowerOfTwo(n);
  const fft = new RealFft(size);
  const s = new Float64Array(fft.outputLength);
  fft.forward(s, x);
  for (let k = 0; k <= size / 2; k++) {
    const f = (k * fs) / size;
    const g = f >= edgeHz ? 0 : f <= edgeHz - taperHz ? 1 : 0.5 + 0.5 * Math.cos((Math.PI * (f - (edgeHz - taperHz))) / taperHz);
    s[2 * k] *= g;
    s[2 * k + 1] *= g;
  }
  const time = new Float64Array(size);
  fft.inverse(time, s);
  return time.slice(0, n);
}

/** RMS of x in [lowHz, highHz] (one FFT, Parseval). */
export function bandRmsOf(x: ArrayLike<number>, fs: number, lowHz: number, highHz: number): number {
  const n = x.length;
  const size = nextPowerOfTwo(n);
  const fft = new RealFft(size);
  const s = new Float64Array(fft.outputLength);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  const padded = new Float64Array(size);
  for (let i = 0; i < n; i++) padded[i] = x[i] - mean;
  fft.forward(s, padded);
  let sum = 0;
  for (let k = Math.max(1, Math.ceil((lowHz * size) / fs)); k <= Math.min(size / 2 - 1, Math.floor((highHz * size) / fs)); k++)
    sum += s[2 * k] * s[2 * k] + s[2 * k + 1] * s[2 * k + 1];
  return Math.sqrt((2 * sum) / (size * n));
}

/**
 * The envelope of the record's impact band [1 kHz, 0.45 fs], normalised to mean 1: how the
 * fault's impacts come and go in time, which is what modulates every resonance they ring.
 */
export function impactEnvelope(x: ArrayLike<number>, fs: number): Float64Array {
  const n = x.length;
  const h = new HilbertEnvelope(n, nextPowerOfTwo(n));
  const env = new Float64Array(n);
  h.load(x);
  h.envelopeOfBand(env, RIG_48K.impactBand.lowHz, 0.45 * fs, fs);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += env[i];
  mean /= n;
  for (let i = 0; i < n; i++) env[i] = mean > 0 ? env[i] / mean : 1;
  return env;
}

/**
 * A 12 kHz record as a `factor` times faster sensor would have recorded it: resampled (the
 * anti-imaging resampler keeps its band and adds nothing above it), plus the high-band content
 * of the header.
 */
export function fasterSensor(x: ArrayLike<number>, fsIn: number, factor: number, o: HighBandOptions): Float32Array {
  const fsOut = fsIn * factor;
  // The slow recording is trusted up to its usable band, fs / 2.56: above it lies its own
  // recorder's anti-alias roll-off (CWRU's 4.7-6 kHz, where glitches live), which a faster
  // sensor does not have; there the faster sensor's own content takes over.
  const usableHz = fsIn / USABLE_BANDWIDTH_FACTOR;
  const up = lowPass(resample(x, factor, 1), fsOut, usableHz, 200);
  const n = up.length;
  // The impacts: the record's impact-band energy beyond the healthy rig's.
  const band = bandRmsOf(x, fsIn, RIG_48K.impactBand.lowHz, Math.min(RIG_48K.impactBand.highHz, 0.45 * fsIn));
  const excess = Math.sqrt(Math.max(0, band * band - RIG_48K.impactBand.rmsG ** 2));
  const envelope = resample(impactEnvelope(x, fsIn), factor, 1);
  const nyquist = fsOut / 2;
  const ring = shapedNoise(n, fsOut, (f) => (f > fsIn / 2 && f < 0.45 * fsOut ? modeGain(f, o.resonanceHz, o.damping) : 0), 1, o.seed);
  // Envelope x carrier, then scaled to the share of the excess (the product's RMS is measured).
  let s = 0;
  for (let i = 0; i < n; i++) {
    ring[i] *= Math.max(0, envelope[i]);
    s += ring[i] * ring[i];
  }
  const ringScale = s > 0 ? (o.impactShare * excess) / Math.sqrt(s / n) : 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = up[i] + ringScale * ring[i];
  // The rig's broadband above the original band, and the sensor's floor.
  RIG_48K.broadband.forEach((b, j) => {
    const lo = Math.max(b.lowHz, usableHz);
    const hi = Math.min(b.highHz, 0.45 * fsOut);
    if (hi <= lo) return;
    // The band's level scales with the part of it that the faster sensor passes.
    const rms = b.rmsG * Math.sqrt((hi - lo) / (b.highHz - b.lowHz));
    const noise = shapedNoise(n, fsOut, (f) => (f >= lo && f <= hi ? 1 : 0), rms, o.seed + 101 + j);
    for (let i = 0; i < n; i++) out[i] += noise[i];
  });
  const floor = shapedNoise(n, fsOut, (f) => (f > 0 && f < nyquist ? 1 : 0), RIG_48K.noiseDensity * Math.sqrt(nyquist), o.seed + 211);
  for (let i = 0; i < n; i++) out[i] += floor[i];
  return out;
}
