import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { continuityToleranceMs, judgeStep, unwrapCounter } from '../../../ingest/collector/block-continuity.ts';
import { SequenceLedger } from '../../../ingest/collector/sequence-ledger.ts';

const T0 = 1_796_000_000_000; // ms since the epoch
const P = 100; // block period, ms
const TOL = continuityToleranceMs(12_000); // half a 12 kHz sample + 1 ms
const prev = (startMs: number, blockMs = P) => ({ startMs, endMs: startMs + blockMs });

describe('block continuity from timestamps', () => {
  it('tolerates half a sample period plus the timestamp resolution, no more', () => {
    expect(TOL).toBeCloseTo(1 + 0.5 / 12, 9);
    expect(judgeStep(prev(T0), T0 + P, P, TOL)).toEqual({ kind: 'next', offGridMs: 0 });
    expect(judgeStep(prev(T0), T0 + P + 1, P, TOL)).toEqual({ kind: 'next', offGridMs: 0 });
    expect(judgeStep(prev(T0), T0 + P - 1, P, TOL)).toEqual({ kind: 'next', offGridMs: 0 });
    // A server stamping whole ms for a 85.333 ms period: 85, 86, 85 ms steps are all on time.
    const p = (1024 * 1000) / 12_000;
    expect(judgeStep(prev(T0, p), T0 + 85, p, TOL)).toEqual({ kind: 'next', offGridMs: 0 });
    expect(judgeStep(prev(T0 + 85, p), T0 + 171, p, TOL)).toEqual({ kind: 'next', offGridMs: 0 });
    // 5 ms late is beyond rounding: still the next block, reported off grid.
    expect(judgeStep(prev(T0), T0 + P + 5, P, TOL)).toEqual({ kind: 'next', offGridMs: 5 });
  });

  it('a longer step is one gap of the implied number of blocks', () => {
    expect(judgeStep(prev(T0), T0 + 2 * P, P, TOL)).toEqual({ kind: 'gap', missing: 1, offGridMs: 0 });
    expect(judgeStep(prev(T0), T0 + 8 * P, P, TOL)).toEqual({ kind: 'gap', missing: 7, offGridMs: 0 });
    // 1.4 periods late rounds to the next block (off grid), 1.6 to one missing.
    expect(judgeStep(prev(T0), T0 + 2.4 * P, P, TOL)).toMatchObject({ kind: 'gap', missing: 1 });
    expect(judgeStep(prev(T0), T0 + 1.4 * P, P, TOL)).toMatchObject({ kind: 'next', offGridMs: 40 });
  });

  it('the same start again is a duplicate; an earlier start is a clock step back (reset)', () => {
    expect(judgeStep(prev(T0), T0, P, TOL)).toEqual({ kind: 'duplicate' });
    expect(judgeStep(prev(T0), T0 + 0.5, P, TOL)).toEqual({ kind: 'duplicate' });
    expect(judgeStep(prev(T0), T0 - 3_600_000, P, TOL)).toEqual({ kind: 'reset', backMs: 3_600_000 });
    expect(judgeStep(prev(T0), T0 - 50, P, TOL)).toEqual({ kind: 'reset', backMs: 50 });
    // Late then early stamps (jitter): more than the tolerance after the previous start is a new block.
    expect(judgeStep(prev(T0), T0 + 30, P, TOL)).toEqual({ kind: 'next', offGridMs: -70 });
  });
});

describe('sequence numbers for channels without a counter (ledger)', () => {
  it('numbers blocks, counts gaps by time, drops duplicates, goes on after a clock step back', () => {
    const l = new SequenceLedger(undefined);
    const at = (k: number) => l.acceptTimed('m', 'X', T0 + k * P, P, TOL);
    expect(at(0)).toEqual({ seq: 1, verdict: { kind: 'first' }, offGridMs: 0 });
    expect(at(1)).toEqual({ seq: 2, verdict: { kind: 'next' }, offGridMs: 0 });
    expect(at(1)).toEqual({ seq: 2, verdict: { kind: 'duplicate', last: 2 }, offGridMs: 0 });
    expect(at(5)).toEqual({ seq: 6, verdict: { kind: 'gap', fromSeq: 3, toSeq: 5 }, offGridMs: 0 });
    expect(at(6)).toMatchObject({ seq: 7, verdict: { kind: 'next' } });
    expect(at(-100)).toEqual({ seq: 8, verdict: { kind: 'reset', last: 7 }, offGridMs: 0, backMs: 10_600 });
    expect(at(-99)).toMatchObject({ seq: 9, verdict: { kind: 'next' } });
  });

  it('across a restart: the blocks missed while stopped are one gap, a re-offered block a duplicate', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'pdm-continuity-')), 'sequences.json');
    const l = new SequenceLedger(f);
    for (let k = 0; k < 10; k++) l.acceptTimed('m', 'X', T0 + k * P, P, TOL);
    l.durable('m', 'X', 8, T0 + 8 * P); // blocks 0..7 durable (seq 1..8), the last two only in memory
    l.persist();
    const again = new SequenceLedger(f);
    expect(again.acceptTimed('m', 'X', T0 + 7 * P, P, TOL)).toMatchObject({ seq: 8, verdict: { kind: 'duplicate' } });
    expect(again.acceptTimed('m', 'X', T0 + 20 * P, P, TOL)).toEqual({
      seq: 21,
      verdict: { kind: 'gap', fromSeq: 9, toSeq: 20, acrossRestart: true },
      offGridMs: 0,
    });
  });
});

describe('sequence numbers across a restart with blocks still in the spool', () => {
  it('blocks acknowledged after the restart, before the machine is back, move the persisted end too', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'pdm-continuity-')), 'sequences.json');
    const l = new SequenceLedger(f);
    for (let k = 0; k < 10; k++) l.acceptTimed('m', 'X', T0 + k * P, P, TOL);
    l.durable('m', 'X', 5, T0 + 5 * P);
    l.persist();
    const again = new SequenceLedger(f);
    again.mergeRecovered(new Map([['m/X', 8]])); // a spool whose records carry no usable end
    again.durable('m', 'X', 10, T0 + 10 * P); // the spooled blocks reach Kafka
    again.persist();
    const third = new SequenceLedger(f);
    expect(third.acceptTimed('m', 'X', T0 + 10 * P, P, TOL)).toEqual({ seq: 11, verdict: { kind: 'next' }, offGridMs: 0 });
  });
});

describe('wrapping counters', () => {
  it('a wrap is the next block, not a gap', () => {
    expect(unwrapCounter(65_535, 0, 16)).toBe(65_536);
    expect(unwrapCounter(65_536, 1, 16)).toBe(65_537);
    expect(unwrapCounter(2 ** 32 - 1, 0, 32)).toBe(2 ** 32);
    expect(unwrapCounter(3 * 65_536 + 10, 11, 16)).toBe(3 * 65_536 + 11);
  });

  it('gaps across the wrap keep their size; a step back is backwards (duplicate or reset for the ledger)', () => {
    expect(unwrapCounter(65_530, 4, 16)).toBe(65_540); // 65531..65539 missing: 9 blocks
    expect(unwrapCounter(65_540, 65_534, 16)).toBe(65_534); // re-offered from before the wrap
    expect(unwrapCounter(200_000, 1, 16)).toBe(200_000 - ((200_000 % 65_536) - 1));
    expect(unwrapCounter(undefined, 65_000, 16)).toBe(65_000);
  });

  it('with the ledger: 65534, 65535, 0, 1 are consecutive', () => {
    const l = new SequenceLedger(undefined);
    const verdicts = [65_534, 65_535, 0, 1].map((raw) => {
      const seq = unwrapCounter(l.lastReceived('m', 'X'), raw, 16);
      return l.accept('m', 'X', seq).kind;
    });
    expect(verdicts).toEqual(['first', 'next', 'next', 'next']);
    expect(l.lastReceived('m', 'X')).toBe(65_537);
  });
});
