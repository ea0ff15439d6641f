import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import type { VibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { ChannelMeanings } from '../../../stream-processing/channel-meaning.ts';

const frame = (over: Partial<VibrationFrame>): VibrationFrame => ({
  version: 2,
  machine: 'pump-1',
  channel: 'DE_X',
  units: 'g',
  seq: 7,
  startTimeNs: 1n,
  sampleRateHz: 25_600,
  samples: new Float32Array(1),
  ...over,
});

describe('ChannelMeanings: what a frame measures', () => {
  const meanings = new ChannelMeanings({
    'pump-1': {
      channels: {
        legacy_v: { location: 'NDE', axis: 'Y', quantity: 'velocity', units: 'mm/s' },
        DE_Z: { location: 'gearbox' },
        wrong: { quantity: 'velocity' },
      },
    },
  });

  it('v2 frames say it themselves', () => {
    expect(meanings.resolve(frame({ channel: 'S1', units: 'in/s', location: 'fan', axis: 'axial', quantity: 'velocity' }))).toEqual({
      location: 'fan',
      axis: 'axial',
      quantity: 'velocity',
      units: 'in/s',
    });
  });

  it('v1 frames: the id convention, the quantity from the units', () => {
    expect(meanings.resolve(frame({ version: 1, channel: 'NDE_Y', units: 'm/s²' }))).toEqual({
      location: 'NDE',
      axis: 'Y',
      quantity: 'acceleration',
      units: 'm/s²',
    });
  });

  it('the processor config overrides the frame, field by field (a v1 velocity sensor sent as "g")', () => {
    expect(meanings.resolve(frame({ version: 1, channel: 'legacy_v', units: 'g' }))).toEqual({
      location: 'NDE',
      axis: 'Y',
      quantity: 'velocity',
      units: 'mm/s',
    });
    expect(meanings.resolve(frame({ channel: 'DE_Z', location: 'DE', axis: 'Z', quantity: 'acceleration' }))).toMatchObject({
      location: 'gearbox',
      axis: 'Z',
    });
    expect(meanings.resolve(frame({ machine: 'other', channel: 'DE_Z' }))).toMatchObject({ location: 'DE' });
  });

  it('unknown or inconsistent units are a PDM_ERR_FRAME_INVALID naming the frame, the channel and the sources', () => {
    const reason = (f: VibrationFrame): string => {
      try {
        meanings.resolve(f);
      } catch (err) {
        expect(isPdmError(err, 'PDM_ERR_FRAME_INVALID')).toBe(true);
        return (err as Error).message;
      }
      return 'resolved';
    };
    expect(reason(frame({ units: 'furlong' }))).toMatch(
      /^vibration frame pump-1\/DE_X seq 7: channel DE_X: units 'furlong' are not known .*\(from the frame \(version 2\)\)/,
    );
    expect(reason(frame({ units: 'mm/s', quantity: 'acceleration' }))).toMatch(/units 'mm\/s' measure velocity, not acceleration/);
    expect(reason(frame({ channel: 'wrong', units: 'g' }))).toMatch(
      /units 'g' measure acceleration, not velocity .*units from the frame \(version 2\), quantity from processor config machines.pump-1.channels.wrong/,
    );
    expect(reason(frame({ units: '' }))).toMatch(/no units declared/);
  });
});
