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
    expect(again.accept('m', 'X', 15)).toEqual({ kind: 'gap', fromSeq: 8, toSeq: 14 });
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
    expect(JSON.parse(readFileSync(f, 'utf8'))).toEqual({ v: 1, channels: { 'm/X': 12 } });
  });

  it('an unreadable file is reported and ignored (no gap can be computed across that restart)', () => {
    const f = file();
    writeFileSync(f, '{"v":1,"chan');
    const l = new SequenceLedger(f);
    expect(l.accept('m', 'X', 5)).toEqual({ kind: 'first' });
  });
});
