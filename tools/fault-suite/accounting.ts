/**
 * The fault suite's loss accounting, pure: per machine channel, every block the simulator
 * produced (its own record, plus any block found stored: a block in storage was produced even if
 * the record of it died with a killed simulator) is either stored, or inside a gap the collector
 * reported with its cause, or unaccounted (a loss nobody told anyone about: must be 0). Rows
 * stored more than once are duplicates (must be 0). Frames dropped from a full spool must equal
 * the collector's own count of them.
 */

export type Run = readonly [first: number, last: number];

export interface ChannelEvidence {
  machine: string;
  channel: string;
  /** What the simulator's servers published, as runs (one per life of its process, or more). */
  produced: readonly Run[];
  /** Sequence numbers of the rows stored (one entry per row: repeats are duplicates). */
  stored: readonly number[];
  /** Gaps the collector reported, with their cause. */
  gaps: ReadonlyArray<{ from: number; to: number; cause: string }>;
  /** Blocks produced after the collector's final stop are nobody's loss: the last sequence it read. */
  collectedUpTo?: number;
  /** Where Kafka was read at the end (kafka-census.ts): the sequence numbers in the vibration topic and in the dead-letter topic. */
  kafka?: { inTopic: ReadonlySet<number>; deadLettered: ReadonlySet<number> };
}

export interface ChannelAccount {
  machine: string;
  channel: string;
  produced: number;
  stored: number;
  duplicates: number;
  /** Blocks produced but not stored, inside a reported gap, by cause. */
  reported: Record<string, number>;
  unaccounted: number;
  /** The first few unaccounted sequence numbers (to look for in the logs). */
  unaccountedExamples: number[];
  /**
   * With Kafka's census: of the unaccounted blocks, how many Kafka holds (the processor did not
   * store them), and how many of those are dead letters; the rest never reached Kafka (the collector lost them).
   */
  unaccountedInKafka?: { inTopic: number; deadLettered: number };
}

/** Count one channel. Sets of sequence numbers are small (a few thousand per channel per run). */
export function accountChannel(e: ChannelEvidence): ChannelAccount {
  const storedSet = new Set(e.stored);
  const produced = new Set<number>();
  for (const [a, b] of e.produced) for (let s = a; s <= b; s++) produced.add(s);
  for (const s of storedSet) produced.add(s);
  // From the first block that reached storage or a gap (what came before the collector first
  // connected was never meant to be collected) to the last the collector read.
  const starts = [...storedSet, ...e.gaps.map((g) => g.from)];
  const first = starts.length ? Math.min(...starts) : Number.POSITIVE_INFINITY;
  const last = e.collectedUpTo ?? Math.max(...storedSet, ...e.gaps.map((g) => g.to), Number.NEGATIVE_INFINITY);
  const inScope = [...produced].filter((s) => s >= first && s <= last);
  const reported: Record<string, number> = {};
  const unaccountedExamples: number[] = [];
  let unaccounted = 0;
  let storedInScope = 0;
  const inKafka = e.kafka ? { inTopic: 0, deadLettered: 0 } : undefined;
  for (const s of inScope) {
    if (storedSet.has(s)) {
      storedInScope++;
      continue;
    }
    const gap = e.gaps.find((g) => s >= g.from && s <= g.to);
    if (gap) reported[gap.cause] = (reported[gap.cause] ?? 0) + 1;
    else {
      unaccounted++;
      if (unaccountedExamples.length < 5) unaccountedExamples.push(s);
      if (inKafka && e.kafka?.inTopic.has(s)) inKafka.inTopic++;
      if (inKafka && e.kafka?.deadLettered.has(s)) inKafka.deadLettered++;
    }
  }
  return {
    machine: e.machine,
    channel: e.channel,
    produced: inScope.length,
    stored: storedInScope,
    duplicates: e.stored.length - storedSet.size,
    reported,
    unaccounted,
    unaccountedExamples: unaccountedExamples.sort((a, b) => a - b),
    ...(inKafka ? { unaccountedInKafka: inKafka } : {}),
  };
}

/** Merge runs from several reports of one life (each report repeats and extends the previous). */
export function mergeRuns(runs: readonly Run[]): Run[] {
  const sorted = [...runs].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out.at(-1);
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
