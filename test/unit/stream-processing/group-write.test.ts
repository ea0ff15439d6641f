import { describe, expect, it } from 'vitest';
import { GroupWriter } from '../../../stream-processing/group-write.ts';
import type { RefusedItem } from '../../../stream-processing/reject-bisection.ts';

/** A write we release by hand, recording what each physical write carried. */
function gatedWriter(refuse: (item: string) => boolean = () => false) {
  const writes: string[][] = [];
  const gates: (() => void)[] = [];
  let fail: unknown;
  const writeAll = async (items: readonly string[]): Promise<RefusedItem<string>[]> => {
    writes.push([...items]);
    await new Promise<void>((release) => gates.push(release));
    if (fail) throw fail;
    return items.filter(refuse).map((item) => ({ item, err: new Error(`refused ${item}`) }));
  };
  return {
    writes,
    release: () => gates.shift()?.(),
    failWith: (err: unknown) => {
      fail = err;
    },
    writeAll,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('GroupWriter (group commit of the processor batches)', () => {
  it('writes alone when nothing waits, and groups every batch that waited for a write in flight', async () => {
    const w = gatedWriter();
    const g = new GroupWriter(w.writeAll);
    const first = g.write(['a1', 'a2']);
    await tick();
    expect(w.writes).toEqual([['a1', 'a2']]);
    // Three batches arrive while the first write is in flight: they go as one write, in arrival order.
    const waiting = [g.write(['b1']), g.write(['c1', 'c2']), g.write(['d1'])];
    await tick();
    expect(w.writes).toHaveLength(1);
    w.release();
    await first;
    await tick();
    expect(w.writes).toEqual([
      ['a1', 'a2'],
      ['b1', 'c1', 'c2', 'd1'],
    ]);
    w.release();
    expect(await Promise.all(waiting)).toEqual([[], [], []]);
    expect({ requests: g.requests, writes: g.writes }).toEqual({ requests: 4, writes: 2 });
  });

  it('gives each caller only its own refused items', async () => {
    const w = gatedWriter((item) => item.endsWith('!'));
    const g = new GroupWriter(w.writeAll);
    const first = g.write(['x']);
    await tick();
    const mine = g.write(['a', 'b!']);
    const theirs = g.write(['c!', 'd']);
    const clean = g.write(['e']);
    w.release();
    await first;
    await tick();
    w.release();
    const [ra, rb, rc] = await Promise.all([mine, theirs, clean]);
    expect(ra.map((r) => r.item)).toEqual(['b!']);
    expect(rb.map((r) => r.item)).toEqual(['c!']);
    expect(rc).toEqual([]);
  });

  it('fails every caller of a failed write, and the next batches are written afresh', async () => {
    const w = gatedWriter();
    const g = new GroupWriter(w.writeAll);
    const first = g.write(['a']);
    await tick();
    const grouped = [g.write(['b']), g.write(['c'])];
    w.release();
    await first;
    await tick();
    w.failWith(new Error('QuestDB unreachable'));
    w.release();
    for (const p of grouped) await expect(p).rejects.toThrow('QuestDB unreachable');
    w.failWith(undefined);
    const later = g.write(['d']);
    await tick();
    w.release();
    expect(await later).toEqual([]);
    expect(w.writes.at(-1)).toEqual(['d']);
  });

  it('bounds one grouped write by its item limit, a larger batch still going whole', async () => {
    const w = gatedWriter();
    const g = new GroupWriter(w.writeAll, { maxItems: 3 });
    const first = g.write(['a']);
    await tick();
    const rest = [g.write(['b1', 'b2']), g.write(['c1', 'c2']), g.write(['d1', 'd2', 'd3', 'd4'])];
    w.release();
    await first;
    for (let i = 0; i < 3; i++) {
      await tick();
      w.release();
    }
    await Promise.all(rest);
    expect(w.writes).toEqual([['a'], ['b1', 'b2'], ['c1', 'c2'], ['d1', 'd2', 'd3', 'd4']]);
  });

  it('is idle once every write is done, and an empty batch resolves without stalling the next', async () => {
    const w = gatedWriter();
    const g = new GroupWriter(w.writeAll);
    expect(await g.write([])).toEqual([]);
    const p = g.write(['a']);
    let idle = false;
    const idleP = g.idle().then(() => {
      idle = true;
    });
    await tick();
    expect(idle).toBe(false);
    w.release();
    await p;
    await idleP;
    expect(idle).toBe(true);
    expect(w.writes).toEqual([['a']]);
  });

  it('starts a write no sooner than its interval after the previous one, so the batches of that interval share it', async () => {
    const writes: string[][] = [];
    const g = new GroupWriter(
      async (items: readonly string[]) => {
        writes.push([...items]);
        return [];
      },
      { minIntervalMs: 300 },
    );
    await g.write(['a']);
    // The previous write was just now: these wait for the interval, and go together.
    const later = [g.write(['b']), g.write(['c'])];
    await tick();
    expect(writes).toEqual([['a']]);
    await Promise.all(later);
    expect(writes).toEqual([['a'], ['b', 'c']]);
    expect(g.writes).toBe(2);
  });

  it('does not wait out the interval once as many batches wait as can be in progress (a backlog catches up at full speed)', async () => {
    const writes: string[][] = [];
    const g = new GroupWriter(
      async (items: readonly string[]) => {
        writes.push([...items]);
        return [];
      },
      { minIntervalMs: 60_000, fullGroup: 2 },
    );
    await g.write(['a']);
    // The interval (a minute) would hold these; two waiting is the whole group: written at once.
    const both = [g.write(['b']), g.write(['c'])];
    await Promise.all(both);
    expect(writes).toEqual([['a'], ['b', 'c']]);
  });

  it('an urgent batch (its caller is behind) is written without waiting out the interval, with those that wait', async () => {
    const writes: string[][] = [];
    const g = new GroupWriter(
      async (items: readonly string[]) => {
        writes.push([...items]);
        return [];
      },
      { minIntervalMs: 60_000 },
    );
    await g.write(['a']);
    const waiting = g.write(['b']);
    const urgent = g.write(['c'], true);
    await Promise.all([waiting, urgent]);
    expect(writes).toEqual([['a'], ['b', 'c']]);
  });
});
