/**
 * What one collector process sustains: N simulated machines (each a triaxial sensor at 25.6 kHz
 * in 2560-sample blocks, SignAndEncrypt + user token, served by a separate process so only the
 * collector's own work is measured here) collected into a real Kafka (PDM_KAFKA_BROKERS, or a
 * broker this bench starts from the local jars). Over a steady window it measures blocks and
 * samples per second in and acknowledged out, the collector's CPU time (user + system of this
 * process) per machine, and checks nothing was lost (no gap, nothing left in the spool). The
 * reference, in the same run on the same machines: a bare node-opcua client (bare-opcua-client.ts)
 * and the ratio of the collector's CPU to it. Prints one JSON object.
 *
 * Run: node bench/collector.bench.ts [--machines 10] [--seconds 20]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tuneGarbageCollection } from '../cli/gc-tuning.ts';
import { brokersFromEnv } from '../common/kafka.ts';
import { Collector } from '../ingest/collector/collector.ts';
import { CollectorConfigSpec } from '../ingest/collector/collector-config.ts';
import { PrivateKafka } from '../tools/harness/collector-plant.ts';
import { measureBareClient } from './bare-opcua-client.ts';

// The GC heuristic every pdm command runs with (cli/gc-tuning.ts); the bare client below runs in
// this process too, so both sides of the ratio have it.
tuneGarbageCollection();

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    compression: { type: 'string', default: 'none' },
  },
});
const MACHINES = Number(values.machines);
const SECONDS = Number(values.seconds);
const say = (l: string) => process.stderr.write(`[collector bench] ${l}\n`);
const dir = mkdtempSync(join(tmpdir(), 'pdm-collector-bench-'));
const user = 'bench';
const password = `pw-${Math.random().toString(36).slice(2)}`;
const load = loadavg();

let kafka: PrivateKafka | undefined;
let brokers = brokersFromEnv();
if (brokers.length === 0) {
  say('starting a Kafka broker of its own (set PDM_KAFKA_BROKERS to use a running one)...');
  kafka = new PrivateKafka(dir);
  await kafka.start();
  brokers = kafka.brokers;
}
say(`starting ${MACHINES} simulated machines in a child process...`);
const child = spawn(process.execPath, [join(import.meta.dirname, 'collector-machines.ts'), String(MACHINES), dir, user, password], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
const endpoints = await new Promise<Array<{ id: string; endpoint: string }>>((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const line = out.split('\n').find((l) => l.startsWith('{"endpoints"'));
    if (line) resolve((JSON.parse(line) as { endpoints: Array<{ id: string; endpoint: string }> }).endpoints);
  });
  child.once('exit', (code) => reject(new Error(`machine process exited (${code})`)));
});

const collectorConfig = CollectorConfigSpec.parse({
  id: 'bench',
  kafka: { topicPrefix: `bench${Date.now().toString(36)}_`, partitions: 6, compression: values.compression },
  pkiDir: join(dir, 'collector-pki'),
  spool: { dir: join(dir, 'spool') },
  machines: endpoints.map((e) => ({
    id: e.id,
    endpoint: e.endpoint,
    auth: { usernameEnv: 'BENCH_USER', passwordEnv: 'BENCH_PASSWORD' },
  })),
});
const collector = new Collector(collectorConfig, { brokers, env: { ...process.env, BENCH_USER: user, BENCH_PASSWORD: password } });
await collector.start();
const totals = () => ({
  in: collector.stats.reduce((n, s) => n + s.blocksIn, 0),
  out: collector.stats.reduce((n, s) => n + s.blocksOut, 0),
  gaps: collector.stats.reduce((n, s) => n + s.gaps, 0),
});
const deadline = Date.now() + 120_000;
while (!collector.stats.every((s) => s.state === 'connected' && s.blocksOut > 30)) {
  if (Date.now() > deadline)
    throw new Error(`machines not all flowing: ${collector.stats.map((s) => `${s.machine} ${s.state}`).join(', ')}`);
  await new Promise((r) => setTimeout(r, 250));
}
say(`all ${MACHINES} machines flowing; measuring ${SECONDS} s...`);
await new Promise((r) => setTimeout(r, 3_000)); // settle
const t0 = performance.now();
const c0 = process.cpuUsage();
const a = totals();
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const cpu = process.cpuUsage(c0);
const wallS = (performance.now() - t0) / 1000;
const b = totals();
await collector.stop();
// The reference, same machines, same run: a bare node-opcua client in this process (the collector is stopped).
say(`bare node-opcua client on the same ${MACHINES} machines, ${SECONDS} s...`);
const bare = await measureBareClient(endpoints, {
  pkiDir: join(dir, 'collector-pki'),
  user,
  password,
  publishingIntervalMs: collectorConfig.machines[0]!.publishingIntervalMs,
  seconds: SECONDS,
});
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await kafka?.stop();

const cpuMs = (cpu.user + cpu.system) / 1000;
const blocksInPerS = (b.in - a.in) / wallS;
const blocksOutPerS = (b.out - a.out) / wallS;
const cpuMsPerMachineSecond = cpuMs / wallS / MACHINES;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
console.log(
  JSON.stringify(
    {
      benchmark: 'collector',
      node: process.version,
      cpu: cpus()[0]?.model,
      loadAverageAtStart: load.map((l) => round(l, 2)),
      machines: MACHINES,
      perMachine: { channels: 3, sampleRateHz: 25_600, blockSize: 2_560, security: 'SignAndEncrypt/Basic256Sha256' },
      compression: values.compression,
      seconds: round(wallS),
      blocksInPerS: round(blocksInPerS),
      blocksOutPerS: round(blocksOutPerS),
      samplesPerS: Math.round(blocksOutPerS * 2_560),
      expectedBlocksPerS: MACHINES * 30,
      cpuCoresUsed: round(cpuMs / 1000 / wallS, 3),
      cpuMsPerMachineSecond: round(cpuMsPerMachineSecond, 2),
      machinesPerCoreEstimate: Math.floor(1000 / cpuMsPerMachineSecond),
      bareClient: { ...bare, ratioCollectorOverBare: round(cpuMsPerMachineSecond / bare.cpuMsPerMachineSecond, 2) },
      gapsDuringRun: b.gaps - a.gaps,
      spoolLeftAtStop: collector.spool?.records ?? 0,
      note: 'CPU = user + system of the collector process only (machines run in a child process); machinesPerCoreEstimate = 1000 / CPU ms per machine-second',
    },
    null,
    2,
  ),
);
process.exit(0);
