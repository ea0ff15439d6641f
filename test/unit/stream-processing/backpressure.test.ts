/**
 * The pause/resume rule: pause above the in-flight cap or with a writer that has fallen behind;
 * resume only once drained below a fraction of the cap and the writer moves again.
 */
import { describe, expect, it } from 'vitest';
import { judgeBackpressure } from '../../../stream-processing/backpressure.ts';

const limits = { maxInFlightBytes: 1000, resumeFraction: 0.5, writerBehindMs: 5000 };
const at = (bytes: number, writeStartedMs: number | null = null, nowMs = 100_000) => ({ bytes, writeStartedMs, nowMs });

describe('judgeBackpressure', () => {
  it('runs below the cap with the writer keeping up', () => {
    expect(judgeBackpressure(false, at(1000), limits)).toEqual({ paused: false, reason: '' });
    expect(judgeBackpressure(false, at(10, 96_000), limits).paused).toBe(false);
  });

  it('pauses above the cap, saying how much is in flight', () => {
    const d = judgeBackpressure(false, at(1001), limits);
    expect(d.paused).toBe(true);
    expect(d.reason).toBe('1001 bytes in flight (cap 1000)');
  });

  it('pauses when one write has been running longer than the writer may fall behind', () => {
    const d = judgeBackpressure(false, at(0, 94_000), limits);
    expect(d).toEqual({ paused: true, reason: 'QuestDB write running for 6 s' });
  });

  it('stays paused until drained below the resume fraction (no flapping at the cap)', () => {
    expect(judgeBackpressure(true, at(900), limits).paused).toBe(true);
    expect(judgeBackpressure(true, at(501), limits).paused).toBe(true);
    expect(judgeBackpressure(true, at(500), limits).paused).toBe(false);
  });

  it('stays paused while the writer is still behind, even drained', () => {
    expect(judgeBackpressure(true, at(0, 90_000), limits).paused).toBe(true);
    expect(judgeBackpressure(true, at(0, null), limits).paused).toBe(false);
  });
});
