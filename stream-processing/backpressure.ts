/**
 * When the processor stops fetching: pure, so the rule is tested without Kafka. Memory in flight
 * is what was consumed and not yet committed (messages of the batches being processed, and the
 * blocks of windows still being assembled); when it passes the cap, or the QuestDB write has been
 * running for longer than the writer is allowed to fall behind, every partition is paused, so
 * kafkajs fetches nothing more; they resume when in flight has drained below a fraction of the
 * cap and the writer moves again. The gap between the two thresholds keeps a load that hovers at
 * the cap from pausing and resuming at every batch.
 */

export interface BackpressureLimits {
  /** Bytes consumed and not yet committed above which partitions pause. */
  maxInFlightBytes: number;
  /** Partitions resume when in flight is at most this fraction of the cap. */
  resumeFraction: number;
  /** A single QuestDB write (with its retries) running longer than this pauses partitions. */
  writerBehindMs: number;
}

export interface InFlight {
  bytes: number;
  /** Since when the current QuestDB write has been running (null: none). */
  writeStartedMs: number | null;
  nowMs: number;
}

export interface BackpressureDecision {
  paused: boolean;
  /** Why partitions are (still) paused; empty when running. */
  reason: string;
}

export function judgeBackpressure(pausedNow: boolean, f: InFlight, l: BackpressureLimits): BackpressureDecision {
  const writingMs = f.writeStartedMs === null ? 0 : Math.max(0, f.nowMs - f.writeStartedMs);
  const writerBehind = writingMs > l.writerBehindMs;
  const over = pausedNow ? f.bytes > l.maxInFlightBytes * l.resumeFraction : f.bytes > l.maxInFlightBytes;
  if (!over && !writerBehind) return { paused: false, reason: '' };
  const reasons: string[] = [];
  if (over)
    reasons.push(
      `${f.bytes} bytes in flight (cap ${l.maxInFlightBytes}${pausedNow ? `, resume at ${Math.floor(l.maxInFlightBytes * l.resumeFraction)}` : ''})`,
    );
  if (writerBehind) reasons.push(`QuestDB write running for ${Math.round(writingMs / 1000)} s`);
  return { paused: true, reason: reasons.join('; ') };
}
