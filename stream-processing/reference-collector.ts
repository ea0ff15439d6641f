/**
 * Keeps copies of a machine's baseline windows, per channel, until its healthy envelope
 * reference (models/bearing/reference.ts) is learnt from them. The reference is learnt from the
 * same stretch the anomaly baseline is, under the same assumption (the machine is healthy while
 * its baseline is learnt), and only from windows analysed with a bearing and a shaft speed.
 *
 * Memory is bounded: every `stride`-th window, at most `maxWindows` per channel (8 windows of
 * 1 s at 25.6 kHz hold 800 kB). Nothing here is checkpointed: a processor restarted during the
 * baseline collects again from the windows it replays and receives.
 */
import type { BearingGeometry } from '../models/bearing/geometry.ts';
import type { HealthyWindow } from '../models/bearing/reference.ts';
import type { QualityWindow } from '../models/health/baseline-quality.ts';

export interface ReferenceCollectorConfig {
  /** Windows kept per channel. */
  maxWindows: number;
  /** Keep one window in this many (spreads the kept windows over the baseline). */
  stride: number;
}

export interface CollectedChannel {
  channel: string;
  bearing: BearingGeometry;
  windows: HealthyWindow[];
  /** The analyses of the kept windows that were analysed (what the reference is judged on). */
  analyses: QualityWindow[];
}

interface ChannelWindows {
  bearing: BearingGeometry;
  windows: HealthyWindow[];
  analyses: Map<HealthyWindow, QualityWindow>;
  offered: number;
}

export class ReferenceCollector {
  readonly #config: ReferenceCollectorConfig;
  readonly #machines = new Map<string, Map<string, ChannelWindows>>();

  constructor(config: ReferenceCollectorConfig) {
    if (!(Number.isInteger(config.maxWindows) && config.maxWindows >= 1))
      throw new RangeError(`reference collector: maxWindows must be a positive integer, got ${config.maxWindows}`);
    if (!(Number.isInteger(config.stride) && config.stride >= 1))
      throw new RangeError(`reference collector: stride must be a positive integer, got ${config.stride}`);
    this.#config = config;
  }

  /**
   * Offers one baseline window; keeps a copy when it is due and there is room (the caller's
   * buffer is about to be moved to a worker). Returns the copy kept, or undefined.
   */
  offer(machine: string, channel: string, bearing: BearingGeometry, window: HealthyWindow): HealthyWindow | undefined {
    let channels = this.#machines.get(machine);
    if (!channels) {
      channels = new Map();
      this.#machines.set(machine, channels);
    }
    let c = channels.get(channel);
    if (!c) {
      c = { bearing, windows: [], analyses: new Map(), offered: 0 };
      channels.set(channel, c);
    }
    const due = c.offered % this.#config.stride === 0;
    c.offered++;
    if (!due || c.windows.length >= this.#config.maxWindows) return undefined;
    const kept = { samples: Float32Array.from(window.samples), sampleRateHz: window.sampleRateHz, shaftHz: window.shaftHz };
    c.windows.push(kept);
    return kept;
  }

  /**
   * Forgets a kept window that turned out not to be a measurement (its sensor failed its checks:
   * a dead channel's window would teach the reference nothing true); the channel's next window is
   * kept in its place.
   */
  discard(machine: string, channel: string, window: HealthyWindow): void {
    const c = this.#machines.get(machine)?.get(channel);
    const i = c?.windows.indexOf(window) ?? -1;
    if (!c || i < 0) return;
    c.windows.splice(i, 1);
    c.analyses.delete(window);
    c.offered = 0;
  }

  /** What the analysis of a kept window found (zone, kurtosis, orders, diagnosis): the reference is judged on it. */
  noteAnalysis(machine: string, channel: string, window: HealthyWindow, analysis: QualityWindow): void {
    const c = this.#machines.get(machine)?.get(channel);
    if (c?.windows.includes(window)) c.analyses.set(window, analysis);
  }

  /** Whether windows are waiting for the machine's reference to be learnt. */
  has(machine: string): boolean {
    return this.#machines.has(machine);
  }

  /** Whether every channel collected for the machine holds all the windows it may keep. */
  full(machine: string): boolean {
    const channels = this.#machines.get(machine);
    if (!channels || channels.size === 0) return false;
    for (const c of channels.values()) if (c.windows.length < this.#config.maxWindows) return false;
    return true;
  }

  /** Forgets everything collected (the processor's partitions moved: their machines are another's now). */
  clear(): void {
    this.#machines.clear();
  }

  /** Hands over (and forgets) everything collected for a machine. */
  take(machine: string): CollectedChannel[] {
    const channels = this.#machines.get(machine);
    this.#machines.delete(machine);
    if (!channels) return [];
    return [...channels].map(([channel, c]) => ({
      channel,
      bearing: c.bearing,
      windows: c.windows,
      analyses: c.windows.flatMap((w) => c.analyses.get(w) ?? []),
    }));
  }

  /** Samples held, for the live view and memory accounting. */
  get heldSamples(): number {
    let n = 0;
    for (const channels of this.#machines.values()) for (const c of channels.values()) for (const w of c.windows) n += w.samples.length;
    return n;
  }
}
