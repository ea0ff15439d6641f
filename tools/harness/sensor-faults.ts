/**
 * Sensor faults on recorded data, shared by the sensor-check tests and the MODELS.md report: the
 * shared CWRU and FEMTO records cut into the windows the stream analyses, each fault injected into
 * a window as a failing chain would produce it, and the false-positive scan over every window.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RealFft } from '../../models/dsp/real-fft.ts';
import { mulberry32 } from '../../models/dsp/seeded-random.ts';
import type { SensorFault } from '../../models/sensor/sensor-check.ts';
import { WindowAnalyzer } from '../../models/window-analysis.ts';

export const SHARED_DATA = resolve(import.meta.dirname, '../../../shared/data');

export interface RecordSet {
  name: string;
  files: string[];
  sampleRateHz: number;
  /** Window length: 1 s for CWRU (the stream's windows), the 2560-sample snapshot for FEMTO. */
  windowSize: number;
  /** Hop between windows. */
  hop: number;
}

export function recordSets(): RecordSet[] {
  const dir = (d: string) =>
    readdirSync(resolve(SHARED_DATA, d))
      .filter((f) => f.endsWith('.f32'))
      .sort()
      .map((f) => resolve(SHARED_DATA, d, f));
  return [
    {
      name: 'CWRU 12 kHz (drive-end fault records, DE and FE channels)',
      files: dir('cwru/12k_DE'),
      sampleRateHz: 12_000,
      windowSize: 12_000,
      hop: 6_000,
    },
    // The healthy baseline record is sampled at 48 kHz (cwru/metadata.json, known issues).
    {
      name: 'CWRU 48 kHz (healthy record 97, DE and FE)',
      files: dir('cwru/normal'),
      sampleRateHz: 48_000,
      windowSize: 48_000,
      hop: 24_000,
    },
    {
      name: 'FEMTO PRONOSTIA 25.6 kHz (every snapshot, both axes)',
      files: dir('femto/raw'),
      sampleRateHz: 25_600,
      windowSize: 2_560,
      hop: 2_560,
    },
  ];
}

export function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export interface ScanResult {
  set: string;
  records: number;
  windows: number;
  flagged: number;
  /** Flagged windows per reason. */
  reasons: Partial<Record<SensorFault, number>>;
  /** Largest statistics over all windows, to show the margins. */
  max: { offsetStep: number; extremeSamples: number; heldShare: number; mainsShare: number };
  /** Smallest noise densities (g/sqrt(Hz)) over all windows. */
  min: { floor: number; topFloor: number };
}

/** Every window of every record of `set` through the window analysis (no bearing: the checks do not need one). */
export function scanSet(set: RecordSet): ScanResult {
  const analyzer = new WindowAnalyzer({ sampleRateHz: set.sampleRateHz, windowSize: set.windowSize });
  const r: ScanResult = {
    set: set.name,
    records: set.files.length,
    windows: 0,
    flagged: 0,
    reasons: {},
    max: { offsetStep: 0, extremeSamples: 0, heldShare: 0, mainsShare: 0 },
    min: { floor: Number.POSITIVE_INFINITY, topFloor: Number.POSITIVE_INFINITY },
  };
  for (const file of set.files) {
    const x = readF32(file);
    for (let s = 0; s + set.windowSize <= x.length; s += set.hop) {
      const a = analyzer.analyze(x.subarray(s, s + set.windowSize));
      r.windows++;
      if (a.sensor.status !== 'ok') {
        r.flagged++;
        for (const q of a.sensor.reasons) r.reasons[q] = (r.reasons[q] ?? 0) + 1;
      }
      const e = a.sensor.evidence!;
      r.max.offsetStep = Math.max(r.max.offsetStep, e.offset_step);
      r.max.extremeSamples = Math.max(r.max.extremeSamples, e.extreme_samples);
      r.max.heldShare = Math.max(r.max.heldShare, e.held_share);
      r.max.mainsShare = Math.max(r.max.mainsShare, e.mains_share);
      r.min.floor = Math.min(r.min.floor, e.floor_g_rt_hz);
      r.min.topFloor = Math.min(r.min.topFloor, e.top_floor_g_rt_hz);
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Injections: what a failing chain makes of a recorded window (a copy; the window is untouched).

export type RecordedFault = 'zero' | 'constant' | 'offset' | 'clip' | 'noiseless' | 'upsampled' | 'held' | 'mains';

/** The reason each injected fault must be reported with. */
export const EXPECTED_REASON: Record<RecordedFault, SensorFault> = {
  zero: 'flat_line',
  constant: 'flat_line',
  offset: 'offset_step',
  clip: 'clipping',
  noiseless: 'low_noise_floor',
  upsampled: 'sample_rate',
  held: 'sample_rate',
  mains: 'mains_only',
};

function rms(x: Float32Array): number {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let s = 0;
  for (const v of x) s += (v - m) * (v - m);
  return Math.sqrt(s / x.length);
}

/**
 * `x` (fs) with the fault injected; `upsampled` returns 2 x.length samples (declare 2 fs: a gateway
 * that resamples a sensor read at fs to the declared rate with a proper anti-alias interpolator).
 */
export function inject(fault: RecordedFault, x: Float32Array, fs: number, lineHz = 60, seed = 7): Float32Array {
  const n = x.length;
  const spread = rms(x);
  switch (fault) {
    case 'zero':
      return new Float32Array(n);
    case 'constant':
      // A frozen gateway register: the last value, forever.
      return new Float32Array(n).fill(x[0]);
    case 'offset': {
      // The chain's bias jumps by ten spreads a third of the way in (a connector, an IEPE bias shift).
      const y = Float32Array.from(x);
      for (let i = Math.floor(n / 3); i < n; i++) y[i] += 10 * spread;
      return y;
    }
    case 'clip': {
      // An input range of two spreads: the amplifier saturates on every larger swing.
      const rail = 2 * spread;
      return Float32Array.from(x, (v) => Math.max(-rail, Math.min(rail, v)));
    }
    case 'noiseless': {
      // A test generator left on the channel: the record's 1X..3X as pure tones, no sensor noise.
      return Float32Array.from(
        { length: n },
        (_, i) => spread * (Math.sin((2 * Math.PI * 29.95 * i) / fs) + 0.3 * Math.sin((2 * Math.PI * 59.9 * i) / fs + 1)),
      );
    }
    case 'upsampled':
      return upsample2(x);
    case 'held':
      // A gateway filling the declared rate from a sensor read at half of it: each sample twice.
      return Float32Array.from(x, (_, i) => x[i - (i % 2)]);
    case 'mains': {
      // A broken cable: the grid's hum (odd harmonics) over a DAQ's own noise (4.4 µg/√Hz).
      const u = mulberry32(seed);
      const noise = 4.4e-6 * Math.sqrt(fs / 2);
      return Float32Array.from({ length: n }, (_, i) => {
        const t = i / fs;
        const g = Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());
        return (
          0.02 *
            (Math.sin(2 * Math.PI * lineHz * t) + 0.3 * Math.sin(6 * Math.PI * lineHz * t) + 0.1 * Math.sin(10 * Math.PI * lineHz * t)) +
          noise * g
        );
      });
    }
  }
}

/** Band-limited interpolation by 2 (zero-padding the spectrum): nothing above the original Nyquist. */
function upsample2(x: Float32Array): Float32Array {
  let size = 1;
  while (size < x.length) size *= 2;
  const fwd = new RealFft(size);
  const spec = new Float64Array(fwd.outputLength);
  const padded = new Float64Array(size);
  padded.set(x);
  fwd.forward(spec, padded);
  const inv = new RealFft(2 * size);
  const wide = new Float64Array(inv.outputLength);
  // Bins 0..size/2 carry over (interleaved re, im); the new upper half stays zero.
  wide.set(spec.subarray(0, size + 2));
  const y = new Float64Array(2 * size);
  inv.inverse(y, wide);
  const out = new Float32Array(2 * x.length);
  for (let i = 0; i < out.length; i++) out[i] = 2 * y[i];
  return out;
}
