/**
 * The collector's Kafka producer, on its own (issue 16 part 2: "measure @platformatic/kafka ... if
 * kafkajs's producer is the cost; keep kafkajs unless a measured win says otherwise"). The same
 * workload as the collector sends, through each client, into a real Kafka (PDM_KAFKA_BROKERS, or a
 * broker this bench starts from the local jars):
 *  - vibration frames as the collector encodes them (2560 float32 samples, ~10 KiB), keyed by
 *    machine and channel (30 keys: 10 triaxial machines) over a 6-partition topic;
 *  - batches as the store-and-forward builds them (up to 900 KiB), one batch in flight, acks from
 *    every in-sync replica, idempotent, no compression (the collector's settings).
 * Per client: the process's CPU time (user + system) per 1000 frames and frames per second,
 * median over rounds that alternate the clients in one process. Reference: kafkajs, the client
 * the rest of the product uses (and the collector's producer until this bench chose
 * @platformatic/kafka for it), in the same run; the ratio is @platformatic/kafka's CPU over it.
 *
 * Run: node bench/kafka-producer.bench.ts [--frames 6000] [--rounds 5]
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Producer as PlatformaticProducer } from '@platformatic/kafka';
import { CompressionTypes } from 'kafkajs';
import { brokersFromEnv, createKafka, ensureTopics } from '../common/kafka.ts';
import { encodeVibrationFrame } from '../common/wire/vibration-frame.ts';
import { PrivateKafka } from '../tools/harness/collector-plant.ts';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '6000' },
    rounds: { type: 'string', default: '5' },
  },
});
const FRAMES = Number(values.frames);
const ROUNDS = Number(values.rounds);
if (!(Number.isInteger(FRAMES) && FRAMES > 0 && Number.isInteger(ROUNDS) && ROUNDS > 0))
  throw new Error(`--frames and --rounds must be positive integers, got ${values.frames} / ${values.rounds}`);
const say = (l: string) => process.stderr.write(`[kafka-producer bench] ${l}\n`);
const load = loadavg();
/** The store-and-forward's maxBatchBytes: one request stays under Kafka's default message.max.bytes. */
const MAX_BATCH_BYTES = 900 * 1024;
const PARTITIONS = 6;

let kafka: PrivateKafka | undefined;
let brokers = brokersFromEnv();
if (brokers.length === 0) {
  say('starting a Kafka broker of its own (set PDM_KAFKA_BROKERS to use a running one)...');
  kafka = new PrivateKafka(mkdtempSync(join(tmpdir(), 'pdm-kafka-producer-bench-')));
  await kafka.start();
  brokers = kafka.brokers;
}
const topic = `bench_producer_${Date.now().toString(36)}`;
const admin = createKafka(brokers, 'pdm-bench-admin').admin();
await admin.connect();
await ensureTopics(admin, [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }]);
await admin.disconnect();

// The frames: 10 triaxial machines, one block each per 100 ms.
const keys = Array.from({ length: 30 }, (_, i) => `bench-${String(Math.floor(i / 3) + 1).padStart(2, '0')}|DE_${'XYZ'[i % 3]}`);
const samples = Float32Array.from({ length: 2560 }, (_, i) => Math.sin(i / 7) * 0.3);
const frames = Array.from({ length: FRAMES }, (_, i) => {
  const [machine, channel] = keys[i % keys.length].split('|');
  const seq = Math.floor(i / keys.length);
  const bytes = encodeVibrationFrame({
    machine,
    channel,
    units: 'g',
    seq,
    startTimeNs: BigInt(seq) * 100_000_000n,
    sampleRateHz: 25_600,
    samples,
  });
  return { key: Buffer.from(keys[i % keys.length]), value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
});
const batches: Array<typeof frames> = [];
for (let i = 0, bytes = 0, batch: typeof frames = []; i < frames.length; i++) {
  if (batch.length > 0 && bytes + frames[i].value.length > MAX_BATCH_BYTES) {
    batches.push(batch);
    batch = [];
    bytes = 0;
  }
  batch.push(frames[i]);
  bytes += frames[i].value.length;
  if (i === frames.length - 1) batches.push(batch);
}
const frameBytes = frames[0].value.length;

interface Client {
  name: string;
  send(batch: typeof frames): Promise<void>;
  close(): Promise<void>;
}

async function kafkajsClient(): Promise<Client> {
  // As ingest/collector/kafka-output.ts configures it.
  const producer = createKafka(brokers, 'pdm-bench-kafkajs').producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return {
    name: 'kafkajs',
    send: async (batch) => {
      await producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: [{ topic, messages: batch }] });
    },
    close: () => producer.disconnect(),
  };
}

async function platformaticClient(): Promise<Client> {
  // Idempotent forces acks from every in-sync replica and one request in flight, as the collector's.
  const producer = new PlatformaticProducer({ clientId: 'pdm-bench-platformatic', bootstrapBrokers: brokers, idempotent: true });
  return {
    name: '@platformatic/kafka',
    send: async (batch) => {
      await producer.send({ messages: batch.map((m) => ({ topic, key: m.key, value: m.value })) });
    },
    close: () => producer.close(),
  };
}

/** CPU ms per 1000 frames and frames/s for one pass of every batch through `client`. */
async function pass(client: Client): Promise<{ cpuMsPer1000: number; framesPerS: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const batch of batches) await client.send(batch);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMsPer1000: ((cpu.user + cpu.system) / 1000 / FRAMES) * 1000, framesPerS: (FRAMES / ms) * 1000 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

const clients = [await kafkajsClient(), await platformaticClient()];
say(
  `warming up both clients (${batches.length} batches of up to ${MAX_BATCH_BYTES / 1024} KiB, ${FRAMES} frames of ${frameBytes} bytes)...`,
);
for (const c of clients) await pass(c);
const byClient = new Map(clients.map((c) => [c.name, [] as Array<{ cpuMsPer1000: number; framesPerS: number }>]));
for (let round = 1; round <= ROUNDS; round++) {
  // Alternating the order, so neither client always runs on a warmer heap or broker.
  for (const c of round % 2 ? clients : [...clients].reverse()) byClient.get(c.name)!.push(await pass(c));
  say(
    `round ${round}/${ROUNDS}: ${[...byClient].map(([name, r]) => `${name} ${r2(r.at(-1)!.cpuMsPer1000)} ms CPU/1000 frames`).join(', ')}`,
  );
}
for (const c of clients) await c.close();
await kafka?.stop();

const results = [...byClient].map(([client, r]) => ({
  client,
  cpuMsPer1000Frames: r2(median(r.map((x) => x.cpuMsPer1000))),
  framesPerS: Math.round(median(r.map((x) => x.framesPerS))),
  mbPerS: r2((median(r.map((x) => x.framesPerS)) * frameBytes) / 1e6),
}));
const reference = results.find((r) => r.client === 'kafkajs')!;
process.stdout.write(
  `${JSON.stringify({
    bench: 'kafka-producer',
    node: process.version,
    cpu: cpus()[0]?.model,
    loadAverageAtStart: load.map(r2),
    frames: FRAMES,
    frameBytes,
    batches: batches.length,
    rounds: ROUNDS,
    settings: 'idempotent, acks all, one request in flight, no compression, 6 partitions, 30 keys',
    results: results.map((r) => ({ ...r, cpuRatioVsKafkajs: r2(r.cpuMsPer1000Frames / reference.cpuMsPer1000Frames) })),
  })}\n`,
);
