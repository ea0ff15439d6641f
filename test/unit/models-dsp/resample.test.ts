/**
 * The rational resampler (models/dsp/resample.ts) against a slow direct oracle written here from
 * the textbook definition (each output a sum over every input sample of the continuous windowed
 * sinc, with I0 by numerical integration, not the product's series), and against exact
 * analytic tones: flat passband, stopband attenuation, a tone keeps its frequency and amplitude.
 */
import { describe, expect, it } from 'vitest';
import { besselI0, designResampler, kaiserBeta, resample, resampledLength } from '../../../models/dsp/resample.ts';
import { gaussian } from './helpers/oracle.ts';

/** I0(x) = (1/pi) integral_0^pi exp(x cos t) dt, by the trapezoid rule (spectrally accurate for periodic integrands). */
function i0ByIntegral(x: number): number {
  const n = 400;
  let s = 0;
  for (let k = 0; k <= n; k++) {
    const w = k === 0 || k === n ? 0.5 : 1;
    s += w * Math.exp(x * Math.cos((Math.PI * k) / n));
  }
  return s / n;
}

/**
 * Direct oracle: y(t) = sum_i x[i] g(t - i / fsIn), g the Kaiser-windowed ideal low-pass with
 * cut-off fc (Hz) and half-length T (s), scaled to unit gain at DC in the input's sample grid.
 */
function directResample(x: ArrayLike<number>, fsIn: number, fsOut: number, fcHz: number, halfSeconds: number, beta: number): Float64Array {
  const out = new Float64Array(resampledLength(x.length, fsOut / gcd(fsOut, fsIn), fsIn / gcd(fsOut, fsIn)));
  const i0b = i0ByIntegral(beta);
  for (let m = 0; m < out.length; m++) {
    const t = m / fsOut;
    let acc = 0;
    for (let i = 0; i < x.length; i++) {
      const dt = t - i / fsIn;
      // The window ends on a tap (its edge value is small, not zero): a rounding of dt must not drop it.
      if (Math.abs(dt) > halfSeconds * (1 + 1e-12)) continue;
      const arg = 2 * fcHz * dt;
      const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      const r = dt / halfSeconds;
      acc += x[i] * ((2 * fcHz) / fsIn) * sinc * (i0ByIntegral(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b);
    }
    out[m] = acc;
  }
  return out;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function tone(n: number, fs: number, f: number, a: number, phase = 0.3): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = a * Math.cos(2 * Math.PI * f * (i / fs) + phase);
  return x;
}

/** Amplitude and phase of a tone at f by least squares on [from, to) (the resampled record's interior). */
function fitTone(y: Float64Array, fs: number, f: number, from: number, to: number): { amplitude: number; residualRms: number } {
  let cc = 0;
  let ss = 0;
  let cs = 0;
  let yc = 0;
  let ys = 0;
  for (let i = from; i < to; i++) {
    const c = Math.cos((2 * Math.PI * f * i) / fs);
    const s = Math.sin((2 * Math.PI * f * i) / fs);
    cc += c * c;
    ss += s * s;
    cs += c * s;
    yc += y[i] * c;
    ys += y[i] * s;
  }
  const det = cc * ss - cs * cs;
  const a = (yc * ss - ys * cs) / det;
  const b = (ys * cc - yc * cs) / det;
  let r = 0;
  for (let i = from; i < to; i++) {
    const e = y[i] - (a * Math.cos((2 * Math.PI * f * i) / fs) + b * Math.sin((2 * Math.PI * f * i) / fs));
    r += e * e;
  }
  return { amplitude: Math.hypot(a, b), residualRms: Math.sqrt(r / (to - from)) };
}

function rms(y: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += y[i] * y[i];
  return Math.sqrt(s / (to - from));
}

describe('resample', () => {
  it('I0 and the Kaiser beta follow their definitions', () => {
    for (const x of [0, 0.5, 3, 8.96, 20]) expect(besselI0(x)).toBeCloseTo(i0ByIntegral(x), 6 - Math.log10(besselI0(x)));
    expect(kaiserBeta(90)).toBeCloseTo(0.1102 * 81.3, 12);
    expect(kaiserBeta(10)).toBe(0);
  });

  for (const [up, down] of [
    [4, 1],
    [2, 1],
    [1, 4],
    [3, 2],
  ] as const) {
    it(`${up}/${down} equals the slow direct windowed-sinc sum sample for sample`, () => {
      const fsIn = 12_000;
      const fsOut = (fsIn * up) / down;
      const x = gaussian(240, 7 + up + down);
      const y = resample(x, up, down);
      const d = designResampler(up, down);
      const rateUp = fsIn * d.up;
      const fc = d.cutoff * rateUp;
      const half = (d.taps - 1) / 2 / rateUp;
      const oracle = directResample(x, fsIn, fsOut, fc, half, d.beta);
      expect(y.length).toBe(oracle.length);
      let worst = 0;
      for (let m = 0; m < y.length; m++) worst = Math.max(worst, Math.abs(y[m] - oracle[m]));
      expect(worst).toBeLessThan(1e-9);
    });
  }

  it('12 -> 48 kHz: passband tones keep frequency and amplitude (flat within 0.001 dB); images stay 85 dB down', () => {
    const fsIn = 12_000;
    const n = 12_000;
    for (const f of [30, 162.2, 1000, 3100, 4700, 5100]) {
      const y = resample(tone(n, fsIn, f, 1), 4, 1);
      const interior = [2000, y.length - 2000] as const;
      const fit = fitTone(y, 48_000, f, ...interior);
      expect(Math.abs(20 * Math.log10(fit.amplitude)), `${f} Hz`).toBeLessThan(0.001);
      // What is not the tone (its images at 12 kHz +/- f, 24 kHz +/- f ...) is more than 85 dB below it.
      expect(20 * Math.log10(fit.residualRms / (1 / Math.SQRT2)), `${f} Hz`).toBeLessThan(-85);
    }
  });

  it('48 -> 12 kHz: what lies above the new Nyquist frequency is attenuated by at least 85 dB; the passband is flat', () => {
    const fsIn = 48_000;
    const n = 48_000;
    for (const f of [6000, 7000, 11_000, 18_000, 23_000]) {
      const y = resample(tone(n, fsIn, f, 1), 1, 4);
      expect(20 * Math.log10(rms(y, 500, y.length - 500) / (1 / Math.SQRT2)), `${f} Hz`).toBeLessThan(-85);
    }
    for (const f of [50, 2000, 5000]) {
      const y = resample(tone(n, fsIn, f, 0.7), 1, 4);
      expect(Math.abs(20 * Math.log10(fitTone(y, 12_000, f, 500, y.length - 500).amplitude / 0.7)), `${f} Hz`).toBeLessThan(0.001);
    }
  });

  it('refuses factors and options out of range, naming them', () => {
    expect(() => resample([1, 2, 3], 0, 1)).toThrow(/up must be an integer/);
    expect(() => resample([1, 2, 3], 2, 1.5)).toThrow(/down must be an integer/);
    expect(() => resample([1, 2, 3], 2, 1, { passband: 1 })).toThrow(/passband/);
    expect(() => resample([1, 2, 3], 2, 1, { attenuationDb: 5 })).toThrow(/attenuationDb/);
    expect(resample([], 2, 1).length).toBe(0);
  });
});
