/**
 * Regression tests for wire messages the fuzzers (test/unit/fuzz/wire.fuzz.test.ts) found
 * mishandled: each `it` is named after what used to happen.
 */
import { describe, expect, it } from 'vitest';
import { PdmError } from '../../../common/errors.ts';
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
      "vibration frame \\u001b[2Jpump\\u0000/DE\\u000d\\u000aX\\u009b31m seq 1: machine id '\\u001b[2Jpump\\u0000' must match /^[A-Za-z0-9_.-]{1,64}$/",
    );
  });
});
