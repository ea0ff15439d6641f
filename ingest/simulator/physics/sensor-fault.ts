/**
 * Sensor faults: what a failing measurement chain does to a channel's signal, applied after the
 * machine's physics (the machine is unchanged; only what the channel reports). Each is what a
 * plant sees and what the processor's sensor checks (models/sensor/sensor-check.ts) must flag:
 *
 *  - dead: the channel reads exactly zero (a digital sensor that lost power, a gateway that
 *    fills a missing value with 0);
 *  - flat: the channel freezes at the value it had when the fault started (a stuck amplifier,
 *    a frozen gateway register);
 *  - offset: the DC level jumps by `offsetG` and stays (an IEPE bias shift, a connector going
 *    intermittent);
 *  - clip: the signal is cut at ±`levelG` (an amplifier or ADC range too small for the vibration);
 *  - mains: the signal is lost and only hum at the line frequency and its odd harmonics remains,
 *    amplitude `levelG`, over a DAQ's own noise (a broken cable's shield picking up the grid);
 *  - held: every second sample repeats the one before (a gateway that fills the declared rate
 *    from a sensor sampled at half of it).
 *
 * Block by block and deterministic (the noise is a function of the sample index), so a block
 * rendered twice or split reads the same.
 */
import { hashGaussian } from './prng.ts';

export const SENSOR_FAULT_TYPES = ['dead', 'flat', 'offset', 'clip', 'mains', 'held'] as const;
export type SensorFaultType = (typeof SENSOR_FAULT_TYPES)[number];

export interface SensorFaultSpec {
  /** Channel id, e.g. DE_X. */
  channel: string;
  type: SensorFaultType;
  /** Signal seconds from the start of the simulation (block seq 0) at which the fault starts. */
  atS: number;
  /** offset: the DC jump, g. */
  offsetG?: number;
  /** clip: the rail, g; mains: the hum's fundamental amplitude, g. */
  levelG?: number;
}

/** Defaults: an offset far beyond any machine's spread; a rail below a running machine's peaks; hum a DAQ notices. */
export const SENSOR_FAULT_DEFAULTS = { offsetG: 2, clipLevelG: 0.05, mainsLevelG: 0.05 } as const;

/** DAQ self-noise with the sensor gone: 0.44 µV/√Hz (NI 9234) at 100 mV/g, as g/√Hz. */
const DAQ_NOISE_G_RT_HZ = 4.4e-6;
/** Odd harmonics of grid hum (rectifier loads), relative to the fundamental. */
const HUM = [
  [1, 1],
  [3, 0.3],
  [5, 0.15],
  [7, 0.05],
] as const;

export class SensorFaultInjector {
  readonly spec: Required<Omit<SensorFaultSpec, 'channel'>> & { channel: string };
  readonly #fs: number;
  readonly #lineHz: number;
  readonly #seed: number;
  readonly #startSample: number;
  /** flat: the frozen value, taken from the first faulty sample rendered. */
  #frozen: number | null = null;

  constructor(spec: SensorFaultSpec, sampleRateHz: number, lineFrequencyHz: number, seed: number) {
    const levelG = spec.levelG ?? (spec.type === 'mains' ? SENSOR_FAULT_DEFAULTS.mainsLevelG : SENSOR_FAULT_DEFAULTS.clipLevelG);
    this.spec = { channel: spec.channel, type: spec.type, atS: spec.atS, offsetG: spec.offsetG ?? SENSOR_FAULT_DEFAULTS.offsetG, levelG };
    this.#fs = sampleRateHz;
    this.#lineHz = lineFrequencyHz;
    this.#seed = seed;
    this.#startSample = Math.max(0, Math.round(spec.atS * sampleRateHz));
  }

  /** Applies the fault to block `seq` of `blockSize` samples in `out` (in place). */
  apply(out: Float32Array, seq: number, blockSize: number): void {
    const first = seq * blockSize;
    const from = Math.max(0, this.#startSample - first);
    if (from >= blockSize) return;
    const s = this.spec;
    switch (s.type) {
      case 'dead':
        out.fill(0, from, blockSize);
        return;
      case 'flat':
        this.#frozen ??= out[from];
        out.fill(this.#frozen, from, blockSize);
        return;
      case 'offset':
        for (let i = from; i < blockSize; i++) out[i] += s.offsetG;
        return;
      case 'clip':
        for (let i = from; i < blockSize; i++) out[i] = Math.max(-s.levelG, Math.min(s.levelG, out[i]));
        return;
      case 'mains': {
        const noise = DAQ_NOISE_G_RT_HZ * Math.sqrt(this.#fs / 2);
        for (let i = from; i < blockSize; i++) {
          const n = first + i;
          const t = n / this.#fs;
          let v = 0;
          for (const [h, a] of HUM) v += a * Math.sin(2 * Math.PI * h * this.#lineHz * t);
          out[i] = s.levelG * v + noise * hashGaussian(this.#seed, n);
        }
        return;
      }
      case 'held':
        // Pairs aligned to the absolute sample index, so blocks join seamlessly.
        for (let i = from; i < blockSize; i++) if ((first + i) % 2 === 1 && i > 0) out[i] = out[i - 1];
        return;
    }
  }
}
