/**
 * Kafka output of the collector: an idempotent producer (acks from all in-sync replicas, one
 * request in flight so retries cannot reorder) sending small batches. Blocks are buffered for
 * at most `lingerMs` so a burst of channels goes out in one request.
 */
import type { CompressionTypes, Message, Producer } from 'kafkajs';
import { CompressionTypes as Compression } from 'kafkajs';
import { createKafka } from '../../common/kafka.ts';
import { logger } from '../../common/log.ts';

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer | Uint8Array;
  headers?: Record<string, string>;
  /** Called once Kafka has acknowledged this message (not sent on the wire). */
  onAck?: () => void;
}

export interface KafkaOutputOptions {
  brokers: string[];
  clientId: string;
  compression: 'none' | 'gzip';
  lingerMs?: number;
  maxBatchMessages?: number;
}

export class KafkaOutput {
  readonly #producer: Producer;
  readonly #opts: Required<KafkaOutputOptions>;
  readonly #log = logger('kafka-output');
  #queue: OutgoingMessage[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();
  /** Messages acknowledged by Kafka, and bytes of their values. */
  sent = 0;
  sentBytes = 0;
  failedSends = 0;

  constructor(opts: KafkaOutputOptions) {
    this.#opts = { lingerMs: 20, maxBatchMessages: 200, ...opts };
    this.#producer = createKafka(opts.brokers, opts.clientId).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    await this.#producer.connect();
  }

  send(message: OutgoingMessage): void {
    this.#queue.push(message);
    if (this.#queue.length >= this.#opts.maxBatchMessages) this.#flushSoon(0);
    else this.#flushSoon(this.#opts.lingerMs);
  }

  #flushSoon(delay: number): void {
    if (this.#timer && delay > 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, delay);
  }

  /** Send what is queued; resolves when Kafka has acknowledged it (batches go strictly one after another). */
  flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return this.#sending;
    this.#sending = this.#sending.then(() => this.#sendWithRetry(batch));
    return this.#sending;
  }

  async #sendWithRetry(batch: OutgoingMessage[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const m of batch) {
      let list = byTopic.get(m.topic);
      if (!list) byTopic.set(m.topic, (list = []));
      list.push({ key: m.key, value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength), headers: m.headers });
    }
    const compression: CompressionTypes = this.#opts.compression === 'gzip' ? Compression.GZIP : Compression.None;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#producer.sendBatch({ acks: -1, compression, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        this.sent += batch.length;
        for (const m of batch) this.sentBytes += m.value.byteLength;
        for (const m of batch) m.onAck?.();
        return;
      } catch (err) {
        this.failedSends++;
        // At-least-once: keep retrying in order (nothing behind this batch is sent meanwhile).
        const delay = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
        this.#log.warn({ err: (err as Error).message, attempt, delay, messages: batch.length }, 'Kafka send failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async disconnect(): Promise<void> {
    clearTimeout(this.#timer);
    await this.flush();
    await this.#producer.disconnect();
  }
}
