/**
 * Several collector instances can split a plant. Each instance gets the whole machine list and
 * `shard: { index, count }`; a machine belongs to the instance whose index equals its static
 * `shard` (when the config pins it) or else the FNV-1a hash of its id (its endpoint when no id is
 * configured) modulo count. The hash is stable across processes, versions and machine order, so
 * adding a machine never moves the others; pinning moves one machine by hand.
 */
export interface Shardable {
  id?: string;
  endpoint: string;
  shard?: number;
}

export interface ShardSpec {
  index: number;
  count: number;
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of `key`. */
export function fnv1a32(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The shard index a machine belongs to. */
export function shardOf(machine: Shardable, count: number): number {
  return machine.shard ?? fnv1a32(machine.id ?? machine.endpoint) % count;
}

/** The machines this instance collects (all of them without sharding), with their index in the config. */
export function selectMachines<M extends Shardable>(
  machines: readonly M[],
  shard: ShardSpec | undefined,
): Array<{ machine: M; index: number }> {
  const all = machines.map((machine, index) => ({ machine, index }));
  return shard ? all.filter(({ machine }) => shardOf(machine, shard.count) === shard.index) : all;
}
