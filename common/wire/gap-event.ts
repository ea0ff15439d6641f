/**
 * Gap events on `pdm.gaps.v1`: blocks a collector knows are missing (a jump in a channel's
 * sequence numbers), keyed by machine. JSON, version 1:
 *   { "v": 1, "machine": "pump-1", "channel": "DE_X", "from_seq": 10, "to_seq": 12,
 *     "detected_at_ms": 1764000000000, "resumed_at_ns": "1764000000000000000" }
 * from_seq..to_seq (inclusive) are missing; resumed_at_ns is the start time of the first block
 * after the gap.
 */
import { PdmError } from '../errors.ts';
import { escaped, valueText } from '../input/display.ts';

export interface GapEventV1 {
  v: 1;
  machine: string;
  channel: string;
  from_seq: number;
  to_seq: number;
  detected_at_ms: number;
  resumed_at_ns: string;
}

export function encodeGapEvent(gap: Omit<GapEventV1, 'v'>): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ...gap }));
}

export function decodeGapEvent(bytes: Uint8Array): GapEventV1 {
  let d: Partial<GapEventV1>;
  try {
    d = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Partial<GapEventV1>;
  } catch (err) {
    // V8's message quotes the start of the text: escaped, as it may be any bytes.
    throw new PdmError('PDM_ERR_FRAME_DECODE', `gap event: not JSON (${escaped((err as Error).message, 160)})`, {}, { cause: err });
  }
  if (d?.v !== 1) throw new PdmError('PDM_ERR_FRAME_VERSION', `gap event: unknown version ${valueText(d?.v)} (this reader knows 1)`);
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
  return d as GapEventV1;
}
