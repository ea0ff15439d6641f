/**
 * A plain, fully known signal source: a sine of given frequency and amplitude plus seeded
 * Gaussian noise on every channel, and constant energy values. Used by the walking-skeleton
 * test (known RMS and dominant frequency) and as a smoke-test source.
 */

import { mulberry32 } from '../../models/dsp/seeded-random.ts';
import type { ChannelSpec, EnergyReading, MachineSignalSource } from './signal-source.ts';

export interface SineSourceOptions {
  frequencyHz: number;
  amplitudeG: number;
  noiseRmsG: number;
  sampleRateHz: number;
  blockSize: number;
  channels?: Array<Pick<ChannelSpec, 'id' | 'location' | 'axis'>>;
  seed?: number;
}

export class SineSource implements MachineSignalSource {
  readonly channels: ChannelSpec[];
  readonly #opts: SineSourceOptions;
  readonly #seed: number;

  constructor(opts: SineSourceOptions) {
    this.#opts = opts;
    this.#seed = opts.seed ?? 1;
    const chans = opts.channels ?? [{ id: 'DE_X', location: 'DE', axis: 'X' }];
    this.channels = chans.map((c) => ({ ...c, sampleRateHz: opts.sampleRateHz, blockSize: opts.blockSize, units: 'g' as const }));
  }

  renderBlock(channelId: string, seq: number, out: Float32Array): void {
    const { frequencyHz, amplitudeG, noiseRmsG, sampleRateHz } = this.#opts;
    const chIndex = this.channels.findIndex((c) => c.id === channelId);
    // Noise seeded by (seed, channel, seq): a block re-rendered after a restart is identical.
    const rand = mulberry32((this.#seed * 7919 + chIndex * 104729 + seq * 2654435761) >>> 0);
    const first = seq * out.length;
    const w = (2 * Math.PI * frequencyHz) / sampleRateHz;
    for (let i = 0; i < out.length; i++) {
      // Phase from the global sample index (mod one period in samples to keep precision).
      const k = (first + i) % (sampleRateHz / gcd(sampleRateHz, frequencyHz));
      const u1 = rand() || 1e-12;
      const u2 = rand();
      const gauss = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      out[i] = amplitudeG * Math.sin(w * k) + noiseRmsG * gauss;
    }
  }

  energyAt(_timeMs: number): EnergyReading {
    return { powerKw: 11, currentA: 20.5, voltageV: 400, powerFactor: 0.85, temperatureC: 45, speedRpm: 1480, loadPct: 80 };
  }
}

function gcd(a: number, b: number): number {
  a = Math.round(a);
  b = Math.round(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}
