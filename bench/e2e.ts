/**
 * `npm run bench:e2e` (not in CI, not in `npm run bench`: minutes per step): how many machines one
 * box watches end to end (issue 16 part 1). For each fleet size it runs the README's main job,
 * `pdm start`, on a generated fleet of N healthy pumps, each with one triaxial 25.6 kHz
 * accelerometer and its energy meter, everything (simulator, collector, processor, Kafka,
 * QuestDB) on this machine, warms up until every machine has stored windows and learnt its health
 * baseline and the consumer lag has settled (the table says when it did not), then measures for
 * `--minutes`:
 *  - sustained: no block missing (collection gaps stored in the span) and the consumer lag flat
 *    (its least-squares slope over the span adds less than two seconds of the plant's messages);
 *  - latency from a window's start time to its feature row being queryable in QuestDB (polled
 *    every 250 ms: p50/p95/p99; one window is `windowBlocks` blocks, 1 s by default, of it);
 *  - CPU (cores) and RSS per process, from /proc.
 * The ramp stops at the first size not sustained; the largest sustained one is the headline.
 * Results go into BENCHMARKS.md's e2e section (kept by `npm run bench`) and BENCHMARKS.json.
 *
 *   npm run bench:e2e -- [--machines 4,8,12,16,24] [--minutes 5] [--warmup-s 300] [--layout gateway]
 *
 * `--layout gateway` (default) serves the whole fleet from one OPC UA server, the way plant
 * gateways look and the lighter load for the simulator; `server-per-machine` gives each machine
 * its own server.
 *
 * `--external-simulator`: the simulator on a core of its own, so the pipeline's own capacity shows.
 * This box has no other machine, so the run pins `pdm start` and everything it starts (processor,
 * collector, Kafka, QuestDB) to CPU 0 and moves the simulator, once it runs, to CPU 1 (taskset):
 * the figure is what the pipeline sustains on ONE core, the simulator's work excluded. Written to
 * its own section and to `e2e_machines_external_simulator`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { backlog } from '../cli/run-state.ts';
import { createKafka } from '../common/kafka.ts';
import { quietKafkajsTimeoutWarning } from '../common/kafkajs-warning.ts';
import { topicNames } from '../common/topics.ts';
import { defaultServicesDir } from '../deploy/local/paths.ts';
import { ensureCredentials, questdbLayout } from '../deploy/local/questdb.ts';
import { questdbDir } from '../deploy/local/services.ts';
import { questdbExec } from '../storage/sql.ts';
import { tableNames } from '../storage/tables.ts';
import { writeMarkedSection } from '../tools/benchmarks-section.ts';
import { cpuSeconds, plantProcesses, rssMb, threadCpuSeconds } from '../tools/harness/plant-processes.ts';
import { metricValue } from '../tools/harness/processor-group.ts';
import { type HeadlineDocument, headlineFigures, mergeHeadline } from './headline.ts';
import { writeTargetsSection } from './targets.ts';

quietKafkajsTimeoutWarning();

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '4,8,12,16,24' },
    minutes: { type: 'string', default: '5' },
    'warmup-s': { type: 'string', default: '300' },
    layout: { type: 'string', default: 'gateway' },
    'external-simulator': { type: 'boolean', default: false },
  },
});
const root = resolve(import.meta.dirname, '..');
const sizes = values.machines.split(',').map(Number);
const MINUTES = Number(values.minutes);
const WARMUP_S = Number(values['warmup-s']);
if (sizes.some((n) => !(Number.isInteger(n) && n > 0)) || !(MINUTES > 0))
  throw new Error(`--machines must be positive integers and --minutes positive, got ${values.machines} / ${values.minutes}`);
const LAYOUT = values.layout;
const EXTERNAL = values['external-simulator'];
if (EXTERNAL && cpus().length < 2) throw new Error('--external-simulator needs two CPUs: one for the pipeline, one for the simulator');
if (LAYOUT !== 'gateway' && LAYOUT !== 'server-per-machine')
  throw new Error(`--layout must be gateway (one OPC UA server for the fleet) or server-per-machine, got ${LAYOUT}`);
const say = (l: string) => process.stderr.write(`[e2e ${new Date().toISOString().slice(11, 19)}] ${l}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const offset = Number(process.env['PDM_SERVICES_PORT_OFFSET'] ?? '0');
const questdbHttp = `http://127.0.0.1:${9000 + offset}`;
const tables = tableNames('');
const topics = topicNames('');
const CHANNELS = 3;
/** How far behind the newest window a poll looks for windows that became queryable late (µs). */
const LOOKBACK_US = 20_000_000;
const BLOCKS_PER_S = 10;

function fleetYaml(n: number): string {
  return stringify({
    site: `e2e bench, ${n} machines`,
    timeAcceleration: 1,
    seed: 16,
    opcua: { basePort: 4840 + offset, layout: LAYOUT, users: [{ usernameEnv: 'PDM_OPCUA_USER', passwordEnv: 'PDM_OPCUA_PASSWORD' }] },
    machines: Array.from({ length: n }, (_, i) => ({
      id: `e2e-${String(i + 1).padStart(3, '0')}`,
      type: 'pump',
      identification: { manufacturer: 'pdm', model: 'e2e', serialNumber: `E2E-${i + 1}` },
      ratedPowerKw: 11,
      nominalSpeedRpm: 1465,
      lineFrequencyHz: 50,
      poles: 4,
      operatingModes: [{ mode: 'full', durationS: 3600, loadPct: 80 }],
      bearings: { DE: '6205-2RS', NDE: '6203-2RS' },
      sensors: { vibration: [{ location: 'DE', axes: ['X', 'Y', 'Z'] }] },
    })),
  });
}

const questdbAuth = () => {
  try {
    return ensureCredentials(questdbLayout(questdbDir(defaultServicesDir('dev'))));
  } catch {
    return undefined;
  }
};
async function sql(q: string): Promise<unknown[][]> {
  return (await questdbExec({ httpUrl: questdbHttp, auth: questdbAuth() }, q)).dataset;
}
const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 100) / 100;
};
/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const sxy = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** The processor's /metrics as pdm start serves it (deploy/config/processor.yaml). */
const processorMetricsUrl = `http://127.0.0.1:${(parse(readFileSync(join(root, 'deploy', 'config', 'processor.yaml'), 'utf8')) as { metrics: { port: number } }).metrics.port}/metrics`;

interface LatencyHistogram {
  /** Cumulative counts by upper bound (s). */
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

/** The processor's pdm_processor_window_latency_seconds now (empty when it cannot be read). */
async function processorLatency(): Promise<LatencyHistogram> {
  const h: LatencyHistogram = { buckets: new Map(), sum: 0, count: 0 };
  try {
    const text = await (await fetch(processorMetricsUrl)).text();
    for (const line of text.split('\n')) {
      const bucket = /^pdm_processor_window_latency_seconds_bucket\{le="([^"]+)"\} (\S+)$/.exec(line);
      if (bucket) h.buckets.set(bucket[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(bucket[1]), Number(bucket[2]));
    }
    // Absent (NaN) until the processor has written a window: nothing observed yet.
    h.sum = metricValue(text, 'pdm_processor_window_latency_seconds_sum') || 0;
    h.count = metricValue(text, 'pdm_processor_window_latency_seconds_count') || 0;
  } catch {
    /* not serving: reported as null */
  }
  return h;
}

/**
 * The processor's share of the latency over a span (two readings of its histogram): the mean, and
 * for p50/p95/p99 the bucket bound each falls under (the histogram's resolution).
 */
function processorLatencyOver(a: LatencyHistogram, b: LatencyHistogram) {
  const count = b.count - a.count;
  if (count <= 0) return null;
  const under = (q: number) => {
    for (const [le, c] of [...b.buckets].sort((x, y) => x[0] - y[0])) if (c - (a.buckets.get(le) ?? 0) >= q * count) return le;
    return null;
  };
  return {
    windows: count,
    meanS: Math.round(((b.sum - a.sum) / count) * 100) / 100,
    p50UnderS: under(0.5),
    p95UnderS: under(0.95),
    p99UnderS: under(0.99),
  };
}

/**
 * Moves the simulator under `pdm start` (once it runs), every thread of it, to CPU 1; true when
 * done. Threads it starts later inherit their creator's CPU.
 */
function moveSimulatorToCpu1(pdmStartPid: number): boolean {
  const pid = plantProcesses(pdmStartPid).get('simulator');
  if (pid === undefined) return false;
  const moved = spawnSync('taskset', ['-a', '-c', '-p', '1', String(pid)], { encoding: 'utf8' });
  if (moved.status !== 0) throw new Error(`taskset could not move the simulator (pid ${pid}) to CPU 1: ${moved.stderr.trim()}`);
  say(`  simulator (pid ${pid}) moved to CPU 1; the pipeline stays on CPU 0`);
  return true;
}

async function step(n: number) {
  const dir = mkdtempSync(join(tmpdir(), `pdm-e2e-${n}-`));
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(fleet, fleetYaml(n));
  const durationS = WARMUP_S + MINUTES * 60 + 30;
  say(`${n} machines: pdm start --fleet ${fleet} (warm-up up to ${WARMUP_S} s, then ${MINUTES} min measured)...`);
  const pdmArgs = [join(root, 'cli', 'pdm.ts'), 'start', '--fleet', fleet, '--duration', String(durationS)];
  // Pinned to CPU 0, pdm start's children (the JVMs, the simulator) inherit it; the simulator moves to CPU 1 below.
  const child: ChildProcess = spawn(
    EXTERNAL ? 'taskset' : process.execPath,
    EXTERNAL ? ['-c', '0', process.execPath, ...pdmArgs] : pdmArgs,
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const startedAt = Date.now();
  let simulatorMoved = !EXTERNAL;
  const messagesPerS = n * (CHANNELS * BLOCKS_PER_S + 1);
  let admin: ReturnType<ReturnType<typeof createKafka>['admin']> | undefined;
  // Connected on first need: Kafka comes up with pdm start, during the warm-up.
  const kafkaAdmin = async () => {
    if (!admin) {
      const a = createKafka([`127.0.0.1:${9092 + offset}`], 'pdm-e2e-bench').admin();
      await a.connect();
      admin = a;
    }
    return admin;
  };
  // Warm-up: until every machine has stored windows, its health baseline is learnt, and the
  // processor has caught up with what piled up meanwhile (consumer lag under two seconds of the
  // plant's messages): measured from a backlog, the latency is the backlog's age, not the
  // pipeline's delay. If that never happens, the measurement starts at the warm-up's end anyway
  // and says so (`settled: false`).
  let settled = false;
  for (;;) {
    if (gone) throw new Error(`pdm start exited during the warm-up of ${n} machines: see .pdm/logs`);
    if (!simulatorMoved) simulatorMoved = moveSimulatorToCpu1(child.pid!);
    try {
      const [[machines]] = (await sql(
        `SELECT count_distinct(machine) FROM ${tables.features} WHERE ts > ${(startedAt - 5_000) * 1000}`,
      )) as [[number]];
      // The models' baselines learnt (a machine_health row with its baseline's verdict): the
      // healthy references of all machines are learnt then, at about the same moment (in the
      // background, one channel at a time: a one-off at commissioning, not the steady state,
      // which is what this bench measures).
      const [[baselines]] = (await sql(
        `SELECT count_distinct(machine) FROM ${tables.health} WHERE ts > ${(startedAt - 5_000) * 1000} AND baseline_quality IS NOT NULL`,
      )) as [[number]];
      if (Number(machines) >= n && Number(baselines) >= n && Date.now() - startedAt > 60_000) {
        const left = await backlog(await kafkaAdmin(), 'pdm-processor', [topics.vibration, topics.energy, topics.gaps]);
        if ([...left.values()].reduce((a, t) => a + t.left, 0) <= 2 * messagesPerS) {
          settled = true;
          break;
        }
      }
    } catch {
      /* QuestDB, the table or the consumer group not there yet */
    }
    if (Date.now() - startedAt > WARMUP_S * 1000) break;
    await sleep(2_000);
  }
  if (!simulatorMoved)
    throw new Error(`--external-simulator: the simulator of ${n} machines never showed up under pdm start to be moved to CPU 1`);
  const lagAdmin = await kafkaAdmin();
  const warmupS = Math.round((Date.now() - startedAt) / 1000);
  const procs = plantProcesses(child.pid!);
  const cpu0 = new Map([...procs].map(([name, pid]) => [name, cpuSeconds(pid)]));
  // pdm start's threads: the processor's event loop, and the analysis in worker threads (the collector is a child process).
  const threads0 = threadCpuSeconds(child.pid!);
  const processorLatency0 = await processorLatency();
  const t0 = Date.now();
  const spanStartUs = t0 * 1000;
  const latencies: number[] = [];
  const lags: Array<[number, number]> = [];
  const rss = new Map<string, number>();
  let lastSeenUs = spanStartUs;
  const seen = new Set<string>();
  let nextLagAt = t0;
  while (Date.now() - t0 < MINUTES * 60_000 && !gone) {
    const polledAt = Date.now();
    try {
      // Windows of different machines become queryable out of order (each in its own batch): look
      // back LOOKBACK_US behind the newest seen and count each window once by its key.
      const rows = (await sql(
        `SELECT machine, channel, ts FROM ${tables.features} WHERE ts > ${Math.max(spanStartUs, lastSeenUs - LOOKBACK_US)}`,
      )) as [string, string, string][];
      for (const [machine, channel, ts] of rows) {
        const key = `${machine}|${channel}|${ts}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const tsMs = Date.parse(ts);
        latencies.push((polledAt - tsMs) / 1000);
        lastSeenUs = Math.max(lastSeenUs, tsMs * 1000);
      }
    } catch (err) {
      say(`  poll failed: ${(err as Error).message}`);
    }
    if (Date.now() >= nextLagAt) {
      nextLagAt += 10_000;
      try {
        const left = await backlog(lagAdmin, 'pdm-processor', [topics.vibration, topics.energy, topics.gaps]);
        lags.push([(Date.now() - t0) / 1000, [...left.values()].reduce((a, t) => a + t.left, 0)]);
      } catch {
        /* Kafka busy: next time */
      }
      for (const [name, pid] of procs) rss.set(name, Math.max(rss.get(name) ?? 0, rssMb(pid)));
    }
    await sleep(Math.max(0, 250 - (Date.now() - polledAt)));
  }
  const seconds = (Date.now() - t0) / 1000;
  const cpuCores = Object.fromEntries(
    [...procs].map(([name, pid]) => [name, Math.round(((cpuSeconds(pid) - (cpu0.get(name) ?? Number.NaN)) / seconds) * 100) / 100]),
  );
  const threads1 = threadCpuSeconds(child.pid!);
  const processorLatencyS = processorLatencyOver(processorLatency0, await processorLatency());
  const pdmStartThreads = Object.fromEntries(
    [...threads1]
      .map(([name, t]) => [name, Math.round(((t - (threads0.get(name) ?? 0)) / seconds) * 100) / 100] as const)
      .filter(([, cores]) => cores >= 0.01)
      .sort((a, b) => b[1] - a[1]),
  );
  const [[stored]] = (await sql(`SELECT count() FROM ${tables.features} WHERE ts >= ${spanStartUs} AND ts <= ${Date.now() * 1000}`)) as [
    [number],
  ];
  const [[missing]] = (await sql(
    `SELECT coalesce(sum(missing_blocks), 0) FROM ${tables.gaps} WHERE ts >= ${spanStartUs} AND ts <= ${Date.now() * 1000}`,
  )) as [[number]];
  await lagAdmin.disconnect();
  child.kill('SIGINT');
  await Promise.race([exited, sleep(60_000)]);
  if (!gone) child.kill('SIGKILL');
  const lagSlope = slope(lags);
  const lagGrowth = lagSlope * seconds;
  const result = {
    machines: n,
    warmupS,
    settled,
    samplesPerS: n * CHANNELS * 25_600,
    seconds: Math.round(seconds),
    missingBlocks: Number(missing),
    lagMax: lags.length ? Math.max(...lags.map((l) => l[1])) : null,
    lagGrowthMessages: Math.round(lagGrowth),
    lagFlat: lagGrowth < 2 * messagesPerS,
    windows: Number(stored),
    windowsTimed: latencies.length,
    windowsExpected: Math.round(n * CHANNELS * seconds),
    latencyS: { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), p99: quantile(latencies, 0.99) },
    // From the window's last sample to QuestDB accepting its row (the rest is QuestDB making it queryable).
    processorLatencyS,
    cpuCores,
    pdmStartThreads,
    rssMaxMb: Object.fromEntries(rss),
    sustained: false,
  };
  result.sustained = result.missingBlocks === 0 && result.lagFlat && latencies.length > 0;
  say(
    `${n} machines: ${result.sustained ? 'SUSTAINED' : 'not sustained'} — warm-up ${warmupS} s (${settled ? 'lag settled' : 'lag NOT settled: latency includes a backlog'}), missing ${result.missingBlocks}, lag max ${result.lagMax} (growth ${result.lagGrowthMessages} messages), latency p50/p95/p99 ${result.latencyS.p50}/${result.latencyS.p95}/${result.latencyS.p99} s, CPU ${JSON.stringify(cpuCores)}, pdm start by thread ${JSON.stringify(pdmStartThreads)}`,
  );
  return result;
}

const load = loadavg();
const steps = [];
for (const n of sizes) {
  const r = await step(n);
  steps.push(r);
  if (!r.sustained) break;
}
const best = [...steps].reverse().find((s) => s.sustained);
const failed = steps.find((s) => !s.sustained);
// What gave out first at the failing size: lag growing = the processor (or QuestDB) behind; blocks
// missing with the lag flat = collection (simulator or collector) behind; the busiest process beside it.
const busiest = failed ? Object.entries(failed.cpuCores).sort((a, b) => b[1] - a[1])[0] : undefined;
const summary = {
  bench: 'e2e',
  measuredAt: new Date().toISOString(),
  command: `npm run bench:e2e -- --machines ${values.machines} --minutes ${MINUTES} --layout ${LAYOUT}${EXTERNAL ? ' --external-simulator' : ''}`,
  cpus: cpus().length,
  loadAverageAtStart: load.map((l) => Math.round(l * 100) / 100),
  machinesSustained: best?.machines ?? 0,
  latencyS: best?.latencyS ?? null,
  saturatesFirst: failed
    ? {
        machines: failed.machines,
        stage: !failed.lagFlat ? 'processing (consumer lag grows)' : 'collection (blocks missing)',
        busiestProcess: busiest ? `${busiest[0]} (${busiest[1]} cores)` : null,
      }
    : null,
  externalSimulator: EXTERNAL,
  steps,
};
console.log(JSON.stringify(summary, null, 2));
if (best === undefined) {
  // "0 machines sustained" would read as a measurement: it only says the ramp started too high.
  say(
    `none of the sizes tried (${sizes.join(', ')}) was sustained: BENCHMARKS.md and BENCHMARKS.json keep their figures; start the ramp lower (--machines)`,
  );
  process.exit(2);
}

const md = join(root, 'BENCHMARKS.md');
const where = EXTERNAL
  ? 'the pipeline (`pdm start` with its collector and processor, Kafka, QuestDB) pinned to CPU 0 and the simulator moved to CPU 1 (taskset), so the figure is what the pipeline sustains on one core with the simulator elsewhere'
  : 'everything (simulator, collector, processor, Kafka, QuestDB) on the same cores';
writeMarkedSection(md, EXTERNAL ? 'e2e-external-simulator' : 'e2e', 'bench/e2e.ts', [
  EXTERNAL
    ? '## End to end, the simulator on a core of its own (`npm run bench:e2e -- --external-simulator`)'
    : '## End to end (`npm run bench:e2e`)',
  '',
  `\`${summary.command}\` (${summary.measuredAt}, ${summary.cpus} cores, load at start ${summary.loadAverageAtStart.join(' / ')}): \`pdm start\` on N healthy pumps, each one triaxial 25.6 kHz accelerometer and an energy meter, served ${LAYOUT === 'gateway' ? 'by one OPC UA gateway server' : 'each by its own OPC UA server'}, ${where}. Measured after a warm-up: every machine storing windows with its health baseline learnt (its healthy references are learnt then, in the background: a one-off at commissioning) and the consumer lag under two seconds of messages (the table says when it did not settle). Sustained = no block missing and the consumer lag flat over ${MINUTES} measured minutes. Latency = from a window's start to its feature row being queryable in QuestDB (a window is 1 s of it); the processor's part = from the window's last sample to QuestDB accepting the row (its pdm_processor_window_latency_seconds histogram over the span: mean, and the bucket bound each quantile falls under), the rest being QuestDB applying its write-ahead log.`,
  '',
  `**${summary.machinesSustained} machines sustained**${best ? ` (${(best.samplesPerS / 1e6).toFixed(2)} million samples/s), latency p50/p95/p99 ${best.latencyS.p50}/${best.latencyS.p95}/${best.latencyS.p99} s` : ''}.${summary.saturatesFirst ? ` At ${summary.saturatesFirst.machines}: ${summary.saturatesFirst.stage}; busiest process ${summary.saturatesFirst.busiestProcess}.` : ' No size tried failed.'}`,
  '',
  "| machines | sustained | warm-up (s), lag settled before measuring | missing blocks | lag max / growth (messages) | windows stored / expected | latency p50 / p95 / p99 (s) | processor's part: mean; p50 / p95 / p99 under (s) | CPU cores by process | pdm start by thread (cores) | max RSS MB by process |",
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...steps.map(
    (s) =>
      `| ${s.machines} | ${s.sustained ? 'yes' : 'no'} | ${s.warmupS ?? '-'}, ${s.settled === undefined ? '-' : s.settled ? 'yes' : '**no**: latency includes a backlog'} | ${s.missingBlocks} | ${s.lagMax ?? '-'} / ${s.lagGrowthMessages} | ${s.windows} / ${s.windowsExpected} | ${s.latencyS.p50} / ${s.latencyS.p95} / ${s.latencyS.p99} | ${s.processorLatencyS ? `${s.processorLatencyS.meanS}; ${s.processorLatencyS.p50UnderS} / ${s.processorLatencyS.p95UnderS} / ${s.processorLatencyS.p99UnderS}` : '-'} | ${Object.entries(
        s.cpuCores,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} | ${Object.entries(s.pdmStartThreads ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} | ${Object.entries(s.rssMaxMb)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} |`,
  ),
]);
const json = join(root, 'BENCHMARKS.json');
const previous = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as Partial<HeadlineDocument>) : undefined;
writeFileSync(
  json,
  `${JSON.stringify(
    mergeHeadline(previous, headlineFigures('e2e', summary), {
      node: process.version,
      cpus: cpus().length,
      loadAverage: summary.loadAverageAtStart,
      at: summary.measuredAt,
    }),
    null,
    2,
  )}\n`,
);
writeTargetsSection(root);
say(
  `wrote the ${EXTERNAL ? 'e2e-external-simulator' : 'e2e'} section of BENCHMARKS.md, its figures in BENCHMARKS.json and the Targets section`,
);
