import { describe, expect, it } from 'vitest';
import { HysteresisAlarm } from '../../../models/anomaly/hysteresis-alarm.ts';

const config = { raise: 3, raiseWindows: 3, clear: 1, clearWindows: 2 };

function feed(values: number[]): boolean[] {
  const a = new HysteresisAlarm(config);
  return values.map((v) => a.update(v));
}

describe('hysteresis alarm', () => {
  it('raises only after k consecutive values above the raise level', () => {
    expect(feed([4, 4, 0, 4, 4, 4])).toStrictEqual([false, false, false, false, false, true]);
  });

  it('stays raised between the levels and clears after m consecutive values below the clear level', () => {
    expect(feed([4, 4, 4, 2, 2, 0.5, 2, 0.5, 0.5, 2])).toStrictEqual([false, false, true, true, true, true, true, true, false, false]);
  });

  it('a value between the levels breaks a run toward raising', () => {
    expect(feed([4, 4, 2, 4, 4])).toStrictEqual([false, false, false, false, false]);
  });
});
