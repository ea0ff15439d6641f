import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeSpoolRecord,
  encodeSpoolRecord,
  RECORD_HEADER_BYTES,
  type SpoolRecord,
  spoolRecordSize,
} from '../../../ingest/collector/spool-record.ts';

function record(over: Partial<SpoolRecord> = {}): SpoolRecord {
  return {
    id: 7,
    appendedAtMs: 1_764_000_000_123.5,
    topic: 'pdm.vibration.v1',
    key: 'pump-01',
    machine: 'pump-01',
    channel: 'DE_X',
    seq: 17_956_438_019,
    endTimeMs: 1_795_643_801_900,
    value: Uint8Array.from([1, 2, 3, 250]),
    ...over,
  };
}

/** The documented layout, written field by field (independent of the encoder). */
function layoutBytes(r: SpoolRecord): Uint8Array {
  const strs = [r.topic, r.key, r.machine, r.channel].map((s) => new TextEncoder().encode(s));
  const n = 32 + 1 + strs[0].length + 2 + strs[1].length + 1 + strs[2].length + 1 + strs[3].length + 4 + r.value.length;
  const out = new Uint8Array(8 + n);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, n, true);
  dv.setBigUint64(8, BigInt(r.id), true);
  dv.setFloat64(16, r.appendedAtMs, true);
  dv.setFloat64(24, r.seq, true);
  dv.setFloat64(32, r.endTimeMs, true);
  let o = 40;
  const put = (bytes: Uint8Array, lenBytes: number) => {
    if (lenBytes === 1) dv.setUint8(o, bytes.length);
    else if (lenBytes === 2) dv.setUint16(o, bytes.length, true);
    else dv.setUint32(o, bytes.length, true);
    o += lenBytes;
    out.set(bytes, o);
    o += bytes.length;
  };
  put(strs[0], 1);
  put(strs[1], 2);
  put(strs[2], 1);
  put(strs[3], 1);
  put(r.value, 4);
  dv.setUint32(4, crc32(out.subarray(8)), true);
  return out;
}

describe('spool record codec', () => {
  it('writes the documented layout', () => {
    const r = record();
    expect([...encodeSpoolRecord(r)]).toEqual([...layoutBytes(r)]);
  });

  it('round-trips a sweep of values, sizes and names', () => {
    for (const size of [0, 1, 7, 4096, 100_003]) {
      for (const [machine, channel, seq] of [
        ['m', '', -1],
        ['fan-02', 'NDE_Z', 0],
        ['x'.repeat(64), 'DE_X', 2 ** 53 - 1],
        ['ünï', 'c', 12],
      ] as const) {
        const value = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff);
        const r = record({ id: size + 1, machine, channel, seq, key: machine, value });
        const enc = encodeSpoolRecord(r);
        const scan = decodeSpoolRecord(enc, 0);
        expect(scan.ok).toBe(true);
        if (!scan.ok) continue;
        expect(scan.size).toBe(enc.length);
        expect(spoolRecordSize(r)).toBe(enc.length);
        expect({ ...scan.record, value: [...scan.record.value] }).toEqual({ ...r, value: [...value] });
      }
    }
  });

  it('reads records one after another from a buffer', () => {
    const a = encodeSpoolRecord(record({ id: 1 }));
    const b = encodeSpoolRecord(record({ id: 2, seq: 99 }));
    const buf = Buffer.concat([a, b]);
    const first = decodeSpoolRecord(buf, 0);
    expect(first.ok && first.record.id).toBe(1);
    const second = decodeSpoolRecord(buf, a.length);
    expect(second.ok && second.record.seq).toBe(99);
  });

  it('detects a flipped bit anywhere in the record', () => {
    const enc = encodeSpoolRecord(record());
    for (let i = 0; i < enc.length; i++) {
      const bad = Buffer.from(enc);
      bad[i] ^= 0x10;
      const scan = decodeSpoolRecord(bad, 0);
      expect(scan.ok, `bit flip at byte ${i}`).toBe(false);
    }
  });

  it('detects a record cut off at any length (a torn write)', () => {
    const enc = encodeSpoolRecord(record());
    for (let len = 0; len < enc.length; len++) {
      const scan = decodeSpoolRecord(enc.subarray(0, len), 0);
      expect(scan.ok, `cut at ${len}`).toBe(false);
    }
    expect(decodeSpoolRecord(enc.subarray(0, RECORD_HEADER_BYTES + 3), 0)).toMatchObject({
      ok: false,
      bad: expect.stringMatching(/cut off/),
    });
  });

  it('refuses names longer than their length field', () => {
    expect(() => encodeSpoolRecord(record({ machine: 'm'.repeat(256) }))).toThrow(/longer than 255/);
  });
});
