/**
 * Kafka transport of the collector: sends one batch at a time and says whether Kafka
 * acknowledged it (acks from all in-sync replicas). Ordering, retries and spooling are the
 * forwarder's (store-and-forward.ts); this module only talks to Kafka.
 *
 * - Topics are created before the first send (and any topic met later, e.g. in a spool written
 *   by an earlier configuration), with the configured partitions; auto-creation stays off.
 * - The producer is idempotent (acks -1, one request in flight) so kafkajs's own retries inside
 *   one send cannot duplicate or reorder. Those retries are few, so an outage surfaces within
 *   seconds and the forwarder can spool. After a failed send the producer is replaced: a retry
 *   then never reuses the old producer's sequence numbers for a batch of different records
 *   (which the broker could take for a duplicate and silently skip); a batch that did reach
 *   the broker before the failure is written again under the new producer id — a duplicate,
 *   which the processor's de-duplication removes, never a loss.
 */
import type { Admin, Message, Producer } from 'kafkajs';
import { CompressionTypes } from 'kafkajs';
import { createKafka, ensureTopics, type KafkaSecurity, kafkaError } from '../../common/kafka.ts';

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
  /** kafkajs retries inside one send before it fails (default 2: a dead broker fails a send in a few seconds). */
  retries?: number;
}

export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Uint8Array;
}

export class KafkaOutput {
  readonly #opts: KafkaOutputOptions;
  readonly #kafka;
  #producer: Producer | undefined;
  #connected = false;
  readonly #knownTopics = new Set<string>();
  /** Acknowledged messages and bytes of their values, and failed sends. */
  sent = 0;
  sentBytes = 0;
  failedSends = 0;
  producerResets = 0;

  constructor(opts: KafkaOutputOptions) {
    this.#opts = opts;
    this.#kafka = createKafka(opts.brokers, opts.clientId, opts.security, opts.env);
  }

  #newProducer(): Producer {
    return this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: this.#opts.retries ?? 2, initialRetryTime: 300, maxRetryTime: 2_000 },
    });
  }

  /** Create the configured topics and connect the producer; throws (retriable) while Kafka cannot be reached. */
  async ready(): Promise<void> {
    await this.#ensure(this.#opts.topics);
    if (!this.#producer) this.#producer = this.#newProducer();
    if (!this.#connected) {
      try {
        await this.#producer.connect();
      } catch (err) {
        // A refused user is PDM_ERR_KAFKA_AUTH, so the log says which variables to check; the
        // forwarder keeps spooling either way, and a corrected secret needs only a restart.
        throw kafkaError(err, 'producer cannot connect', this.#opts.brokers);
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
    const byTopic = new Map<string, Message[]>();
    let bytes = 0;
    for (const m of batch) {
      let list = byTopic.get(m.topic);
      if (!list) {
        list = [];
        byTopic.set(m.topic, list);
      }
      list.push({ key: m.key, value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength) });
      bytes += m.value.byteLength;
    }
    try {
      await this.#producer!.sendBatch({
        acks: -1,
        compression: this.#opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      this.failedSends++;
      await this.#reset();
      throw kafkaError(err, `send of ${batch.length} messages failed`, this.#opts.brokers);
    }
    this.sent += batch.length;
    this.sentBytes += bytes;
  }

  async #reset(): Promise<void> {
    const old = this.#producer;
    this.#producer = undefined;
    this.#connected = false;
    this.producerResets++;
    await old?.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    const p = this.#producer;
    this.#producer = undefined;
    this.#connected = false;
    await p?.disconnect().catch(() => undefined);
  }
}
