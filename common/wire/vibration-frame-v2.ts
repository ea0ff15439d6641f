/**
 * Vibration frame, version 2: version 1 plus what the channel measures, so a reader needs no
 * naming convention: its location (any name: DE, NDE, gearbox_in...), axis and quantity
 * (acceleration, velocity, displacement; common/channels.ts), declared once at the collector.
 * Same topic and key as version 1. All integers little-endian.
 *
 *   offset size  field
 *   0      4     magic "PDMV" (0x50 0x44 0x4D 0x56)
 *   4      1     version = 2
 *   5      1     flags (reserved, 0)
 *   6      2     header length H in bytes (uint16; the samples start at H, a multiple of 4)
 *   8      8     block sequence number (uint64; consecutive per channel, a jump is a gap)
 *   16     8     block start time, ns since the Unix epoch (int64, UTC)
 *   24     8     sample rate, Hz (float64)
 *   32     4     sample count N (uint32)
 *   36     1     machine id length m (bytes, UTF-8)
 *   37     1     channel id length c
 *   38     1     units length u
 *   39     1     location length l
 *   40     1     axis length a
 *   41     1     quantity length q
 *   42     2     reserved (0)
 *   44     m     machine id
 *   44+m   c     channel id
 *   ...    u     units (e.g. "g", "mm/s")
 *   ...    l     location (e.g. "DE", "gearbox")
 *   ...    a     axis (e.g. "X", "radial")
 *   ...    q     quantity ("acceleration", "velocity", "displacement")
 *   ...          zero padding up to H
 *   H      4N    samples, float32
 *
 * Location, axis and quantity may be empty (length 0): not declared, the reader falls back (the
 * quantity to what the units measure, location and axis to its own configuration or the channel
 * id). Strings rather than codes, so a new quantity needs no new version. Total length is
 * exactly H + 4N; anything else is rejected.
 */
import { PdmError } from '../errors.ts';
import type { VibrationFrame } from './vibration-frame.ts';
import { MAGIC } from './vibration-frame-v1.ts';

export const VERSION = 2;
const FIXED_HEADER = 44;
const MAX_SHORT_STRING = 255;
const STRINGS = ['machine', 'channel', 'units', 'location', 'axis', 'quantity'] as const;
/** Offset of each string's length byte, in STRINGS order. */
const LENGTH_AT = [36, 37, 38, 39, 40, 41];

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-8 of the header strings, by string: a collector writes the same few ids and units on every
 * block of a channel (30 a second), and encoding them anew was a visible share of the frame's cost
 * in the collector's profile. Bounded: a writer that sends ever new strings only refills it.
 */
const utf8Cache = new Map<string, Uint8Array>();
const UTF8_CACHE_MAX = 4096;

function utf8(text: string): Uint8Array {
  let bytes = utf8Cache.get(text);
  if (!bytes) {
    bytes = encoder.encode(text);
    if (utf8Cache.size >= UTF8_CACHE_MAX) utf8Cache.clear();
    utf8Cache.set(text, bytes);
  }
  return bytes;
}

export function encode(frame: VibrationFrame): Uint8Array {
  const strings = STRINGS.map((field) => {
    const bytes = utf8(frame[field] ?? '');
    if (bytes.length > MAX_SHORT_STRING)
      throw new PdmError('PDM_ERR_FRAME_INVALID', `vibration frame: ${field} is ${bytes.length} bytes long, at most ${MAX_SHORT_STRING}`, {
        field,
      });
    return bytes;
  });
  const stringBytes = strings.reduce((s, b) => s + b.length, 0);
  const headerLength = (FIXED_HEADER + stringBytes + 3) & ~3;
  const n = frame.samples.length;
  const out = new Uint8Array(headerLength + 4 * n);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint8(4, VERSION);
  view.setUint8(5, 0);
  view.setUint16(6, headerLength, true);
  view.setBigUint64(8, BigInt(frame.seq), true);
  view.setBigInt64(16, frame.startTimeNs, true);
  view.setFloat64(24, frame.sampleRateHz, true);
  view.setUint32(32, n, true);
  let at = FIXED_HEADER;
  for (let i = 0; i < strings.length; i++) {
    view.setUint8(LENGTH_AT[i], strings[i].length);
    out.set(strings[i], at);
    at += strings[i].length;
  }
  // Samples: a Float32Array view is little-endian on every platform Node supports.
  new Float32Array(out.buffer, headerLength, n).set(frame.samples);
  return out;
}

/** Decode bytes (already known to carry magic and version 2); checks lengths, not meaning. */
export function decode(bytes: Uint8Array): VibrationFrame {
  if (bytes.length < FIXED_HEADER) {
    throw new PdmError('PDM_ERR_FRAME_DECODE', `vibration frame v2: ${bytes.length} bytes is shorter than the ${FIXED_HEADER}-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint16(6, true);
  const n = view.getUint32(32, true);
  const lengths = LENGTH_AT.map((at) => view.getUint8(at));
  const stringBytes = lengths.reduce((s, l) => s + l, 0);
  if (headerLength < FIXED_HEADER + stringBytes || headerLength % 4 !== 0) {
    throw new PdmError(
      'PDM_ERR_FRAME_DECODE',
      `vibration frame v2: header length ${headerLength} does not fit its strings (${lengths.join('+')} bytes) or is not a multiple of 4`,
    );
  }
  if (bytes.length !== headerLength + 4 * n) {
    throw new PdmError(
      'PDM_ERR_FRAME_DECODE',
      `vibration frame v2: ${bytes.length} bytes, but header length ${headerLength} and ${n} samples need ${headerLength + 4 * n}`,
    );
  }
  const text: string[] = [];
  let at = FIXED_HEADER;
  try {
    for (const l of lengths) {
      text.push(decoder.decode(bytes.subarray(at, at + l)));
      at += l;
    }
  } catch (err) {
    throw new PdmError('PDM_ERR_FRAME_DECODE', `vibration frame v2: ${STRINGS[text.length]} is not valid UTF-8`, {}, { cause: err });
  }
  // Copy the samples out: Kafka hands us slices of a shared buffer, often not 4-byte aligned,
  // and the copy is what gets moved (not cloned) to a worker thread later.
  const samples = new Float32Array(n);
  new Uint8Array(samples.buffer).set(bytes.subarray(headerLength, headerLength + 4 * n));
  const [machine, channel, units, location, axis, quantity] = text;
  return {
    version: VERSION,
    machine,
    channel,
    units,
    location,
    axis,
    quantity,
    seq: Number(view.getBigUint64(8, true)),
    startTimeNs: view.getBigInt64(16, true),
    sampleRateHz: view.getFloat64(24, true),
    samples,
  };
}
