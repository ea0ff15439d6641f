import { describe, expect, it } from 'vitest';
import { WindowAssembler, type WindowBlock } from '../../../stream-processing/windowing.ts';

const N = 4;
function block(seq: number, offset = seq, channel = 'DE_X'): WindowBlock {
  return {
    machine: 'm1',
    channel,
    seq,
    startTimeNs: BigInt(seq) * 100_000_000n,
    sampleRateHz: 40,
    units: 'g',
    meaning: { location: 'DE', axis: 'X', quantity: 'acceleration', units: 'g' },
    samples: Float32Array.from({ length: N }, (_, i) => seq * 10 + i),
    partition: 0,
    offset,
  };
}

describe('WindowAssembler', () => {
  it('builds windows aligned to sequence numbers, samples in order', () => {
    const a = new WindowAssembler(3);
    expect(a.add(block(3))).toBeUndefined();
    expect(a.add(block(4))).toBeUndefined();
    const w = a.add(block(5))!;
    expect(w.windowSeq).toBe(1);
    expect(w.startTimeNs).toBe(300_000_000n);
    expect(Array.from(w.samples)).toEqual([30, 31, 32, 33, 40, 41, 42, 43, 50, 51, 52, 53]);
    expect(a.counters).toEqual({ completed: 1, incomplete: 0, duplicateOrLate: 0, inconsistent: 0 });
  });

  it('never analyses a window with a missing block, and counts it', () => {
    const a = new WindowAssembler(3);
    a.add(block(1)); // stream starts mid-window 0
    a.add(block(2));
    expect(a.add(block(3))).toBeUndefined(); // window 0 abandoned
    a.add(block(4));
    expect(a.add(block(6))).toBeUndefined(); // block 5 missing: window 1 abandoned
    expect(a.counters.incomplete).toBe(2);
    expect(a.counters.completed).toBe(0);
  });

  it('ignores duplicates and late blocks', () => {
    const a = new WindowAssembler(2);
    a.add(block(0));
    a.add(block(0));
    expect(a.add(block(1))?.windowSeq).toBe(0);
    expect(a.add(block(1))).toBeUndefined();
    expect(a.counters.duplicateOrLate).toBe(2);
  });

  it('holds back the commit offset at the first block of a pending window', () => {
    const a = new WindowAssembler(3);
    a.add(block(0, 100));
    a.add(block(1, 101));
    a.add(block(0, 102, 'DE_Y'));
    expect(a.pendingMinOffset(0)).toBe(100);
    expect(a.pendingMinOffset(1)).toBeUndefined();
    a.add(block(2, 103));
    expect(a.pendingMinOffset(0)).toBe(102);
  });

  it('rebuilds identical windows when a stream is replayed from a pending offset', () => {
    const a = new WindowAssembler(2);
    const first = [0, 1, 2, 3].map((s) => a.add(block(s))).filter(Boolean);
    const b = new WindowAssembler(2);
    const replay = [2, 3].map((s) => b.add(block(s))).filter(Boolean);
    expect(replay).toEqual(first.slice(1));
  });
});

describe('WindowAssembler and channel meaning', () => {
  it('restarts a window whose blocks change units or quantity midway (one window, one signal)', () => {
    const a = new WindowAssembler(2);
    a.add(block(0));
    const velocity = { ...block(1), units: 'mm/s', meaning: { location: 'DE', axis: 'X', quantity: 'velocity' as const, units: 'mm/s' } };
    expect(a.add(velocity)).toBeUndefined();
    expect(a.counters.inconsistent).toBe(1);
    const w = a.add({ ...block(2), units: 'mm/s', meaning: velocity.meaning });
    expect(w).toBeUndefined(); // window 1 has only block 2 so far
    const done = a.add({ ...block(3), units: 'mm/s', meaning: velocity.meaning })!;
    expect(done.meaning).toEqual(velocity.meaning);
  });
});
