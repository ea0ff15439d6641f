/**
 * Independent signal helpers for the simulator tests: a naive single-bin DFT, band-limited
 * velocity RMS, an envelope (band-pass, square, low-pass, decimate), moments. Deliberately not
 * the project's models (they are in flux) and not the simulator's own calibration code.
 */
import { parseMachine, type ValidMachine } from '../../ingest/simulator/fleet-config.ts';
import type { MachineSimulation } from '../../ingest/simulator/physics/machine-simulation.ts';

export const G0_MM_S2 = 9806.65;
export const START_MS = Date.UTC(2026, 0, 1);

/** A machine entry as a fleet file would give it (an 11 kW pump on 6205/6203 bearings). */
export function pumpEntry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'pump-1',
    type: 'pump',
    identification: { manufacturer: 'ACME', model: 'P-11', serialNumber: 'SN1' },
    ratedPowerKw: 11,
    nominalSpeedRpm: 1465,
    lineFrequencyHz: 50,
    poles: 4,
    operatingModes: [{ mode: 'full', durationS: 3600, loadPct: 90 }],
    bearings: { DE: '6205-2RS', NDE: '6203-2RS' },
    ...overrides,
  };
}

export function machine(overrides: Record<string, unknown> = {}): ValidMachine {
  return parseMachine(pumpEntry(overrides));
}

/** Consecutive blocks of every channel starting at the block that contains `fromMs`. */
export function record(sim: MachineSimulation, fromMs: number, blocks: number): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  const first = sim.channels[0];
  const seq0 = Math.floor((fromMs * first.sampleRateHz) / (1000 * first.blockSize));
  const buf = new Float32Array(first.blockSize);
  for (const ch of sim.channels) out[ch.id] = new Float64Array(blocks * ch.blockSize);
  for (let b = 0; b < blocks; b++) {
    for (const ch of sim.channels) {
      sim.renderBlock(ch.id, seq0 + b, buf);
      out[ch.id].set(buf, b * ch.blockSize);
    }
  }
  return out;
}

/** |X(f)| · 2 / Σw of a Hann-windowed signal at one frequency: the amplitude of a sinusoid at f. */
export function amplitudeAt(x: ArrayLike<number>, fs: number, f: number): number {
  const n = x.length;
  let re = 0;
  let im = 0;
  let wsum = 0;
  // Rotator recurrence, re-anchored every 1024 samples to keep it exact.
  const step = (2 * Math.PI * f) / fs;
  let cr = 1;
  let ci = 0;
  const dr = Math.cos(step);
  const di = Math.sin(step);
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) {
      cr = Math.cos(step * i);
      ci = -Math.sin(step * i);
    }
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    wsum += w;
    re += x[i] * w * cr;
    im += x[i] * w * ci;
    const t = cr * dr + ci * di;
    ci = ci * dr - cr * di;
    cr = t;
  }
  return (2 * Math.hypot(re, im)) / wsum;
}

/** Amplitude spectrum on a grid of frequencies. */
export function spectrum(x: ArrayLike<number>, fs: number, freqs: readonly number[]): number[] {
  return freqs.map((f) => amplitudeAt(x, fs, f));
}

/**
 * Velocity RMS (mm/s) in a band from acceleration (g), by a naive DFT of the whole record with
 * a Hann window (power normalised by Σw²) on the record's own bins.
 */
export function velocityRms(x: ArrayLike<number>, fs: number, lowHz = 10, highHz = 1000): number {
  const n = x.length;
  const w = new Float64Array(n);
  let w2 = 0;
  for (let i = 0; i < n; i++) {
    w[i] = (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)) * x[i];
    const h = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    w2 += h * h;
  }
  const df = fs / n;
  let sum = 0;
  for (let k = Math.ceil(lowHz / df); k <= Math.floor(highHz / df); k++) {
    const f = k * df;
    let re = 0;
    let im = 0;
    const step = (2 * Math.PI * k) / n;
    const dr = Math.cos(step);
    const di = Math.sin(step);
    let cr = 1;
    let ci = 0;
    for (let i = 0; i < n; i++) {
      if ((i & 1023) === 0) {
        // re-anchor the rotator so rounding cannot accumulate
        cr = Math.cos(step * i);
        ci = -Math.sin(step * i);
      }
      re += w[i] * cr;
      im += w[i] * ci;
      const t = cr * dr + ci * di;
      ci = ci * dr - cr * di;
      cr = t;
    }
    sum += (re * re + im * im) * (G0_MM_S2 / (2 * Math.PI * f)) ** 2;
  }
  return Math.sqrt((2 * sum) / (n * w2));
}

export function moments(x: ArrayLike<number>): { mean: number; rms: number; kurtosis: number; peak: number } {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i];
  mean /= x.length;
  let m2 = 0;
  let m4 = 0;
  let sq = 0;
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mean;
    m2 += d * d;
    m4 += d * d * d * d;
    sq += x[i] * x[i];
    peak = Math.max(peak, Math.abs(x[i]));
  }
  m2 /= x.length;
  m4 /= x.length;
  return { mean, rms: Math.sqrt(sq / x.length), kurtosis: m4 / (m2 * m2), peak };
}

/** RBJ cookbook biquad, run forward over the signal. */
function biquad(x: Float64Array, fs: number, f0: number, kind: 'lowpass' | 'highpass'): Float64Array {
  const w0 = (2 * Math.PI * f0) / fs;
  const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
  const cos = Math.cos(w0);
  const b = kind === 'lowpass' ? [(1 - cos) / 2, 1 - cos, (1 - cos) / 2] : [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2];
  const a0 = 1 + alpha;
  const a1 = -2 * cos;
  const a2 = 1 - alpha;
  const y = new Float64Array(x.length);
  let x1 = 0,
    x2 = 0,
    y1 = 0,
    y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = (b[0] * x[i] + b[1] * x1 + b[2] * x2 - a1 * y1 - a2 * y2) / a0;
    x2 = x1;
    x1 = x[i];
    y2 = y1;
    y1 = v;
    y[i] = v;
  }
  return y;
}

/**
 * Squared envelope: band-pass [lowHz, highHz] (two cascaded 2nd-order high- and low-pass
 * sections each), square, average and decimate by `decimate`. Returns the envelope and its rate.
 */
export function envelope(x: ArrayLike<number>, fs: number, lowHz: number, highHz: number, decimate = 8): { env: Float64Array; fs: number } {
  let y: Float64Array = Float64Array.from(x);
  y = biquad(biquad(y, fs, lowHz, 'highpass'), fs, lowHz, 'highpass');
  y = biquad(biquad(y, fs, highHz, 'lowpass'), fs, highHz, 'lowpass');
  const m = Math.floor(y.length / decimate);
  const env = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < decimate; j++) s += y[i * decimate + j] ** 2;
    env[i] = s / decimate;
  }
  let mean = 0;
  for (const v of env) mean += v;
  mean /= m;
  for (let i = 0; i < m; i++) env[i] -= mean;
  return { env, fs: fs / decimate };
}

/** Envelope-spectrum peak near `f` (± tolHz, on a 0.25·df grid) relative to the median level of 5–500 Hz. */
export function peakOverFloor(env: Float64Array, fs: number, f: number, tolHz: number, floor: number): number {
  let best = 0;
  const df = fs / env.length;
  for (let g = f - tolHz; g <= f + tolHz; g += df / 4) best = Math.max(best, amplitudeAt(env, fs, g));
  return best / floor;
}

export function spectrumFloor(env: Float64Array, fs: number, lowHz = 5, highHz = 500): number {
  const df = fs / env.length;
  const values: number[] = [];
  for (let f = lowHz; f <= highHz; f += df) values.push(amplitudeAt(env, fs, f));
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}
