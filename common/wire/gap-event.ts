/**
 * Gap events on `pdm.gaps.v1`: blocks a collector knows are missing (a jump in a channel's
 * sequence numbers), keyed by machine. JSON, version 2 (what collectors write):
 *   { "v": 2, "machine": "pump-1", "channel": "DE_X", "from_seq": 10, "to_seq": 12,
 *     "detected_at_ms": 1764000000000, "resumed_at_ns": "1764000000000000000",
 *     "cause": "collector_down", "collector_down_ms": 5200 }
 * from_seq..to_seq (inclusive) are missing; resumed_at_ns is the start time of the first block
 * after the gap; `cause` says why (GAP_CAUSES); `collector_down_ms`, only with collector_down, how
 * long the collector was not running (from its last persisted heartbeat to its start).
 * Version 1 (older collectors) is the same without `cause`: read as cause "unknown".
 */
import { PdmError } from '../errors.ts';
import { escaped, valueText } from '../input/display.ts';
import { checkId, checkTimeMs, invalid, nsToMs, type PlausibilityBounds } from './plausibility.ts';

/**
 * Why blocks are missing. The first tells "not collected while the collector was stopped" (an
 * operator's choice or a crash: the machine ran, nobody listened) from losses while it ran:
 * - collector_down: the gap spans the collector's own downtime (the first block of a channel in
 *   this run, measured against the position the previous run left);
 * - disconnected: the collector ran but was not connected to the machine (network, server restart);
 * - lost_in_flight: a jump while connected (the server's queue overflowed, notifications lost);
 * - not_running: a jump while connected over a time the machine's Machinery state
 *   (MachineryItemState) said it was not running: nothing acquired, nothing lost;
 * - spool_full: collected, then dropped from the full spool while Kafka was unreachable;
 * - too_large: collected, but larger than the Kafka message limit;
 * - unknown: a version 1 event (its collector did not say).
 */
export const GAP_CAUSES = [
  'collector_down',
  'disconnected',
  'lost_in_flight',
  'not_running',
  'spool_full',
  'too_large',
  'unknown',
] as const;
export type GapCause = (typeof GAP_CAUSES)[number];

export interface GapEventV1 {
  v: 1;
  machine: string;
  channel: string;
  from_seq: number;
  to_seq: number;
  detected_at_ms: number;
  resumed_at_ns: string;
}

export interface GapEventV2 extends Omit<GapEventV1, 'v'> {
  v: 2;
  /** One of GAP_CAUSES when written by this version; a reader keeps a cause it does not know as it is. */
  cause: GapCause | (string & {});
  collector_down_ms?: number;
}

/** What a reader gets from either version (version 1 with cause "unknown"). */
export type GapEvent = GapEventV2;

export function encodeGapEvent(gap: Omit<GapEventV2, 'v' | 'cause'> & { cause: GapCause }): Buffer {
  return Buffer.from(JSON.stringify({ v: 2, ...gap }));
}

export function decodeGapEvent(bytes: Uint8Array): GapEvent {
  let d: Partial<Omit<GapEventV2, 'v'>> & { v?: unknown };
  try {
    d = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as typeof d;
  } catch (err) {
    // V8's message quotes the start of the text: escaped, as it may be any bytes.
    throw new PdmError('PDM_ERR_FRAME_DECODE', `gap event: not JSON (${escaped((err as Error).message, 160)})`, {}, { cause: err });
  }
  if (d?.v !== 1 && d?.v !== 2)
    throw new PdmError('PDM_ERR_FRAME_VERSION', `gap event: unknown version ${valueText(d?.v)} (this reader knows 1 and 2)`);
  const ok =
    typeof d.machine === 'string' &&
    typeof d.channel === 'string' &&
    Number.isSafeInteger(d.from_seq) &&
    Number.isSafeInteger(d.to_seq) &&
    (d.to_seq as number) >= (d.from_seq as number) &&
    // Becomes the row's designated timestamp (storage/rows.ts): anything but a positive number
    // would be written as 0 or NaN.
    typeof d.detected_at_ms === 'number' &&
    Number.isFinite(d.detected_at_ms) &&
    d.detected_at_ms > 0 &&
    typeof d.resumed_at_ns === 'string' &&
    /^\d+$/.test(d.resumed_at_ns);
  if (!ok) throw new PdmError('PDM_ERR_FRAME_INVALID', `gap event: malformed ${valueText(d, 200)}`);
  if (d.v === 1) return { ...(d as Omit<GapEventV1, 'v'>), v: 2, cause: 'unknown' };
  const v2 = d;
  // A cause this reader does not know (a newer collector's) is kept, not dead-lettered: the gap
  // itself is what matters; only something that cannot be a cause name is malformed.
  if (typeof v2.cause !== 'string' || !/^[a-z][a-z0-9_]{0,31}$/.test(v2.cause))
    throw new PdmError(
      'PDM_ERR_FRAME_INVALID',
      `gap event: cause ${valueText(v2.cause)} is not a cause name (e.g. ${GAP_CAUSES.join(', ')})`,
    );
  if (v2.collector_down_ms !== undefined && !(Number.isFinite(v2.collector_down_ms) && v2.collector_down_ms >= 0))
    throw new PdmError('PDM_ERR_FRAME_INVALID', `gap event: collector_down_ms ${valueText(v2.collector_down_ms)} is not a duration`);
  return v2 as GapEventV2;
}

/**
 * Reject a decoded gap event that cannot be true: ids outside the wire pattern, a detection or
 * resumption time outside the window around when it was sent. Returns the event for chaining.
 */
export function validateGapEvent<G extends Omit<GapEventV1, 'v'>>(g: G, bounds: PlausibilityBounds): G {
  const details = { machine: g.machine, channel: g.channel };
  checkId(g.machine, 'gap event: machine id', details);
  checkId(g.channel, `gap event of ${g.machine}: channel id`, details);
  const where = `gap event ${g.machine}/${g.channel} seq ${g.from_seq}..${g.to_seq}`;
  if (g.from_seq < 0) throw invalid('shape', `${where}: from_seq is negative`, details);
  checkTimeMs(g.detected_at_ms, bounds, `${where}: detected_at_ms`, details);
  checkTimeMs(nsToMs(BigInt(g.resumed_at_ns)), bounds, `${where}: resumed_at_ns`, details);
  return g;
}
