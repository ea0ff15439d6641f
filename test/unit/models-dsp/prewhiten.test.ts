/**
 * Cepstral pre-whitening (models/dsp/prewhiten.ts): every bin to unit magnitude with its phase
 * kept, so a machine's strong lines no longer hide the impacts beneath them.
 */
import { describe, expect, it } from 'vitest';
import { prewhitenSpectrum } from '../../../models/dsp/prewhiten.ts';
import { RealFft } from '../../../models/dsp/real-fft.ts';
import { gaussian } from './helpers/oracle.ts';

function kurtosis(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - m;
    m2 += d * d;
    m4 += d ** 4;
  }
  return m4 / x.length / (m2 / x.length) ** 2;
}

describe('prewhitenSpectrum', () => {
  it('sets every bin to unit magnitude with its phase kept, and leaves bins of zero magnitude at zero', () => {
    const spectrum = Float64Array.from([0, 0, 3, 4, -2, 0, 0, -0.5, 1e-12, 1e-12]);
    prewhitenSpectrum(spectrum);
    expect(spectrum[0]).toBe(0);
    expect(spectrum[1]).toBe(0);
    for (const [re, im, phase] of [
      [spectrum[2], spectrum[3], Math.atan2(4, 3)],
      [spectrum[4], spectrum[5], Math.PI],
      [spectrum[6], spectrum[7], -Math.PI / 2],
      [spectrum[8], spectrum[9], Math.PI / 4],
    ]) {
      expect(Math.hypot(re, im)).toBeCloseTo(1, 12);
      expect(Math.atan2(im, re)).toBeCloseTo(phase, 12);
    }
  });

  it('brings out impacts hidden under a strong machine line', () => {
    // A shaft line 100 times the impacts' amplitude, weak noise, an impact every 97 samples.
    const n = 8192;
    const noise = gaussian(n, 3, 0.01);
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 10 * Math.sin((2 * Math.PI * 50 * i) / n) + noise[i] + (i % 97 === 0 ? 1 : 0);
    const fft = new RealFft(n, { precision: 'float64' });
    const spectrum = new Float64Array(fft.outputLength);
    fft.forward(spectrum, x);
    prewhitenSpectrum(spectrum);
    const white = new Float64Array(n);
    fft.inverse(white, spectrum);
    // The raw signal is a sine (kurtosis 1.5); whitened, the impacts dominate it.
    expect(kurtosis(x)).toBeLessThan(2);
    expect(kurtosis(white)).toBeGreaterThan(20);
  });
});
