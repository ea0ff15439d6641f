/**
 * When a channel's spectra are stored (vibration_spectra): every `everyWindows`-th window (its
 * window_seq divisible by it), when the channel's bearing diagnosis changes, and when its
 * machine's health state changes, so storage stays bounded while every state an analyst will
 * ask about ("what did the spectrum look like when it went to alarm?") has its evidence.
 *
 * The health state of window N is known only when the machine's window N closes, often after
 * the batch that analysed it: each channel's latest spectra are kept (two arrays per channel)
 * until the next window replaces them. Kept spectra live in memory: after a restart the first
 * windows compare with nothing (no change is claimed) and a state change whose windows were
 * analysed by the previous process stores no spectra (the cadence still does).
 */
import type { WindowSpectra } from '../models/stored-evidence.ts';
import type { SpectrumReason } from '../storage/rows.ts';

export interface KeptSpectra {
  machine: string;
  channel: string;
  windowSeq: number;
  tsNs: bigint;
  shaftHz: number;
  spectra: WindowSpectra;
  /** Already stored (for the cadence or a diagnosis change): not stored twice. */
  stored: boolean;
}

export class SpectrumCadence {
  readonly #everyWindows: number;
  readonly #latest = new Map<string, KeptSpectra>();
  readonly #diagnosis = new Map<string, string>();

  constructor(everyWindows: number) {
    if (!(Number.isInteger(everyWindows) && everyWindows >= 0))
      throw new RangeError(`spectra.everyWindows must be an integer >= 0, got ${everyWindows}`);
    this.#everyWindows = everyWindows;
  }

  /** A window analysed: why to store its spectra now (undefined: not now), and keep them as the channel's latest. */
  onWindow(w: Omit<KeptSpectra, 'stored'>, diagnosis: string): SpectrumReason | undefined {
    const key = `${w.machine}\u0000${w.channel}`;
    const before = this.#diagnosis.get(key);
    this.#diagnosis.set(key, diagnosis);
    const reason: SpectrumReason | undefined =
      this.#everyWindows > 0 && w.windowSeq % this.#everyWindows === 0
        ? 'cadence'
        : before !== undefined && before !== diagnosis
          ? 'diagnosis_change'
          : undefined;
    this.#latest.set(key, { ...w, stored: reason !== undefined });
    return reason;
  }

  /**
   * The machine's health state changed at `windowSeq`: its channels' kept spectra of that window
   * not stored yet (marked stored now). Call before `onWindow` of the window that closed it.
   */
  onHealthChange(machine: string, windowSeq: number): KeptSpectra[] {
    const out: KeptSpectra[] = [];
    for (const k of this.#latest.values()) {
      if (k.machine !== machine || k.windowSeq !== windowSeq || k.stored) continue;
      k.stored = true;
      out.push(k);
    }
    return out;
  }
}
