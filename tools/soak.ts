/**
 * `npm run soak -- --minutes 30` (not in CI): the local factory (`pdm start`, the README's main
 * job, with its default fleet) runs for the given time while this samples, every 30 s, the
 * resident memory of every process of the plant (pdm start with the processor, the collector, the
 * simulator, Kafka, QuestDB), the processor group's consumer lag (messages left, from Kafka) and
 * the collection gaps stored. At the end it says whether memory stayed flat (the last quarter's
 * mean against the second quarter's: start-up and warm-up excluded), whether the lag stayed
 * bounded, and that no block was missing, and writes the figures into BENCHMARKS.md's soak
 * section (tools/soak-report.ts keeps the rest of the file).
 *
 *   node tools/soak.ts [--minutes 30] [--fleet deploy/config/fleet.yaml]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { backlog } from '../cli/run-state.ts';
import { createKafka } from '../common/kafka.ts';
import { topicNames } from '../common/topics.ts';
import { defaultServicesDir } from '../deploy/local/paths.ts';
import { ensureCredentials, questdbLayout } from '../deploy/local/questdb.ts';
import { questdbDir } from '../deploy/local/services.ts';
import { questdbExec } from '../storage/sql.ts';
import { tableNames } from '../storage/tables.ts';
import { mallocHeapMb, plantProcesses, rssMb } from './harness/plant-processes.ts';
import { writeSoakSection } from './soak-report.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    fleet: { type: 'string', default: 'deploy/config/fleet.yaml' },
    'sample-s': { type: 'string', default: '30' },
  },
});
const root = resolve(import.meta.dirname, '..');
const minutes = Number(values.minutes);
const sampleMs = Number(values['sample-s']) * 1000;
if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got ${values.minutes}`);
const say = (l: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${l}\n`);

const offset = process.env['PDM_SERVICES_PORT_OFFSET'] ?? '0';
const kafkaPort = 9092 + Number(offset);
const questdbHttp = `http://127.0.0.1:${9000 + Number(offset)}`;
say(`pdm start --fleet ${values.fleet} --duration ${minutes * 60} (the local factory; logs in .pdm/logs)...`);
const child: ChildProcess = spawn(
  process.execPath,
  [join(root, 'cli', 'pdm.ts'), 'start', '--fleet', values.fleet, '--duration', String(minutes * 60)],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
const startedAt = Date.now();

interface Sample {
  atS: number;
  rssMb: Record<string, number>;
  mallocHeapMb: Record<string, number>;
  lag: number | null;
  missingBlocks: number | null;
}
const samples: Sample[] = [];
const topics = topicNames('');
const tables = tableNames('');
const admin = createKafka([`127.0.0.1:${kafkaPort}`], 'pdm-soak').admin();
let adminUp = false;
/** The local QuestDB's credentials (pdm start's services directory), once they exist. */
function questdbAuth(): { user: string; password: string } | undefined {
  try {
    return ensureCredentials(questdbLayout(questdbDir(defaultServicesDir('dev'))));
  } catch {
    return undefined;
  }
}

let done = false;
void exited.then(() => {
  done = true;
});
while (!done) {
  await Promise.race([exited, new Promise((r) => setTimeout(r, sampleMs))]);
  if (done) break;
  const procs = plantProcesses(child.pid!);
  const rss = Object.fromEntries([...procs].map(([name, pid]) => [name, rssMb(pid)]));
  const heap = Object.fromEntries([...procs].map(([name, pid]) => [name, mallocHeapMb(pid)]));
  let lag: number | null = null;
  try {
    if (!adminUp) {
      await admin.connect();
      adminUp = true;
    }
    const left = await backlog(admin, 'pdm-processor', [topics.vibration, topics.energy, topics.gaps]);
    lag = [...left.values()].reduce((a, t) => a + t.left, 0);
  } catch {
    /* Kafka not up yet */
  }
  let missing: number | null = null;
  try {
    const res = await questdbExec(
      { httpUrl: questdbHttp, auth: questdbAuth() },
      // A stopped or tripped machine acquires nothing (cause not_running): no block is lost then.
      // Only this run's gaps: the local QuestDB keeps the tables of every earlier run.
      `SELECT coalesce(sum(missing_blocks), 0) FROM ${tables.gaps} WHERE (cause IS NULL OR cause != 'not_running') AND ts >= '${new Date(startedAt).toISOString()}'`,
    );
    missing = Number(res.dataset[0]?.[0] ?? 0);
  } catch {
    /* table not there yet */
  }
  const s = { atS: Math.round((Date.now() - startedAt) / 1000), rssMb: rss, mallocHeapMb: heap, lag, missingBlocks: missing };
  samples.push(s);
  say(
    `${s.atS} s: RSS ${Object.entries(rss)
      .map(([n, v]) => `${n} ${v} MB (malloc heap ${heap[n]})`)
      .join(', ')}; lag ${lag ?? '-'} messages; missing blocks ${missing ?? '-'}`,
  );
}
const code = await exited;
if (adminUp) await admin.disconnect();

// Flat: the last quarter's mean against the second quarter's (the first is start-up and warm-up).
const quarter = (k: number) => samples.slice(Math.floor((samples.length * k) / 4), Math.floor((samples.length * (k + 1)) / 4));
const names = [...new Set(samples.flatMap((s) => Object.keys(s.rssMb)))];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const memory = names.map((name) => {
  const of = (ss: Sample[]) => mean(ss.map((s) => s.rssMb[name]).filter((x): x is number => Number.isFinite(x)));
  const early = of(quarter(1));
  const late = of(quarter(3));
  return {
    process: name,
    startMb: samples[0]?.rssMb[name] ?? null,
    endMb: samples.at(-1)?.rssMb[name] ?? null,
    secondQuarterMeanMb: Math.round(early),
    lastQuarterMeanMb: Math.round(late),
    growthPct: Math.round(((late - early) / early) * 1000) / 10,
    mallocHeapEndMb: samples.at(-1)?.mallocHeapMb[name] ?? null,
  };
});
const lags = samples.map((s) => s.lag).filter((x): x is number => x !== null);
const summary = {
  measuredAt: new Date().toISOString(),
  command: `npm run soak -- --minutes ${minutes}`,
  fleet: values.fleet,
  // glibc malloc settings given to the plant's processes (they change how much freed memory stays resident).
  mallocEnvironment: Object.entries(process.env)
    .filter(([k]) => k.startsWith('MALLOC_'))
    .map(([k, v]) => `${k}=${v}`),
  cpus: cpus().length,
  loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  minutes,
  exitCode: code,
  samples: samples.length,
  memory,
  lag: { max: lags.length ? Math.max(...lags) : null, lastQuarterMax: Math.max(...quarter(3).map((s) => s.lag ?? 0)) },
  missingBlocksAtEnd: samples.at(-1)?.missingBlocks ?? null,
};
console.log(JSON.stringify(summary, null, 2));
writeSoakSection(join(root, 'BENCHMARKS.md'), summary);
say('soak section written to BENCHMARKS.md');
