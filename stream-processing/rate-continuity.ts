/**
 * A channel's sample rate may not change mid-stream. The sequence number is the collector's
 * statement of continuity: a block numbered last + 1 claims to be the next block of the same
 * acquisition, so a different rate there is a contradiction (a corrupt frame, or two sources
 * writing under one id), and accepting it would splice differently sampled signals into one
 * window. A rate may change only where the acquisition visibly restarted:
 *   - the sequence restarts at 0 (a server or collector restart numbers from 0 again),
 *   - the sequence is not contiguous (a gap: blocks are missing, which the collector also
 *     announces on the gap topic; or a counter that went back), or
 *   - a gap event for the channel arrived (the next block may carry a new rate).
 * Reading the discontinuity from the frames themselves, not only from the gap event, matters:
 * gaps and frames are on different topics, consumed concurrently, so the event may come after
 * the frame it explains.
 *
 * A rejected frame still advances the sequence (its rate does not): the next block of the same
 * wrong rate is then contiguous with it and rejected too, instead of passing as a "gap".
 * State is per processor and in memory; after a rebalance it restarts (the first frame of a
 * channel sets its rate), as the window assembler does.
 */

interface ChannelRate {
  rateHz: number;
  lastSeq: number;
  /** A gap event said the acquisition was interrupted: the next frame may carry a new rate. */
  resetPending: boolean;
}

export type RateVerdict = { ok: true } | { ok: false; expectedHz: number; lastSeq: number };

export class RateContinuity {
  readonly #channels = new Map<string, ChannelRate>();

  /** Judge a frame's rate and remember it; does not throw (the caller dead-letters). */
  check(machine: string, channel: string, seq: number, rateHz: number): RateVerdict {
    const key = `${machine}\u0000${channel}`;
    const prev = this.#channels.get(key);
    if (!prev || prev.rateHz === rateHz || seq === 0 || seq !== prev.lastSeq + 1 || prev.resetPending) {
      this.#channels.set(key, { rateHz, lastSeq: seq, resetPending: false });
      return { ok: true };
    }
    const verdict = { ok: false as const, expectedHz: prev.rateHz, lastSeq: prev.lastSeq };
    prev.lastSeq = seq;
    return verdict;
  }

  /** A gap event for the channel: its next frame may start a new acquisition. */
  gap(machine: string, channel: string): void {
    const prev = this.#channels.get(`${machine}\u0000${channel}`);
    if (prev) prev.resetPending = true;
  }

  /** Forget everything (after a rebalance, with the windows being assembled). */
  reset(): void {
    this.#channels.clear();
  }
}
