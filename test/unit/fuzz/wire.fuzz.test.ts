/**
 * Fuzzing the wire decoders (vibration frames v1 and v2, energy readings, scalar feature readings, gap events): valid
 * values round-trip; arbitrary and mutated bytes either decode or throw a documented PdmError,
 * within a time and memory bound; whatever decodes either validates or fails validation with a
 * PdmError. See fuzz-kit.ts for the seed and FUZZ_RUNS.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENERGY_VARIABLES } from '../../../common/energy-fields.ts';
import { SCALAR_FEATURES } from '../../../common/scalar-features.ts';
import { decodeEnergyReading, type EnergyReadingV1, encodeEnergyReading } from '../../../common/wire/energy-reading.ts';
import {
  decodeFeatureReading,
  encodeFeatureReading,
  type FeatureReadingV1,
  validateFeatureReading,
} from '../../../common/wire/feature-reading.ts';
import { decodeGapEvent, encodeGapEvent, GAP_CAUSES, type GapCause, type GapEventV1 } from '../../../common/wire/gap-event.ts';
import {
  decodeVibrationFrame,
  encodeVibrationFrame,
  type VibrationFrame,
  validateVibrationFrame,
} from '../../../common/wire/vibration-frame.ts';
import * as v1 from '../../../common/wire/vibration-frame-v1.ts';
import { bounded, expectDocumentedError, hostileText, mutated, params } from './fuzz-kit.ts';

const DECODE_CODES = ['PDM_ERR_FRAME_DECODE', 'PDM_ERR_FRAME_VERSION'] as const;
const ID_CHARS = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-'.split(''));
const id = fc.string({ unit: ID_CHARS, minLength: 1, maxLength: 64 });
/** A declared string: any well-formed Unicode (a lone surrogate cannot be encoded as UTF-8), at most 255 UTF-8 bytes. */
const label = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => Buffer.byteLength(s) <= 255);

const validFrame: fc.Arbitrary<Omit<VibrationFrame, 'version'>> = fc.record({
  machine: id,
  channel: id,
  units: label,
  location: label,
  axis: label,
  quantity: label,
  seq: fc.maxSafeNat(),
  startTimeNs: fc.bigInt(1n, 2n ** 63n - 1n),
  sampleRateHz: fc.double({ min: Number.MIN_VALUE, max: 10_000_000, noNaN: true }),
  samples: fc.float32Array({ noNaN: true, noDefaultInfinity: true, minLength: 1, maxLength: 300 }),
});

/** Decoding any bytes: a frame (then validated) or a documented error; memory bounded by the input. */
function decodeHostile(bytes: Uint8Array): void {
  const out = bounded(() => decodeVibrationFrame(bytes), 4 * bytes.length + (1 << 20));
  if ('error' in out) {
    expectDocumentedError(out.error, { codes: DECODE_CODES, names: 'vibration frame' });
    return;
  }
  const frame = out.value;
  // A decoded frame holds at most the samples its bytes carried.
  expect(frame.samples.length * 4).toBeLessThanOrEqual(bytes.length);
  try {
    validateVibrationFrame(frame);
  } catch (err) {
    expectDocumentedError(err, { codes: ['PDM_ERR_FRAME_INVALID'], names: 'vibration frame' });
  }
}

/** A header of either version with every field chosen by the fuzzer (lengths, counts, strings) and a body of any size. */
const hostileHeader: fc.Arbitrary<Uint8Array> = fc
  .record({
    version: fc.constantFrom(1, 2, 0, 3, 255),
    headerLength: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(40, 44, 48, 64)),
    n: fc.oneof(fc.nat({ max: 64 }), fc.constantFrom(2 ** 31, 2 ** 32 - 1, 2 ** 30, 0x40000000 - 11)),
    lengths: fc.array(fc.oneof(fc.nat({ max: 8 }), fc.constant(255)), { minLength: 6, maxLength: 6 }),
    rest: fc.uint8Array({ maxLength: 400 }),
  })
  .map(({ version, headerLength, n, lengths, rest }) => {
    const out = new Uint8Array(Math.max(48, rest.length));
    out.set(rest);
    const view = new DataView(out.buffer);
    view.setUint32(0, v1.MAGIC, true);
    out[4] = version;
    view.setUint16(6, headerLength, true);
    view.setUint32(32, n >>> 0, true);
    lengths.forEach((l, i) => {
      out[36 + i] = l;
    });
    return out;
  });

describe('vibration frames', () => {
  it('encode then decode is the identity for valid frames (version 2), and they validate', () => {
    fc.assert(
      fc.property(validFrame, (frame) => {
        const back = decodeVibrationFrame(encodeVibrationFrame(frame));
        expect(back).toEqual({ ...frame, version: 2 });
        validateVibrationFrame(back);
      }),
      params(400),
    );
  });

  it('encode then decode is the identity for valid frames (version 1, without the declaration)', () => {
    fc.assert(
      fc.property(validFrame, ({ location: _l, axis: _a, quantity: _q, ...frame }) => {
        const back = decodeVibrationFrame(v1.encode({ ...frame, version: 1 }));
        expect(back).toEqual({ ...frame, version: 1 });
      }),
      params(300),
    );
  });

  it('arbitrary bytes decode or are refused with a documented error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodeHostile), params(1000));
  });

  it('hostile headers (any lengths, 2^31 samples declared) are refused before allocating', () => {
    fc.assert(fc.property(hostileHeader, decodeHostile), params(1500));
  });

  it('mutated valid frames (flipped, truncated, extended, spliced bytes) decode or are refused', () => {
    const encoded = validFrame.map((f) => encodeVibrationFrame(f));
    const encodedV1 = validFrame.map((f) => v1.encode({ ...f, version: 1 }));
    fc.assert(fc.property(mutated(fc.oneof(encoded, encodedV1)), decodeHostile), params(1500));
  });

  it('a frame declaring 2^31 samples in a 48-byte message is refused, not allocated', () => {
    const bytes = new Uint8Array(48);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, v1.MAGIC, true);
    bytes[4] = 2;
    view.setUint16(6, 44, true);
    view.setUint32(32, 2 ** 31, true);
    const out = bounded(() => decodeVibrationFrame(bytes), 1 << 20);
    expect('error' in out).toBe(true);
  });

  it('decoded frames with any field values validate or are refused with a documented error', () => {
    const anyFrame = fc.record({
      version: fc.constantFrom(1, 2),
      machine: hostileText,
      channel: hostileText,
      units: hostileText,
      seq: fc.oneof(fc.maxSafeNat(), fc.double()),
      startTimeNs: fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n),
      sampleRateHz: fc.double(),
      samples: fc.float32Array({ maxLength: 20 }),
    });
    fc.assert(
      fc.property(anyFrame, (frame) => {
        try {
          validateVibrationFrame(frame);
        } catch (err) {
          expectDocumentedError(err, { codes: ['PDM_ERR_FRAME_INVALID'], names: 'vibration frame' });
        }
      }),
      params(1000),
    );
  });
});

const FIELDS = ENERGY_VARIABLES.map((v) => v.field);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
const validReading: fc.Arbitrary<Omit<EnergyReadingV1, 'v'>> = fc.record({
  machine: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  ts_ms: fc.double({ min: Number.MIN_VALUE, max: 1e15, noNaN: true }),
  values: fc.dictionary(fc.constantFrom(...FIELDS), finite, { maxKeys: FIELDS.length }),
});
const SCALAR_FIELDS = SCALAR_FEATURES.map((f) => f.field);
const validFeatureReading: fc.Arbitrary<Omit<FeatureReadingV1, 'v'>> = fc.record({
  machine: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  channel: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  ts_ms: fc.double({ min: Number.MIN_VALUE, max: 1e15, noNaN: true }),
  location: fc.string({ unit: 'grapheme', maxLength: 20 }),
  axis: fc.string({ unit: 'grapheme', maxLength: 20 }),
  values: fc.dictionary(fc.constantFrom(...SCALAR_FIELDS), finite, { maxKeys: SCALAR_FIELDS.length }),
});
const validGapV1: fc.Arbitrary<Omit<GapEventV1, 'v'>> = fc
  .record({
    machine: id,
    channel: id,
    from: fc.maxSafeNat(),
    span: fc.nat({ max: 1000 }),
    detected_at_ms: fc.integer({ min: 1, max: 2 ** 47 }),
    resumed_at_ns: fc.bigInt(0n, 2n ** 63n).map(String),
  })
  .map(({ from, span, ...g }) => ({ ...g, from_seq: Math.max(0, from - span), to_seq: from }));

/** What writers write (version 2): a version 1 event plus its cause, and the downtime when the collector was down. */
const validGap: fc.Arbitrary<Omit<GapEventV1, 'v'> & { cause: GapCause; collector_down_ms?: number }> = fc
  .tuple(validGapV1, fc.constantFrom(...GAP_CAUSES), fc.option(fc.nat({ max: 2 ** 40 }), { nil: undefined }))
  .map(([g, cause, down]) => (down === undefined ? { ...g, cause } : { ...g, cause, collector_down_ms: down }));

/** Objects whose keys shadow what String() and friends call: {"toString": 1} makes String(x) throw. */
const trickyObject = fc.dictionary(fc.constantFrom('toString', 'valueOf', '__proto__', 'constructor', 'toJSON', 'length'), fc.jsonValue(), {
  minKeys: 1,
});

/** A JSON document: valid, valid with one field replaced by any JSON value, any JSON value, or any text. */
function hostileJson(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Uint8Array> {
  const replaced = fc
    .tuple(valid, fc.nat(), fc.oneof(fc.jsonValue(), hostileText, fc.constant(undefined), trickyObject))
    .map(([doc, i, value]) => {
      const keys = Object.keys(doc);
      return { ...doc, [keys[i % keys.length]]: value };
    });
  const asBytes = (doc: unknown) => Buffer.from(JSON.stringify(doc) ?? 'undefined');
  return fc.oneof(
    replaced.map(asBytes),
    fc.jsonValue().map(asBytes),
    hostileText.map((t) => Buffer.from(t)),
    mutated(valid.map(asBytes)),
    fc.uint8Array({ maxLength: 100 }),
  );
}

describe('energy readings', () => {
  it('encode then decode is the identity for valid readings', () => {
    fc.assert(
      fc.property(validReading, (r) => {
        expect(decodeEnergyReading(encodeEnergyReading(r))).toEqual({ v: 1, ...r });
      }),
      params(500),
    );
  });

  it('hostile JSON decodes to a well-formed reading or is refused with a documented error', () => {
    fc.assert(
      fc.property(hostileJson(validReading.map((r) => ({ v: 1, ...r }))), (bytes) => {
        const out = bounded(() => decodeEnergyReading(bytes), 1 << 20);
        if ('error' in out)
          return expectDocumentedError(out.error, { codes: [...DECODE_CODES, 'PDM_ERR_FRAME_INVALID'], names: 'energy reading' });
        const r = out.value;
        expect(typeof r.machine === 'string' && r.machine !== '').toBe(true);
        expect(Number.isFinite(r.ts_ms) && r.ts_ms > 0).toBe(true);
        for (const [k, v] of Object.entries(r.values)) {
          expect(FIELDS).toContain(k);
          expect(Number.isFinite(v)).toBe(true);
        }
      }),
      params(1500),
    );
  });
});

describe('scalar feature readings', () => {
  it('encode then decode is the identity for valid readings', () => {
    fc.assert(
      fc.property(validFeatureReading, (r) => {
        expect(decodeFeatureReading(encodeFeatureReading(r))).toEqual({ v: 1, ...r });
      }),
      params(500),
    );
  });

  it('hostile JSON decodes to a well-formed reading or is refused with a documented error; validation refuses or accepts', () => {
    const bounds = { referenceMs: 1_764_000_000_000, maxPastMs: 30 * 86_400_000, maxFutureMs: 600_000, maxAbsSample: 1e6 };
    fc.assert(
      fc.property(hostileJson(validFeatureReading.map((r) => ({ v: 1, ...r }))), (bytes) => {
        const out = bounded(() => decodeFeatureReading(bytes), 1 << 20);
        if ('error' in out)
          return expectDocumentedError(out.error, { codes: [...DECODE_CODES, 'PDM_ERR_FRAME_INVALID'], names: 'feature reading' });
        const r = out.value;
        expect(typeof r.machine === 'string' && r.machine !== '' && typeof r.channel === 'string' && r.channel !== '').toBe(true);
        expect(typeof r.location === 'string' && typeof r.axis === 'string').toBe(true);
        expect(Number.isFinite(r.ts_ms) && r.ts_ms > 0).toBe(true);
        for (const [k, v] of Object.entries(r.values)) {
          expect(SCALAR_FIELDS).toContain(k);
          expect(Number.isFinite(v)).toBe(true);
        }
        try {
          validateFeatureReading(r, bounds);
        } catch (err) {
          expectDocumentedError(err, { codes: ['PDM_ERR_FRAME_INVALID'], names: 'feature reading' });
        }
      }),
      params(1500),
    );
  });
});

describe('gap events', () => {
  it('encode then decode is the identity for valid gap events', () => {
    fc.assert(
      fc.property(validGap, (g) => {
        expect(decodeGapEvent(encodeGapEvent(g))).toEqual({ v: 2, ...g });
      }),
      params(500),
    );
  });

  it('hostile JSON decodes to a well-formed gap event or is refused with a documented error', () => {
    fc.assert(
      fc.property(
        hostileJson(
          fc.oneof(
            validGap.map((g) => ({ v: 2, ...g })),
            validGapV1.map((g) => ({ v: 1, ...g })),
          ),
        ),
        (bytes) => {
          const out = bounded(() => decodeGapEvent(bytes), 1 << 20);
          if ('error' in out)
            return expectDocumentedError(out.error, { codes: [...DECODE_CODES, 'PDM_ERR_FRAME_INVALID'], names: 'gap event' });
          const g = out.value;
          expect(typeof g.machine === 'string' && typeof g.channel === 'string').toBe(true);
          expect(Number.isSafeInteger(g.from_seq) && Number.isSafeInteger(g.to_seq) && g.from_seq <= g.to_seq).toBe(true);
          expect(Number.isFinite(g.detected_at_ms) && g.detected_at_ms > 0).toBe(true);
          expect(g.resumed_at_ns).toMatch(/^\d+$/);
          // A version 1 event reads as version 2 with an unknown cause; every cause is a name.
          expect(g.v).toBe(2);
          expect(g.cause).toMatch(/^[a-z][a-z0-9_]{0,31}$/);
        },
      ),
      params(1500),
    );
  });
});
