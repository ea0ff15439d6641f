/**
 * What a run of the local factory (`pdm start`) starts from. The simulated machines start new
 * lives at every run, and their block counters follow the wall clock: a collector that kept the
 * previous run's sequence ledger would count the whole time between two runs as missing blocks
 * (a second run once showed "635502 missing" in its first minute), and a processor that kept its
 * consumer position would first work through what earlier runs left in Kafka. So a fresh run
 * (the default) removes the collector's ledger and spool and moves the processor's consumer group
 * to the end of its topics; `--resume` keeps both, as a plant's collector and processor do, and
 * the time between runs then shows as blocks "not collected while the collector was stopped".
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import type { Admin, Kafka } from 'kafkajs';
import { PdmError } from '../common/errors.ts';

export interface RunStateOptions {
  /** The collector's spool directory (its spool segments and sequences.json). */
  collectorDir: string;
  /** A client allowed to read the group's offsets and describe it (the admin user under SASL). */
  kafka: Kafka;
  /** The processor's consumer group and the topics it consumes. */
  groupId: string;
  topics: string[];
  /** Keep the ledger, the spool and the consumer position (pdm start --resume). */
  resume: boolean;
}

export interface RunState {
  /** Whether an earlier run's collector state was there and removed. */
  removedCollectorState: boolean;
  /** Messages earlier runs left unconsumed: skipped by a fresh run, still to be read by a resumed one. */
  leftInKafka: number;
  /** What to say in the banner, one line. */
  summary: string;
}

/** Unconsumed messages per topic partition for the group, and the end offsets to move it to. */
export async function backlog(
  admin: Admin,
  groupId: string,
  topics: string[],
): Promise<Map<string, { left: number; ends: Array<{ partition: number; offset: string }> }>> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  const out = new Map<string, { left: number; ends: Array<{ partition: number; offset: string }> }>();
  if (present.length === 0) return out;
  const committed = await admin.fetchOffsets({ groupId, topics: present });
  for (const topic of present) {
    const ends = await admin.fetchTopicOffsets(topic);
    const done = new Map(committed.find((c) => c.topic === topic)?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
    let left = 0;
    for (const p of ends) {
      // No commit (-1), or one older than what retention kept: the processor subscribes from the
      // beginning, i.e. from the low watermark.
      const from = Math.max(done.get(p.partition) ?? -1, Number(p.low));
      left += Math.max(0, Number(p.high) - from);
    }
    out.set(topic, { left, ends: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
  }
  return out;
}

/**
 * Retry what the broker answers "not now" to (e.g. NOT_COORDINATOR while a just-started Kafka
 * creates its offsets topic, which the first group request of its life triggers), for up to 30 s.
 */
async function retrying<T>(what: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await what();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Prepare a run's collector and processor state (see the file comment); returns what was done. */
export async function prepareRunState(o: RunStateOptions): Promise<RunState> {
  const hadCollectorState = existsSync(o.collectorDir) && readdirSync(o.collectorDir).length > 0;
  const admin = o.kafka.admin();
  await admin.connect();
  try {
    const before = await retrying(() => backlog(admin, o.groupId, o.topics));
    const leftInKafka = [...before.values()].reduce((a, t) => a + t.left, 0);
    if (o.resume) {
      return {
        removedCollectorState: false,
        leftInKafka,
        summary: `Resumed (--resume): the collector goes on from its sequence ledger in ${o.collectorDir} (the time since its last run shows as blocks not collected while the collector was stopped), the processor (group ${o.groupId}) from its committed position, ${leftInKafka} messages behind.`,
      };
    }
    // Moving a group's offsets needs it idle: a processor still running on it (another pdm start
    // on the same services) would keep consuming from where it is.
    const { groups } = await retrying(() => admin.describeGroups([o.groupId]));
    const state = groups[0]?.state;
    if (state !== undefined && state !== 'Empty' && state !== 'Dead') {
      throw new PdmError(
        'PDM_ERR_CONFIG_INVALID',
        `the processor's consumer group ${o.groupId} is in use (state ${state}): another pdm start or pdm process runs against these services; stop it, or use --resume to share its position`,
        { groupId: o.groupId, state },
      );
    }
    for (const [topic, t] of before)
      if (t.left > 0) await retrying(() => admin.setOffsets({ groupId: o.groupId, topic, partitions: t.ends }));
    if (hadCollectorState) rmSync(o.collectorDir, { recursive: true, force: true });
    return {
      removedCollectorState: hadCollectorState,
      leftInKafka,
      summary: `Fresh run: ${hadCollectorState ? `the collector's sequence ledger and spool of earlier runs removed (${o.collectorDir})` : 'no collector state of earlier runs'}, the processor (group ${o.groupId}) starts at the end of its topics${leftInKafka > 0 ? ` (${leftInKafka} messages of earlier runs skipped)` : ''}; --resume keeps both.`,
    };
  } finally {
    await admin.disconnect();
  }
}
