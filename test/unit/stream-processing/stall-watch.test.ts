/** /health's judgement of progress: ok while committing, degraded then down while stalled, with the reason. */
import { describe, expect, it } from 'vitest';
import { judgeProgress, type ProgressSnapshot, StallWatch } from '../../../stream-processing/stall-watch.ts';

const T = { degradedS: 30, downS: 120 };
const idle: ProgressSnapshot = {
  nowMs: 1_000_000,
  lastCommitMs: 999_000,
  oldestPendingMs: null,
  pendingPartitions: 0,
  retryingSinceMs: null,
  failedAttempts: 0,
  lastWriteError: null,
};

describe('judgeProgress', () => {
  it('starting before the first commit, ok after, whatever the age of the last commit when idle', () => {
    expect(judgeProgress({ ...idle, lastCommitMs: null }, T)).toEqual({ status: 'starting', reasons: [] });
    expect(judgeProgress(idle, T).status).toBe('ok');
    expect(judgeProgress({ ...idle, lastCommitMs: 0 }, T).status).toBe('ok');
  });

  it('a write failing and retrying: degraded after degradedS, down after downS, with its last error', () => {
    const retrying = { ...idle, failedAttempts: 4, lastWriteError: 'PDM_ERR_QUESTDB_UNAVAILABLE: connection refused' };
    expect(judgeProgress({ ...retrying, retryingSinceMs: idle.nowMs - 10_000 }, T).status).toBe('ok');
    const degraded = judgeProgress({ ...retrying, retryingSinceMs: idle.nowMs - 31_000 }, T);
    expect(degraded.status).toBe('degraded');
    expect(degraded.reasons[0]).toMatch(
      /QuestDB write failing for 31 s \(4 failed attempts, retrying\); last error: PDM_ERR_QUESTDB_UNAVAILABLE: connection refused/,
    );
    expect(judgeProgress({ ...retrying, retryingSinceMs: idle.nowMs - 121_000 }, T).status).toBe('down');
  });

  it('batches pending without a commit (a write that hangs without failing): counted from the later of the last commit and the oldest pending', () => {
    const hung = { ...idle, pendingPartitions: 2, lastCommitMs: idle.nowMs - 200_000, oldestPendingMs: idle.nowMs - 45_000 };
    const j = judgeProgress(hung, T);
    expect(j.status).toBe('degraded');
    expect(j.reasons[0]).toBe('no commit for 45 s while 2 partitions have messages pending (last commit 200 s ago)');
    expect(judgeProgress({ ...hung, oldestPendingMs: idle.nowMs - 130_000 }, T).status).toBe('down');
    // Another partition committed recently: progress.
    expect(judgeProgress({ ...hung, lastCommitMs: idle.nowMs - 1000 }, T).status).toBe('ok');
    expect(judgeProgress({ ...hung, lastCommitMs: null }, T).reasons[0]).toMatch(/last commit never/);
  });
});

describe('StallWatch', () => {
  it('records pending partitions until committed or released, and write failures until the write ends', () => {
    let now = 0;
    const w = new StallWatch(() => now);
    w.batchStarted('t/0');
    now = 5_000;
    w.batchStarted('t/0'); // a batch fetched again keeps the first time
    w.batchStarted('t/1');
    expect(w.snapshot()).toMatchObject({ oldestPendingMs: 0, pendingPartitions: 2 });
    w.committed('t/0');
    expect(w.snapshot()).toMatchObject({ oldestPendingMs: 5_000, pendingPartitions: 1, lastCommitMs: 5_000 });
    w.batchReleased('t/1');
    expect(w.snapshot().oldestPendingMs).toBeNull();

    w.writeStarted();
    now = 6_000;
    w.writeFailed('boom');
    w.writeFailed('boom again');
    expect(w.snapshot()).toMatchObject({ retryingSinceMs: 5_000, failedAttempts: 2, lastWriteError: 'boom again' });
    w.writeEnded();
    expect(w.snapshot()).toMatchObject({ retryingSinceMs: null, failedAttempts: 0, lastWriteError: null });
    w.batchStarted('t/2');
    w.clearPending();
    expect(w.snapshot().pendingPartitions).toBe(0);
  });
});
