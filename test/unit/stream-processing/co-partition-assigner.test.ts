/**
 * The co-partitioned assignment: partition p of every topic goes to one member, so one machine's
 * vibration, energy and gaps (all keyed by machine: same partition number) meet in one processor.
 */
import { AssignerProtocol, type Cluster, type Logger } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { coPartitionAssigner, coPartitionPlan, unequalPartitionCounts } from '../../../stream-processing/co-partition-assigner.ts';

const topics = (n: number, ...names: string[]) => new Map(names.map((t) => [t, Array.from({ length: n }, (_, i) => i)]));

describe('coPartitionPlan', () => {
  it('gives each member the same partition numbers of every topic', () => {
    const plan = coPartitionPlan(['b', 'a', 'c'], topics(6, 'vib', 'energy', 'gaps'));
    expect(plan.get('a')).toEqual({ vib: [0, 3], energy: [0, 3], gaps: [0, 3] });
    expect(plan.get('b')).toEqual({ vib: [1, 4], energy: [1, 4], gaps: [1, 4] });
    expect(plan.get('c')).toEqual({ vib: [2, 5], energy: [2, 5], gaps: [2, 5] });
  });

  it('assigns every topic-partition exactly once, whatever the member count', () => {
    for (let members = 1; members <= 8; members++) {
      const ids = Array.from({ length: members }, (_, i) => `m${i}`);
      const plan = coPartitionPlan(ids, topics(6, 'vib', 'energy'));
      const all = [...plan.values()].flatMap((a) => Object.entries(a).flatMap(([t, ps]) => ps.map((p) => `${t}/${p}`)));
      expect(all.sort()).toEqual([...topics(6, 'vib', 'energy')].flatMap(([t, ps]) => ps.map((p) => `${t}/${p}`)).sort());
      for (const a of plan.values()) expect(a['vib'] ?? []).toEqual(a['energy'] ?? []);
    }
  });

  it('leaves members beyond the partition count idle (standing by)', () => {
    const plan = coPartitionPlan(['a', 'b', 'c'], topics(2, 'vib', 'energy'));
    expect(plan.get('c')).toEqual({});
  });

  it('is the same plan whichever member computes it (order of the members does not matter)', () => {
    expect(coPartitionPlan(['x', 'y'], topics(4, 't'))).toEqual(coPartitionPlan(['y', 'x'], topics(4, 't')));
  });

  it('names topics whose partition counts differ', () => {
    expect(unequalPartitionCounts(topics(3, 'a', 'b'))).toBeUndefined();
    const mixed = new Map([
      ['a', [0, 1, 2]],
      ['b', [0, 1]],
    ]);
    expect(unequalPartitionCounts(mixed)).toBe('a: 3, b: 2');
  });
});

describe('coPartitionAssigner (kafkajs)', () => {
  it('encodes the plan as kafkajs member assignments', async () => {
    const cluster = {
      findTopicPartitionMetadata: (t: string) => [0, 1, 2, 3].map((partitionId) => ({ partitionId, topic: t })),
    } as unknown as Cluster;
    const logger = { error: () => undefined } as unknown as Logger;
    const assigner = coPartitionAssigner({ cluster, groupId: 'g', logger });
    const out = await assigner.assign({
      members: [
        { memberId: 'm2', memberMetadata: Buffer.alloc(0) },
        { memberId: 'm1', memberMetadata: Buffer.alloc(0) },
      ],
      topics: ['vib', 'energy'],
    });
    const decoded = Object.fromEntries(
      out.map((m) => [m.memberId, AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment]),
    );
    expect(decoded).toEqual({ m1: { vib: [0, 2], energy: [0, 2] }, m2: { vib: [1, 3], energy: [1, 3] } });
    const protocol = assigner.protocol({ topics: ['vib'] });
    expect(AssignerProtocol.MemberMetadata.decode(protocol.metadata)?.topics).toEqual(['vib']);
  });
});
