import { describe, expect, it } from 'vitest';
import { OperatingModeTracker, SINGLE_MODE } from '../../../stream-processing/operating-mode.ts';

const config = { speedStepPct: 10, loadStepPct: 25 };

describe('OperatingModeTracker', () => {
  it('tells a fan by day from the same fan at night, and names modes by their speed and load', () => {
    const t = new OperatingModeTracker(config);
    expect(t.mode).toBe(SINGLE_MODE);
    const day = t.update(1450, 85);
    const night = t.update(1100, 40);
    expect(day).not.toBe(night);
    expect(day).toMatch(/^\d+rpm\/\d+%$/);
    // Bin centres are within half a step of the readings.
    const [rpm, load] = day.split('/').map((p) => Number.parseFloat(p));
    expect(Math.abs(Math.log(rpm / 1450))).toBeLessThanOrEqual(Math.log(1.1) / 2 + 1e-9);
    expect(Math.abs(load - 85)).toBeLessThanOrEqual(12.5);
    expect(t.update(1450, 85)).toBe(day);
  });

  it('does not flap when a reading wanders around a bin edge, and follows a real change', () => {
    const t = new OperatingModeTracker(config);
    // 87.5 % is the edge between the 75 % and 100 % load bins.
    const modes = new Set([80, 86, 89, 91, 87, 90, 84, 92].map((load) => t.update(1480, load)));
    expect(modes.size).toBe(1);
    expect(t.update(1480, 30)).not.toBe([...modes][0]);
  });

  it('keeps the mode when a reading is missing, and without any reading has one mode', () => {
    const t = new OperatingModeTracker(config);
    expect(t.update(undefined, undefined)).toBe(SINGLE_MODE);
    const m = t.update(1480, 80);
    expect(t.update(undefined, Number.NaN)).toBe(m);
    expect(t.update(0, undefined)).toBe(m);
  });

  it('restores its state exactly', () => {
    const t = new OperatingModeTracker(config);
    t.update(1100, 40);
    const copy = new OperatingModeTracker(config, JSON.parse(JSON.stringify(t.toJSON())));
    expect(copy.mode).toBe(t.mode);
    // Same hysteresis after the restore: a reading near the edge stays in the mode.
    expect(copy.update(1100, 55)).toBe(t.update(1100, 55));
  });

  it('refuses steps that are not positive', () => {
    expect(() => new OperatingModeTracker({ speedStepPct: 0, loadStepPct: 25 })).toThrow(/speedStepPct/);
    expect(() => new OperatingModeTracker({ speedStepPct: 10, loadStepPct: -1 })).toThrow(/loadStepPct/);
  });
});
