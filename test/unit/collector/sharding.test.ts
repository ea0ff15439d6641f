import { describe, expect, it } from 'vitest';
import { fnv1a32, selectMachines, shardOf } from '../../../ingest/collector/sharding.ts';

const machines = Array.from({ length: 300 }, (_, i) => ({ id: `machine-${i}`, endpoint: `opc.tcp://host${i}:4840` }));

describe('sharding', () => {
  it('FNV-1a 32 matches the published test vectors', () => {
    // From the FNV reference (Fowler/Noll/Vo test suite).
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('gives every machine to exactly one instance, and all of them to some instance', () => {
    for (const count of [1, 2, 3, 7]) {
      const seen = new Map<string, number>();
      for (let index = 0; index < count; index++) {
        for (const { machine } of selectMachines(machines, { index, count })) seen.set(machine.id, (seen.get(machine.id) ?? 0) + 1);
      }
      expect(seen.size).toBe(machines.length);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    }
  });

  it('spreads machines roughly evenly', () => {
    const sizes = [0, 1, 2].map((index) => selectMachines(machines, { index, count: 3 }).length);
    for (const n of sizes) expect(Math.abs(n - 100)).toBeLessThan(30);
  });

  it('does not move other machines when one is added or the list is reordered', () => {
    const before = new Map(machines.map((m) => [m.id, shardOf(m, 4)]));
    const changed = [{ id: 'new-one', endpoint: 'opc.tcp://new:1' }, ...[...machines].reverse()];
    for (const m of changed) if (before.has(m.id)) expect(shardOf(m, 4)).toBe(before.get(m.id));
  });

  it('honours a pinned shard and falls back to the endpoint without an id', () => {
    expect(shardOf({ id: 'machine-1', endpoint: 'x', shard: 2 }, 3)).toBe(2);
    expect(shardOf({ endpoint: 'opc.tcp://a:1' }, 5)).toBe(fnv1a32('opc.tcp://a:1') % 5);
    expect(selectMachines(machines.slice(0, 3), undefined).map((s) => s.index)).toEqual([0, 1, 2]);
  });
});
