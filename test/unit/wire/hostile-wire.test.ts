/**
 * Regression tests for wire messages the fuzzers (test/unit/fuzz/wire.fuzz.test.ts) found
 * mishandled: each `it` is named after what used to happen.
 */
import { describe, expect, it } from 'vitest';
import { PdmError } from '../../../common/errors.ts';
import { decodeEnergyReading } from '../../../common/wire/energy-reading.ts';
import { decodeGapEvent } from '../../../common/wire/gap-event.ts';
import { decodeVibrationFrame, encodeVibrationFrame, validateVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { thrown } from '../../helpers/thrown.ts';

/** C0, DEL or C1 (0x9b is an 8-bit CSI). */
const hasControlCharacter = (text: string) =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f));

describe('vibration frames', () => {
  it('a machine id with terminal escapes was printed raw in the validation error: now escaped', () => {
    const bytes = encodeVibrationFrame({
      machine: '\u001b[2Jpump\u0000',
      channel: 'DE\r\nX\u009b31m',
      units: 'g',
      seq: 1,
      startTimeNs: 1n,
      sampleRateHz: 1000,
      samples: new Float32Array([0.5]),
    });
    const err = thrown(() => validateVibrationFrame(decodeVibrationFrame(bytes)));
    expect(err).toBeInstanceOf(PdmError);
    expect((err as PdmError).code).toBe('PDM_ERR_FRAME_INVALID');
    expect(hasControlCharacter(err.message)).toBe(false);
    expect(err.message).toBe(
      'vibration frame \\u001b[2Jpump\\u0000/DE\\u000d\\u000aX\\u009b31m seq 1: machine id "\\u001b[2Jpump\\u0000" must match /^[A-Za-z0-9_.-]{1,64}$/',
    );
  });
});

describe('energy readings and gap events (JSON)', () => {
  const decoders = { 'energy reading': decodeEnergyReading, 'gap event': decodeGapEvent };

  it('a value such as {"toString": 1} crashed the decoder with a TypeError (retried as if transient): now a PdmError', () => {
    const hostile = [
      '{"v":{"toString":1}}',
      '{"v":1,"machine":"m","ts_ms":{"toString":1}}',
      '{"v":1,"machine":"m","ts_ms":1,"values":{"power_kw":{"valueOf":1,"toString":2}}}',
    ];
    for (const [name, decode] of Object.entries(decoders)) {
      for (const text of hostile) {
        const err = thrown(() => decode(Buffer.from(text)));
        expect(err, `${name}: ${text}`).toBeInstanceOf(PdmError);
        expect(err.message.startsWith(name)).toBe(true);
      }
    }
    expect(thrown(() => decodeEnergyReading(Buffer.from(hostile[0]))).message).toBe(
      'energy reading: unknown version {"toString":1} (this reader knows 1)',
    );
    expect(thrown(() => decodeEnergyReading(Buffer.from(hostile[2]))).message).toBe(
      'energy reading of m: power_kw is {"valueOf":1,"toString":2}',
    );
  });

  it('control characters and escapes in a message were copied raw into the error: now escaped', () => {
    const cases: [keyof typeof decoders, string, string][] = [
      ['energy reading', '\u001b[2J{', 'energy reading: not JSON (Unexpected token \'\\u001b\', "\\u001b[2J{" is not valid JSON)'],
      ['gap event', '\u009b31m', 'gap event: not JSON (Unexpected token \'\\u009b\', "\\u009b31m" is not valid JSON)'],
      ['energy reading', '{"v":"\\t"}', 'energy reading: unknown version \\u0009 (this reader knows 1)'],
      [
        'energy reading',
        '{"v":1,"machine":"\\u001b[31mred","ts_ms":0}',
        'energy reading of \\u001b[31mred: ts_ms 0 is not a positive number',
      ],
      ['energy reading', '{"v":1,"machine":"m","ts_ms":1,"values":{"\\r\\n":1}}', 'energy reading of m: unknown field \\u000d\\u000a'],
      ['gap event', '{"v":1,"machine":"\u009b","channel":1}', 'gap event: malformed {"v":1,"machine":"\\u009b","channel":1}'],
    ];
    for (const [name, text, message] of cases) {
      const err = thrown(() => decoders[name](Buffer.from(text)));
      expect(err).toBeInstanceOf(PdmError);
      expect(hasControlCharacter(err.message), err.message).toBe(false);
      expect(err.message).toBe(message);
    }
  });
});

describe('gap events', () => {
  it('a gap event whose detected_at_ms was [] or text decoded, and was stored with time 0 or NaN: now refused', () => {
    const gap = { v: 1, machine: 'm', channel: 'DE_X', from_seq: 3, to_seq: 4, resumed_at_ns: '5' };
    for (const detected of [[], 'soon', null, -1, 0, {}]) {
      const err = thrown(() => decodeGapEvent(Buffer.from(JSON.stringify({ ...gap, detected_at_ms: detected }))));
      expect(err).toBeInstanceOf(PdmError);
      expect((err as PdmError).code).toBe('PDM_ERR_FRAME_INVALID');
      expect(err.message).toContain('gap event: malformed');
    }
    expect(decodeGapEvent(Buffer.from(JSON.stringify({ ...gap, detected_at_ms: 1764000000000 }))).detected_at_ms).toBe(1764000000000);
  });
});
