/**
 * Velocity and displacement sensors read as acceleration: the conversion against analytic
 * signals (a sum of sines whose acceleration, velocity and displacement are known exactly), and
 * the whole window analysis giving the same velocity RMS, ISO zone and time features whatever the
 * quantity and units the same motion is given in.
 */
import { expect, it } from 'vitest';
import { type Quantity, STANDARD_GRAVITY_M_S2, UNITS } from '../../../common/channels.ts';
import { isPdmError } from '../../../common/errors.ts';
import { AccelerationInput, toAccelerationG } from '../../../models/vibration/to-acceleration.ts';
import { WindowAnalyzer } from '../../../models/window-analysis.ts';
import { eachFftPrecision, expectClose } from './helpers/tolerance.ts';

const FS = 25_600;
const N = 25_600; // 1 s, as the processor's default window (not a power of two: the FFT pads)

/** The motion: velocity peaks (m/s) at frequencies not on any FFT bin, with phases. */
const TONES: Array<{ hz: number; velocity: number; phase: number }> = [
  { hz: 24.7, velocity: 4.5e-3, phase: 0.3 },
  { hz: 120.3, velocity: 1.5e-3, phase: 1.1 },
  { hz: 437.9, velocity: 0.2e-3, phase: 2.0 },
];

/** The motion as `quantity` in SI (m/s², m/s, m), sample i. */
function si(quantity: Quantity, i: number): number {
  let sum = 0;
  for (const t of TONES) {
    const w = 2 * Math.PI * t.hz;
    const arg = (w * i) / FS + t.phase;
    if (quantity === 'velocity') sum += t.velocity * Math.sin(arg);
    else if (quantity === 'acceleration') sum += t.velocity * w * Math.cos(arg);
    else sum += (-t.velocity / w) * Math.cos(arg);
  }
  return sum;
}

function motionIn(units: string, n = N): Float32Array {
  const u = UNITS[units];
  return Float32Array.from({ length: n }, (_, i) => si(u.quantity, i) / u.toCanonical);
}

const ACCEL_PEAK_G = TONES.reduce((s, t) => s + t.velocity * 2 * Math.PI * t.hz, 0) / STANDARD_GRAVITY_M_S2;
const EXPECTED_VELOCITY_RMS_MM_S = Math.sqrt(TONES.reduce((s, t) => s + (t.velocity * 1000) ** 2 / 2, 0));

eachFftPrecision('AccelerationInput: the conversion against analytic signals', () => {
  it('passes acceleration in g through untouched (no copy) and scales m/s² exactly', () => {
    const g = motionIn('g');
    expect(new AccelerationInput({ sampleRateHz: FS, windowSize: N }).convert(g)).toBe(g);
    const ms2 = new AccelerationInput({ sampleRateHz: FS, windowSize: N, quantity: 'acceleration', units: 'm/s²' }).convert(
      motionIn('m/s²'),
    );
    for (let i = 0; i < N; i += 97) expectClose(ms2[i], g[i], { abs: 1e-6 * ACCEL_PEAK_G }, `m/s² sample ${i}`);
  });

  for (const units of ['mm/s', 'in/s', 'm/s', 'µm', 'um', 'mm', 'mil']) {
    it(`differentiates ${units} to the analytic acceleration: tight inside, bounded at the edges`, () => {
      const input = new AccelerationInput({ sampleRateHz: FS, windowSize: N, quantity: UNITS[units].quantity, units });
      const a = input.convert(motionIn(units));
      const edge = Math.round(0.02 * N);
      let interior = 0;
      let anywhere = 0;
      for (let i = 0; i < N; i++) {
        const err = Math.abs(a[i] - si('acceleration', i) / STANDARD_GRAVITY_M_S2);
        anywhere = Math.max(anywhere, err);
        if (i >= edge && i < N - edge) interior = Math.max(interior, err);
      }
      // The floor is the float32 input's rounding, differentiated: x omega for velocity, x omega^2
      // for displacement, which lifts it up to Nyquist (a displacement sensor's resolution is
      // no better). The edge effect decays inward.
      const floor = UNITS[units].quantity === 'velocity' ? 1e-3 : 1e-2;
      expect(interior / ACCEL_PEAK_G, 'interior error / peak').toBeLessThan(floor);
      // No spike where the window wraps: the edges stay within a fraction of the signal.
      expect(anywhere / ACCEL_PEAK_G, 'edge error / peak').toBeLessThan(0.05);
    });
  }

  it('ignores an offset and slow drift (a proximity probe gap, thermal drift: not vibration)', () => {
    const input = new AccelerationInput({ sampleRateHz: FS, windowSize: N, quantity: 'displacement', units: 'µm' });
    const clean = input.convert(motionIn('µm')).slice();
    const drifting = input.convert(motionIn('µm').map((x, i) => x + 50 + 3 * Math.sin((2 * Math.PI * 0.4 * i) / FS)));
    let worst = 0;
    for (let i = 0; i < N; i++) worst = Math.max(worst, Math.abs(drifting[i] - clean[i]));
    expect(worst / ACCEL_PEAK_G).toBeLessThan(0.02);
  });

  it('allocates once: every call returns the same buffer', () => {
    const input = new AccelerationInput({ sampleRateHz: FS, windowSize: N, quantity: 'velocity', units: 'mm/s' });
    expect(input.convert(motionIn('mm/s'))).toBe(input.convert(motionIn('mm/s')));
    expect(toAccelerationG(motionIn('mm/s'), { sampleRateHz: FS, quantity: 'velocity', units: 'mm/s' })).not.toBe(
      input.convert(motionIn('mm/s')),
    );
  });

  it('names what is wrong: unknown units, units of another quantity', () => {
    const bad = (units: string, quantity: Quantity) => () => new AccelerationInput({ sampleRateHz: FS, windowSize: N, quantity, units });
    expect(bad('furlong/s', 'velocity')).toThrow(/units are not known.*furlong/);
    expect(bad('mm/s', 'acceleration')).toThrow(/units measure velocity, not acceleration/);
    try {
      bad('g', 'displacement')();
    } catch (err) {
      expect(isPdmError(err, 'PDM_ERR_CONFIG_INVALID')).toBe(true);
    }
  });
});

eachFftPrecision('WindowAnalyzer with quantity and units', () => {
  const analyse = (units: string) =>
    // A noiseless synthetic motion is below any sensor's self-noise: the sensor checks would flag it.
    new WindowAnalyzer({
      sampleRateHz: FS,
      windowSize: N,
      shaftHz: 24.7,
      quantity: UNITS[units].quantity,
      units,
      sensorCheck: false,
    }).analyze(motionIn(units));
  const g = analyse('g');

  it('reads the motion in g as the analytic velocity RMS and zone (the reference the others must match)', () => {
    expectClose(g.features.velocity_rms_mm_s, EXPECTED_VELOCITY_RMS_MM_S, { rel: 5e-3 }, 'velocity_rms_mm_s from g');
    expect(g.iso20816.zone).toBe('C'); // group 2 rigid: 2.8-4.5 mm/s
  });

  for (const units of ['m/s²', 'm/s^2', 'mm/s', 'in/s', 'µm', 'mil']) {
    it(`gives the same velocity RMS, ISO zone and time features from ${units}`, () => {
      const a = analyse(units);
      expectClose(a.features.velocity_rms_mm_s, g.features.velocity_rms_mm_s, { rel: 2e-3 }, `velocity_rms_mm_s from ${units}`);
      expect(a.iso20816.zone).toBe(g.iso20816.zone);
      expectClose(a.features.x1, g.features.x1, { rel: 2e-3 }, `x1 from ${units}`);
      expectClose(a.features.rms, g.features.rms, { rel: 5e-3 }, `rms from ${units}`);
      expectClose(a.features.peak, g.features.peak, { rel: 0.02 }, `peak from ${units}`);
      expectClose(a.features.band_low, g.features.band_low, { rel: 5e-3 }, `band_low from ${units}`);
    });
  }
});
