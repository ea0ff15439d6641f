import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SequenceLedger } from '../../../ingest/collector/sequence-ledger.ts';

const file = () => join(mkdtempSync(join(tmpdir(), 'pdm-ledger-')), 'sequences.json');

describe('sequence ledger', () => {
  it('tells next, gaps and duplicates per channel', () => {
    const l = new SequenceLedger(undefined);
    expect(l.accept('m', 'X', 100)).toEqual({ kind: 'first' });
    expect(l.accept('m', 'X', 101)).toEqual({ kind: 'next' });
    expect(l.accept('m', 'Y', 7)).toEqual({ kind: 'first' });
    expect(l.accept('m', 'X', 105)).toEqual({ kind: 'gap', fromSeq: 102, toSeq: 104 });
    expect(l.accept('m', 'X', 103)).toEqual({ kind: 'duplicate', last: 105 });
    expect(l.accept('m', 'X', 105)).toEqual({ kind: 'duplicate', last: 105 });
    expect(l.accept('m', 'X', 106)).toEqual({ kind: 'next' });
  });

  it('treats a sequence far behind as a counter reset, not a duplicate', () => {
    const l = new SequenceLedger(undefined, { maxBackwardBlocks: 10 });
    l.accept('m', 'X', 5000);
    expect(l.accept('m', 'X', 4995)).toEqual({ kind: 'duplicate', last: 5000 });
    expect(l.accept('m', 'X', 3)).toEqual({ kind: 'reset', last: 5000 });
    expect(l.accept('m', 'X', 4)).toEqual({ kind: 'next' });
  });

  it('after a restart, starts from what was durable: blocks only in memory count as missing', () => {
    const f = file();
    const l = new SequenceLedger(f);
    for (let s = 1; s <= 10; s++) l.accept('m', 'X', s);
    for (let s = 1; s <= 7; s++) l.durable('m', 'X', s); // 8..10 were still in memory
    l.persist();
    const again = new SequenceLedger(f);
    expect(again.lastDurable('m', 'X')).toBe(7);
    // Measured against the previous run's position: it spans the collector's downtime.
    expect(again.accept('m', 'X', 15)).toEqual({ kind: 'gap', fromSeq: 8, toSeq: 14, acrossRestart: true });
  });

  it('takes the spool into account: what is on disk is durable', () => {
    const f = file();
    const l = new SequenceLedger(f);
    l.durable('m', 'X', 7);
    l.persist();
    const again = new SequenceLedger(f);
    again.mergeRecovered(new Map([['m/X', 12]]));
    expect(again.accept('m', 'X', 12)).toEqual({ kind: 'duplicate', last: 12 });
    expect(again.accept('m', 'X', 13)).toEqual({ kind: 'next' });
    again.persist();
    expect(JSON.parse(readFileSync(f, 'utf8'))).toEqual({ v: 1, channels: { 'm/X': 12 }, alive_ms: expect.any(Number) });
  });

  it('an unreadable file is reported and ignored (no gap can be computed across that restart)', () => {
    const f = file();
    writeFileSync(f, '{"v":1,"chan');
    const l = new SequenceLedger(f);
    expect(l.accept('m', 'X', 5)).toEqual({ kind: 'first' });
  });

  describe("the collector's downtime", () => {
    /** A clock the test moves. */
    const clock = (start: number) => {
      const c = { t: start, now: () => c.t };
      return c;
    };

    it('persists a heartbeat while nothing changes, and at a forced write; the next run knows its downtime from it', () => {
      const f = file();
      const c = clock(1_000_000);
      const l = new SequenceLedger(f, { now: c.now, heartbeatMs: 1000 });
      l.accept('m', 'X', 1);
      l.durable('m', 'X', 1);
      l.persist();
      expect(JSON.parse(readFileSync(f, 'utf8')).alive_ms).toBe(1_000_000);
      c.t += 500;
      l.persist(); // nothing changed, heartbeat not due
      expect(JSON.parse(readFileSync(f, 'utf8')).alive_ms).toBe(1_000_000);
      c.t += 600;
      l.persist(); // heartbeat due
      expect(JSON.parse(readFileSync(f, 'utf8')).alive_ms).toBe(1_001_100);
      c.t += 200;
      l.persist(true); // the stop
      expect(JSON.parse(readFileSync(f, 'utf8')).alive_ms).toBe(1_001_300);
      c.t += 7_000;
      expect(new SequenceLedger(f, { now: c.now }).downtime).toEqual({ fromMs: 1_001_300, toMs: 1_008_300 });
      expect(new SequenceLedger(undefined, { now: c.now }).downtime).toEqual({ fromMs: undefined, toMs: 1_008_300 });
    });

    it("only a channel's first gap after the restart spans the downtime; later gaps are losses while running", () => {
      const f = file();
      const l = new SequenceLedger(f);
      for (const ch of ['X', 'Y']) {
        l.accept('m', ch, 10);
        l.durable('m', ch, 10);
      }
      l.persist(true);
      const again = new SequenceLedger(f);
      // The last delivered block offered again (a new subscription's initial value): still the previous run's position.
      expect(again.accept('m', 'X', 10)).toEqual({ kind: 'duplicate', last: 10 });
      expect(again.accept('m', 'X', 40)).toEqual({ kind: 'gap', fromSeq: 11, toSeq: 39, acrossRestart: true });
      expect(again.accept('m', 'X', 41)).toEqual({ kind: 'next' });
      expect(again.accept('m', 'X', 45)).toEqual({ kind: 'gap', fromSeq: 42, toSeq: 44 });
      // A channel that resumes exactly where it was: no gap, and its next jump is not the downtime's.
      expect(again.accept('m', 'Y', 11)).toEqual({ kind: 'next' });
      expect(again.accept('m', 'Y', 13)).toEqual({ kind: 'gap', fromSeq: 12, toSeq: 12 });
      // A channel first seen in this run has nothing to measure against.
      expect(again.accept('m', 'Z', 100)).toEqual({ kind: 'first' });
      expect(again.accept('m', 'Z', 102)).toEqual({ kind: 'gap', fromSeq: 101, toSeq: 101 });
    });

    it('a position recovered from the spool is the previous run too', () => {
      const l = new SequenceLedger(file());
      l.mergeRecovered(new Map([['m/X', 12]]));
      expect(l.accept('m', 'X', 20)).toEqual({ kind: 'gap', fromSeq: 13, toSeq: 19, acrossRestart: true });
    });

    it('a counter that restarted (the server restarted too) is a reset, not a downtime gap, and ends the previous run', () => {
      const f = file();
      const l = new SequenceLedger(f, { maxBackwardBlocks: 10 });
      l.accept('m', 'X', 5000);
      l.durable('m', 'X', 5000);
      l.persist(true);
      const again = new SequenceLedger(f, { maxBackwardBlocks: 10 });
      expect(again.accept('m', 'X', 3)).toEqual({ kind: 'reset', last: 5000 });
      expect(again.accept('m', 'X', 6)).toEqual({ kind: 'gap', fromSeq: 4, toSeq: 5 });
    });

    it('timed channels (no counter): the first gap after the restart spans the downtime, by the clock', () => {
      const f = file();
      const l = new SequenceLedger(f);
      const P = 100;
      expect(l.acceptTimed('m', 'T', 1_000_000, P, 1).verdict).toEqual({ kind: 'first' });
      expect(l.acceptTimed('m', 'T', 1_000_100, P, 1).verdict).toEqual({ kind: 'next' });
      l.durable('m', 'T', 2, 1_000_200);
      l.persist(true);
      const again = new SequenceLedger(f);
      // Stopped for 5 s: 50 blocks not collected.
      const first = again.acceptTimed('m', 'T', 1_005_200, P, 1);
      expect(first).toMatchObject({ seq: 53, verdict: { kind: 'gap', fromSeq: 3, toSeq: 52, acrossRestart: true } });
      expect(again.acceptTimed('m', 'T', 1_005_500, P, 1).verdict).toEqual({ kind: 'gap', fromSeq: 54, toSeq: 55 });
    });
  });
});
