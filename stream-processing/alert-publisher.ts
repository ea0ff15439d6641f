/**
 * Where an alert episode's start or end goes: a row in the `alerts` table (written with the batch
 * it came from) and a message on `pdm.alerts.v1`, keyed by machine, sent before the batch's
 * offsets are committed. Both are at least once: the table's DEDUP keys and the event's identity
 * (machine, kind, channel, started_at_ms, event) make a replayed event the same event.
 */
import type { Producer } from 'kafkajs';
import type { Logger } from '../common/log.ts';
import { type AlertEventV1, encodeAlertEvent } from '../common/wire/alert-event.ts';
import type { AlertEvent } from '../models/alerts/alert-tracker.ts';
import { alertRow, type Row } from '../storage/rows.ts';
import type { TableNames } from '../storage/tables.ts';

/** The event as it is published: with the wall clock of the processor that raised it. */
export function raised(e: AlertEvent, atMs: number): Omit<AlertEventV1, 'v'> {
  return { ...e, raised_at_ms: atMs };
}

export function alertEventRow(tables: TableNames, e: Omit<AlertEventV1, 'v'>): Row {
  return alertRow(tables, {
    machine: e.machine,
    kind: e.kind,
    channel: e.channel,
    event: e.event,
    tsMs: e.ts_ms,
    startedAtMs: e.started_at_ms,
    severity: e.severity,
    ...(e.value === undefined ? {} : { value: e.value }),
    ...(e.duration_s === undefined ? {} : { durationS: e.duration_s }),
    detail: e.detail,
    raisedAtMs: e.raised_at_ms,
  });
}

export class AlertPublisher {
  readonly #producer: Producer;
  readonly #topic: string;
  readonly #log: Logger;
  /** Events sent, for tests and /metrics. */
  sent = 0;

  /** `producer` is connected by the caller (idempotent). */
  constructor(producer: Producer, topic: string, log: Logger) {
    this.#producer = producer;
    this.#topic = topic;
    this.#log = log;
  }

  /** Resolves once Kafka holds every event (acks from all replicas): the batch may then be committed. */
  async send(events: ReadonlyArray<Omit<AlertEventV1, 'v'>>): Promise<void> {
    if (events.length === 0) return;
    for (const e of events)
      this.#log.info(
        { machine: e.machine, kind: e.kind, channel: e.channel, event: e.event, severity: e.severity, detail: e.detail },
        `alert ${e.event}`,
      );
    await this.#producer.send({
      topic: this.#topic,
      acks: -1,
      messages: events.map((e) => ({ key: e.machine, value: encodeAlertEvent(e) })),
    });
    this.sent += events.length;
  }

  async close(): Promise<void> {
    await this.#producer.disconnect();
  }
}
