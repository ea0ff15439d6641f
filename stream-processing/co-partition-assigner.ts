/**
 * A kafkajs partition assigner that gives partition p of every subscribed topic to the same group
 * member. Collectors key every message by machine id, so a machine's vibration blocks, energy
 * readings and gap events land on the same partition number of each topic (same key, same
 * partitioner, same partition count); only a co-partitioned assignment then brings all of one
 * machine's streams, and its model state, to one processor. kafkajs's RoundRobinAssigner deals
 * topic-partitions out one by one across members, so partition 3 of the vibration topic and
 * partition 3 of the energy topic may go to different processors: the health model would then
 * fuse windows without their energy readings, on two hosts at once.
 *
 * The plan is pure (coPartitionPlan), the kafkajs wrapper only encodes it.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const CO_PARTITION_ASSIGNER = 'PdmCoPartitionAssigner';

/**
 * Partition numbers dealt round robin over the members sorted by id (deterministic: every member
 * would compute the same plan); each member gets that partition number of every topic that has
 * it. Members beyond the partition count get nothing (they stand by).
 */
export function coPartitionPlan(
  memberIds: readonly string[],
  partitionsByTopic: ReadonlyMap<string, readonly number[]>,
): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const plan = new Map<string, Record<string, number[]>>(members.map((m) => [m, {}]));
  if (members.length === 0) return plan;
  const numbers = [...new Set([...partitionsByTopic.values()].flat())].sort((a, b) => a - b);
  numbers.forEach((p, i) => {
    const assignment = plan.get(members[i % members.length])!;
    for (const [topic, partitions] of partitionsByTopic) {
      if (!partitions.includes(p)) continue;
      assignment[topic] = [...(assignment[topic] ?? []), p];
    }
  });
  return plan;
}

/** Topics whose partition counts differ: co-partitioning cannot hold for them. */
export function unequalPartitionCounts(partitionsByTopic: ReadonlyMap<string, readonly number[]>): string | undefined {
  const counts = [...partitionsByTopic].map(([t, ps]) => `${t}: ${ps.length}`);
  return new Set([...partitionsByTopic.values()].map((ps) => ps.length)).size > 1 ? counts.join(', ') : undefined;
}

export const coPartitionAssigner: PartitionAssigner = ({ cluster, logger }) => ({
  name: CO_PARTITION_ASSIGNER,
  version: 0,
  async assign({ members, topics }) {
    const partitionsByTopic = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]));
    const unequal = unequalPartitionCounts(partitionsByTopic);
    // Still assigns (partition p wherever it exists), so the group runs; the processor checks the counts at start and refuses to run on unequal ones.
    if (unequal) logger.error(`topics are not co-partitioned (${unequal}): one machine's streams may reach different processors`);
    const plan = coPartitionPlan(
      members.map((m) => m.memberId),
      partitionsByTopic,
    );
    return [...plan].map(([memberId, assignment]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return {
      name: CO_PARTITION_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
