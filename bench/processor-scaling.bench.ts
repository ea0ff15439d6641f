/**
 * How the stream processor scales: the same backlog of vibration blocks (N machines, one 25.6 kHz
 * accelerometer each with a bearing at its location, 1 s windows, energy readings beside them)
 * processed by real `pdm process` child processes against a real Kafka and QuestDB, in three
 * layouts: one process with one worker thread, one process with two, two processes with one each
 * (one consumer group, so they split the partitions). The rate: windows (and samples) per second
 * from the processors'
 * own /metrics from the first window stored to the last, the whole backlog being in Kafka before
 * the processors start (so neither publishing nor start-up is measured); the rows are then
 * counted in QuestDB by machine.
 * The reference is the first layout, in the same run. Prints one JSON object.
 *
 * CPU: the processors' cores over the span, and per window by thread (the event loop, which
 * decodes, windows and writes, against the analysis workers), to say which one bounds the rate.
 *
 * Run: node bench/processor-scaling.bench.ts [--machines 12] [--windows 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKafka, ensureTopics } from '../common/kafka.ts';
import { topicNames } from '../common/topics.ts';
import { ensureServices } from '../deploy/local/services.ts';
import { tableNames } from '../storage/tables.ts';
import { modelStateTopicConfig } from '../stream-processing/model-state-topic.ts';
import { cpuSeconds, threadCpuSeconds } from '../tools/harness/plant-processes.ts';
import {
  FramePublisher,
  metricValue,
  type ProcessorChild,
  scenarioConfig,
  spawnProcessor,
  stopChild,
  waitForCounts,
} from '../tools/harness/processor-group.ts';

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '12' },
    // 300 windows of 12 machines: about 15 s per layout on a quiet 2-core box, long enough that
    // the start and the last partial batch do not set the rate.
    windows: { type: 'string', default: '300' },
  },
});
const MACHINES = Number(values.machines);
const WINDOWS = Number(values.windows);
const FS = 25_600;
const BLOCK = 2_560;
const WINDOW_BLOCKS = 10;
const PARTITIONS = 6;
const say = (l: string) => process.stderr.write(`[processor-scaling bench] ${l}\n`);
const load = loadavg();

const dir = mkdtempSync(join(tmpdir(), 'pdm-processor-bench-'));
say('starting Kafka and QuestDB from the local jars...');
const services = await ensureServices({ profile: 'test', dataDir: join(dir, 'services'), onProgress: (l) => say(l) });
const ep = services.endpoints;

interface Layout {
  name: string;
  processes: number;
  workers: number;
}

async function measure(layout: Layout) {
  const prefix = `pscale${layout.processes}p${layout.workers}w${Date.now().toString(36)}_`;
  const machines = Array.from({ length: MACHINES }, (_, i) => `scale-${String(i).padStart(2, '0')}`);
  const config = {
    ...scenarioConfig(prefix, PARTITIONS, WINDOW_BLOCKS),
    workers: layout.workers,
    machines: Object.fromEntries(machines.map((m) => [m, { shaftRpm: 1770, bearings: { DE: '6205-2RS' } }])),
  };
  // The whole backlog first, on topics made as the processor makes them.
  const topics = topicNames(prefix);
  const admin = createKafka(ep.kafkaBrokers, 'pdm-bench-admin').admin();
  await admin.connect();
  await ensureTopics(admin, [
    ...[topics.vibration, topics.energy, topics.gaps, topics.deadLetter].map((topic) => ({
      topic,
      numPartitions: PARTITIONS,
      replicationFactor: 1,
    })),
    modelStateTopicConfig(topics.modelState, PARTITIONS, 1),
  ]);
  await admin.disconnect();
  const publisher = new FramePublisher(ep, {
    prefix,
    machines,
    sampleRateHz: FS,
    blockSize: BLOCK,
    t0Ms: Date.now() - WINDOWS * 1000 - 60_000,
  });
  await publisher.connect(ep);
  say(`${layout.name}: writing ${MACHINES} machines × ${WINDOWS} windows of ${FS} samples...`);
  await publisher.stream(WINDOWS * WINDOW_BLOCKS, WINDOW_BLOCKS, 0);
  await publisher.close();
  const children: ProcessorChild[] = [];
  for (let i = 0; i < layout.processes; i++) children.push(await spawnProcessor(ep, `p${i}`, join(dir, prefix, `p${i}`), config));

  const table = tableNames(prefix).features;
  const windowsOut = async () => {
    let n = 0;
    for (const c of children) {
      const page = await c.metrics().catch(() => '');
      const line = page.split('\n').find((l) => l.startsWith('pdm_processor_rows_out_total{') && l.includes(`table="${table}"`));
      n += line ? Number(line.split(' ').at(-1)) : 0;
    }
    return n;
  };
  const total = MACHINES * WINDOWS;
  // From the first window stored: the processes have started, joined and restored by then.
  const deadline = Date.now() + 15 * 60_000;
  let w1 = 0;
  while (w1 === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    w1 = await windowsOut();
  }
  const t1 = Date.now();
  const cpu1 = children.map((c) => cpuSeconds(c.child.pid!));
  const threads1 = children.map((c) => threadCpuSeconds(c.child.pid!));
  let w2 = w1;
  let lastShown = 0;
  while (w2 < total && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    w2 = await windowsOut();
    if (Date.now() - lastShown > 5_000) {
      say(`${layout.name}: ${w2}/${total} windows stored`);
      lastShown = Date.now();
    }
  }
  const seconds = (Date.now() - t1) / 1000;
  const cpu = children.reduce((a, c, i) => a + (cpuSeconds(c.child.pid!) - cpu1[i]!), 0);
  // CPU ms per window by thread name, summed over the processes.
  const byThread = new Map<string, number>();
  children.forEach((c, i) => {
    for (const [name, s] of threadCpuSeconds(c.child.pid!))
      byThread.set(name, (byThread.get(name) ?? 0) + s - (threads1[i]!.get(name) ?? 0));
  });
  const windows = Math.max(1, w2 - w1);
  const cpuMsPerWindowByThread = Object.fromEntries(
    [...byThread]
      .filter(([, s]) => s > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([name, s]) => [name, Math.round((s / windows) * 1e5) / 100]),
  );
  const expected = { [table]: Object.fromEntries(machines.map((m) => [m, WINDOWS])) };
  const counts = await waitForCounts(ep, expected, 60_000);
  const complete = JSON.stringify(counts) === JSON.stringify(expected);
  let deadLetters = 0;
  for (const c of children) deadLetters += metricValue(await c.metrics(), 'pdm_processor_dead_lettered_total');
  for (const c of children) await stopChild(c, 'SIGTERM');
  const windowsPerS = (w2 - w1) / seconds;
  say(
    `${layout.name}: ${windowsPerS.toFixed(1)} windows/s over the last ${w2 - w1} windows (${seconds.toFixed(1)} s); QuestDB ${complete ? 'complete' : 'INCOMPLETE'}`,
  );
  return {
    layout: layout.name,
    processes: layout.processes,
    workersPerProcess: layout.workers,
    windowsMeasured: w2 - w1,
    seconds: Math.round(seconds * 10) / 10,
    windowsPerS: Math.round(windowsPerS * 10) / 10,
    samplesPerS: Math.round(windowsPerS * BLOCK * WINDOW_BLOCKS),
    processorCpuCores: Math.round((cpu / seconds) * 100) / 100,
    cpuMsPerWindow: Math.round((cpu / windows) * 1e5) / 100,
    cpuMsPerWindowByThread,
    allWindowsInQuestdb: complete,
    deadLetters,
  };
}

const layouts: Layout[] = [
  { name: '1 process × 1 worker', processes: 1, workers: 1 },
  { name: '1 process × 2 workers', processes: 1, workers: 2 },
  { name: '2 processes × 1 worker', processes: 2, workers: 1 },
];
const results = [];
try {
  for (const l of layouts) results.push(await measure(l));
} finally {
  await services.stop();
  rmSync(dir, { recursive: true, force: true });
}
const base = results[0]!.windowsPerS;
console.log(
  JSON.stringify({
    bench: 'processor-scaling',
    machines: MACHINES,
    windowsPerMachine: WINDOWS,
    perMachine: { channels: 1, sampleRateHz: FS, blockSize: BLOCK, windowSamples: BLOCK * WINDOW_BLOCKS, bearing: '6205-2RS' },
    partitions: PARTITIONS,
    cpus: cpus().length,
    loadAverageAtStart: load.map((x) => Math.round(x * 100) / 100),
    results: results.map((r) => ({ ...r, ratioVsOneProcessOneWorker: Math.round((r.windowsPerS / base) * 100) / 100 })),
  }),
);
