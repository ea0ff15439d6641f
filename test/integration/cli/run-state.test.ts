/**
 * What `pdm start` starts from (cli/run-state.ts), against the real Kafka: a fresh run removes the
 * collector's ledger and spool and moves the processor's group to the end of its topics (what
 * earlier runs left is skipped, counted); --resume keeps both and says how far behind it is.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareRunState } from '../../../cli/run-state.ts';
import { createKafka, ensureTopics } from '../../../common/kafka.ts';
import { testServices } from '../../helpers/services.ts';

const services = testServices();

/** High watermarks per partition (what a send really left: a retried send may have written twice). */
async function ends(topic: string): Promise<number[]> {
  const admin = createKafka(services.kafkaBrokers, 'run-state-test').admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
  } finally {
    await admin.disconnect();
  }
}

async function committed(groupId: string, topic: string): Promise<number[]> {
  const admin = createKafka(services.kafkaBrokers, 'run-state-test').admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

describe('a run of pdm start starts from a fresh collection unless --resume', () => {
  it('fresh: ledger and spool removed, the group moved past what earlier runs left; resume: kept', async () => {
    const id = `run-state-${Date.now()}`;
    const topic = `${id}.vibration`;
    const absent = `${id}.never-created`;
    const groupId = `${id}-group`;
    const kafka = createKafka(services.kafkaBrokers, 'run-state-test');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, numPartitions: 2, replicationFactor: 1 }]);
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = (n: number) =>
      producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ partition: i % 2, value: Buffer.from(`m${i}`) })) });
    await send(6); // an earlier run's: 3 per partition, never consumed
    const first = await ends(topic);
    const firstTotal = first[0] + first[1];

    // An earlier run's collector state.
    const collectorDir = join(mkdtempSync(join(tmpdir(), 'pdm-run-state-')), 'spool', 'local-collector');
    mkdirSync(collectorDir, { recursive: true });
    writeFileSync(join(collectorDir, 'sequences.json'), JSON.stringify({ v: 1, channels: { 'pump-01/DE_X': 123 }, alive_ms: 1 }));
    writeFileSync(join(collectorDir, '00000001.seg'), 'x');

    const opts = { collectorDir, kafka: createKafka(services.kafkaBrokers, 'run-state-test'), groupId, topics: [topic, absent] };
    const resumed = await prepareRunState({ ...opts, resume: true });
    expect(resumed).toMatchObject({ removedCollectorState: false, leftInKafka: firstTotal });
    expect(resumed.summary).toContain('--resume');
    expect(readdirSync(collectorDir).sort()).toEqual(['00000001.seg', 'sequences.json']);
    expect(await committed(groupId, topic)).toEqual([-1, -1]);

    const fresh = await prepareRunState({ ...opts, resume: false });
    expect(fresh).toMatchObject({ removedCollectorState: true, leftInKafka: firstTotal });
    expect(fresh.summary).toContain(`${firstTotal} messages of earlier runs skipped`);
    expect(fresh.summary).toContain(collectorDir);
    expect(await committed(groupId, topic)).toEqual(first);

    // The next run: 2 more left behind, nothing of the collector's.
    await send(2);
    const second = await ends(topic);
    const again = await prepareRunState({ ...opts, resume: false });
    expect(again).toMatchObject({ removedCollectorState: false, leftInKafka: second[0] + second[1] - firstTotal });
    expect(await committed(groupId, topic)).toEqual(second);
    // Nothing left: nothing to move, nothing skipped.
    const idle = await prepareRunState({ ...opts, resume: false });
    expect(idle.leftInKafka).toBe(0);
    expect(idle.summary).toContain('starts at the end of its topics;');

    // A group in use is not moved under a running processor.
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic });
    await consumer.run({ eachMessage: async () => {} });
    try {
      await expect(prepareRunState({ ...opts, resume: false })).rejects.toThrow(/consumer group .* is in use/);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
});
