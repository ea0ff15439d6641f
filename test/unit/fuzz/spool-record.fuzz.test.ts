/**
 * Fuzzing the collector's spool records (ingest/collector/spool-record.ts), read back from disk
 * after a crash: encode -> decode is the identity; any bytes at any offset, torn or mutated
 * records, and arbitrary payloads under a correct CRC are reported as `bad` with a reason, never
 * thrown, never read past. See fuzz-kit.ts for the seed and FUZZ_RUNS.
 */
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSpoolRecord, encodeSpoolRecord, type SpoolRecord } from '../../../ingest/collector/spool-record.ts';
import { bounded, controlCharacter, mutated, params } from './fuzz-kit.ts';

const short = (maxBytes: number) => fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => Buffer.byteLength(s) <= maxBytes);
const record: fc.Arbitrary<SpoolRecord> = fc.record({
  id: fc.maxSafeNat(),
  appendedAtMs: fc.double({ noNaN: true }),
  seq: fc.double({ noNaN: true }),
  endTimeMs: fc.double({ noNaN: true }),
  topic: short(255),
  key: short(65_535),
  machine: short(255),
  channel: short(255),
  value: fc.uint8Array({ maxLength: 200 }),
});

/** Decoding never throws: a whole record inside the buffer, or a reason. */
function scan(buf: Uint8Array, offset: number): void {
  const out = bounded(() => decodeSpoolRecord(buf, offset), 1 << 20);
  if ('error' in out) throw out.error;
  const r = out.value;
  if (r.ok) expect(offset + r.size).toBeLessThanOrEqual(buf.length);
  else expect(controlCharacter(r.bad)).toBeUndefined();
}

describe('spool records', () => {
  it('encode then decode is the identity', () => {
    fc.assert(
      fc.property(record, fc.uint8Array({ maxLength: 16 }), (r, before) => {
        const bytes = Buffer.concat([before, encodeSpoolRecord(r)]);
        const out = decodeSpoolRecord(bytes, before.length);
        expect(out.ok).toBe(true);
        if (out.ok) expect({ ...out.record, value: Uint8Array.from(out.record.value) }).toEqual(r);
      }),
      params(500),
    );
  });

  it('arbitrary, torn and mutated bytes at any offset are reported, never thrown', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated(record.map((r) => Uint8Array.from(encodeSpoolRecord(r)))));
    fc.assert(
      fc.property(bytes, fc.nat({ max: 220 }), (b, offset) => scan(b, Math.min(offset, b.length))),
      params(2000),
    );
  });

  it('arbitrary payloads under a correct CRC (a writer bug, not a torn write) are reported, never thrown', () => {
    const framed = fc.uint8Array({ minLength: 33, maxLength: 200 }).map((payload) => {
      const head = Buffer.alloc(8);
      head.writeUInt32LE(payload.length, 0);
      head.writeUInt32LE(crc32(payload), 4);
      return Uint8Array.from(Buffer.concat([head, payload]));
    });
    fc.assert(
      fc.property(framed, (b) => scan(b, 0)),
      params(2000),
    );
  });
});
