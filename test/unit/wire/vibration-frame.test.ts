import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import {
  decodeVibrationFrame,
  encodeVibrationFrame,
  type VibrationFrame,
  validateVibrationFrame,
} from '../../../common/wire/vibration-frame.ts';
import * as v1 from '../../../common/wire/vibration-frame-v1.ts';

/** Version 1 as its writers (collectors before version 2) wrote it. */
const encodeV1 = (frame: Omit<VibrationFrame, 'version'>) => v1.encode({ ...frame, version: 1 });

const base = {
  machine: 'pump-1',
  channel: 'DE_X',
  units: 'g',
  seq: 17956416965,
  startTimeNs: 1_795_641_696_500_000_000n,
  sampleRateHz: 25_600,
};

describe('vibration frame v1', () => {
  it('matches the documented byte layout (fixture written by hand from the header comment)', () => {
    const bytes = encodeV1({
      machine: 'm',
      channel: 'c',
      units: 'g',
      seq: 258,
      startTimeNs: 1_000_000_000n,
      sampleRateHz: 1000,
      samples: new Float32Array([1, -2]),
    });
    // header: 40 fixed + 3 string bytes = 43 -> padded to 44; then 2 float32
    const expected = [
      0x50,
      0x44,
      0x4d,
      0x56, // "PDMV"
      1,
      0,
      44,
      0, // version, flags, header length 44
      0x02,
      0x01,
      0,
      0,
      0,
      0,
      0,
      0, // seq 258
      0x00,
      0xca,
      0x9a,
      0x3b,
      0,
      0,
      0,
      0, // 1e9 ns
      0,
      0,
      0,
      0,
      0,
      0x40,
      0x8f,
      0x40, // 1000.0 float64
      2,
      0,
      0,
      0, // 2 samples
      1,
      1,
      1,
      0, // string lengths, reserved
      0x6d,
      0x63,
      0x67,
      0, // "m" "c" "g" + pad
      0,
      0,
      0x80,
      0x3f, // 1.0f
      0,
      0,
      0,
      0xc0, // -2.0f
    ];
    expect(Array.from(bytes)).toEqual(expected);
  });

  it('round-trips a sweep of sizes, values and ids, even from an unaligned buffer', () => {
    for (const n of [1, 2, 3, 255, 2560, 8192]) {
      for (const machine of ['a', 'compressor-motor-07', 'x'.repeat(64)]) {
        const samples = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 10 ** ((i % 9) - 4));
        const frame = { ...base, machine, seq: n * 1000 + machine.length, samples };
        const bytes = encodeV1(frame);
        const unaligned = new Uint8Array(bytes.length + 1).subarray(1);
        unaligned.set(bytes);
        const back = decodeVibrationFrame(unaligned);
        expect(back).toEqual({ ...frame, version: 1 } satisfies VibrationFrame);
      }
    }
  });

  it('rejects an unknown version with a reason naming it', () => {
    const bytes = encodeVibrationFrame({ ...base, samples: new Float32Array(4) });
    bytes[4] = 7;
    expect(() => decodeVibrationFrame(bytes)).toThrow(/unknown version 7/);
    try {
      decodeVibrationFrame(bytes);
    } catch (err) {
      expect(isPdmError(err, 'PDM_ERR_FRAME_VERSION')).toBe(true);
    }
  });

  it('rejects bad magic, truncation and trailing bytes', () => {
    const bytes = encodeVibrationFrame({ ...base, samples: new Float32Array(8) });
    const badMagic = bytes.slice();
    badMagic[0] = 0;
    expect(() => decodeVibrationFrame(badMagic)).toThrow(/bad magic/);
    expect(() => decodeVibrationFrame(bytes.subarray(0, bytes.length - 1))).toThrow(/need/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(() => decodeVibrationFrame(longer)).toThrow(/need/);
    expect(() => decodeVibrationFrame(bytes.subarray(0, 3))).toThrow(/too short/);
  });

  it('validation rejects frames that decode but cannot be right', () => {
    const ok = { ...base, version: 1, samples: new Float32Array([0.1, 0.2]) };
    expect(validateVibrationFrame(ok)).toBe(ok);
    expect(() => validateVibrationFrame({ ...ok, samples: new Float32Array([0, Number.NaN]) })).toThrow(/sample 1 is NaN/);
    expect(() => validateVibrationFrame({ ...ok, sampleRateHz: 0 })).toThrow(/sample rate 0/);
    expect(() => validateVibrationFrame({ ...ok, machine: 'bad id' })).toThrow(/machine id "bad id" must match/);
    expect(() => validateVibrationFrame({ ...ok, samples: new Float32Array(0) })).toThrow(/no samples/);
  });
});

describe('vibration frame v2 (what the channel measures)', () => {
  const meaning = { location: 'gearbox_in', axis: 'radial', quantity: 'velocity', units: 'mm/s' };

  it('is what writers write', () => {
    const bytes = encodeVibrationFrame({ ...base, ...meaning, samples: new Float32Array(2) });
    expect(bytes[4]).toBe(2);
  });

  it('matches the documented byte layout (fixture written by hand from the header comment)', () => {
    const bytes = encodeVibrationFrame({
      machine: 'm',
      channel: 'c',
      units: 'g',
      location: 'DE',
      axis: 'X',
      quantity: 'acceleration',
      seq: 258,
      startTimeNs: 1_000_000_000n,
      sampleRateHz: 1000,
      samples: new Float32Array([1, -2]),
    });
    // header: 44 fixed + 1+1+1+2+1+12 = 18 string bytes = 62 -> padded to 64; then 2 float32
    const text = (s: string) => Array.from(new TextEncoder().encode(s));
    const expected = [
      ...[0x50, 0x44, 0x4d, 0x56], // "PDMV"
      ...[2, 0, 64, 0], // version 2, flags, header length 64
      ...[0x02, 0x01, 0, 0, 0, 0, 0, 0], // seq 258
      ...[0x00, 0xca, 0x9a, 0x3b, 0, 0, 0, 0], // 1e9 ns
      ...[0, 0, 0, 0, 0, 0x40, 0x8f, 0x40], // 1000.0 float64
      ...[2, 0, 0, 0], // 2 samples
      ...[1, 1, 1, 2, 1, 12, 0, 0], // lengths: machine, channel, units, location, axis, quantity; reserved
      ...text('m'),
      ...text('c'),
      ...text('g'),
      ...text('DE'),
      ...text('X'),
      ...text('acceleration'),
      ...[0, 0], // pad to 64
      ...[0, 0, 0x80, 0x3f], // 1.0f
      ...[0, 0, 0, 0xc0], // -2.0f
    ];
    expect(Array.from(bytes)).toEqual(expected);
  });

  it('round-trips a sweep of sizes, values, ids and meanings (empty = not declared), even from an unaligned buffer', () => {
    for (const n of [1, 3, 2560]) {
      for (const m of [meaning, { location: '', axis: '', quantity: '', units: 'g' }, { ...meaning, location: 'x'.repeat(64) }]) {
        const samples = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.21) * 10 ** ((i % 7) - 3));
        const frame = { ...base, ...m, seq: n, samples };
        const bytes = encodeVibrationFrame(frame);
        const unaligned = new Uint8Array(bytes.length + 1).subarray(1);
        unaligned.set(bytes);
        expect(decodeVibrationFrame(unaligned)).toEqual({ ...frame, version: 2 } satisfies VibrationFrame);
      }
    }
  });

  it('writes absent meaning as empty strings', () => {
    const back = decodeVibrationFrame(encodeVibrationFrame({ ...base, samples: new Float32Array(1) }));
    expect(back).toMatchObject({ version: 2, units: 'g', location: '', axis: '', quantity: '' });
  });

  it('the reader still reads version 1 (no meaning: the processor falls back)', () => {
    const back = decodeVibrationFrame(encodeV1({ ...base, samples: new Float32Array(1) }));
    expect(back.version).toBe(1);
    expect(back.location).toBeUndefined();
  });

  it('rejects truncation, trailing bytes and string lengths that overrun the header', () => {
    const bytes = encodeVibrationFrame({ ...base, ...meaning, samples: new Float32Array(8) });
    expect(() => decodeVibrationFrame(bytes.subarray(0, bytes.length - 1))).toThrow(/v2: .* need/);
    expect(() => decodeVibrationFrame(bytes.subarray(0, 40))).toThrow(/shorter than the 44-byte header/);
    const overrun = bytes.slice();
    overrun[41] = 200;
    expect(() => decodeVibrationFrame(overrun)).toThrow(/does not fit its strings/);
  });
});
