import { describe, expect, it } from 'vitest';
import type { WalTableStatus } from '../../../storage/wal-status.ts';
import { ProcessorMetrics } from '../../../stream-processing/processor-metrics.ts';
import { newProcessorStats } from '../../../stream-processing/processor-stats.ts';
import { suspendedReason, WalWatch } from '../../../stream-processing/wal-watch.ts';

const applied = (name: string, txn = 10): WalTableStatus => ({
  name,
  suspended: false,
  writerTxn: txn,
  sequencerTxn: txn,
  errorTag: '',
  errorMessage: '',
});
const suspended = (name: string, writerTxn: number, sequencerTxn: number, errorMessage = '[28] No space left'): WalTableStatus => ({
  name,
  suspended: true,
  writerTxn,
  sequencerTxn,
  errorTag: 'DISK FULL',
  errorMessage,
});

const opts = { autoResume: true, resumeIntervalS: 15, maxResumeIntervalS: 60 };

describe('WAL watch: suspended QuestDB tables', () => {
  it('resumes a suspended table at once, then after 15, 30, 60, 60 s; forgets it once applied', () => {
    const w = new WalWatch(opts);
    const t0 = 1_000_000;
    expect(w.observe([applied('features'), suspended('blocks', 28, 290)], t0)).toEqual(['blocks']);
    const attempts: number[] = [];
    for (let s = 1; s <= 200; s++) if (w.observe([suspended('blocks', 28, 290 + s)], t0 + s * 1000).length > 0) attempts.push(s);
    expect(attempts).toEqual([15, 45, 105, 165]);
    expect(w.resumes).toBe(5);
    // Applied again: no reason, and a later suspension starts over (resumed at once).
    w.observe([applied('blocks', 500)], t0 + 201_000);
    expect(w.reasons()).toEqual([]);
    expect(w.suspendedTables).toEqual([]);
    expect(w.observe([suspended('blocks', 500, 501)], t0 + 202_000)).toEqual(['blocks']);
  });

  it('only reports when autoResume is off, and says how to resume by hand', () => {
    const w = new WalWatch({ ...opts, autoResume: false });
    expect(w.observe([suspended('energy', 3, 5, 'bulk update failed and will be rolled back')], 0)).toEqual([]);
    expect(w.resumes).toBe(0);
    expect(w.reasons()).toEqual([
      'QuestDB table energy suspended: bulk update failed and will be rolled back; 2 transactions written but not yet queryable (nothing is lost); then run ALTER TABLE energy RESUME WAL',
    ]);
  });

  it("names the table, QuestDB's reason, what waits, and points at the disk when it is full", () => {
    const text = suspendedReason(suspended('vibration_blocks', 28, 290), true, 3);
    expect(text).toContain('QuestDB table vibration_blocks suspended: [28] No space left');
    expect(text).toContain('262 transactions written but not yet queryable (nothing is lost)');
    expect(text).toContain('free space on QuestDB’s disk');
    expect(text).toContain('the processor resumes it (3 attempts so far)');
    expect(w_lag([suspended('a', 1, 4), applied('b'), suspended('c', 10, 11)])).toBe(4);
  });

  it('makes /health degraded with the reasons while a table is suspended, ok again once applied', () => {
    const w = new WalWatch(opts);
    const metrics = new ProcessorMetrics({
      stats: newProcessorStats(),
      healthCounters: () => undefined,
      healthErrors: () => undefined,
      lastCommitMs: () => Date.now(),
      wal: () => ({ reasons: w.reasons(), suspendedTables: w.suspendedTables, lagTxns: w.lagTxns, resumes: w.resumes, checkError: null }),
    });
    w.observe([suspended('machine_health', 24, 40)], Date.now());
    const down = metrics.health();
    expect(down.status).toBe('degraded');
    expect(down.reasons).toHaveLength(1);
    expect(down.reasons[0]).toMatch(/^QuestDB table machine_health suspended/);
    expect(down.questdbWal).toMatchObject({ suspendedTables: ['machine_health'], lagTxns: 16, resumes: 1 });
    w.observe([applied('machine_health', 40)], Date.now());
    expect(metrics.health().status).toBe('ok');
    expect(metrics.health().reasons).toEqual([]);
  });
});

function w_lag(tables: WalTableStatus[]): number {
  const w = new WalWatch(opts);
  w.observe(tables, 0);
  return w.lagTxns;
}
