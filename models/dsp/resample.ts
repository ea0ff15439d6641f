/**
 * Rational sample-rate conversion by `up / down` with an anti-aliasing (and anti-imaging)
 * Kaiser-windowed sinc low-pass, evaluated polyphase: the input is (conceptually) zero-stuffed
 * by `up`, low-pass filtered at the upsampled rate and kept every `down`-th sample, but only the
 * taps that meet a non-zero input sample are ever multiplied (one polyphase branch per output).
 *
 * The filter's band edges follow the slower of the two rates: passband to `passband` x its
 * Nyquist frequency, stopband from its Nyquist frequency on, with `attenuationDb` of stopband
 * attenuation (Kaiser's formulas for beta and length; Oppenheim & Schafer, 3rd ed., 7.6). So
 * what lies above the new Nyquist frequency (downsampling) or the images of the old band
 * (upsampling) are attenuated by that much, and a tone in the passband keeps its frequency and
 * amplitude. Zero phase: output sample m is at time m / fsOut, as input sample i is at i / fsIn.
 * Pure, allocates its output (offline use: building test sets, converting recordings).
 */

export interface ResampleOptions {
  /** Passband edge as a fraction of the slower rate's Nyquist frequency; default 0.85. */
  passband?: number;
  /** Stopband attenuation, dB; default 90. */
  attenuationDb?: number;
}

export interface ResamplerDesign {
  up: number;
  down: number;
  /** Cut-off (middle of the transition band), as a fraction of the upsampled rate. */
  cutoff: number;
  /** Kaiser beta. */
  beta: number;
  /** Taps of the prototype at the upsampled rate (odd); its centre is tap (taps - 1) / 2. */
  taps: number;
  /** The prototype filter, gain `up` at DC. */
  h: Float64Array;
}

/** Zeroth-order modified Bessel function of the first kind (power series; converges for every x). */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser beta for a stopband attenuation in dB (Kaiser 1974). */
export function kaiserBeta(attenuationDb: number): number {
  const a = attenuationDb;
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a >= 21) return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21);
  return 0;
}

function checkFactor(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1 || v > 1024) throw new RangeError(`resample: ${name} must be an integer from 1 to 1024, got ${v}`);
}

/** Divides up and down by their greatest common divisor. */
function reduce(up: number, down: number): [number, number] {
  let a = up;
  let b = down;
  while (b !== 0) [a, b] = [b, a % b];
  return [up / a, down / a];
}

/**
 * The continuous kernel of the design at time `t` in upsampled samples from its centre: the
 * windowed sinc the prototype samples (exported so that a test can build a slow direct
 * reference from the same definition).
 */
export function kernelAt(t: number, cutoff: number, beta: number, halfTaps: number, up: number): number {
  if (Math.abs(t) > halfTaps) return 0;
  const x = 2 * cutoff * t;
  const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
  const r = t / halfTaps;
  const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / besselI0(beta);
  return up * 2 * cutoff * sinc * w;
}

/** Designs the prototype low-pass of an up/down conversion. */
export function designResampler(upIn: number, downIn: number, options: ResampleOptions = {}): ResamplerDesign {
  checkFactor('up', upIn);
  checkFactor('down', downIn);
  const [up, down] = reduce(upIn, downIn);
  const passband = options.passband ?? 0.85;
  const attenuationDb = options.attenuationDb ?? 90;
  if (!(passband > 0 && passband < 1)) throw new RangeError(`resample: passband must be in (0, 1), got ${passband}`);
  if (!(attenuationDb >= 20 && attenuationDb <= 200))
    throw new RangeError(`resample: attenuationDb must be in [20, 200], got ${attenuationDb}`);
  // Band edges as fractions of the upsampled rate: the slower rate's Nyquist frequency is
  // 0.5 / max(up, down) of it.
  const nyquist = 0.5 / Math.max(up, down);
  const pass = passband * nyquist;
  const transition = nyquist - pass;
  const cutoff = 0.5 * (pass + nyquist);
  const beta = kaiserBeta(attenuationDb);
  // Kaiser's length estimate, rounded up to an odd number of taps.
  const estimate = Math.ceil((attenuationDb - 7.95) / (2.285 * 2 * Math.PI * transition)) + 1;
  const halfTaps = Math.ceil(estimate / 2);
  const taps = 2 * halfTaps + 1;
  const h = new Float64Array(taps);
  for (let k = 0; k < taps; k++) h[k] = kernelAt(k - halfTaps, cutoff, beta, halfTaps, up);
  return { up, down, cutoff, beta, taps, h };
}

/** Output length of resampling `n` samples by up/down: every output time m / fsOut inside the input's span. */
export function resampledLength(n: number, up: number, down: number): number {
  return Math.floor(((n - 1) * up) / down) + 1;
}

/**
 * `x` at `up / down` times its rate (e.g. 4 / 1: 12 kHz to 48 kHz; 1 / 4: 48 kHz to 12 kHz).
 * The record's ends are treated as zeros beyond it (a filter's half-length of transient).
 */
export function resample(x: ArrayLike<number>, up: number, down: number, options: ResampleOptions = {}): Float64Array {
  const d = designResampler(up, down, options);
  return resampleWith(d, x);
}

/** `resample` with a design made once (several records at the same ratio). */
export function resampleWith(d: ResamplerDesign, x: ArrayLike<number>): Float64Array {
  const { up, down, h, taps } = d;
  const n = x.length;
  if (n < 1) return new Float64Array(0);
  const half = (taps - 1) / 2;
  const out = new Float64Array(resampledLength(n, up, down));
  for (let m = 0; m < out.length; m++) {
    // Output m sits at upsampled index t = m * down. Input i sits at i * up and meets tap
    // k = t - i * up + half: the input samples with 0 <= k < taps, i.e. one polyphase branch.
    const t = m * down;
    const iHigh = Math.min(n - 1, Math.floor((t + half) / up));
    const iLow = Math.max(0, Math.ceil((t - half) / up));
    let acc = 0;
    for (let i = iLow; i <= iHigh; i++) acc += h[t - i * up + half] * x[i];
    out[m] = acc;
  }
  return out;
}
