/**
 * Which Kafka offset the processor commits for a partition after a batch. Pure, so the rule that
 * makes a crash safe is tested without Kafka (test/unit/stream-processing/commit-policy.test.ts).
 *
 * Kafka's committed offset is the next one to read. The processor commits only after QuestDB has
 * accepted the batch's rows, and never past the first block of a window still being assembled on
 * that partition: those blocks live only in memory, so after a crash or a rebalance they must be
 * read again to rebuild the window (DEDUP keys make the re-written block rows harmless).
 */

export interface BatchResolution {
  /** The last offset of the batch that was handled (written, or dead-lettered); -1 when none was. */
  lastOffset: number;
  /** Lowest offset of a block in a window still being assembled on the partition; undefined when none is. */
  pendingMinOffset: number | undefined;
}

/** The offset to commit, or undefined when the batch resolved nothing (no commit). */
export function offsetToCommit({ lastOffset, pendingMinOffset }: BatchResolution): number | undefined {
  if (lastOffset < 0) return undefined;
  const next = lastOffset + 1;
  return pendingMinOffset !== undefined ? Math.min(pendingMinOffset, next) : next;
}
