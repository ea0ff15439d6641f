import { expect, it } from 'vitest';
import { BandPassFilter } from '../../../models/dsp/bandpass.ts';
import { HilbertEnvelope } from '../../../models/dsp/hilbert.ts';
import { gaussian } from './helpers/oracle.ts';
import { eachFftPrecision, expectAllClose, expectClose, fixture } from './helpers/tolerance.ts';

eachFftPrecision('HilbertEnvelope', () => {
  it('equals |scipy.signal.hilbert(x)| (committed fixture)', async () => {
    const fx = await fixture<{ input: number[]; envelope: number[] }>('hilbert');
    const h = new HilbertEnvelope(fx.input.length, fx.input.length);
    const out = new Float64Array(fx.input.length);
    h.process(out, fx.input);
    expectAllClose(out, fx.envelope, { abs: 1e-10 }, 'envelope');
  });

  it('recovers the modulation of an AM tone whose carrier sits on a bin', () => {
    const n = 4096;
    const fs = 4096;
    const x = Float64Array.from(
      { length: n },
      (_, i) => (1 + 0.6 * Math.cos((2 * Math.PI * 8 * i) / fs)) * Math.sin((2 * Math.PI * 512 * i) / fs),
    );
    const h = new HilbertEnvelope(n, n);
    const out = new Float64Array(n);
    h.process(out, x);
    const expected = Float64Array.from({ length: n }, (_, i) => 1 + 0.6 * Math.cos((2 * Math.PI * 8 * i) / fs));
    expectAllClose(out, expected, { abs: 1e-9 }, 'AM envelope');
  });

  it('demodulates only the asked band: the envelope of a band holding one of two AM tones', () => {
    const n = 8192;
    const fs = 8192;
    const a = (i: number) => (1 + 0.5 * Math.cos((2 * Math.PI * 16 * i) / fs)) * Math.sin((2 * Math.PI * 1000 * i) / fs);
    const b = (i: number) => (1 + 0.9 * Math.cos((2 * Math.PI * 40 * i) / fs)) * Math.sin((2 * Math.PI * 3000 * i) / fs);
    const x = Float64Array.from({ length: n }, (_, i) => a(i) + b(i));
    const h = new HilbertEnvelope(n, n);
    const out = new Float64Array(n);
    h.load(x);
    h.envelopeOfBand(out, 2800, 3200, fs);
    expectAllClose(
      out,
      Float64Array.from({ length: n }, (_, i) => 1 + 0.9 * Math.cos((2 * Math.PI * 40 * i) / fs)),
      { abs: 1e-9 },
      'band envelope',
    );
  });
});

eachFftPrecision('BandPassFilter', () => {
  it('equals numpy rfft -> zero bins outside -> irfft (committed fixture)', async () => {
    const fx = await fixture<{ sample_rate_hz: number; low_hz: number; high_hz: number; input: number[]; output: number[] }>('bandpass');
    const n = fx.input.length;
    const bp = new BandPassFilter({ signalLength: n, fftSize: n, sampleRateHz: fx.sample_rate_hz, lowHz: fx.low_hz, highHz: fx.high_hz });
    const out = new Float64Array(n);
    bp.process(out, fx.input);
    expectAllClose(out, fx.output, { abs: 1e-12 }, 'band-passed');
  });

  it('passes an in-band tone unchanged and removes out-of-band noise', () => {
    const n = 4096;
    const fs = 4096;
    const tone = Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * 700 * i) / fs));
    const x = tone.map((v, i) => v + 0.5 * Math.sin((2 * Math.PI * 100 * i) / fs) + 0.5 * Math.sin((2 * Math.PI * 1900 * i) / fs));
    const bp = new BandPassFilter({ signalLength: n, fftSize: n, sampleRateHz: fs, lowHz: 500, highHz: 900 });
    const out = new Float64Array(n);
    bp.process(out, x);
    expectAllClose(out, tone, { abs: 1e-9 }, 'filtered');
  });

  it('refuses an empty band and wrong lengths', () => {
    expect(() => new BandPassFilter({ signalLength: 64, fftSize: 64, sampleRateHz: 1000, lowHz: 300, highHz: 200 })).toThrow(/low < high/);
    const bp = new BandPassFilter({ signalLength: 64, fftSize: 64, sampleRateHz: 1000, lowHz: 100, highHz: 200 });
    expect(() => bp.process(new Float64Array(64), gaussian(63, 1))).toThrow(/input length/);
  });
});

eachFftPrecision('envelope of noise', () => {
  it('has mean sqrt(pi/2) sigma for Gaussian noise (Rayleigh), the basis of the SK reference', () => {
    const n = 1 << 15;
    const x = gaussian(n, 11, 2);
    const h = new HilbertEnvelope(n, n);
    const out = new Float64Array(n);
    h.process(out, x);
    const mean = out.reduce((a, b) => a + b, 0) / n;
    expectClose(mean, 2 * Math.sqrt(Math.PI / 2), { rel: 0.02 }, 'Rayleigh mean');
  });
});
