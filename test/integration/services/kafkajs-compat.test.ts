/**
 * kafkajs 2.2.4 (last release Feb 2023) against the broker the launcher runs (Kafka 4.x KRaft):
 * every feature the pipeline relies on, end to end on the real broker.
 */
import { randomUUID } from 'node:crypto';
import { CompressionTypes, type Consumer, type EachMessagePayload, Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServices } from '../../helpers/services.ts';

const endpoints = testServices();
const kafka = new Kafka({
  clientId: 'kafkajs-compat-test',
  brokers: endpoints.kafkaBrokers,
  logLevel: logLevel.NOTHING,
  retry: { retries: 8, initialRetryTime: 200 },
});
const admin = kafka.admin();
const topic = `compat-${randomUUID()}`;
const PARTITIONS = 4;
const open: (Producer | Consumer)[] = [];

beforeAll(async () => {
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.disconnect().catch(() => {})));
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
});

function newProducer(): Producer {
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  open.push(p);
  return p;
}

function newConsumer(groupId: string): Consumer {
  const c = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  });
  open.push(c);
  return c;
}

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Messages 0..n-1 keyed so that they spread over the partitions; value = index. */
function batch(from: number, n: number) {
  return Array.from({ length: n }, (_, i) => ({ key: `machine-${(from + i) % 16}`, value: String(from + i) }));
}

describe('kafkajs 2.2.4 against the local Kafka broker', () => {
  it('creates the topic with the asked-for partitions, and the broker does not auto-create topics', async () => {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]!.partitions).toHaveLength(PARTITIONS);

    // Few retries: the send is meant to fail; kafkajs would otherwise retry for seconds.
    const p = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 1, initialRetryTime: 100 },
    });
    open.push(p);
    await p.connect();
    const missing = `missing-${randomUUID()}`;
    await expect(p.send({ topic: missing, acks: -1, messages: [{ value: 'x' }] })).rejects.toThrow();
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('delivers with an idempotent producer (acks -1, 1 in flight) to several partitions, gzip-compressed, and two group members share the partitions, commit, and a restarted member resumes after the committed offset', async () => {
    const groupId = `compat-group-${randomUUID()}`;
    const seen = new Map<string, number[]>(); // member -> values
    const partitionsByMember = new Map<string, Set<number>>();
    const record =
      (member: string) =>
      async ({ partition, message }: EachMessagePayload) => {
        if (!seen.has(member)) seen.set(member, []);
        if (!partitionsByMember.has(member)) partitionsByMember.set(member, new Set());
        seen.get(member)!.push(Number(message.value!.toString()));
        partitionsByMember.get(member)!.add(partition);
      };
    const total = () => [...seen.values()].reduce((n, v) => n + v.length, 0);

    const producer = newProducer();
    await producer.connect();
    const a = newConsumer(groupId);
    const b = newConsumer(groupId);
    await Promise.all([a.connect(), b.connect()]);
    await a.subscribe({ topic, fromBeginning: true });
    await b.subscribe({ topic, fromBeginning: true });
    // Both members own partitions before anything is produced, so each partition's messages go to one member.
    const assigned = new Map<string, number>();
    a.on(a.events.GROUP_JOIN, (e) => assigned.set('a', e.payload.memberAssignment[topic]?.length ?? 0));
    b.on(b.events.GROUP_JOIN, (e) => assigned.set('b', e.payload.memberAssignment[topic]?.length ?? 0));
    await a.run({ eachMessage: record('a') });
    await b.run({ eachMessage: record('b') });
    await until(
      'both members assigned',
      () =>
        (assigned.get('a') ?? 0) + (assigned.get('b') ?? 0) === PARTITIONS && (assigned.get('a') ?? 0) > 0 && (assigned.get('b') ?? 0) > 0,
    );
    const first = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: batch(0, 200) });
    const partitionsWritten = new Set(first.map((r) => r.partition));
    expect(partitionsWritten.size).toBeGreaterThanOrEqual(2);
    expect(first.every((r) => r.errorCode === 0)).toBe(true);

    await until('200 messages consumed', () => total() >= 200);
    await new Promise((r) => setTimeout(r, 500)); // give a duplicate, if any, the chance to show up

    // Every message exactly once across the two members (idempotent producer, no duplicates).
    const values = [...seen.values()].flat().sort((x, y) => x - y);
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const pa = partitionsByMember.get('a') ?? new Set();
    const pb = partitionsByMember.get('b') ?? new Set();
    expect(pa.size).toBeGreaterThan(0);
    expect(pb.size).toBeGreaterThan(0);
    expect([...pa].filter((p) => pb.has(p))).toEqual([]); // a partition belongs to one member

    // Committed offsets cover all 200 messages (kafkajs auto-commits on stop/disconnect).
    await Promise.all([a.disconnect(), b.disconnect()]);
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedSum = committed[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    expect(committedSum).toBe(200);

    // More data while nobody consumes; a restarted member must see only the new messages.
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: batch(200, 50) });
    const resumed: number[] = [];
    const c = newConsumer(groupId);
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true }); // fromBeginning only applies without committed offsets
    await c.run({ eachMessage: async ({ message }) => void resumed.push(Number(message.value!.toString())) });
    await until('50 new messages after restart', () => resumed.length >= 50);
    await new Promise((r) => setTimeout(r, 500)); // let any wrongly re-delivered old message arrive too
    expect(resumed.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => 200 + i));
    await c.disconnect();
  });

  it('round-trips gzip-compressed batches byte for byte', async () => {
    const producer = newProducer();
    await producer.connect();
    const gzTopic = `compat-gzip-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic: gzTopic, numPartitions: 1 }], waitForLeaders: true });
    // A compressible payload large enough that gzip matters, with binary content.
    const payload = Buffer.alloc(64 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251;
    await producer.send({
      topic: gzTopic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: [
        { key: 'k', value: payload },
        { key: 'k', value: 'small' },
      ],
    });
    const got: Buffer[] = [];
    const c = newConsumer(`gzip-${randomUUID()}`);
    await c.connect();
    await c.subscribe({ topic: gzTopic, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void got.push(message.value!) });
    await until('2 gzip messages', () => got.length >= 2);
    expect(got[0]!.equals(payload)).toBe(true);
    expect(got[1]!.toString()).toBe('small');
    await c.disconnect();
    await admin.deleteTopics({ topics: [gzTopic] });
  });

  it('decodes batches the broker itself stored gzip-compressed (topic compression.type=gzip, producer sends uncompressed)', async () => {
    const producer = newProducer();
    await producer.connect();
    const gzTopic = `compat-broker-gzip-${randomUUID()}`;
    await admin.createTopics({
      topics: [{ topic: gzTopic, numPartitions: 1, configEntries: [{ name: 'compression.type', value: 'gzip' }] }],
      waitForLeaders: true,
    });
    const values = Array.from({ length: 100 }, (_, i) => `reading ${i} ${'x'.repeat(i)}`);
    await producer.send({ topic: gzTopic, acks: -1, compression: CompressionTypes.None, messages: values.map((value) => ({ value })) });
    const got: string[] = [];
    const c = newConsumer(`broker-gzip-${randomUUID()}`);
    await c.connect();
    await c.subscribe({ topic: gzTopic, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await until('100 messages', () => got.length >= 100);
    expect(got).toEqual(values);
    await c.disconnect();
    await admin.deleteTopics({ topics: [gzTopic] });
  });
});
