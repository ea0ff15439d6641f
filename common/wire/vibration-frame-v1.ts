/**
 * Vibration frame, version 1: one block of waveform samples of one channel of one machine, as
 * carried on the Kafka topic `pdm.vibration.v1` (key = machine id, so one machine's blocks stay
 * in order on one partition). All integers little-endian.
 *
 *   offset size  field
 *   0      4     magic "PDMV" (0x50 0x44 0x4D 0x56)
 *   4      1     version = 1
 *   5      1     flags (reserved, 0)
 *   6      2     header length H in bytes (uint16; the samples start at H, a multiple of 4)
 *   8      8     block sequence number (uint64; consecutive per channel, a jump is a gap)
 *   16     8     block start time, ns since the Unix epoch (int64, UTC)
 *   24     8     sample rate, Hz (float64)
 *   32     4     sample count N (uint32)
 *   36     1     machine id length m (bytes, UTF-8)
 *   37     1     channel id length c
 *   38     1     units length u
 *   39     1     reserved (0)
 *   40     m     machine id
 *   40+m   c     channel id
 *   40+m+c u     units (e.g. "g")
 *   ...          zero padding up to H
 *   H      4N    samples, float32
 *
 * Total length is exactly H + 4N; anything else is rejected.
 */
import { PdmError } from '../errors.ts';
import type { VibrationFrame } from './vibration-frame.ts';

export const MAGIC = 0x564d4450; // "PDMV" read as a little-endian uint32
export const VERSION = 1;
const FIXED_HEADER = 40;
const MAX_SHORT_STRING = 255;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function shortString(value: string, field: string): Uint8Array {
  const bytes = encoder.encode(value);
  if (bytes.length > MAX_SHORT_STRING) {
    throw new PdmError('PDM_ERR_FRAME_INVALID', `vibration frame: ${field} is ${bytes.length} bytes long, at most ${MAX_SHORT_STRING}`, {
      field,
    });
  }
  return bytes;
}

export function encode(frame: VibrationFrame): Uint8Array {
  const machine = shortString(frame.machine, 'machine');
  const channel = shortString(frame.channel, 'channel');
  const units = shortString(frame.units, 'units');
  const headerLength = (FIXED_HEADER + machine.length + channel.length + units.length + 3) & ~3;
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
  view.setUint8(36, machine.length);
  view.setUint8(37, channel.length);
  view.setUint8(38, units.length);
  let at = FIXED_HEADER;
  out.set(machine, at);
  at += machine.length;
  out.set(channel, at);
  at += channel.length;
  out.set(units, at);
  // Samples: a Float32Array view is little-endian on every platform Node supports.
  new Float32Array(out.buffer, headerLength, n).set(frame.samples);
  return out;
}

/** Decode bytes (already known to carry magic and version 1); checks lengths, not meaning. */
export function decode(bytes: Uint8Array): VibrationFrame {
  if (bytes.length < FIXED_HEADER) {
    throw new PdmError('PDM_ERR_FRAME_DECODE', `vibration frame v1: ${bytes.length} bytes is shorter than the ${FIXED_HEADER}-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint16(6, true);
  const n = view.getUint32(32, true);
  const m = view.getUint8(36);
  const c = view.getUint8(37);
  const u = view.getUint8(38);
  if (headerLength < FIXED_HEADER + m + c + u || headerLength % 4 !== 0) {
    throw new PdmError(
      'PDM_ERR_FRAME_DECODE',
      `vibration frame v1: header length ${headerLength} does not fit its strings (${m}+${c}+${u} bytes) or is not a multiple of 4`,
    );
  }
  if (bytes.length !== headerLength + 4 * n) {
    throw new PdmError(
      'PDM_ERR_FRAME_DECODE',
      `vibration frame v1: ${bytes.length} bytes, but header length ${headerLength} and ${n} samples need ${headerLength + 4 * n}`,
    );
  }
  let machine: string;
  let channel: string;
  let units: string;
  try {
    machine = decoder.decode(bytes.subarray(FIXED_HEADER, FIXED_HEADER + m));
    channel = decoder.decode(bytes.subarray(FIXED_HEADER + m, FIXED_HEADER + m + c));
    units = decoder.decode(bytes.subarray(FIXED_HEADER + m + c, FIXED_HEADER + m + c + u));
  } catch (err) {
    throw new PdmError('PDM_ERR_FRAME_DECODE', 'vibration frame v1: machine, channel or units is not valid UTF-8', {}, { cause: err });
  }
  // Copy the samples out: Kafka hands us slices of a shared buffer, often not 4-byte aligned,
  // and the copy is what gets moved (not cloned) to a worker thread later.
  const samples = new Float32Array(n);
  new Uint8Array(samples.buffer).set(bytes.subarray(headerLength, headerLength + 4 * n));
  return {
    version: VERSION,
    machine,
    channel,
    units,
    seq: Number(view.getBigUint64(8, true)),
    startTimeNs: view.getBigInt64(16, true),
    sampleRateHz: view.getFloat64(24, true),
    samples,
  };
}
