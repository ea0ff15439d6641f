/**
 * `npm run test:faults`: the whole plant under faults, with loss accounting (issue 15).
 *
 * A simulated factory runs end to end as separate processes (two `pdm simulate` processes
 * standing in for machines, `pdm collect`, `pdm process`, Kafka and QuestDB from the local
 * launcher) while the suite, one fault at a time at seeded random moments, SIGKILLs and restarts
 * each of them, SIGSTOPs (hangs) each of them, fills the spool's disk while Kafka is away, and
 * fills QuestDB's disk. Then it stops the collector cleanly, lets the processor drain, and counts
 * from the simulator's own record of the blocks it produced what reached QuestDB
 * (tools/fault-suite/accounting.ts): blocks unaccounted (0), rows duplicated (0), frames dropped
 * from a full spool against the collector's own count, and each fault's recovery time (from the
 * recovery action to a block produced after it queryable in QuestDB for every machine). Before
 * stopping Kafka it reads what the vibration and dead-letter topics hold (kafka-census.ts), so
 * the report says of each unaccounted block whether it reached Kafka (lost by the processor) or
 * not (lost by the collector). Prints a table, writes fault-report.json and RELIABILITY.md. Exit
 * 1 when a count is wrong.
 *
 * Disks: the spool and QuestDB's data live on size-limited tmpfs mounts when this process may
 * mount (root); otherwise the two disk faults are skipped and the report says so.
 *
 *   node tools/fault-suite/run.ts [--faults collector-kill,kafka-stop,...] [--hold 15] [--seed 1]
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SimulatorMessage } from '../../cli/commands/simulate.ts';
import { topicNames } from '../../common/topics.ts';
import { ensureServices, questdbDir, questdbTarget, type RunningServices } from '../../deploy/local/services.ts';
import { readState } from '../../deploy/local/state.ts';
import { collectorPkiDir, initPlantPki } from '../../ingest/opcua/pki-init.ts';
import { questdbExec } from '../../storage/sql.ts';
import { tableNames } from '../../storage/tables.ts';
import { freePort } from '../harness/ports.ts';
import { type ProcessorChild, spawnProcessor, stopChild } from '../harness/processor-group.ts';
import { accountChannel, type ChannelAccount, mergeRuns, type Run } from './accounting.ts';
import { type KafkaCensus, kafkaCensus } from './kafka-census.ts';

const root = resolve(import.meta.dirname, '../..');
const PDM = join(root, 'cli', 'pdm.ts');
const ALL_FAULTS = [
  'collector-kill',
  'processor-kill',
  'kafka-kill',
  'questdb-kill',
  'machine-kill',
  'collector-stop',
  'processor-stop',
  'kafka-stop',
  'questdb-stop',
  'machine-stop',
  'spool-disk-full',
  'questdb-disk-full',
] as const;
type FaultName = (typeof ALL_FAULTS)[number];

const { values } = parseArgs({
  options: {
    faults: { type: 'string', default: ALL_FAULTS.join(',') },
    hold: { type: 'string', default: '15' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'fault-report.json' },
  },
});
const faults = values.faults.split(',').map((f) => f.trim()) as FaultName[];
for (const f of faults)
  if (!ALL_FAULTS.includes(f)) {
    process.stderr.write(`unknown fault '${f}': one of ${ALL_FAULTS.join(', ')}\n`);
    process.exit(2);
  }
const HOLD_MS = Number(values.hold) * 1000;
const say = (l: string) => process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${l}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Seeded moments (mulberry32): a failing run can be repeated.
let seed = Number(values.seed) >>> 0;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const dir = mkdtempSync(join(tmpdir(), 'pdm-faults-'));
const servicesDir = join(dir, 'services');
const spoolDir = join(dir, 'spool');
const collectorLog = join(dir, 'collector.log');
const mounts: string[] = [];
/** A size-limited tmpfs at `path` (root only); false when this process may not mount. */
function mountTmpfs(path: string, sizeMb: number): boolean {
  mkdirSync(path, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', path], { stdio: 'ignore' });
    mounts.push(path);
    return true;
  } catch {
    return false;
  }
}
// QuestDB allocates its column and WAL files ahead in pages of 16 MB; on tmpfs those pages are
// real, and 2 GB filled within three minutes of three machines. 8 GB keeps the disk-full fault
// the only one that fills it.
const disks = mountTmpfs(spoolDir, 64) && mountTmpfs(questdbDir(servicesDir), 8192);
if (!disks) say('cannot mount size-limited disks here (not root?): the two disk faults are skipped');

const opcuaUser = 'faults';
const opcuaPassword = `pw-${Math.random().toString(36).slice(2)}`;
const env: NodeJS.ProcessEnv = { ...process.env, PDM_SERVICES_PORT_OFFSET: process.env['PDM_SERVICES_PORT_OFFSET'] ?? '600' };
let services: RunningServices = await ensureServices({ profile: 'dev', dataDir: servicesDir, env, onProgress: (l) => say(l) });
const ep = () => services.endpoints;
const tables = tableNames('');

// Machines: two simulator processes, so one can be killed while the other runs on.
const fleets = {
  a: { basePort: 47600 + (Number(env['PDM_SERVICES_PORT_OFFSET']) % 1000), machines: ['fault-pump', 'fault-fan'] },
  b: { basePort: 47650 + (Number(env['PDM_SERVICES_PORT_OFFSET']) % 1000), machines: ['fault-press'] },
};
const machineIds = [...fleets.a.machines, ...fleets.b.machines];
const pkiRoot = join(dir, 'pki');
await initPlantPki(pkiRoot, machineIds, 'localhost');
function fleetFile(name: 'a' | 'b'): string {
  const f = fleets[name];
  const machine = (id: string, i: number) => ({
    id,
    type: 'pump',
    identification: { manufacturer: 'pdm', model: 'faults', serialNumber: `F-${name}-${i}` },
    ratedPowerKw: 5.5,
    nominalSpeedRpm: 1450 + 40 * i,
    lineFrequencyHz: 50,
    poles: 4,
    operatingModes: [{ mode: 'full', durationS: 600, loadPct: 80 }],
    bearings: { DE: '6205-2RS', NDE: '6203-2RS' },
    sensors: { vibration: [{ location: 'DE', axes: ['X', 'Y', 'Z'] }] },
  });
  const file = join(dir, `fleet-${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      timeAcceleration: 1,
      seed: 11,
      opcua: { basePort: f.basePort, users: [{ usernameEnv: 'PDM_OPCUA_USER', passwordEnv: 'PDM_OPCUA_PASSWORD' }] },
      machines: f.machines.map(machine),
    }),
  );
  return file;
}

interface SimChild {
  child: ChildProcess;
  endpoints: Map<string, string>;
}
/** Everything the simulators reported producing, per machine/channel, over every life. */
const produced = new Map<string, Run[]>();
async function startSimulator(name: 'a' | 'b'): Promise<SimChild> {
  const child = fork(PDM, ['simulate', '--fleet', fleetFile(name), '--pki', pkiRoot, '--truth-dir', join(dir, 'truth')], {
    env: { ...env, PDM_OPCUA_USER: opcuaUser, PDM_OPCUA_PASSWORD: opcuaPassword, PDM_LOG_LEVEL: 'warn' },
    execArgv: ['--max-semi-space-size=32'],
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const lifeRuns = new Map<string, Run[]>();
  child.on('message', (m: SimulatorMessage) => {
    if (m.type !== 'produced') return;
    for (const [machine, channels] of Object.entries(m.machines))
      for (const [channel, runs] of Object.entries(channels)) lifeRuns.set(`${machine}/${channel}`, runs);
  });
  // Each report repeats the life's runs so far: fold them in when the life ends and at the end.
  child.once('exit', () => foldRuns(lifeRuns));
  lives.push(lifeRuns);
  return new Promise((res, rej) => {
    child.on('message', (m: SimulatorMessage) => {
      if (m.type === 'ready') res({ child, endpoints: new Map(m.machines.map((x) => [x.id, x.endpointUrl ?? ''])) });
    });
    child.once('exit', (code) => rej(new Error(`pdm simulate (${name}) exited with ${code} before it was ready`)));
  });
}
const lives: Array<Map<string, Run[]>> = [];
function foldRuns(life: Map<string, Run[]>): void {
  for (const [key, runs] of life) produced.set(key, mergeRuns([...(produced.get(key) ?? []), ...runs]));
}

say('starting the simulated machines (two pdm simulate processes)...');
const sims = { a: await startSimulator('a'), b: await startSimulator('b') };
const endpoints = new Map([...sims.a.endpoints, ...sims.b.endpoints]);

// Collector.
const collectorPort = await freePort();
const collectorConfig = join(dir, 'collector.json');
writeFileSync(
  collectorConfig,
  JSON.stringify({
    id: 'faults',
    pkiDir: collectorPkiDir(pkiRoot),
    spool: { dir: spoolDir, maxBytes: 48 * 1024 * 1024, segmentBytes: 4 * 1024 * 1024 },
    metrics: { port: collectorPort, host: '127.0.0.1' },
    machines: machineIds.map((id) => ({
      id,
      endpoint: endpoints.get(id),
      auth: { usernameEnv: 'PDM_OPCUA_USER', passwordEnv: 'PDM_OPCUA_PASSWORD' },
    })),
  }),
);
let collector: ChildProcess;
/** Frames the collector said it dropped from a full spool, summed over its lives (read before each stop). */
let spoolDroppedBefore = 0;
let spoolDroppedThisLife = 0;
function startCollector(): ChildProcess {
  spoolDroppedBefore += spoolDroppedThisLife;
  spoolDroppedThisLife = 0;
  return spawn(process.execPath, [PDM, 'collect', '--config', collectorConfig], {
    cwd: root,
    env: {
      ...env,
      PDM_KAFKA_BROKERS: ep().kafkaBrokers.join(','),
      PDM_OPCUA_USER: opcuaUser,
      PDM_OPCUA_PASSWORD: opcuaPassword,
      PDM_LOG_LEVEL: 'warn',
    },
    // Its warnings and errors (gaps, spool drops) are kept for a failed run's post-mortem.
    stdio: ['ignore', 'ignore', openSync(collectorLog, 'a')],
  });
}
async function readCollectorDrops(): Promise<void> {
  try {
    const h = (await (await fetch(`http://127.0.0.1:${collectorPort}/health`)).json()) as { spool: { dropped: number } };
    spoolDroppedThisLife = h.spool.dropped;
  } catch {
    /* not up: the last reading stands */
  }
}
const dropsTimer = setInterval(() => void readCollectorDrops(), 1000);

// Processor.
const processorConfig = { workers: 1, health: { checkpointIntervalS: 5 }, shutdown: { timeoutS: 10 } };
let processor: ProcessorChild;
const startProcessor = () => spawnProcessor(ep(), 'processor', join(dir, 'processor'), processorConfig);

say('starting the processor and the collector...');
processor = await startProcessor();
collector = startCollector();

async function sql(query: string): Promise<unknown[][]> {
  return (await questdbExec(questdbTarget(ep()), query, { timeoutMs: 30_000 })).dataset;
}

/** Wait until every machine has a block that started after `sinceMs` stored; the time it took, or null after the deadline. */
async function recovered(sinceMs: number, timeoutMs = 240_000): Promise<number | null> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    try {
      const rows = await sql(
        `SELECT machine, count() FROM ${tables.blocks} WHERE ts > '${new Date(sinceMs).toISOString()}' GROUP BY machine`,
      );
      if (rows.length === machineIds.length) return (Date.now() - sinceMs) / 1000;
    } catch {
      /* QuestDB away or the table not there yet */
    }
    await sleep(500);
  }
  return null;
}

function pidOf(target: 'kafka' | 'questdb'): number {
  const rec = readState(servicesDir)?.[target];
  if (!rec) throw new Error(`no ${target} record in ${servicesDir}`);
  return rec.pid;
}
const signal = (pid: number | undefined, sig: NodeJS.Signals) => {
  if (pid) process.kill(pid, sig);
};
async function restartServices(): Promise<void> {
  services = await ensureServices({ profile: 'dev', dataDir: servicesDir, env, onProgress: (l) => say(`  ${l}`) });
}
/** Fill a mount to all but `leaveMb`; returns the ballast's path to remove. */
function fillDisk(mount: string, leaveMb: number): string {
  const ballast = join(mount, 'ballast');
  const free = Number(execFileSync('df', ['--output=avail', '-B1', mount]).toString().split('\n')[1]);
  const bytes = Math.max(0, free - leaveMb * 1024 * 1024);
  const fd = openSync(ballast, 'w');
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  try {
    for (let written = 0; written < bytes; written += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  } catch {
    /* full already */
  } finally {
    closeSync(fd);
  }
  return ballast;
}

interface FaultResult {
  fault: FaultName;
  at: string;
  heldS: number;
  recoveryS: number | null;
  note?: string;
}
const results: FaultResult[] = [];

say('waiting for the first blocks of every machine in QuestDB...');
const startedAt = Date.now();
if ((await recovered(startedAt - 1000, 180_000)) === null) throw new Error('the plant never delivered a block of every machine');
say('plant running: faults begin');

for (const fault of faults) {
  if (!disks && fault.endsWith('disk-full')) {
    results.push({ fault, at: new Date().toISOString(), heldS: 0, recoveryS: null, note: 'skipped: no size-limited disk' });
    continue;
  }
  await sleep(3000 + random() * 7000);
  const at = Date.now();
  say(`${fault}...`);
  let note: string | undefined;
  const [target, kind] = [fault.slice(0, fault.indexOf('-')), fault.slice(fault.indexOf('-') + 1)];
  if (kind === 'kill') {
    if (target === 'collector') {
      await readCollectorDrops();
      collector.kill('SIGKILL');
      await sleep(HOLD_MS);
      collector = startCollector();
    } else if (target === 'processor') {
      processor.child.kill('SIGKILL');
      await sleep(HOLD_MS);
      processor = await startProcessor();
    } else if (target === 'kafka' || target === 'questdb') {
      signal(pidOf(target), 'SIGKILL');
      await sleep(HOLD_MS);
      await restartServices();
    } else {
      sims.b.child.kill('SIGKILL');
      await sleep(HOLD_MS);
      sims.b = await startSimulator('b');
    }
  } else if (kind === 'stop') {
    const pid =
      target === 'collector'
        ? collector.pid
        : target === 'processor'
          ? processor.child.pid
          : target === 'machine'
            ? sims.b.child.pid
            : pidOf(target as 'kafka' | 'questdb');
    signal(pid, 'SIGSTOP');
    await sleep(HOLD_MS);
    signal(pid, 'SIGCONT');
  } else if (fault === 'spool-disk-full') {
    // Kafka away, so the collector spools; its disk full, so the spool cannot grow: it must drop
    // (counted, reported as a spool_full gap) and not die.
    const kafkaPid = pidOf('kafka');
    const ballast = fillDisk(spoolDir, 2);
    signal(kafkaPid, 'SIGSTOP');
    await sleep(HOLD_MS * 2);
    rmSync(ballast, { force: true });
    signal(kafkaPid, 'SIGCONT');
    note = 'Kafka stopped and the spool disk full (2 MB left)';
  } else {
    const ballast = fillDisk(questdbDir(servicesDir), 8);
    await sleep(HOLD_MS * 2);
    rmSync(ballast, { force: true });
    note = "QuestDB's disk full (8 MB left)";
  }
  const recoveryS = await recovered(Date.now());
  const heldS = Math.round((Date.now() - at) / 100) / 10;
  say(`${fault}: ${recoveryS === null ? 'NOT recovered within 240 s' : `recovered in ${recoveryS.toFixed(1)} s`}`);
  results.push({
    fault,
    at: new Date(at).toISOString(),
    heldS,
    recoveryS: recoveryS === null ? null : Math.round(recoveryS * 10) / 10,
    note,
  });
}

// The end: the collector stops cleanly (sends what it spooled), the processor drains.
say('stopping the collector (it sends what waits in its spool) and letting the processor drain...');
await readCollectorDrops();
const collectorExited = new Promise((r) => collector.once('exit', r));
collector.kill('SIGTERM');
await collectorExited;
clearInterval(dropsTimer);
let last = -1;
for (let stable = 0; stable < 10; ) {
  await sleep(1000);
  const [[n]] = (await sql(`SELECT count() FROM ${tables.blocks}`)) as [[number]];
  stable = n === last ? stable + 1 : 0;
  last = n;
}
for (const s of [sims.a, sims.b]) {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}
for (const life of lives) foldRuns(life);

const blocks = (await sql(`SELECT machine, channel, seq FROM ${tables.blocks}`)) as Array<[string, string, number]>;
const gaps = (await sql(`SELECT machine, channel, from_seq, to_seq, cause FROM ${tables.gaps}`)) as Array<
  [string, string, number, number, string]
>;
const [[windows, distinctWindows]] = (await sql(
  `SELECT count(), count_distinct(concat(machine, '/', channel, '/', window_seq)) FROM ${tables.features}`,
)) as [[number, number]];
// Where Kafka stands (a diagnostic: a failure to read it leaves the accounting as it was).
const topics = topicNames('');
let census: KafkaCensus | undefined;
try {
  say('reading what Kafka holds (vibration and dead-letter topics)...');
  census = await kafkaCensus(ep().kafkaBrokers, { vibration: topics.vibration, deadLetter: topics.deadLetter });
} catch (err) {
  say(`cannot read Kafka's census (${(err as Error).message}): the report goes without it`);
}
const accounts: ChannelAccount[] = [];
for (const key of [...produced.keys()].sort()) {
  const [machine, channel] = key.split('/') as [string, string];
  accounts.push(
    accountChannel({
      machine,
      channel,
      produced: produced.get(key)!,
      stored: blocks.filter((b) => b[0] === machine && b[1] === channel).map((b) => Number(b[2])),
      gaps: gaps.filter((g) => g[0] === machine && g[1] === channel).map((g) => ({ from: Number(g[2]), to: Number(g[3]), cause: g[4] })),
      ...(census
        ? { kafka: { inTopic: census.inKafka.get(key) ?? new Set(), deadLettered: census.deadLettered.get(key) ?? new Set() } }
        : {}),
    }),
  );
}
await stopChild(processor, 'SIGTERM');
await services.stop();
for (const m of mounts.reverse()) {
  try {
    execFileSync('umount', ['-l', m]);
  } catch {
    /* leave it: the directory is temporary */
  }
}
// The collector's log outlives the run's directory (the post-mortem of a failed count).
if (existsSync(collectorLog)) copyFileSync(collectorLog, `${values.out.replace(/\.json$/, '')}-collector.log`);
rmSync(dir, { recursive: true, force: true });

const sum = (f: (a: ChannelAccount) => number) => accounts.reduce((x, a) => x + f(a), 0);
const reportedByCause: Record<string, number> = {};
for (const a of accounts) for (const [c, n] of Object.entries(a.reported)) reportedByCause[c] = (reportedByCause[c] ?? 0) + n;
const spoolDropped = spoolDroppedBefore + spoolDroppedThisLife;
const totals = {
  produced: sum((a) => a.produced),
  stored: sum((a) => a.stored),
  reportedMissingByCause: reportedByCause,
  unaccounted: sum((a) => a.unaccounted),
  duplicatedBlocks: sum((a) => a.duplicates),
  windows,
  duplicatedWindows: windows - distinctWindows,
  spoolDroppedByCollector: spoolDropped,
  spoolFullGapBlocks: reportedByCause['spool_full'] ?? 0,
  ...(census
    ? {
        kafka: {
          blocksInTopic: [...census.inKafka.values()].reduce((n, s) => n + s.size, 0),
          deadLettersByCode: census.deadLettersByCode,
          undecodable: census.undecodable,
          unaccountedInTopic: sum((a) => a.unaccountedInKafka?.inTopic ?? 0),
          unaccountedDeadLettered: sum((a) => a.unaccountedInKafka?.deadLettered ?? 0),
        },
      }
    : {}),
};
const ok = totals.unaccounted === 0 && totals.duplicatedBlocks === 0 && totals.duplicatedWindows === 0;
const report = {
  measuredAt: new Date().toISOString(),
  command: `npm run test:faults -- --faults ${faults.join(',')} --hold ${values.hold} --seed ${values.seed}`,
  machine: { cpus: cpus().length, loadAverage: loadavg().map((x) => Math.round(x * 100) / 100), node: process.version },
  plant: { machines: machineIds.length, channelsPerMachine: 3, simulatorProcesses: 2 },
  ok,
  totals,
  faults: results,
  channels: accounts,
};
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);

const lines = [
  '| fault | held (s) | recovery (s) | note |',
  '|---|---|---|---|',
  ...results.map((r) => `| ${r.fault} | ${r.heldS} | ${r.recoveryS ?? 'not recovered'} | ${r.note ?? ''} |`),
  '',
  '| blocks produced | stored | reported missing (by cause) | unaccounted | duplicated blocks | windows | duplicated windows | spool drops (collector) | spool_full gap blocks |',
  '|---|---|---|---|---|---|---|---|---|',
  `| ${totals.produced} | ${totals.stored} | ${
    Object.entries(reportedByCause)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ') || '-'
  } | ${totals.unaccounted} | ${totals.duplicatedBlocks} | ${windows} | ${totals.duplicatedWindows} | ${spoolDropped} | ${totals.spoolFullGapBlocks} |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
writeFileSync(
  join(root, 'RELIABILITY.md'),
  `# Reliability: the fault suite\n\nLatest \`${report.command}\` (${report.measuredAt}, ${report.machine.cpus} cores, load ${report.machine.loadAverage.join(' / ')}, Node ${report.machine.node}): ${machineIds.length} simulated machines (one triaxial 25.6 kHz sensor each) in two \`pdm simulate\` processes, \`pdm collect\`, \`pdm process\`, Kafka and QuestDB as separate processes; one fault at a time at seeded random moments. Recovery: from the recovery action (restart, SIGCONT, disk freed) to a block produced after it queryable in QuestDB for every machine. Accounting from the simulator's own record of the blocks it produced: every block is stored, or inside a gap the collector reported with its cause, or unaccounted. Full report: \`fault-report.json\` (written by each run). Generated by \`tools/fault-suite/run.ts\`; do not edit.\n\n${lines.join('\n')}\n\nResult: ${ok ? 'every block accounted for, nothing duplicated' : 'FAILED (see fault-report.json)'}.\n`,
);
say(ok ? 'every block accounted for, nothing duplicated' : 'FAILED: see fault-report.json');
process.exit(ok ? 0 : 1);
