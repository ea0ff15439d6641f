import { describe, expect, it } from 'vitest';
import { ComplexFft } from '../../../models/dsp/complex-fft.ts';
import { nextPowerOfTwo } from '../../../models/dsp/fft-size.ts';
import { pffftBuild, pffftHeapBytes } from '../../../models/dsp/pffft.ts';
import { RealFft } from '../../../models/dsp/real-fft.ts';
import { gaussian, naiveDft } from './helpers/oracle.ts';
import { eachFftPrecision, expectAllClose, expectClose, fixture } from './helpers/tolerance.ts';

const SIZES = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];

function signals(n: number): Record<string, Float64Array> {
  const impulse = new Float64Array(n);
  impulse[Math.floor(n / 3)] = 1;
  return {
    noise: gaussian(n, n),
    impulse,
    // A tone between bins (leaks into every bin) plus DC.
    tone: Float64Array.from({ length: n }, (_, i) => 0.25 + Math.sin((2 * Math.PI * 3.37 * i) / n + 0.4)),
    nyquist: Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1)),
  };
}

eachFftPrecision('RealFft against the naive DFT', (precision) => {
  it('runs on PFFFT (WebAssembly SIMD) in float32 from 32 points, on fft.js in float64 and below', () => {
    expect(pffftBuild).toBe('simd');
    expect(new RealFft(16).engine).toBe('fft.js');
    expect(new RealFft(1024).engine).toBe(precision === 'float32' ? 'pffft' : 'fft.js');
    expect(new ComplexFft(1024).engine).toBe(precision === 'float32' ? 'pffft' : 'fft.js');
    expect(new RealFft(1024, { precision: 'float64' }).engine).toBe('fft.js');
  });

  it('matches the O(N^2) definition for a sweep of sizes and signals (bins 0..N/2)', () => {
    for (const n of SIZES) {
      const fft = new RealFft(n);
      const out = new Float64Array(fft.outputLength);
      for (const [name, x] of Object.entries(signals(n))) {
        fft.forward(out, x);
        const [re, im] = naiveDft(x, undefined);
        const scale = Math.sqrt(n);
        // Round-off is relative to the largest line of the spectrum, not to each bin.
        const largest = Math.max(...re.map((r, k) => Math.hypot(r, im[k])));
        for (let k = 0; k <= n / 2; k++) {
          const what = `N=${n} ${name} bin ${k}`;
          expectClose(out[2 * k], re[k], { abs: 1e-9 * scale * 10 }, `${what} re`, largest);
          expectClose(out[2 * k + 1], im[k], { abs: 1e-9 * scale * 10 }, `${what} im`, largest);
        }
      }
    }
  });

  it('zero-pads an input shorter than its size', () => {
    const fft = new RealFft(64);
    const x = gaussian(40, 7);
    const out = new Float64Array(fft.outputLength);
    fft.forward(out, x);
    const padded = new Float64Array(64);
    padded.set(x);
    const [re, im] = naiveDft(padded, undefined);
    for (let k = 0; k <= 32; k++) expectAllClose([out[2 * k], out[2 * k + 1]], [re[k], im[k]], { abs: 1e-10 }, `bin ${k}`);
  });

  it('inverse(forward(x)) returns x for every size', () => {
    for (const n of SIZES) {
      const fft = new RealFft(n);
      const spec = new Float64Array(fft.outputLength);
      const back = new Float64Array(n);
      const x = gaussian(n, 100 + n);
      fft.forward(spec, x);
      fft.inverse(back, spec);
      expectAllClose(back, x, { abs: 1e-12 }, `N=${n} round trip`);
    }
  });

  it('agrees with numpy.fft.rfft (committed fixture), also zero-padded', async () => {
    const fx = await fixture<{
      input: number[];
      re: number[];
      im: number[];
      padded_length: number;
      padded_re: number[];
      padded_im: number[];
    }>('rfft');
    const fft = new RealFft(fx.input.length);
    const out = new Float64Array(fft.outputLength);
    fft.forward(out, fx.input);
    expectAllClose(
      out.filter((_, i) => i % 2 === 0),
      fx.re,
      { abs: 1e-10 },
      're',
    );
    expectAllClose(
      out.filter((_, i) => i % 2 === 1),
      fx.im,
      { abs: 1e-10 },
      'im',
    );
    fft.forward(out, fx.input.slice(0, fx.padded_length));
    expectAllClose(
      out.filter((_, i) => i % 2 === 0),
      fx.padded_re,
      { abs: 1e-10 },
      'padded re',
    );
    expectAllClose(
      out.filter((_, i) => i % 2 === 1),
      fx.padded_im,
      { abs: 1e-10 },
      'padded im',
    );
  });

  it('refuses sizes that are not powers of two and buffers that are too small', () => {
    expect(() => new RealFft(100)).toThrow(/power of two/);
    const fft = new RealFft(16);
    expect(() => fft.forward(new Float64Array(10), new Float64Array(16))).toThrow(/output length/);
    expect(() => fft.forward(new Float64Array(18), new Float64Array(17))).toThrow(/input length/);
  });
});

eachFftPrecision('ComplexFft against the naive DFT', () => {
  it('forward and inverse match the definition and round-trip', () => {
    for (const n of [2, 4, 8, 64, 512]) {
      const fft = new ComplexFft(n);
      const re = gaussian(n, 3 * n);
      const im = gaussian(n, 5 * n);
      const x = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        x[2 * i] = re[i];
        x[2 * i + 1] = im[i];
      }
      const out = new Float64Array(2 * n);
      fft.forward(out, x);
      const [er, ei] = naiveDft(re, im);
      for (let k = 0; k < n; k++) expectAllClose([out[2 * k], out[2 * k + 1]], [er[k], ei[k]], { abs: 1e-9 }, `N=${n} bin ${k}`);
      const back = new Float64Array(2 * n);
      fft.inverse(back, out);
      expectAllClose(back, x, { abs: 1e-12 }, `N=${n} round trip`);
    }
  });

  it('fills and reads the transform’s own buffers on PFFFT: the inverse without its 1/N, the same values as inverse', () => {
    for (const n of [64, 512]) {
      const fft = new ComplexFft(n);
      const x = Float64Array.from(gaussian(2 * n, 7 * n));
      const expected = new Float64Array(2 * n);
      fft.inverse(expected, x);
      const direct = fft.directInput();
      if (fft.engine === 'fft.js') {
        expect(direct).toBeUndefined();
        expect(() => fft.backwardInPlace()).toThrow(/PFFFT/);
        continue;
      }
      expect(direct).toHaveLength(2 * n);
      direct!.set(x);
      const got = Float64Array.from(fft.backwardInPlace(), (v) => v / n);
      expectAllClose(got, expected, { abs: 1e-6 }, `N=${n} direct inverse`);
    }
  });

  it('refuses buffers of the wrong length or the same buffer in and out', () => {
    const fft = new ComplexFft(8);
    const a = new Float64Array(16);
    expect(() => fft.forward(new Float64Array(8), a)).toThrow(/length 16/);
    expect(() => fft.forward(a, a)).toThrow(/different/);
  });
});

describe('PFFFT plans in the WebAssembly heap', () => {
  // The garbage collector does not see that heap: plans freed only on collection once grew it
  // to its 2 GB limit when records were analysed one after another (a new analyzer each).
  it('shares one plan per size and kind, so that transforms created one after another do not grow the heap', () => {
    const size = 1 << 18;
    const first = new RealFft(size);
    const signal = gaussian(size, 7);
    const expected = new Float64Array(first.outputLength);
    first.forward(expected, signal);
    const before = pffftHeapBytes();
    // 40 real and 40 complex transforms of 2^18 points: 40 x 3 x 1 MB and 40 x 3 x 2 MB unshared.
    const out = new Float64Array(first.outputLength);
    for (let i = 0; i < 40; i++) {
      const fft = new RealFft(size);
      fft.forward(out, signal);
      new ComplexFft(size).forward(new Float64Array(2 * size), new Float64Array(2 * size));
    }
    // One complex plan is new (3 buffers of 2 MB and its setup); nothing else.
    expect(pffftHeapBytes() - before).toBeLessThan(16 * size * 4);
    // A shared plan still transforms correctly after the others used its buffers.
    first.forward(out, signal);
    expect(Array.from(out)).toEqual(Array.from(expected));
  });
});

describe('nextPowerOfTwo', () => {
  it('rounds up to a power of two', () => {
    expect([1, 2, 3, 255, 256, 257, 122571].map(nextPowerOfTwo)).toEqual([1, 2, 4, 256, 256, 512, 131072]);
    expect(() => nextPowerOfTwo(0)).toThrow(RangeError);
  });
});
