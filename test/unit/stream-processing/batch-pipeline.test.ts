/**
 * The batches' second stages: one at a time per partition, in the order started, overlapping
 * other partitions; a failure breaks the pipelines until repaired (only when its generation says
 * so), and idle() waits for every stage started.
 */
import { describe, expect, it } from 'vitest';
import { BatchPipelines } from '../../../stream-processing/batch-pipeline.ts';

/** A promise and its resolver, to hold a stage open. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('batch pipelines', () => {
  it('runs a partition’s second stages one at a time in the order started, other partitions alongside', async () => {
    const p = new BatchPipelines();
    const log: string[] = [];
    const a1 = gate();
    const b1 = gate();
    p.start(
      't/0',
      async () => {
        log.push('a1 start');
        await a1.promise;
        log.push('a1 end');
      },
      () => true,
    );
    p.start(
      't/0',
      async () => {
        log.push('a2 start');
      },
      () => true,
    );
    p.start(
      't/1',
      async () => {
        log.push('b1 start');
        await b1.promise;
        log.push('b1 end');
      },
      () => true,
    );
    await tick();
    // a2 waits for a1; b1 (another partition) does not.
    expect(log).toEqual(['a1 start', 'b1 start']);
    expect(p.inFlight).toBe(2);
    let previousEnded = false;
    const previous = p.previous('t/0').then(() => {
      previousEnded = true;
    });
    await tick();
    expect(previousEnded).toBe(false);
    a1.open();
    await previous;
    expect(log).toEqual(['a1 start', 'b1 start', 'a1 end', 'a2 start']);
    b1.open();
    await p.idle();
    expect(log.at(-1)).toBe('b1 end');
    expect(p.inFlight).toBe(0);
    expect(p.broken).toBeUndefined();
  });

  it('a failure breaks the pipelines (the first failure kept) until repaired; one its handler calls stale does not', async () => {
    const p = new BatchPipelines();
    const seen: unknown[] = [];
    const first = new Error('QuestDB refuses the credentials');
    await p.start(
      't/0',
      () => Promise.reject(first),
      (err) => {
        seen.push(err);
        return true;
      },
    );
    await p.start(
      't/1',
      () => Promise.reject(new Error('second')),
      (err) => {
        seen.push(err);
        return true;
      },
    );
    expect(seen).toHaveLength(2);
    expect(p.broken?.err).toBe(first);
    // The stage after a failed one still runs (it checks on its own whether to commit).
    let ran = false;
    await p.start(
      't/0',
      async () => {
        ran = true;
      },
      () => true,
    );
    expect(ran).toBe(true);
    p.repaired();
    expect(p.broken).toBeUndefined();
    await p.start(
      't/0',
      () => Promise.reject(new Error('of an older generation')),
      () => false,
    );
    expect(p.broken).toBeUndefined();
  });
});
