/** A channel's sample rate may change only where its sequence restarts or jumps (a gap). */
import { describe, expect, it } from 'vitest';
import { RateContinuity } from '../../../stream-processing/rate-continuity.ts';

describe('RateContinuity', () => {
  it('rejects 25 600 -> 1 000 Hz between consecutive blocks, and the wrong rate after it too', () => {
    const r = new RateContinuity();
    for (let seq = 0; seq < 5; seq++) expect(r.check('m', 'DE_X', seq, 25_600).ok).toBe(true);
    expect(r.check('m', 'DE_X', 5, 1_000)).toEqual({ ok: false, expectedHz: 25_600, lastSeq: 4 });
    // The rejected block still advanced the sequence: the next block at 1 kHz is contiguous with it.
    expect(r.check('m', 'DE_X', 6, 1_000).ok).toBe(false);
    expect(r.check('m', 'DE_X', 7, 25_600).ok).toBe(true);
  });

  it('accepts a new rate when the sequence restarts at 0', () => {
    const r = new RateContinuity();
    r.check('m', 'c', 41, 25_600);
    expect(r.check('m', 'c', 0, 1_000).ok).toBe(true);
    expect(r.check('m', 'c', 1, 1_000).ok).toBe(true);
    expect(r.check('m', 'c', 2, 25_600).ok).toBe(false);
  });

  it('accepts a new rate after a gap: a sequence jump, or a gap event before the frame', () => {
    const r = new RateContinuity();
    r.check('m', 'c', 10, 25_600);
    expect(r.check('m', 'c', 15, 12_800).ok).toBe(true);
    r.gap('m', 'c');
    expect(r.check('m', 'c', 16, 6_400).ok).toBe(true);
    // The gap event allowed one change only.
    expect(r.check('m', 'c', 17, 3_200).ok).toBe(false);
  });

  it('keeps channels and machines apart, and forgets everything on reset', () => {
    const r = new RateContinuity();
    r.check('m', 'a', 1, 25_600);
    expect(r.check('m', 'b', 2, 1_000).ok).toBe(true);
    expect(r.check('n', 'a', 2, 1_000).ok).toBe(true);
    r.reset();
    expect(r.check('m', 'a', 2, 1_000).ok).toBe(true);
  });
});
