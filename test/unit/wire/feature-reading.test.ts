import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { SCALAR_FEATURES, toCanonical } from '../../../common/scalar-features.ts';
import { decodeFeatureReading, encodeFeatureReading, validateFeatureReading } from '../../../common/wire/feature-reading.ts';

const T = 1_764_000_000_000;
const reading = {
  machine: 'press-7',
  channel: 'DE_X',
  ts_ms: T,
  location: 'DE',
  axis: 'X',
  values: { velocity_rms_mm_s: 2.1, acceleration_rms_g: 0.31, acceleration_peak_g: 1.12, crest_factor: 3.61, temperature_c: 41.5 },
};
const bounds = { referenceMs: T, maxPastMs: 30 * 86_400_000, maxFutureMs: 600_000, maxAbsSample: 1e6 };
const json = (o: unknown) => Buffer.from(JSON.stringify(o));

/** The error `fn` throws: its code, message and the plausibility rule (details.rule). */
function refusal(fn: () => unknown): { code: string; message: string; rule: unknown; field: unknown } {
  try {
    fn();
  } catch (err) {
    expect(isPdmError(err)).toBe(true);
    const e = err as Error & { code: string; details: Record<string, unknown> };
    return { code: e.code, message: e.message, rule: e.details['rule'], field: e.details['field'] };
  }
  throw new Error('expected a refusal');
}

describe('feature reading (pdm.features.v1)', () => {
  it('writes version 1 JSON and reads it back exactly, every field and value', () => {
    const bytes = encodeFeatureReading(reading);
    expect(JSON.parse(bytes.toString())).toEqual({ v: 1, ...reading });
    expect(decodeFeatureReading(bytes)).toEqual({ v: 1, ...reading });
    // A sensor with only some values sends only those; location and axis may be absent on the wire.
    const partial = { v: 1, machine: 'm', channel: 'c', ts_ms: T, values: { velocity_rms_mm_s: 0.5 } };
    expect(decodeFeatureReading(json(partial))).toEqual({ ...partial, location: '', axis: '' });
  });

  it('refuses what cannot be decoded, naming the reading and the field', () => {
    expect(refusal(() => decodeFeatureReading(Buffer.from('{not json')))).toMatchObject({ code: 'PDM_ERR_FRAME_DECODE' });
    expect(refusal(() => decodeFeatureReading(json({ ...reading, v: 2 })))).toMatchObject({
      code: 'PDM_ERR_FRAME_VERSION',
      message: 'feature reading: unknown version 2 (this reader knows 1)',
    });
    expect(refusal(() => decodeFeatureReading(json({ v: 1, ...reading, channel: '' }))).message).toBe(
      'feature reading of press-7: channel is missing',
    );
    expect(refusal(() => decodeFeatureReading(json({ v: 1, ...reading, values: { velocity_rms: 2 } }))).message).toMatch(
      /^feature reading of press-7\/DE_X: unknown field velocity_rms \(known: velocity_rms_mm_s, /,
    );
    expect(refusal(() => decodeFeatureReading(json({ v: 1, ...reading, values: { crest_factor: 'high' } }))).message).toBe(
      'feature reading of press-7/DE_X: crest_factor is high, not a finite number',
    );
    expect(refusal(() => decodeFeatureReading(json({ v: 1, ...reading, ts_ms: -5 }))).message).toBe(
      'feature reading of press-7/DE_X: ts_ms -5 is not a positive number',
    );
  });

  it('accepts a plausible reading and dead-letters impossible ones with the rule and the field', () => {
    expect(validateFeatureReading(decodeFeatureReading(encodeFeatureReading(reading)), bounds).values).toEqual(reading.values);
    const check = (patch: object) => refusal(() => validateFeatureReading({ v: 1, ...reading, ...patch }, bounds));
    expect(check({ values: { velocity_rms_mm_s: 3e38 } })).toEqual({
      code: 'PDM_ERR_FRAME_INVALID',
      rule: 'magnitude',
      field: 'velocity_rms_mm_s',
      message: 'feature reading of press-7/DE_X: velocity_rms_mm_s 3e+38 is outside its physical range [0, 1000]',
    });
    expect(check({ values: { temperature_c: -300 } })).toMatchObject({ rule: 'magnitude', field: 'temperature_c' });
    expect(check({ values: { acceleration_rms_g: 1, acceleration_peak_g: 0.5 } })).toMatchObject({
      rule: 'magnitude',
      field: 'acceleration_peak_g',
      message: 'feature reading of press-7/DE_X: acceleration_peak_g 0.5 is below acceleration_rms_g 1 (a peak is never below the RMS)',
    });
    expect(check({ values: {} })).toMatchObject({
      rule: 'shape',
      message: 'feature reading of press-7/DE_X: values is empty (at least one overall value)',
    });
    expect(check({ machine: 'press 7' })).toMatchObject({ rule: 'id' });
    expect(check({ channel: 'DE/X' })).toMatchObject({ rule: 'id' });
    expect(check({ axis: 'a b' })).toMatchObject({ rule: 'id', field: 'axis' });
    const late = check({ ts_ms: T - 31 * 86_400_000 });
    expect(late.rule).toBe('time');
    expect(late.message).toMatch(/^feature reading of press-7\/DE_X: ts_ms .* is outside the accepted window/);
  });
});

describe('scalar feature units', () => {
  it('converts the units servers give to the canonical unit of each wire field, and knows what it cannot convert', () => {
    expect(toCanonical('velocityRms', 'in/s')!(1)).toBeCloseTo(25.4, 12);
    expect(toCanonical('velocityRms', 'm/s')!(0.002)).toBeCloseTo(2, 12);
    expect(toCanonical('accelerationRms', 'm/s²')!(9.80665)).toBeCloseTo(1, 12);
    expect(toCanonical('temperature', 'K')!(300)).toBeCloseTo(26.85, 10);
    expect(toCanonical('temperature', '°F')!(212)).toBeCloseTo(100, 10);
    expect(toCanonical('velocityRms', 'g')).toBeUndefined();
    expect(toCanonical('accelerationPeak', 'mm/s')).toBeUndefined();
    // Each field's name says its unit.
    for (const f of SCALAR_FEATURES) expect(toCanonical(f.key, f.unit)!(1.5)).toBe(1.5);
  });
});
