/**
 * Model state on Kafka: the compacted topic `pdm.model-state.v1`, one record per machine (keyed
 * by machine id, so compaction keeps each machine's latest). Written by the processor that owns
 * the machine's partition, read back by whichever processor receives that partition next, on any
 * host. It has as many partitions as the data topics and is keyed the same way, so machine m's
 * state sits on the partition number of m's blocks and readings: a processor restores exactly the
 * state partitions it was assigned, read to their end.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, CompressionTypes, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { PdmError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import { decodeModelState, type ModelStateEnvelope, type ModelStateMessage } from './model-state.ts';

/** Records can hold learnt spectra (envelope references): above the broker's 1 MB default. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Topic settings: compacted (latest state per machine), and large enough for one machine's state. */
export function modelStateTopicConfig(topic: string, numPartitions: number, replicationFactor: number) {
  return {
    topic,
    numPartitions,
    replicationFactor,
    configEntries: [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'max.message.bytes', value: String(MAX_RECORD_BYTES) },
    ],
  };
}

/**
 * Delete every machine's model state (the whole topic), and wait until the broker has: the next
 * processor creates it again, empty, and its machines learn from scratch. For a fresh start
 * (`pdm start` without --keep-model-state), never in normal operation.
 */
export async function deleteModelState(kafka: Kafka, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return false;
    await admin.deleteTopics({ topics: [topic] });
    for (let i = 0; i < 100 && (await admin.listTopics()).includes(topic); i++) await new Promise((r) => setTimeout(r, 100));
    return true;
  } finally {
    await admin.disconnect();
  }
}

const defaultPartitioner = Partitioners.DefaultPartitioner();

/** The partition a machine's keyed messages land on with `count` partitions (kafkajs's default partitioner; the collector's producer computes the same: test/unit/collector/kafka-partitioning.test.ts). */
export function partitionOf(machine: string, count: number): number {
  const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return defaultPartitioner({ topic: '', partitionMetadata, message: { key: machine, value: null } });
}

export class ModelStateTopic {
  readonly topic: string;
  readonly #kafka: Kafka;
  readonly #groupBase: string;
  readonly #log: Logger;
  readonly #admin: Admin;
  readonly #producer: Producer;

  constructor(kafka: Kafka, topic: string, groupBase: string, log: Logger) {
    this.topic = topic;
    this.#kafka = kafka;
    this.#groupBase = groupBase;
    this.#log = log;
    this.#admin = kafka.admin();
    // Idempotent, acks from all replicas: a state the commit relies on must not be half-written.
    this.#producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    await this.#admin.connect();
    await this.#producer.connect();
  }

  /**
   * Write machines' states, encoded when taken (a batch's snapshot, before later batches moved its
   * models on); awaited: the caller commits offsets only after.
   */
  async saveEncoded(messages: readonly ModelStateMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#producer.send({ topic: this.topic, acks: -1, compression: CompressionTypes.GZIP, messages: [...messages] });
  }

  /**
   * The latest state of every machine on these partitions: the partitions are read from the
   * beginning to the end offsets they had when the read started (all that was saved before this
   * processor got them), by a consumer of its own throwaway group (no commits, so it leaves no
   * offsets behind). A damaged record is logged and skipped: that machine relearns.
   */
  async load(partitions: readonly number[], timeoutMs: number): Promise<Map<string, ModelStateEnvelope>> {
    const out = new Map<string, ModelStateEnvelope>();
    const ends = await this.#admin.fetchTopicOffsets(this.topic);
    const wanted = new Map<number, number>();
    for (const e of ends) if (partitions.includes(e.partition) && Number(e.high) > Number(e.low)) wanted.set(e.partition, Number(e.high));
    if (wanted.size === 0) return out;

    const consumer = this.#kafka.consumer({ groupId: `${this.#groupBase}.restore.${randomUUID()}`, allowAutoTopicCreation: false });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = wanted.get(batch.partition);
          if (end === undefined) {
            consumer.pause([{ topic: this.topic, partitions: [batch.partition] }]);
            return;
          }
          for (const m of batch.messages) {
            if (Number(m.offset) >= end) break;
            const key = m.key?.toString('utf8');
            if (!key) continue;
            if (!m.value) {
              out.delete(key); // a tombstone: the machine's state was deleted
              continue;
            }
            try {
              out.set(key, decodeModelState(key, m.value));
            } catch (err) {
              out.delete(key);
              this.#log.error({ machine: key, err: (err as Error).message }, 'model state record skipped');
            }
          }
          if (Number(batch.lastOffset()) + 1 >= end) {
            wanted.delete(batch.partition);
            consumer.pause([{ topic: this.topic, partitions: [batch.partition] }]);
          }
          if (wanted.size === 0) done();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const r = await Promise.race([finished, timedOut]);
      clearTimeout(timer);
      if (r === 'timeout')
        throw new PdmError(
          'PDM_ERR_KAFKA_UNAVAILABLE',
          `model state: partitions ${[...wanted.keys()].join(', ')} of ${this.topic} not read to their end within ${timeoutMs} ms`,
        );
      return out;
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  /** Partition counts of the topics, by topic (to check that they are co-partitioned). */
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const meta = await this.#admin.fetchTopicMetadata({ topics: [...topics] });
    return new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  }

  async close(): Promise<void> {
    await this.#producer.disconnect().catch(() => undefined);
    await this.#admin.disconnect().catch(() => undefined);
  }
}
