/**
 * When a channel's window evidence is stored, so storage stays bounded (docs/storage.md: bytes
 * per machine-day) while every state an analyst will ask about ("what did the spectrum look like
 * when it went to alarm?") has its evidence:
 * - spectra (vibration_spectra): every `spectraEvery`-th window (window_seq divisible by it), when
 *   the channel's bearing diagnosis changes, and when its machine's health state changes;
 * - fault-band lines (bearing_evidence): every `bandsEvery`-th window, and with every stored
 *   spectrum (the envelope spectrum's defect markers are that window's defect frequencies).
 *
 * The health state of window N is known only when the machine's window N closes, often after
 * the batch that analysed it: each channel's latest window is kept (its two arrays and its
 * fault-band rows) until the next window replaces it. Kept windows live in memory: after a
 * restart the first windows compare with nothing (no change is claimed), and a state change
 * whose windows the previous process analysed stores nothing extra (the cadence still does).
 */
import type { WindowSpectra } from '../models/stored-evidence.ts';
import type { SpectrumReason } from '../storage/rows.ts';

export interface WindowEvidence<B> {
  machine: string;
  channel: string;
  windowSeq: number;
  tsNs: bigint;
  shaftHz: number;
  spectra: WindowSpectra;
  /** The window's fault-band rows (none without a bearing or a speed). */
  bands: B[];
}

/** What to store of a window now: its spectra (and why), and whether its fault-band rows. */
export interface StoreNow {
  spectra?: SpectrumReason;
  bands: boolean;
}

interface Kept<B> extends WindowEvidence<B> {
  spectraStored: boolean;
  bandsStored: boolean;
}

export class SpectrumCadence<B> {
  readonly #spectraEvery: number;
  readonly #bandsEvery: number;
  readonly #latest = new Map<string, Kept<B>>();
  readonly #diagnosis = new Map<string, string>();

  constructor(spectraEvery: number, bandsEvery: number) {
    for (const [name, v] of [
      ['spectra.everyWindows', spectraEvery],
      ['spectra.bandsEveryWindows', bandsEvery],
    ] as const)
      if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`${name} must be an integer >= 0, got ${v}`);
    this.#spectraEvery = spectraEvery;
    this.#bandsEvery = bandsEvery;
  }

  /** A window analysed: what to store of it now; it is kept as the channel's latest. */
  onWindow(w: WindowEvidence<B>, diagnosis: string): StoreNow {
    const key = `${w.machine}\u0000${w.channel}`;
    const before = this.#diagnosis.get(key);
    this.#diagnosis.set(key, diagnosis);
    const due = (every: number) => every > 0 && w.windowSeq % every === 0;
    const spectra: SpectrumReason | undefined = due(this.#spectraEvery)
      ? 'cadence'
      : before !== undefined && before !== diagnosis
        ? 'diagnosis_change'
        : undefined;
    const bands = w.bands.length > 0 && (spectra !== undefined || due(this.#bandsEvery));
    this.#latest.set(key, { ...w, spectraStored: spectra !== undefined, bandsStored: bands });
    return spectra === undefined ? { bands } : { spectra, bands };
  }

  /**
   * The machine's health state changed at `windowSeq`: its channels' kept windows of that
   * sequence whose spectra are not stored yet, each with its fault-band rows when those are not
   * stored either (both marked stored now). Call before `onWindow` of the window that closed it.
   */
  onHealthChange(machine: string, windowSeq: number): Array<{ window: WindowEvidence<B>; bands: boolean }> {
    const out: Array<{ window: WindowEvidence<B>; bands: boolean }> = [];
    for (const k of this.#latest.values()) {
      if (k.machine !== machine || k.windowSeq !== windowSeq || k.spectraStored) continue;
      out.push({ window: k, bands: !k.bandsStored && k.bands.length > 0 });
      k.spectraStored = true;
      k.bandsStored = true;
    }
    return out;
  }
}
