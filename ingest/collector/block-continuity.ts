/**
 * Continuity of a channel's blocks without a trustworthy counter, pure (no state, no I/O):
 *
 * - from the SourceTimestamp and the sample rate (servers with no block counter): a block that
 *   starts one block period after the previous one is the next block, a longer step is a gap of
 *   the implied number of blocks, the same start again is a duplicate, a start earlier than the
 *   previous one is a clock step backwards (a reset: counted, the sequence continues);
 * - from a counter that wraps (UInt16, UInt32): unwrapped into an ever-growing sequence, so a
 *   wrap is the next block, not a gap of 65,535.
 *
 * The sequence ledger keeps the state and assigns the sequence numbers frames carry.
 */

/**
 * How far a block start may be from where the previous block says it must be, and still be that
 * place. The server stamps a block with its first sample's time, computed from its sample clock:
 * an honest start is exact up to the rounding of that time to a sample (half a sample period) and
 * to the server's timestamp resolution (many servers stamp whole milliseconds: a 85.333 ms block
 * period then shows as 85 or 86 ms steps; OPC UA's own DateTime is 100 ns). Anything larger is
 * not rounding but a clock that is not the sample clock (a server stamping its write time) or
 * samples lost inside a block: counted as "off grid" (reported), never mistaken for a whole block
 * unless it exceeds half a block period.
 */
export function continuityToleranceMs(sampleRateHz: number, timestampResolutionMs = 1): number {
  return 500 / sampleRateHz + timestampResolutionMs;
}

export type StepVerdict =
  /** offGridMs: how far the start was from the expected place beyond the tolerance (0: on grid). */
  | { kind: 'next'; offGridMs: number }
  | { kind: 'gap'; missing: number; offGridMs: number }
  | { kind: 'duplicate' }
  /** The start is before the previous block's: the server's clock stepped back by backMs. */
  | { kind: 'reset'; backMs: number };

export interface PreviousBlock {
  startMs: number;
  /** Start of the block after it (start + its own period). */
  endMs: number;
}

/** Judge a block starting at startMs, of period blockMs, after `previous`. */
export function judgeStep(previous: PreviousBlock, startMs: number, blockMs: number, toleranceMs: number): StepVerdict {
  const sinceStart = startMs - previous.startMs;
  if (Math.abs(sinceStart) <= toleranceMs) return { kind: 'duplicate' };
  if (sinceStart < 0) return { kind: 'reset', backMs: -sinceStart };
  // Whole blocks between the expected start and this one; a start less than half a block after
  // the previous start (a late stamp, then an early one) is still the next block, never a duplicate.
  const k = Math.max(0, Math.round((startMs - previous.endMs) / blockMs));
  const residual = startMs - previous.endMs - k * blockMs;
  const offGridMs = Math.abs(residual) > toleranceMs ? residual : 0;
  return k === 0 ? { kind: 'next', offGridMs } : { kind: 'gap', missing: k, offGridMs };
}

/**
 * The sequence number for a wrapping counter's raw value, given the last sequence (unwrapped).
 * The counter moves forward by (raw - last) modulo 2^bits: less than half the range forward is
 * progress (1: next, more: a gap), the other half is backwards (a duplicate re-offered, or a
 * counter that restarted: the ledger tells them apart by distance). The sequence never wraps.
 */
export function unwrapCounter(lastSeq: number | undefined, raw: number, bits: 16 | 32): number {
  const range = 2 ** bits;
  if (lastSeq === undefined) return raw;
  const lastRaw = ((lastSeq % range) + range) % range;
  const forward = (((raw - lastRaw) % range) + range) % range;
  return forward < range / 2 ? lastSeq + forward : lastSeq - (range - forward);
}
