/**
 * One record of the collector's on-disk spool: a Kafka message waiting to be acknowledged, plus
 * what a person needs if it is ever dropped (machine, channel, sequence number, block end time).
 *
 * Framing on disk (little-endian), so a torn write at a crash is detected and cut off:
 *
 *   offset  size  field
 *   0       4     u32 payload length N (1 .. MAX_PAYLOAD_BYTES)
 *   4       4     u32 CRC-32 (zlib polynomial) of the N payload bytes
 *   8       N     payload
 *
 * Payload:
 *
 *   0       8     u64 record id (increasing across the spool's life, never reused)
 *   8       8     f64 appended at, ms since the Unix epoch (for the oldest-age metric)
 *   16      8     f64 sequence number of the block (-1: not a vibration block)
 *   24      8     f64 end time of the block, ms since the epoch (start of the next block; 0: none)
 *   32      1     u8  topic length T, then T bytes UTF-8
 *   .       2     u16 key length K, then K bytes UTF-8
 *   .       1     u8  machine length M, then M bytes UTF-8
 *   .       1     u8  channel length C, then C bytes UTF-8 (0: not a vibration block)
 *   .       4     u32 value length V, then V bytes (the Kafka message value, as sent)
 */
import { crc32 } from 'node:zlib';
import { PdmError } from '../../common/errors.ts';

export const RECORD_HEADER_BYTES = 8;
/** Larger than any frame we produce (a 1 M-sample block is 4 MB); a bigger length is corruption. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export interface SpoolMessage {
  topic: string;
  key: string;
  value: Uint8Array;
  machine: string;
  /** Channel of a vibration block; '' otherwise. */
  channel: string;
  /** Block sequence number; -1 when the message is not a vibration block. */
  seq: number;
  /** End of the block (= start of the next one), ms since the epoch; 0 when not a block. */
  endTimeMs: number;
}

export interface SpoolRecord extends SpoolMessage {
  id: number;
  appendedAtMs: number;
}

const utf8 = new TextEncoder();

/** Bytes the record of `m` takes on disk, framing included (without encoding it). */
export function spoolRecordSize(m: SpoolMessage): number {
  return (
    RECORD_HEADER_BYTES +
    32 +
    1 +
    Buffer.byteLength(m.topic) +
    2 +
    Buffer.byteLength(m.key) +
    1 +
    Buffer.byteLength(m.machine) +
    1 +
    Buffer.byteLength(m.channel) +
    4 +
    m.value.byteLength
  );
}

/** Encode a record with its framing header, ready to append. */
export function encodeSpoolRecord(r: SpoolRecord): Buffer {
  const topic = utf8.encode(r.topic);
  const key = utf8.encode(r.key);
  const machine = utf8.encode(r.machine);
  const channel = utf8.encode(r.channel);
  if (topic.length > 255 || machine.length > 255 || channel.length > 255 || key.length > 65_535) {
    throw new PdmError('PDM_ERR_SPOOL', `spool record ${r.id}: topic, machine or channel longer than 255 bytes, or key longer than 65535`, {
      id: r.id,
    });
  }
  const payloadBytes = 32 + 1 + topic.length + 2 + key.length + 1 + machine.length + 1 + channel.length + 4 + r.value.byteLength;
  if (payloadBytes > MAX_PAYLOAD_BYTES) {
    throw new PdmError(
      'PDM_ERR_SPOOL',
      `spool record ${r.id} (${r.machine}/${r.channel} seq ${r.seq}): ${payloadBytes} bytes is more than the spool's ${MAX_PAYLOAD_BYTES}-byte record limit`,
      { id: r.id },
    );
  }
  const buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payloadBytes);
  let o = RECORD_HEADER_BYTES;
  buf.writeBigUInt64LE(BigInt(r.id), o);
  buf.writeDoubleLE(r.appendedAtMs, o + 8);
  buf.writeDoubleLE(r.seq, o + 16);
  buf.writeDoubleLE(r.endTimeMs, o + 24);
  o += 32;
  o = writeBytes(buf, o, topic, 1);
  o = writeBytes(buf, o, key, 2);
  o = writeBytes(buf, o, machine, 1);
  o = writeBytes(buf, o, channel, 1);
  o = writeBytes(buf, o, r.value, 4);
  buf.writeUInt32LE(payloadBytes, 0);
  buf.writeUInt32LE(crc32(buf.subarray(RECORD_HEADER_BYTES)), 4);
  return buf;
}

function writeBytes(buf: Buffer, o: number, bytes: Uint8Array, lengthBytes: 1 | 2 | 4): number {
  if (lengthBytes === 1) buf.writeUInt8(bytes.length, o);
  else if (lengthBytes === 2) buf.writeUInt16LE(bytes.length, o);
  else buf.writeUInt32LE(bytes.byteLength, o);
  o += lengthBytes;
  buf.set(bytes, o);
  return o + bytes.byteLength;
}

/** What reading a record at an offset found. `bad` is a reason when the bytes are not a whole, intact record. */
export type RecordScan = { ok: true; record: SpoolRecord; size: number } | { ok: false; bad: string };

/**
 * Read the record starting at `offset` of `buf` (a segment file's contents). The value is a view
 * into `buf`, not a copy.
 */
export function decodeSpoolRecord(buf: Uint8Array, offset: number): RecordScan {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (offset + RECORD_HEADER_BYTES > b.length) return { ok: false, bad: `${b.length - offset} bytes left, less than a record header` };
  const n = b.readUInt32LE(offset);
  if (n < 33 || n > MAX_PAYLOAD_BYTES) return { ok: false, bad: `record length ${n} is impossible` };
  if (offset + RECORD_HEADER_BYTES + n > b.length)
    return { ok: false, bad: `record of ${n} bytes cut off after ${b.length - offset - RECORD_HEADER_BYTES}` };
  const payload = b.subarray(offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + n);
  const crc = b.readUInt32LE(offset + 4);
  if (crc32(payload) !== crc) return { ok: false, bad: 'CRC mismatch' };
  try {
    let o = 32;
    const read = (lengthBytes: 1 | 2 | 4): Buffer => {
      const len = lengthBytes === 1 ? payload.readUInt8(o) : lengthBytes === 2 ? payload.readUInt16LE(o) : payload.readUInt32LE(o);
      o += lengthBytes;
      if (o + len > payload.length) throw new RangeError('field runs past the record');
      const out = payload.subarray(o, o + len);
      o += len;
      return out;
    };
    const topic = read(1).toString('utf8');
    const key = read(2).toString('utf8');
    const machine = read(1).toString('utf8');
    const channel = read(1).toString('utf8');
    const value = read(4);
    if (o !== payload.length) return { ok: false, bad: `${payload.length - o} stray bytes after the value` };
    const id = Number(payload.readBigUInt64LE(0));
    return {
      ok: true,
      size: RECORD_HEADER_BYTES + n,
      record: {
        id,
        appendedAtMs: payload.readDoubleLE(8),
        seq: payload.readDoubleLE(16),
        endTimeMs: payload.readDoubleLE(24),
        topic,
        key,
        machine,
        channel,
        value,
      },
    };
  } catch (err) {
    // A CRC that matches over malformed fields means a writer bug, not a torn write; report it all the same.
    return { ok: false, bad: `malformed payload (${(err as Error).message})` };
  }
}
