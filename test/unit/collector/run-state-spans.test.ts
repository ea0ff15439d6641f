import { describe, expect, it } from 'vitest';
import { RunStateSpans } from '../../../ingest/collector/run-state-spans.ts';

describe('RunStateSpans (the machine not running: a gap that is no loss)', () => {
  it('knows nothing until the server reports a state', () => {
    const s = new RunStateSpans();
    expect(s.known).toBe(false);
    expect(s.notRunningDuring(0, 1e12)).toBe(false);
  });

  it('finds a stop that overlaps the missing blocks, and only one that does', () => {
    const s = new RunStateSpans();
    s.observe('Executing', 1_000);
    s.observe('NotExecuting', 10_000);
    s.observe('NotExecuting', 11_000); // reported again: the same stop
    s.observe('Executing', 15_000);
    expect(s.known).toBe(true);
    expect(s.notRunningDuring(10_100, 14_900)).toBe(true); // inside the stop
    expect(s.notRunningDuring(9_000, 10_001)).toBe(true); // the stop began in the gap
    expect(s.notRunningDuring(14_999, 16_000)).toBe(true); // it ended in the gap
    expect(s.notRunningDuring(5_000, 10_000)).toBe(false); // before it (end exclusive)
    expect(s.notRunningDuring(15_000, 20_000)).toBe(false); // after it
  });

  it('an open stop (out of service until repaired) covers everything after it began', () => {
    const s = new RunStateSpans();
    s.observe('OutOfService', 50_000);
    expect(s.notRunningDuring(60_000, 70_000)).toBe(true);
    expect(s.notRunningDuring(40_000, 49_000)).toBe(false);
    s.observe('Executing', 80_000);
    expect(s.notRunningDuring(81_000, 90_000)).toBe(false);
  });

  it('keeps a bounded number of stops (the oldest forgotten)', () => {
    const s = new RunStateSpans();
    for (let i = 0; i < 40; i++) {
      s.observe('NotExecuting', i * 100);
      s.observe('Executing', i * 100 + 50);
    }
    expect(s.notRunningDuring(10, 40)).toBe(false); // the first stop is forgotten
    expect(s.notRunningDuring(3_910, 3_940)).toBe(true); // the last is kept
  });
});
