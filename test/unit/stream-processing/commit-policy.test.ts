/**
 * The commit rule, without Kafka: commit after the last offset the batch resolved, but never past
 * the first block of a window still being assembled on the partition (its blocks are only in
 * memory: after a crash they must be read again).
 */
import { describe, expect, it } from 'vitest';
import { offsetToCommit } from '../../../stream-processing/commit-policy.ts';

describe('offsetToCommit', () => {
  it('commits the offset after the last one resolved when no window is pending (energy, gaps, a window just completed)', () => {
    expect(offsetToCommit({ lastOffset: 41, pendingMinOffset: undefined })).toBe(42);
    expect(offsetToCommit({ lastOffset: 0, pendingMinOffset: undefined })).toBe(1);
  });

  it('stops at the first block of a window still being assembled', () => {
    expect(offsetToCommit({ lastOffset: 41, pendingMinOffset: 30 })).toBe(30);
    // The pending window's first block is the batch's first message: nothing moves past it.
    expect(offsetToCommit({ lastOffset: 41, pendingMinOffset: 41 })).toBe(41);
  });

  it('never commits beyond what the batch resolved, whatever is pending', () => {
    expect(offsetToCommit({ lastOffset: 41, pendingMinOffset: 42 })).toBe(42);
    expect(offsetToCommit({ lastOffset: 41, pendingMinOffset: 100 })).toBe(42);
  });

  it('commits nothing when the batch resolved nothing (stopped or stale before its first message)', () => {
    expect(offsetToCommit({ lastOffset: -1, pendingMinOffset: undefined })).toBeUndefined();
    expect(offsetToCommit({ lastOffset: -1, pendingMinOffset: 5 })).toBeUndefined();
  });

  it('follows a window across batches: held while it assembles, released once it completes', () => {
    // Batch 1: blocks 10..13 of a 8-block window (starting at 10) → hold at 10.
    expect(offsetToCommit({ lastOffset: 13, pendingMinOffset: 10 })).toBe(10);
    // Batch 2: blocks 14..17 complete it; the next window starts at 18 but has no block yet.
    expect(offsetToCommit({ lastOffset: 17, pendingMinOffset: undefined })).toBe(18);
  });
});
