/**
 * Vibration frames on the wire: version dispatch, and validation of a decoded frame (decoding
 * bytes is separate from judging what they say). The byte layout of each version lives in its
 * own module (`vibration-frame-v1.ts`, `vibration-frame-v2.ts`); `docs/wire-formats.md`
 * describes them for other readers. Writers write version 2; readers read 1 and 2.
 */
import { PdmError } from '../errors.ts';
import { escaped } from '../input/display.ts';
import {
  checkId,
  checkTimeMs,
  invalid,
  MAX_SAMPLE_RATE_HZ,
  nsToMs,
  type PlausibilityBounds,
  type PlausibilityRule,
} from './plausibility.ts';
import * as v1 from './vibration-frame-v1.ts';
import * as v2 from './vibration-frame-v2.ts';

export interface VibrationFrame {
  version: number;
  machine: string;
  channel: string;
  units: string;
  /**
   * What the channel measures (version 2; absent in version 1, '' when the writer did not
   * declare it): location (DE, gearbox...), axis, quantity (common/channels.ts).
   */
  location?: string;
  axis?: string;
  quantity?: string;
  /** Block sequence number, consecutive per (machine, channel); safe as a JS number (< 2^53). */
  seq: number;
  /** Start time of the first sample, ns since the Unix epoch. */
  startTimeNs: bigint;
  sampleRateHz: number;
  samples: Float32Array;
}

export const CURRENT_VERSION = v2.VERSION;

export function encodeVibrationFrame(frame: Omit<VibrationFrame, 'version'>): Uint8Array {
  return v2.encode({ ...frame, version: v2.VERSION });
}

export function decodeVibrationFrame(bytes: Uint8Array): VibrationFrame {
  if (bytes.length < 5) {
    throw new PdmError('PDM_ERR_FRAME_DECODE', `vibration frame: ${bytes.length} bytes is too short to hold magic and version`);
  }
  const magic = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24);
  if (magic >>> 0 !== v1.MAGIC) {
    throw new PdmError(
      'PDM_ERR_FRAME_DECODE',
      `vibration frame: bad magic 0x${(magic >>> 0).toString(16).padStart(8, '0')} (expected "PDMV")`,
    );
  }
  const version = bytes[4];
  switch (version) {
    case 1:
      return v1.decode(bytes);
    case 2:
      return v2.decode(bytes);
    default:
      throw new PdmError(
        'PDM_ERR_FRAME_VERSION',
        `vibration frame: unknown version ${version} (this reader knows 1 and 2); upgrade the processor`,
        { version },
      );
  }
}

/**
 * Reject frames that decode but cannot be right. Without `bounds` only what needs no context
 * (ids, sequence, rate, finite samples); with them also the time window and the magnitude bound
 * (common/wire/plausibility.ts). Returns the frame for chaining.
 */
export function validateVibrationFrame(frame: VibrationFrame, bounds?: PlausibilityBounds): VibrationFrame {
  // The ids come off the wire: a hostile or corrupted frame may carry control characters and
  // terminal escapes, which must not reach a log line or a terminal as they are.
  const where = `vibration frame ${escaped(frame.machine, 64)}/${escaped(frame.channel, 64)} seq ${frame.seq}`;
  const details = { machine: frame.machine, channel: frame.channel, seq: frame.seq };
  const fail = (rule: PlausibilityRule, what: string): never => {
    throw invalid(rule, `${where}: ${what}`, details);
  };
  checkId(frame.machine, `${where}: machine id`, details);
  checkId(frame.channel, `${where}: channel id`, details);
  if (!Number.isSafeInteger(frame.seq) || frame.seq < 0) fail('shape', `sequence ${frame.seq} is not a safe non-negative integer`);
  if (frame.startTimeNs <= 0n) fail('time', `start time ${frame.startTimeNs} ns is not after the epoch`);
  if (!(Number.isFinite(frame.sampleRateHz) && frame.sampleRateHz > 0 && frame.sampleRateHz <= MAX_SAMPLE_RATE_HZ))
    fail('sample_rate', `sample rate ${frame.sampleRateHz} Hz is not in (0, 10 MHz]`);
  if (frame.samples.length === 0) fail('shape', 'has no samples');
  const maxAbs = bounds?.maxAbsSample ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < frame.samples.length; i++) {
    const v = frame.samples[i];
    if (!Number.isFinite(v)) fail('magnitude', `sample ${i} is ${v}`);
    if (v > maxAbs || v < -maxAbs) fail('magnitude', `sample ${i} is ${v}, beyond ±${maxAbs} ${frame.units} (validation.maxAbsSample)`);
  }
  if (bounds) {
    const startMs = nsToMs(frame.startTimeNs);
    checkTimeMs(startMs, bounds, `${where}: start time`, details);
    // A block cannot end after it was sent (give or take the clock skew the window allows): this
    // is what makes a rate like 1e-300 Hz impossible (its block would last 1e303 s), whatever
    // range the rate alone is allowed.
    const endMs = startMs + (frame.samples.length / frame.sampleRateHz) * 1000;
    if (endMs > bounds.referenceMs + bounds.maxFutureMs)
      fail(
        'sample_rate',
        `${frame.samples.length} samples at ${frame.sampleRateHz} Hz would end at ${Number.isFinite(endMs) && endMs < 8.64e15 ? new Date(endMs).toISOString() : `${endMs} ms`}, after the block was sent`,
      );
  }
  return frame;
}
