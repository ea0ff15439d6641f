/**
 * What a simulated IO-Link vibration sensor computes inside itself: the overall values of its
 * channel over one period (velocity RMS in the ISO 20816 band, acceleration RMS and peak, crest
 * factor), from the same rendered signal a waveform machine publishes, through the window
 * analysis the processor runs on waveforms. So a degrading scalar machine reaches zone C and D
 * exactly when its waveform twin would.
 */
import type { IsoClass } from '../../../models/vibration/iso20816.ts';
import { WindowAnalyzer } from '../../../models/window-analysis.ts';
import { type ChannelSpec, lastCompleteBlock, type MachineSignalSource } from '../signal-source.ts';

export interface OverallValues {
  velocityRmsMmS: number;
  rmsG: number;
  peakG: number;
  crestFactor: number;
}

export class ScalarOverall {
  readonly #source: MachineSignalSource;
  readonly #opts: { periodMs: number; shaftHz: number; iso: IsoClass };
  readonly #analyzers = new Map<number, WindowAnalyzer>();

  constructor(source: MachineSignalSource, opts: { periodMs: number; shaftHz: number; iso: IsoClass }) {
    this.#source = source;
    this.#opts = opts;
  }

  /** The channel's overall values over the whole blocks in [startMs, endMs). */
  over(spec: ChannelSpec, startMs: number, endMs: number): OverallValues {
    const first = lastCompleteBlock(spec, startMs) + 1;
    const last = lastCompleteBlock(spec, endMs);
    const blocks = Math.max(1, last - first + 1);
    const samples = new Float32Array(blocks * spec.blockSize);
    const block = new Float32Array(spec.blockSize);
    for (let i = 0; i < blocks; i++) {
      this.#source.renderBlock(spec.id, first + i, block);
      samples.set(block, i * spec.blockSize);
    }
    let analyzer = this.#analyzers.get(samples.length);
    if (!analyzer) {
      analyzer = new WindowAnalyzer({
        sampleRateHz: spec.sampleRateHz,
        windowSize: samples.length,
        shaftHz: this.#opts.shaftHz,
        iso: this.#opts.iso,
        // The sensor's own checks are not the point here: the collector and processor judge what it sends.
        sensorCheck: false,
      });
      this.#analyzers.set(samples.length, analyzer);
    }
    const f = analyzer.analyze(samples).features;
    return { velocityRmsMmS: f['velocity_rms_mm_s'], rmsG: f['rms'], peakG: f['peak'], crestFactor: f['crest_factor'] };
  }
}
