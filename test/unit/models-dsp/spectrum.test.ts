import { describe, it } from 'vitest';
import { SpectrumAnalyzer } from '../../../models/dsp/spectrum.ts';
import { WelchSpectrum } from '../../../models/dsp/welch.ts';
import { makeWindow, WINDOW_KINDS, windowSums } from '../../../models/dsp/windows.ts';
import { gaussian } from './helpers/oracle.ts';
import { eachFftPrecision, expectAllClose, expectClose, fixture } from './helpers/tolerance.ts';

function tone(n: number, fs: number, hz: number, amplitude: number, phase = 0.3): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / fs + phase));
}

describe('windows', () => {
  it('match scipy.signal.get_window (periodic) for every kind', async () => {
    const fx = await fixture<{ length: number; windows: Record<string, number[]> }>('windows');
    for (const [kind, values] of Object.entries(fx.windows)) {
      expectAllClose(makeWindow(kind as never, fx.length), values, { abs: 1e-12 }, kind);
    }
  });

  it('Hann sums: coherent gain 1/2, noise bandwidth 1.5 bins', () => {
    const s = windowSums(makeWindow('hann', 1000));
    expectClose(s.s1, 500, { rel: 1e-12 }, 'S1');
    expectClose(s.enbwBins, 1.5, { rel: 1e-12 }, 'ENBW');
  });
});

eachFftPrecision('SpectrumAnalyzer amplitude and power scaling', () => {
  it('reads the amplitude of a sine on a bin, for every window and several sizes', () => {
    for (const kind of WINDOW_KINDS) {
      for (const n of [256, 1024, 4096]) {
        const fs = 1000;
        const bin = Math.round(n / 10);
        const hz = (bin * fs) / n;
        const sa = new SpectrumAnalyzer(n, n, kind);
        const amp = new Float64Array(sa.bins);
        sa.process(tone(n, fs, hz, 2.5));
        sa.amplitude(amp);
        expectClose(amp[bin], 2.5, { rel: 1e-9 }, `${kind} N=${n} amplitude at ${hz} Hz`);
      }
    }
  });

  it('flat top reads a sine between bins within 0.01 dB; Hann within its 1.42 dB scallop loss', () => {
    const n = 2048;
    const fs = 2048;
    for (const offset of [0.1, 0.25, 0.5]) {
      const hz = 300 + offset;
      for (const [kind, tolDb] of [
        ['flattop', 0.012],
        ['hann', 1.43],
      ] as const) {
        const sa = new SpectrumAnalyzer(n, n, kind);
        const amp = new Float64Array(sa.bins);
        sa.process(tone(n, fs, hz, 1));
        sa.amplitude(amp);
        const peak = Math.max(amp[300], amp[301]);
        expectClose(20 * Math.log10(peak), 0, { abs: tolDb }, `${kind} offset ${offset} bin`);
      }
    }
  });

  it("power sums to the windowed block's mean square (Parseval, exact), zero-padded or not", () => {
    for (const [len, fft] of [
      [1000, 1024],
      [1024, 1024],
      [3000, 4096],
    ]) {
      const x = gaussian(len, len);
      let mean = 0;
      for (const v of x) mean += v / len;
      const w = makeWindow('hann', len);
      const { s2 } = windowSums(w);
      let expected = 0;
      for (let i = 0; i < len; i++) expected += ((x[i] - mean) * w[i]) ** 2 / s2;
      const sa = new SpectrumAnalyzer(len, fft, 'hann');
      const p = new Float64Array(sa.bins);
      sa.process(x, mean);
      sa.power(p);
      expectClose(
        p.reduce((a, b) => a + b, 0),
        expected,
        { rel: 1e-10 },
        `sum of power, ${len} in ${fft}`,
      );
    }
  });

  it('a sine of amplitude A carries A^2/2 of power in its main lobe, and a DC offset reads at bin 0', () => {
    const n = 4096;
    const sa = new SpectrumAnalyzer(n, n, 'hann');
    const p = new Float64Array(sa.bins);
    const amp = new Float64Array(sa.bins);
    const x = tone(n, n, 500.3, 3).map((v) => v + 0.75);
    sa.process(x);
    sa.power(p);
    sa.amplitude(amp);
    let lobe = 0;
    for (let k = 497; k <= 504; k++) lobe += p[k];
    expectClose(lobe, 4.5, { rel: 2e-3 }, 'main-lobe power');
    expectClose(amp[0], 0.75, { rel: 1e-3 }, 'DC amplitude');
  });
});

eachFftPrecision('WelchSpectrum', () => {
  it('equals scipy.signal.welch (Hann, 50 % overlap) density x fs / nperseg', async () => {
    const fx = await fixture<{ sample_rate_hz: number; segment: number; input: number[]; density: number[] }>('welch');
    const w = new WelchSpectrum(fx.segment);
    const out = new Float64Array(w.bins);
    const count = w.process(out, fx.input, fx.input.length);
    expectClose(count, 15, { abs: 0 }, 'segments');
    const expected = fx.density.map((v) => (v * fx.sample_rate_hz) / fx.segment);
    expectAllClose(out, expected, { rel: 1e-9, abs: 1e-15 }, 'welch');
  });
});
