/**
 * What a message on the wire can say and still be true, shared by every message kind: ids that
 * match the documented pattern (docs/wire-formats.md), times inside a window around the moment
 * the message was sent, magnitudes a sensor can produce. Decoding (bytes -> fields) is separate:
 * a message that decodes can still be impossible, and such a message must be set aside with the
 * reason, never written (QuestDB refuses some of them and would stall the writer; the others would
 * be stored as if they had happened).
 *
 * Every rejection is a PDM_ERR_FRAME_INVALID whose `details.rule` names the broken rule, so the
 * dead-letter headers and the processor's metrics count rejections by rule.
 */
import { PdmError } from '../errors.ts';
import { escaped, valueText } from '../input/display.ts';

/** Machine and channel ids, in every message kind: 1-64 letters, digits, `_`, `.` or `-`. */
export const WIRE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Sample rates a frame may declare: (0, 10 MHz] (no vibration sensor samples faster). */
export const MAX_SAMPLE_RATE_HZ = 10_000_000;

/** The rule a rejected message broke (the `pdm-dlq-rule` header, the `rule` label of the metric). */
export type PlausibilityRule = 'id' | 'time' | 'sample_rate' | 'sample_rate_change' | 'magnitude' | 'shape';

/** The window and bounds a message is judged against (the processor's `validation` config). */
export interface PlausibilityBounds {
  /**
   * The moment the message was sent, ms since the epoch: the Kafka message timestamp when there is
   * one (so a replay days later judges the message as it was judged live), else the reader's clock.
   */
  referenceMs: number;
  /** How far before the reference a time may lie (the spool of a collector cut off for days replays old data). */
  maxPastMs: number;
  /** How far after it (clock skew between a machine and the broker). */
  maxFutureMs: number;
  /** Largest |sample| of a vibration frame, in the frame's own units. */
  maxAbsSample: number;
}

/** The defaults of the processor's `validation` section, in the bounds' units. */
export const DEFAULT_PLAUSIBILITY = { maxPastDays: 30, maxFutureS: 600, maxAbsSample: 1e6 } as const;

export function invalid(rule: PlausibilityRule, message: string, details: Record<string, unknown> = {}): PdmError {
  return new PdmError('PDM_ERR_FRAME_INVALID', message, { ...details, rule });
}

/** Throws unless `id` matches WIRE_ID_PATTERN; `what` names the message and the field. */
export function checkId(id: unknown, what: string, details: Record<string, unknown> = {}): void {
  if (typeof id !== 'string' || !WIRE_ID_PATTERN.test(id))
    throw invalid(
      'id',
      `${what} ${typeof id === 'string' ? `"${escaped(id, 64)}"` : valueText(id)} must match ${WIRE_ID_PATTERN}`,
      details,
    );
}

/** Throws unless `ms` (ms since the epoch) lies in [reference - maxPast, reference + maxFuture]. */
export function checkTimeMs(ms: number, bounds: PlausibilityBounds, what: string, details: Record<string, unknown> = {}): void {
  const lo = bounds.referenceMs - bounds.maxPastMs;
  const hi = bounds.referenceMs + bounds.maxFutureMs;
  if (Number.isFinite(ms) && ms >= lo && ms <= hi) return;
  throw invalid(
    'time',
    `${what} ${describeTimeMs(ms)} is outside the accepted window ${new Date(lo).toISOString()} .. ${new Date(hi).toISOString()} around the time it was sent (${new Date(bounds.referenceMs).toISOString()}); see the processor's validation.maxPastDays / maxFutureS`,
    details,
  );
}

/** A time in ns since the epoch as ms, for the window check; exact enough at ms. */
export function nsToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

function describeTimeMs(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms` : `${d.toISOString()} (${ms} ms)`;
}

/** The reference time of a Kafka message: its timestamp (ms, as a string) when it has a usable one, else `nowMs`. */
export function referenceTimeMs(kafkaTimestamp: string | undefined, nowMs: number): number {
  const t = kafkaTimestamp === undefined ? Number.NaN : Number(kafkaTimestamp);
  return Number.isFinite(t) && t > 0 ? t : nowMs;
}
