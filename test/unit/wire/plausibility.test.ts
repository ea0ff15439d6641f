/**
 * What a message can say and still be true, for every message kind: the impossible
 * messages (energy ts_ms 1e300, a machine id with control characters, a block in the year 2262,
 * 1e-300 Hz, samples of 3e38) are rejected with the rule they broke; real messages pass.
 */
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { validateEnergyReading } from '../../../common/wire/energy-reading.ts';
import { validateGapEvent } from '../../../common/wire/gap-event.ts';
import { checkTimeMs, type PlausibilityBounds, referenceTimeMs, WIRE_ID_PATTERN } from '../../../common/wire/plausibility.ts';
import { type VibrationFrame, validateVibrationFrame } from '../../../common/wire/vibration-frame.ts';

const SENT_MS = Date.UTC(2026, 11, 2, 12, 0, 0);
const BOUNDS: PlausibilityBounds = { referenceMs: SENT_MS, maxPastMs: 30 * 86_400_000, maxFutureMs: 600_000, maxAbsSample: 1e6 };

/** The rule of the PdmError `fn` throws (fails when it does not throw one). */
function ruleOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isPdmError(err, 'PDM_ERR_FRAME_INVALID'), String(err)).toBe(true);
    return String((err as { details: Record<string, unknown> }).details['rule']);
  }
  throw new Error('did not throw');
}

describe('time window', () => {
  it('accepts times from maxPast before to maxFuture after the moment the message was sent', () => {
    for (const ms of [SENT_MS, SENT_MS - BOUNDS.maxPastMs, SENT_MS + BOUNDS.maxFutureMs])
      expect(() => checkTimeMs(ms, BOUNDS, 't')).not.toThrow();
  });

  it('rejects times outside it, and numbers that are no time, naming the window', () => {
    for (const ms of [SENT_MS - BOUNDS.maxPastMs - 1, SENT_MS + BOUNDS.maxFutureMs + 1, 1e300, Number.NaN, -1, 0])
      expect(ruleOf(() => checkTimeMs(ms, BOUNDS, 'ts'))).toBe('time');
    expect(() => checkTimeMs(1e300, BOUNDS, 'ts_ms')).toThrow(
      /ts_ms 1e\+300 ms is outside the accepted window 2026-11-02T12:00:00.000Z \.\. 2026-12-02T12:10:00.000Z/,
    );
  });

  it('is judged around the Kafka timestamp when the message has one, else the clock', () => {
    expect(referenceTimeMs('1764000000000', SENT_MS)).toBe(1764000000000);
    expect(referenceTimeMs(undefined, SENT_MS)).toBe(SENT_MS);
    expect(referenceTimeMs('-1', SENT_MS)).toBe(SENT_MS);
    expect(referenceTimeMs('garbage', SENT_MS)).toBe(SENT_MS);
  });
});

describe('ids', () => {
  it('one pattern for every message kind', () => {
    expect(WIRE_ID_PATTERN.test('pump-1.DE_X')).toBe(true);
    for (const bad of ['', 'a b', 'pump\u0000', 'pump\u001b[31m', 'x'.repeat(65), 'ünï', 'a/b'])
      expect(WIRE_ID_PATTERN.test(bad), bad).toBe(false);
  });
});

describe('validateEnergyReading', () => {
  const ok = {
    v: 1 as const,
    machine: 'press-1',
    ts_ms: SENT_MS - 1000,
    values: { power_kw: 11.2, power_factor: 0.86, load_pct: 75, speed_rpm: 1480 },
  };

  it('passes a real reading', () => {
    expect(validateEnergyReading(ok, BOUNDS)).toBe(ok);
    expect(validateEnergyReading({ ...ok, values: { power_kw: -40, temperature_c: -20 } }, BOUNDS).machine).toBe('press-1');
  });

  it('rejects ts_ms 1e300, an id with control characters, values outside their physical range', () => {
    expect(ruleOf(() => validateEnergyReading({ ...ok, ts_ms: 1e300 }, BOUNDS))).toBe('time');
    expect(ruleOf(() => validateEnergyReading({ ...ok, machine: 'press\u0007-1' }, BOUNDS))).toBe('id');
    expect(() => validateEnergyReading({ ...ok, machine: 'press\u0007-1' }, BOUNDS)).toThrow(/machine id "press\\u0007-1" must match/);
    for (const values of [{ power_kw: 3e38 }, { power_factor: 1.5 }, { current_a: -1 }, { temperature_c: -300 }, { load_pct: 1e5 }])
      expect(
        ruleOf(() => validateEnergyReading({ ...ok, values }, BOUNDS)),
        JSON.stringify(values),
      ).toBe('magnitude');
    expect(() => validateEnergyReading({ ...ok, values: { power_kw: 3e38 } }, BOUNDS)).toThrow(
      /power_kw 3e\+38 is outside its physical range \[-100000, 100000\]/,
    );
  });
});

describe('validateGapEvent', () => {
  const ok = {
    v: 1 as const,
    machine: 'pump-1',
    channel: 'DE_X',
    from_seq: 10,
    to_seq: 12,
    detected_at_ms: SENT_MS - 500,
    resumed_at_ns: String(BigInt(SENT_MS - 800) * 1_000_000n),
  };

  it('passes a real gap event', () => {
    expect(validateGapEvent(ok, BOUNDS)).toBe(ok);
  });

  it('rejects bad ids and times outside the window', () => {
    expect(ruleOf(() => validateGapEvent({ ...ok, machine: 'pump 1' }, BOUNDS))).toBe('id');
    expect(ruleOf(() => validateGapEvent({ ...ok, channel: 'DE\nX' }, BOUNDS))).toBe('id');
    expect(ruleOf(() => validateGapEvent({ ...ok, detected_at_ms: 1e300 }, BOUNDS))).toBe('time');
    expect(ruleOf(() => validateGapEvent({ ...ok, resumed_at_ns: '9223372036854775807' }, BOUNDS))).toBe('time');
    expect(ruleOf(() => validateGapEvent({ ...ok, from_seq: -3 }, BOUNDS))).toBe('shape');
  });
});

describe('validateVibrationFrame with bounds', () => {
  const at = BigInt(SENT_MS - 2000) * 1_000_000n;
  const ok: VibrationFrame = {
    version: 2,
    machine: 'pump-1',
    channel: 'DE_X',
    units: 'g',
    seq: 5,
    startTimeNs: at,
    sampleRateHz: 25_600,
    samples: Float32Array.from({ length: 2560 }, (_, i) => Math.sin(i / 10)),
  };

  it('passes a real block', () => {
    expect(validateVibrationFrame(ok, BOUNDS)).toBe(ok);
  });

  it('rejects a block timestamped in the year 2262', () => {
    const y2262 = 9_223_372_036_854_775_807n; // int64 max: 2262-04-11
    expect(ruleOf(() => validateVibrationFrame({ ...ok, startTimeNs: y2262 }, BOUNDS))).toBe('time');
    expect(() => validateVibrationFrame({ ...ok, startTimeNs: y2262 }, BOUNDS)).toThrow(/start time 2262-04-11/);
    expect(ruleOf(() => validateVibrationFrame({ ...ok, startTimeNs: 1_000_000_000n }, BOUNDS))).toBe('time');
  });

  it('rejects 1e-300 Hz (its block would end 1e303 s after it was sent) and rates beyond 10 MHz', () => {
    expect(ruleOf(() => validateVibrationFrame({ ...ok, sampleRateHz: 1e-300 }, BOUNDS))).toBe('sample_rate');
    expect(() => validateVibrationFrame({ ...ok, sampleRateHz: 1e-300 }, BOUNDS)).toThrow(
      /2560 samples at 1e-300 Hz would end at .* after the block was sent/,
    );
    for (const sampleRateHz of [0, -25_600, 10_000_001, Number.NaN, Number.POSITIVE_INFINITY])
      expect(
        ruleOf(() => validateVibrationFrame({ ...ok, sampleRateHz }, BOUNDS)),
        String(sampleRateHz),
      ).toBe('sample_rate');
    // A slow channel is fine when its block ended before it was sent.
    const slow = { ...ok, sampleRateHz: 10, samples: new Float32Array(10), startTimeNs: BigInt(SENT_MS - 1500) * 1_000_000n };
    expect(validateVibrationFrame(slow, BOUNDS)).toBe(slow);
  });

  it('rejects samples of 3e38 (rms 3e38) and beyond the configured bound, in the frame units', () => {
    const huge = { ...ok, samples: new Float32Array(2560).fill(3e38) };
    expect(ruleOf(() => validateVibrationFrame(huge, BOUNDS))).toBe('magnitude');
    expect(() => validateVibrationFrame(huge, BOUNDS)).toThrow(/sample 0 is 3\.0000000.*e\+38, beyond ±1000000 g/);
    const samples = ok.samples.slice();
    samples[7] = -2e6;
    expect(ruleOf(() => validateVibrationFrame({ ...ok, samples }, BOUNDS))).toBe('magnitude');
    expect(validateVibrationFrame({ ...ok, samples }, { ...BOUNDS, maxAbsSample: 1e7 }).seq).toBe(5);
  });

  it('rejects a machine id with control characters', () => {
    expect(ruleOf(() => validateVibrationFrame({ ...ok, machine: 'pump\u0000-1' }, BOUNDS))).toBe('id');
  });
});
