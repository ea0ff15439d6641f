/**
 * Kafka transport of the collector: sends one batch at a time and says whether Kafka
 * acknowledged it (acks from all in-sync replicas). Ordering, retries and spooling are the
 * forwarder's (store-and-forward.ts); this module only talks to Kafka.
 *
 * - Topics are created before the first send (and any topic met later, e.g. in a spool written
 *   by an earlier configuration), with the configured partitions; auto-creation stays off.
 * - The producer is @platformatic/kafka's, not kafkajs's: measured in bench/kafka-producer.bench.ts
 *   on the collector's own batches, it spends 0.18× the CPU per frame (kafkajs was about 8 of the
 *   collector's 48 ms per machine-second). Topic creation stays with kafkajs's admin
 *   (common/kafka.ts), as everywhere else in the product.
 * - Messages are partitioned by key as kafkajs and the Java client do (murmur2, sign bit masked),
 *   so a machine's frames land on the partition they always did, whichever client wrote them.
 * - The producer is idempotent (acks all, one request in flight) so the client's own retries
 *   inside one send cannot duplicate or reorder. Those retries are few, so an outage surfaces
 *   within seconds and the forwarder can spool. After a failed send the producer is replaced: a
 *   retry then never reuses the old producer's sequence numbers for a batch of different records
 *   (which the broker could take for a duplicate and silently skip); a batch that did reach the
 *   broker before the failure is written again under the new producer id — a duplicate, which
 *   the processor's de-duplication removes, never a loss.
 */
import { compatibilityPartitioner, ProduceAcks, Producer } from '@platformatic/kafka';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, ensureTopics, type KafkaSecurity, kafkaError, kafkaSecurityMaterial } from '../../common/kafka.ts';

export interface KafkaOutputOptions {
  brokers: string[];
  clientId: string;
  /** TLS / SASL towards the brokers (default plaintext). */
  security?: KafkaSecurity;
  env?: NodeJS.ProcessEnv;
  compression: 'none' | 'gzip';
  partitions: number;
  replicationFactor: number;
  /** Topics to create before the first send. */
  topics: string[];
  /** The client's retries inside one send before it fails (default 2: a dead broker fails a send in a few seconds). */
  retries?: number;
}

export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Uint8Array;
}

type BufferProducer = Producer<Buffer, Buffer, Buffer, Buffer>;

/** Key → partition (before the modulo by the partition count) as kafkajs and the Java client compute it. */
export const KEY_PARTITIONER = compatibilityPartitioner;

export class KafkaOutput {
  readonly #opts: KafkaOutputOptions;
  readonly #kafka: Kafka;
  readonly #security: ReturnType<typeof kafkaSecurityMaterial>;
  #producer: BufferProducer | undefined;
  #connected = false;
  readonly #knownTopics = new Set<string>();
  /** Acknowledged messages and bytes of their values, and failed sends. */
  sent = 0;
  sentBytes = 0;
  failedSends = 0;
  producerResets = 0;

  constructor(opts: KafkaOutputOptions) {
    this.#opts = opts;
    // Both read the TLS files and the SASL secrets now: a mistake fails at start, not at the first send.
    this.#kafka = createKafka(opts.brokers, opts.clientId, opts.security, opts.env);
    this.#security = kafkaSecurityMaterial(opts.security, opts.env);
  }

  #newProducer(): BufferProducer {
    const { tls, scram } = this.#security;
    return new Producer({
      clientId: this.#opts.clientId,
      bootstrapBrokers: this.#opts.brokers,
      ...(tls ? { tls } : {}),
      ...(scram ? { sasl: { mechanism: 'SCRAM-SHA-512', ...scram } } : {}),
      idempotent: true,
      acks: ProduceAcks.ALL,
      maxInflights: 1,
      compression: this.#opts.compression === 'gzip' ? 'gzip' : 'none',
      partitioner: KEY_PARTITIONER,
      autocreateTopics: false,
      retries: this.#opts.retries ?? 2,
      retryDelay: 300,
      connectTimeout: 5_000,
      timeout: 30_000,
    });
  }

  /** Create the configured topics and connect the producer; throws (retriable) while Kafka cannot be reached. */
  async ready(): Promise<void> {
    await this.#ensure(this.#opts.topics);
    if (!this.#producer) this.#producer = this.#newProducer();
    if (!this.#connected) {
      try {
        // Connects (SASL included) and learns the partitions' leaders.
        await this.#producer.metadata({ topics: [...this.#knownTopics] });
      } catch (err) {
        // A refused user is PDM_ERR_KAFKA_AUTH, so the log says which variables to check; the
        // forwarder keeps spooling either way, and a corrected secret needs only a restart.
        const error = kafkaError(err, 'producer cannot connect', this.#opts.brokers);
        await this.#reset(false);
        throw error;
      }
      this.#connected = true;
    }
  }

  async #ensure(topics: string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.#knownTopics.has(t));
    if (missing.length === 0) return;
    const admin: Admin = this.#kafka.admin({ retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2_000 } });
    try {
      await admin.connect();
      await ensureTopics(
        admin,
        missing.map((topic) => ({ topic, numPartitions: this.#opts.partitions, replicationFactor: this.#opts.replicationFactor })),
      );
    } catch (err) {
      throw kafkaError(err, `cannot create topics ${missing.join(', ')}`, this.#opts.brokers);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    for (const t of missing) this.#knownTopics.add(t);
  }

  /** Send one batch; resolves once Kafka acknowledged every message of it. */
  async send(batch: readonly OutgoingRecord[]): Promise<void> {
    await this.ready();
    await this.#ensure(batch.map((m) => m.topic));
    let bytes = 0;
    const messages = batch.map((m) => {
      bytes += m.value.byteLength;
      return { topic: m.topic, key: Buffer.from(m.key), value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength) };
    });
    try {
      await this.#producer!.send({ messages });
    } catch (err) {
      this.failedSends++;
      await this.#reset();
      throw kafkaError(err, `send of ${batch.length} messages failed`, this.#opts.brokers);
    }
    this.sent += batch.length;
    this.sentBytes += bytes;
  }

  async #reset(counted = true): Promise<void> {
    const old = this.#producer;
    this.#producer = undefined;
    this.#connected = false;
    if (counted) this.producerResets++;
    await old?.close(true).catch(() => undefined);
  }

  async close(): Promise<void> {
    const p = this.#producer;
    this.#producer = undefined;
    this.#connected = false;
    await p?.close().catch(() => undefined);
  }
}
