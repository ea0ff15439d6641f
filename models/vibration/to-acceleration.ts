/**
 * Any vibration waveform (acceleration, velocity or displacement, in any units of
 * common/channels.ts) as acceleration in g, the input of the window analysis, so the whole
 * analysis (time features, ISO 20816-3 velocity, envelope, bearing diagnosis) runs unchanged
 * whatever the sensor.
 *
 * - Acceleration: scaled to g (g itself passes through untouched, without a copy).
 * - Velocity, displacement: scaled to SI, then differentiated in the frequency domain (each line
 *   times jω, resp. -ω²), then to g. The DC line and the lines below `highPassHz` are zeroed:
 *   DC and very slow lines of a velocity or displacement sensor are offsets and drift (a proximity
 *   probe's gap voltage, a transmitter's thermal drift), not vibration, and the analysis
 *   integrates back to velocity by dividing by ω, which would blow whatever the conversion left
 *   there up again. Accelerometers do not see them either (their own high-pass is ~1 Hz).
 *   The default 2 Hz keeps the lowest ISO band edge (2 Hz for slow machines) whole.
 *
 * A window is not periodic, and differentiating the jump between its last and first sample
 * (what the DFT sees) would put a spike at its edges (a jump of J mm/s becomes ~J * fs of
 * acceleration). So the window's mean is taken out (an offset's derivative is exactly 0) and it
 * is padded with a short bridge (~5 ms) that leaves the last sample with its value, slope and
 * curvature and reaches the first sample with its own, through 0 in between: the periodic
 * extension is smooth to second order, so even displacement (two derivatives) shows no edge
 * spike; the residual edge error is bounded and local, and the bridge is cut off after the
 * inverse transform.
 *
 * The constructor sizes every buffer; `convert` allocates nothing (the hot path).
 */
import { QUANTITIES, type Quantity, STANDARD_GRAVITY_M_S2, unitDefinition } from '../../common/channels.ts';
import { PdmError } from '../../common/errors.ts';
import { nextPowerOfTwo } from '../dsp/fft-size.ts';
import { RealFft } from '../dsp/real-fft.ts';

export interface AccelerationInputConfig {
  sampleRateHz: number;
  windowSize: number;
  /** Default 'acceleration'. */
  quantity?: Quantity;
  /** Default 'g'. */
  units?: string;
  /** Lines below this are zeroed when differentiating; default DEFAULT_HIGH_PASS_HZ. */
  highPassHz?: number;
}

export const DEFAULT_HIGH_PASS_HZ = 2;

/** Bridge ramp length: ~5 ms, at least 16 samples (short, so the bridge stays small; smooth enough at any rate). */
function rampSamples(sampleRateHz: number): number {
  return Math.max(16, Math.round(sampleRateHz / 200));
}

export class AccelerationInput {
  readonly quantity: Quantity;
  readonly units: string;
  readonly #windowSize: number;
  /** Factor from the input units to g (acceleration), or to SI (velocity, displacement). */
  readonly #scale: number;
  readonly #derivatives: 0 | 1 | 2;
  readonly #out: Float32Array | undefined;
  readonly #fft: RealFft | undefined;
  readonly #time: Float64Array | undefined;
  readonly #spectrum: Float64Array | undefined;
  readonly #ramp: number;
  readonly #firstBin: number;
  readonly #radPerBin: number;

  constructor(config: AccelerationInputConfig) {
    const quantity = config.quantity ?? 'acceleration';
    const units = config.units ?? 'g';
    const def = unitDefinition(units);
    if (!Object.hasOwn(QUANTITIES, quantity))
      throw configError('quantity', `must be one of ${Object.keys(QUANTITIES).join(', ')}`, quantity);
    if (def === undefined) throw configError('units', 'are not known (see common/channels.ts UNITS)', units);
    if (def.quantity !== quantity) throw configError('units', `measure ${def.quantity}, not ${quantity}`, units);
    const highPassHz = config.highPassHz ?? DEFAULT_HIGH_PASS_HZ;
    if (!(highPassHz >= 0)) throw configError('highPassHz', 'must be >= 0', highPassHz);
    this.quantity = quantity;
    this.units = units;
    this.#windowSize = config.windowSize;
    this.#derivatives = QUANTITIES[quantity].derivativesToAcceleration;
    this.#ramp = rampSamples(config.sampleRateHz);
    if (this.#derivatives === 0) {
      this.#scale = def.toCanonical / STANDARD_GRAVITY_M_S2;
      this.#out = this.#scale === 1 ? undefined : new Float32Array(config.windowSize);
      this.#firstBin = 0;
      this.#radPerBin = 0;
      return;
    }
    this.#scale = def.toCanonical;
    // The bridge reads four samples at each end.
    if (!(Number.isInteger(config.windowSize) && config.windowSize >= 8))
      throw configError('windowSize', `must be an integer >= 8 to differentiate ${quantity}`, config.windowSize);
    if (!(config.sampleRateHz > 0 && Number.isFinite(config.sampleRateHz)))
      throw configError('sampleRateHz', 'must be a positive number', config.sampleRateHz);
    const size = nextPowerOfTwo(config.windowSize + 2 * this.#ramp);
    // float64: differentiating multiplies each line by (2 pi f)^n, which lifts float32 round-off at
    // high frequencies above a displacement's low-frequency content (1-2 % of the peak, measured).
    this.#fft = new RealFft(size, { precision: 'float64' });
    this.#time = new Float64Array(size);
    this.#spectrum = new Float64Array(this.#fft.outputLength);
    this.#out = new Float32Array(config.windowSize);
    const binHz = config.sampleRateHz / size;
    this.#firstBin = Math.max(1, Math.ceil(highPassHz / binHz - 1e-9));
    this.#radPerBin = 2 * Math.PI * binHz;
  }

  /** True when `convert` returns its input as is (acceleration in g). */
  get passThrough(): boolean {
    return this.#out === undefined;
  }

  /** The window as acceleration in g: the input itself (g), or a buffer this object owns (valid until the next call). */
  convert(samples: Float32Array): Float32Array {
    const out = this.#out;
    if (out === undefined) return samples;
    const n = this.#windowSize;
    if (samples.length !== n)
      throw new PdmError('PDM_ERR_INPUT_VALUE', `acceleration input: got ${samples.length} samples, configured for ${n}`, {
        samples: samples.length,
        windowSize: n,
      });
    const scale = this.#scale;
    if (this.#derivatives === 0) {
      for (let i = 0; i < n; i++) out[i] = samples[i] * scale;
      return out;
    }
    const x = this.#time!;
    const size = x.length;
    // The mean out (an offset's derivative is exactly 0; it would only make the bridge larger).
    let mean = 0;
    for (let i = 0; i < n; i++) mean += samples[i];
    mean /= n;
    for (let i = 0; i < n; i++) x[i] = (samples[i] - mean) * scale;
    // Bridge: leave the end with its value, slope and curvature, arrive at the start with its
    // own, 0 in between, so the periodic extension the DFT sees is smooth to second order.
    const q = this.#ramp;
    const end = x[n - 1];
    const endSlope = (3 * x[n - 1] - 4 * x[n - 2] + x[n - 3]) / 2;
    const endCurve = 2 * x[n - 1] - 5 * x[n - 2] + 4 * x[n - 3] - x[n - 4];
    const start = x[0];
    // Before the start time runs backwards: the slope changes sign, the curvature does not.
    const startSlope = -(-3 * x[0] + 4 * x[1] - x[2]) / 2;
    const startCurve = 2 * x[0] - 5 * x[1] + 4 * x[2] - x[3];
    x.fill(0, n);
    bridge(x, n - 1, 1, q, end, endSlope, endCurve);
    bridge(x, size, -1, q, start, startSlope, startCurve);
    const s = this.#spectrum!;
    this.#fft!.forward(s, x);
    const bins = size / 2 + 1;
    for (let k = 0; k < Math.min(this.#firstBin, bins); k++) {
      s[2 * k] = 0;
      s[2 * k + 1] = 0;
    }
    const w0 = this.#radPerBin;
    for (let k = this.#firstBin; k < bins - 1; k++) {
      const w = k * w0;
      const re = s[2 * k];
      const im = s[2 * k + 1];
      if (this.#derivatives === 1) {
        // jω (re + j im) = -ω im + j ω re
        s[2 * k] = -w * im;
        s[2 * k + 1] = w * re;
      } else {
        s[2 * k] = -w * w * re;
        s[2 * k + 1] = -w * w * im;
      }
    }
    // Nyquist: a real signal's line there has no phase to turn by jω; it carries no vibration anyway.
    s[2 * (bins - 1)] = 0;
    s[2 * (bins - 1) + 1] = 0;
    this.#fft!.inverse(x, s);
    const toG = 1 / STANDARD_GRAVITY_M_S2;
    for (let i = 0; i < n; i++) out[i] = x[i] * toG;
    return out;
  }
}

/**
 * Writes x[from + dir*t] for t = 1..q-1: h(t) = (1 - t/q)^3 (p + a1 t + a2 t^2), which starts
 * with value p, slope m and curvature c (per sample) and has value, slope and curvature 0 at q.
 */
function bridge(x: Float64Array, from: number, dir: 1 | -1, q: number, p: number, m: number, c: number): void {
  const a1 = m + (3 * p) / q;
  const a2 = (c - (6 * p) / (q * q) + (6 * a1) / q) / 2;
  for (let t = 1; t < q; t++) {
    const r = 1 - t / q;
    x[from + dir * t] = r * r * r * (p + t * (a1 + a2 * t));
  }
}

/** One-off conversion (allocates its buffers): for code off the hot path, e.g. windows kept for a healthy reference. */
export function toAccelerationG(samples: Float32Array, config: Omit<AccelerationInputConfig, 'windowSize'>): Float32Array {
  const input = new AccelerationInput({ ...config, windowSize: samples.length });
  return input.passThrough ? samples : input.convert(samples).slice();
}

function configError(setting: string, message: string, value: unknown): PdmError {
  return new PdmError('PDM_ERR_CONFIG_INVALID', `acceleration input: ${setting} ${message}, got ${JSON.stringify(value)}`, {
    setting,
    value,
  });
}
