/**
 * Kafka transport of the collector: sends one batch at a time and says whether Kafka
 * acknowledged it (acks from all in-sync replicas). Ordering, retries and spooling are the
 * forwarder's (store-and-forward.ts); this module only talks to Kafka.
 *
 * - Topics are created before the first send (and any topic met later, e.g. in a spool written
 *   by an earlier configuration), with the configured partitions; auto-creation stays off.
 * - acks -1 and one request in flight (order kept). The producer is NOT idempotent: found by the
 *   fault suite, a broker hung (SIGSTOP) for 20 s answered the waiting request NOT_LEADER when
 *   it resumed, kafkajs's idempotent producer retried inside the same send with sequence numbers
 *   that no longer matched what the broker had persisted, and about 2 s of blocks were
 *   acknowledged and never written (kafkajs issue 1005 describes the same silent loss). A retry
 *   may now write a batch twice; a duplicate is removed downstream by the stable keys and
 *   QuestDB's DEDUP, a loss would be permanent. kafkajs's own retries are few, so an outage
 *   surfaces within seconds and the forwarder can spool; after a failed send the producer is
 *   replaced.
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
      idempotent: false,
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
