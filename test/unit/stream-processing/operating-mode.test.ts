import { describe, expect, it } from 'vitest';
import { DEFAULT_OPERATING_MODES, OperatingModeTracker, SINGLE_MODE, TRANSITION } from '../../../stream-processing/operating-mode.ts';

const config = DEFAULT_OPERATING_MODES;

/** Feeds readings; returns the mode after each. */
function feed(t: OperatingModeTracker, readings: Array<[number | undefined, number | undefined]>): string[] {
  return readings.map(([speed, load]) => t.update(speed, load));
}

describe('OperatingModeTracker', () => {
  it('establishes a mode once five readings agree, names it by its speed and load, and returns to it at once', () => {
    const t = new OperatingModeTracker(config);
    expect(t.mode).toBe(SINGLE_MODE);
    expect(
      feed(t, [
        [1450, 85],
        [1452, 84],
        [1449, 86],
        [1450, 85],
        [1449, 85],
      ]),
    ).toEqual([TRANSITION, TRANSITION, TRANSITION, TRANSITION, '1450rpm/85%']);
    expect(
      feed(t, [
        [1100, 40],
        [1101, 41],
        [1099, 40],
        [1100, 39],
        [1100, 40],
      ]),
    ).toEqual([TRANSITION, TRANSITION, TRANSITION, TRANSITION, '1100rpm/40%']);
    expect(t.update(1451, 85)).toBe('1450rpm/85%');
    expect(t.modes).toEqual(['1450rpm/85%', '1100rpm/40%']);
  });

  it('takes no mode from a ramp: a start-up through 60-90 % load is a transition, the steady 90 % after it the mode', () => {
    const t = new OperatingModeTracker(config);
    const ramp = feed(
      t,
      Array.from({ length: 10 }, (_, i): [number, number] => [1470, 60 + 3 * i]),
    );
    expect(new Set(ramp)).toEqual(new Set([TRANSITION]));
    // The mode is the mean of the steady readings (the ramp's last one, 87 %, may be among them).
    const full = feed(
      t,
      Array.from({ length: 5 }, (): [number, number] => [1468, 90]),
    ).at(-1)!;
    expect(full).toMatch(/^1468rpm\/(89|90)%$/);
    expect(
      feed(
        t,
        Array.from({ length: 5 }, (): [number, number] => [1479, 60]),
      ).at(-1),
    ).toBe('1479rpm/60%');
    expect(t.modes).toEqual([full, '1479rpm/60%']);
  });

  it('keeps apart modes that differ by more than a step, wherever they sit (a pump at 90 % and 60 % load)', () => {
    const t = new OperatingModeTracker(config);
    const steady = (speed: number, load: number) => Array.from({ length: 5 }, (): [number, number] => [speed, load]);
    const full = feed(t, steady(1480, 90)).at(-1);
    const part = feed(t, steady(1485, 60)).at(-1);
    expect(full).not.toBe(part);
    expect(t.modes).toHaveLength(2);
  });

  it('does not start modes for noise around a steady state, or for the readings of a change of duty', () => {
    const t = new OperatingModeTracker(config);
    feed(
      t,
      Array.from({ length: 5 }, (): [number, number] => [1480, 80]),
    );
    const noisy = feed(t, [
      [1470, 88],
      [1490, 72],
      [1485, 89],
      [1475, 71],
      [1480, 81],
    ]);
    expect(new Set(noisy)).toEqual(new Set(['1480rpm/80%']));
    // One reading half-way to another duty and straight back: a transition, no new mode.
    expect(
      feed(t, [
        [1300, 50],
        [1480, 80],
      ]),
    ).toEqual([TRANSITION, '1480rpm/80%']);
    expect(t.modes).toEqual(['1480rpm/80%']);
  });

  it('keeps the mode when a reading is missing, and compares on the value it has', () => {
    const t = new OperatingModeTracker(config);
    expect(t.update(undefined, undefined)).toBe(SINGLE_MODE);
    const m = feed(
      t,
      Array.from({ length: 5 }, (): [number, number] => [1480, 80]),
    ).at(-1);
    expect(m).toBe('1480rpm/80%');
    expect(t.update(undefined, Number.NaN)).toBe(m);
    expect(t.update(0, 79)).toBe(m);
  });

  it('restores its modes, its current mode and a candidate in progress exactly', () => {
    const t = new OperatingModeTracker(config);
    feed(t, [...Array.from({ length: 5 }, (): [number, number] => [1450, 85]), [1100, 40], [1100, 40]]);
    const copy = new OperatingModeTracker(config, JSON.parse(JSON.stringify(t.toJSON())));
    expect(copy.mode).toBe(TRANSITION);
    const next: Array<[number, number]> = [
      [1100, 40],
      [1100, 40],
      [1100, 40],
      [1450, 85],
    ];
    expect(feed(copy, next)).toEqual(feed(t, next));
    expect(copy.modes).toEqual(t.modes);
  });

  it('joins the nearest mode once it holds as many modes as allowed', () => {
    const t = new OperatingModeTracker({ ...config, maxModes: 1 });
    feed(
      t,
      Array.from({ length: 5 }, (): [number, number] => [1480, 80]),
    );
    feed(
      t,
      Array.from({ length: 4 }, (): [number, number] => [1000, 20]),
    );
    expect(t.update(1000, 20)).toBe('1480rpm/80%');
  });

  it('refuses settings that cannot work', () => {
    expect(() => new OperatingModeTracker({ ...config, speedStepPct: 0 })).toThrow(/speedStepPct/);
    expect(() => new OperatingModeTracker({ ...config, loadStepPct: -1 })).toThrow(/loadStepPct/);
    expect(() => new OperatingModeTracker({ ...config, confirmReadings: 0 })).toThrow(/confirmReadings/);
    expect(() => new OperatingModeTracker({ ...config, maxModes: 1.5 })).toThrow(/maxModes/);
  });
});
