/**
 * The dead-letter path: a message the processor cannot use (undecodable, invalid) goes, unchanged,
 * to the dead-letter topic with headers saying why and where it came from, so nothing is dropped
 * silently and an operator can inspect or replay it.
 */
import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { describeError, PdmError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';

/** Where a message was read, and what went wrong with it. */
export interface DeadLetterOrigin {
  topic: string;
  partition: number;
  offset: string;
}

/** The code (catalogue code, or UNEXPECTED) and rule (the plausibility rule in details.rule, or 'none') of a dead letter. */
export function deadLetterReason(err: unknown): { code: string; rule: string } {
  if (!(err instanceof PdmError)) return { code: 'UNEXPECTED', rule: 'none' };
  const rule = err.details['rule'];
  return { code: err.code, rule: typeof rule === 'string' ? rule : 'none' };
}

/** The headers of a dead letter: reason, error code, broken rule, origin and time. Pure. */
export function deadLetterHeaders(origin: DeadLetterOrigin, err: unknown, at: Date): IHeaders {
  const { code, rule } = deadLetterReason(err);
  return {
    'pdm-dlq-reason': describeError(err),
    'pdm-dlq-code': code,
    'pdm-dlq-rule': rule,
    'pdm-dlq-topic': origin.topic,
    'pdm-dlq-partition': String(origin.partition),
    'pdm-dlq-offset': origin.offset,
    'pdm-dlq-at': at.toISOString(),
  };
}

export class DeadLetters {
  readonly #producer: Producer;
  readonly #topic: string;
  readonly #log: Logger;

  /** `producer` is connected by the caller (idempotent, acks from all replicas). */
  constructor(producer: Producer, topic: string, log: Logger) {
    this.#producer = producer;
    this.#topic = topic;
    this.#log = log;
  }

  /** Resolves once Kafka holds the dead letter, so the original's offset may be committed. */
  async send(topic: string, partition: number, message: KafkaMessage, err: unknown): Promise<void> {
    const headers = deadLetterHeaders({ topic, partition, offset: message.offset }, err, new Date());
    this.#log.warn({ topic, partition, offset: message.offset, reason: describeError(err) }, 'bad message sent to the dead-letter topic');
    await this.#producer.send({
      topic: this.#topic,
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers }],
    });
  }

  async close(): Promise<void> {
    await this.#producer.disconnect();
  }
}
