/**
 * Bisection of a refused batch, with a fake writer that behaves like QuestDB over ILP/HTTP: a
 * request holding any bad row is refused whole, anything else is stored.
 */
import { describe, expect, it } from 'vitest';
import { PdmError } from '../../../common/errors.ts';
import { writeIsolatingRefusals } from '../../../stream-processing/reject-bisection.ts';

const isRefusal = (err: unknown) => err instanceof PdmError && err.code === 'PDM_ERR_QUESTDB_REJECTED';

function fakeQuestdb(bad: Set<number>) {
  const stored: number[] = [];
  let requests = 0;
  const write = async (part: readonly number[]) => {
    requests++;
    const first = part.find((x) => bad.has(x));
    if (first !== undefined) throw new PdmError('PDM_ERR_QUESTDB_REJECTED', `cast error in row ${first}`);
    stored.push(...part);
  };
  return { write, stored, requests: () => requests };
}

describe('writeIsolatingRefusals', () => {
  it('writes a good batch in one request', async () => {
    const q = fakeQuestdb(new Set());
    expect(await writeIsolatingRefusals([1, 2, 3], q.write, isRefusal)).toEqual([]);
    expect(q.stored).toEqual([1, 2, 3]);
    expect(q.requests()).toBe(1);
  });

  it('finds every refused row with its own answer, and writes all the others exactly once', async () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const bad = new Set([0, 37, 38, 99]);
    const q = fakeQuestdb(bad);
    const refused = await writeIsolatingRefusals(items, q.write, isRefusal);
    expect(refused.map((r) => r.item)).toEqual([0, 37, 38, 99]);
    expect(refused.map((r) => (r.err as Error).message)).toEqual([
      'cast error in row 0',
      'cast error in row 37',
      'cast error in row 38',
      'cast error in row 99',
    ]);
    expect([...q.stored].sort((a, b) => a - b)).toEqual(items.filter((i) => !bad.has(i)));
    // O(k log n): far fewer requests than one per row.
    expect(q.requests()).toBeLessThan(4 * Math.ceil(Math.log2(100)) * 2 + 1);
  });

  it('a batch of one bad row is that row', async () => {
    const q = fakeQuestdb(new Set([7]));
    expect((await writeIsolatingRefusals([7], q.write, isRefusal)).map((r) => r.item)).toEqual([7]);
    expect(await writeIsolatingRefusals([], q.write, isRefusal)).toEqual([]);
  });

  it('does not bisect failures that are not the rows fault: they propagate', async () => {
    let calls = 0;
    const unavailable = async () => {
      calls++;
      throw new PdmError('PDM_ERR_QUESTDB_UNAVAILABLE', 'connection refused');
    };
    await expect(writeIsolatingRefusals([1, 2, 3, 4], unavailable, isRefusal)).rejects.toThrow(/connection refused/);
    expect(calls).toBe(1);
    // Refused at first, then unreachable while bisecting: the outage wins, nothing is blamed on a row.
    let n = 0;
    const flaky = async () => {
      n++;
      throw n === 1 ? new PdmError('PDM_ERR_QUESTDB_REJECTED', 'bad row') : new PdmError('PDM_ERR_QUESTDB_AUTH', 'refused credentials');
    };
    await expect(writeIsolatingRefusals([1, 2], flaky, isRefusal)).rejects.toThrow(/refused credentials/);
  });
});
