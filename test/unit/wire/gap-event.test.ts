import { describe, expect, it } from 'vitest';
import { decodeGapEvent, encodeGapEvent } from '../../../common/wire/gap-event.ts';

const base = {
  machine: 'pump-1',
  channel: 'DE_X',
  from_seq: 10,
  to_seq: 12,
  detected_at_ms: 1_764_000_000_000,
  resumed_at_ns: '1764000000000000000',
};
const json = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('gap event', () => {
  it('writes version 2 with its cause (and the downtime for collector_down); reads it back', () => {
    const bytes = encodeGapEvent({ ...base, cause: 'collector_down', collector_down_ms: 5200 });
    expect(JSON.parse(bytes.toString())).toEqual({ v: 2, ...base, cause: 'collector_down', collector_down_ms: 5200 });
    expect(decodeGapEvent(bytes)).toEqual({ v: 2, ...base, cause: 'collector_down', collector_down_ms: 5200 });
  });

  it('reads version 1 (older collectors) with cause "unknown"', () => {
    expect(decodeGapEvent(json({ v: 1, ...base }))).toEqual({ v: 2, ...base, cause: 'unknown' });
  });

  it("keeps a cause it does not know (a newer collector's), rejects what cannot be one", () => {
    expect(decodeGapEvent(json({ v: 2, ...base, cause: 'firmware_update' })).cause).toBe('firmware_update');
    expect(() => decodeGapEvent(json({ v: 2, ...base }))).toThrow(/cause undefined/);
    expect(() => decodeGapEvent(json({ v: 2, ...base, cause: 'DROP TABLE' }))).toThrow(/not a cause name/);
    expect(() => decodeGapEvent(json({ v: 2, ...base, cause: 'collector_down', collector_down_ms: -1 }))).toThrow(/not a duration/);
    expect(() => decodeGapEvent(json({ v: 3, ...base, cause: 'x' }))).toThrow(/unknown version 3/);
  });
});
