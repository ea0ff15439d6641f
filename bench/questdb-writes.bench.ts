/**
 * What QuestDB spends per row the processor writes, and whether that grows with the data already
 * in the partition (issue 16 part 4). The processor's write pattern, reproduced without Kafka or the
 * models: N machines × 3 channels of per-block rows (vibration_blocks, the highest-rate table, its
 * real DDL from storage/schema.ts) at 10 blocks/s each, written by P "partition" writers, each
 * committing its own rows every ~200 ms (as the processor flushes after each Kafka batch), each
 * writer's rows lagging the clock by its own 0-1.5 s (windows of different machines finish at
 * different moments): so most commits are out of order against what the others committed.
 *
 * Variants: the table's partitioning (DAY, as shipped before this bench, or HOUR), the data already
 * in the table (none, or `--hours` of earlier rows in the same partition day), and the commit
 * pattern (a commit per writer; grouped as the processor groups them, stream-processing/group-write.ts;
 * or one commit of every writer's rows per second). Each variant gets its own table; the
 * measure is QuestDB's CPU (user + system, /proc) from the first live commit until the WAL has
 * been applied, per 1000 rows. Prints one JSON object.
 *
 * Run: node bench/questdb-writes.bench.ts [--machines 12] [--writers 6] [--hours 2] [--live-s 45]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Sender } from '@questdb/nodejs-client';
import { ensureServices, questdbTarget } from '../deploy/local/services.ts';
import { readState } from '../deploy/local/state.ts';
import { tableDefinitions } from '../storage/schema.ts';
import { questdbExec } from '../storage/sql.ts';
import { DEFAULT_COMMIT_INTERVAL_MS, GroupWriter } from '../stream-processing/group-write.ts';

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '12' },
    writers: { type: 'string', default: '6' },
    hours: { type: 'string', default: '2' },
    'live-s': { type: 'string', default: '45' },
  },
});
const MACHINES = Number(values.machines);
const WRITERS = Number(values.writers);
const HOURS = Number(values.hours);
const LIVE_S = Number(values['live-s']);
const CHANNELS = ['DE_X', 'DE_Y', 'DE_Z'];
const BLOCKS_PER_S = 10;
const BLOCK_SAMPLES = 2_560;
const IDLE_S = 5;
const say = (l: string) => process.stderr.write(`[questdb-writes bench] ${l}\n`);
const load = loadavg();

const dir = mkdtempSync(join(tmpdir(), 'pdm-questdb-bench-'));
say('starting Kafka and QuestDB from the local jars...');
const services = await ensureServices({ profile: 'test', dataDir: join(dir, 'services'), onProgress: (l) => say(l) });
const ep = services.endpoints;
const target = questdbTarget(ep);
const questdbPid = readState(join(dir, 'services'))?.questdb?.pid;

function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function sql(q: string): Promise<unknown[][]> {
  const r = await questdbExec(target, q, { timeoutMs: 120_000 });
  return r.dataset;
}

/** Until QuestDB has applied every WAL transaction of the table (what a reader then sees). */
async function walApplied(table: string): Promise<void> {
  for (;;) {
    const rows = await sql(`select writerTxn, sequencerTxn, suspended from wal_tables() where name = '${table}'`);
    const [w, s, suspended] = (rows[0] ?? []) as [number, number, boolean];
    if (suspended) throw new Error(`QuestDB suspended the WAL of ${table}: see its log`);
    if (rows.length > 0 && w === s) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function blockRow(sender: Sender, table: string, machine: number, channel: string, seq: number, tsUs: bigint): void {
  sender
    .table(table)
    .symbol('machine', `m-${String(machine).padStart(3, '0')}`)
    .symbol('channel', channel)
    .intColumn('seq', seq)
    .intColumn('samples', BLOCK_SAMPLES)
    .floatColumn('sample_rate_hz', BLOCK_SAMPLES * BLOCKS_PER_S)
    .floatColumn('rms_g', 0.1 + (seq % 7) * 0.001)
    .floatColumn('peak_g', 0.4 + (seq % 5) * 0.01)
    .intColumn('kafka_partition', machine % WRITERS)
    .intColumn('kafka_offset', seq)
    .timestampColumn('processed_at', tsUs, 'us');
}

interface Variant {
  name: string;
  partitionBy: 'DAY' | 'HOUR';
  prefillHours: number;
  /** Each writer commits its own rows (today's processor), or all writers' rows go in one commit every `coalesceMs`. */
  commits: 'per-writer' | 'grouped' | { coalesceMs: number };
}

// The timeline starts at a fixed midnight (UTC): the prefill and the live rows share a day
// whatever the wall clock says, and TTLs (relative to the newest row) never drop any of it.
const DAY0_US = BigInt(Date.UTC(2026, 0, 5)) * 1000n;
const BLOCK_US = 1_000_000n / BigInt(BLOCKS_PER_S);

async function measure(v: Variant, index: number) {
  const table = `qwb${index}_${v.partitionBy.toLowerCase()}_${Date.now().toString(36)}_blocks`;
  const ddl = tableDefinitions(`qwb${index}_${v.partitionBy.toLowerCase()}_${Date.now().toString(36)}_`)[0]!.ddl;
  const createSql = ddl
    .replace(/CREATE TABLE IF NOT EXISTS \S+/, `CREATE TABLE ${table}`)
    .replace('PARTITION BY DAY', `PARTITION BY ${v.partitionBy}`);
  await sql(createSql);
  const config = `${ep.questdbIlpConfig.replace(/;?$/, ';')}auto_flush=off;`;
  const sender = await Sender.fromConfig(config);
  const seqOf = (tUs: bigint) => Number((tUs - DAY0_US) / BLOCK_US);

  // Prefill: earlier hours of the same day, in order, in big commits (cheap; not measured).
  const prefillBlocks = v.prefillHours * 3600 * BLOCKS_PER_S;
  if (prefillBlocks > 0)
    say(
      `${v.name}: writing ${v.prefillHours} h of earlier rows (${(prefillBlocks * MACHINES * CHANNELS.length).toLocaleString()} rows)...`,
    );
  for (let b = 0; b < prefillBlocks; b++) {
    const tUs = DAY0_US + BigInt(b) * BLOCK_US;
    for (let m = 0; m < MACHINES; m++)
      for (const c of CHANNELS) {
        blockRow(sender, table, m, c, b, tUs);
        await sender.at(tUs, 'us');
      }
    if (b % 6000 === 5999) await sender.flush();
  }
  await sender.flush();
  await walApplied(table);

  // Live: the clock runs from the end of the prefill (or from midnight) at real-time pace.
  const startUs = DAY0_US + BigInt(prefillBlocks) * BLOCK_US;
  const lagUs = Array.from({ length: WRITERS }, (_, w) => BigInt(Math.round(((w + 0.5) / WRITERS) * 1_500_000)));
  const nextBlock = Array.from({ length: WRITERS }, () => 0);
  const writerSenders = await Promise.all(Array.from({ length: WRITERS }, () => Sender.fromConfig(config)));
  const liveBlocks = LIVE_S * BLOCKS_PER_S;
  let rows = 0;
  let commits = 0;
  const cpu0 = cpuSeconds(questdbPid);
  const t0 = Date.now();
  let lastCoalesced = t0;
  const blocksOf = (w: number, until: number) => {
    const items: { m: number; c: string; tUs: bigint }[] = [];
    for (let b = nextBlock[w]!; b < until; b++) {
      const tUs = startUs + BigInt(b) * BLOCK_US;
      for (let m = w; m < MACHINES; m += WRITERS) for (const c of CHANNELS) items.push({ m, c, tUs });
    }
    nextBlock[w] = until;
    return items;
  };
  const clockOf = (w: number) => Math.min(liveBlocks, Number((BigInt(Date.now() - t0) * 1000n - lagUs[w]!) / BLOCK_US));
  if (v.commits === 'grouped') {
    // The processor's own pattern: each partition's batch waits for its write before the next one,
    // and the writes go through the processor's GroupWriter (stream-processing/group-write.ts).
    const group = new GroupWriter<{ m: number; c: string; tUs: bigint }>(
      async (items) => {
        for (const it of items) {
          blockRow(sender, table, it.m, it.c, seqOf(it.tUs), it.tUs);
          await sender.at(it.tUs, 'us');
        }
        await sender.flush();
        commits++;
        return [];
      },
      { minIntervalMs: DEFAULT_COMMIT_INTERVAL_MS },
    );
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        await new Promise((r) => setTimeout(r, w * 30));
        while (nextBlock[w]! < liveBlocks) {
          const until = clockOf(w);
          if (until > nextBlock[w]!) {
            const items = blocksOf(w, until);
            rows += items.length;
            await group.write(items);
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }),
    );
  } else {
    for (let tick = 0; ; tick++) {
      const elapsedUs = BigInt(Date.now() - t0) * 1000n;
      let pending = false;
      for (let w = 0; w < WRITERS; w++) {
        // Each writer commits what its clock (elapsed minus its lag) has produced, every other tick (~200 ms).
        if ((tick + w) % 2 !== 0) continue;
        const until = Math.min(liveBlocks, Number((elapsedUs - lagUs[w]!) / BLOCK_US));
        if (until <= nextBlock[w]!) continue;
        const s = v.commits === 'per-writer' ? writerSenders[w]! : sender;
        for (let b = nextBlock[w]!; b < until; b++) {
          const tUs = startUs + BigInt(b) * BLOCK_US;
          for (let m = w; m < MACHINES; m += WRITERS)
            for (const c of CHANNELS) {
              blockRow(s, table, m, c, seqOf(tUs), tUs);
              await s.at(tUs, 'us');
              rows++;
            }
        }
        nextBlock[w] = until;
        if (v.commits === 'per-writer') {
          await s.flush();
          commits++;
        } else pending = true;
      }
      if (typeof v.commits === 'object' && pending && Date.now() - lastCoalesced >= v.commits.coalesceMs) {
        await sender.flush();
        commits++;
        lastCoalesced = Date.now();
      }
      if (nextBlock.every((n) => n >= liveBlocks)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (typeof v.commits === 'object') {
      await sender.flush();
      commits++;
    }
  }
  await walApplied(table);
  const seconds = (Date.now() - t0) / 1000;
  // QuestDB's own housekeeping costs CPU with no writes at all: measured just after, subtracted.
  const idle0 = cpuSeconds(questdbPid);
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  const idleCores = (cpuSeconds(questdbPid) - idle0) / IDLE_S;
  const cpu = cpuSeconds(questdbPid) - cpu0 - idleCores * (IDLE_S + seconds);
  const [[stored]] = (await sql(`select count() from ${table} where ts >= ${startUs}`)) as [[number]];
  await Promise.all([sender, ...writerSenders].map((s) => s.close()));
  const result = {
    variant: v.name,
    partitionBy: v.partitionBy,
    prefillHours: v.prefillHours,
    prefillRows: prefillBlocks * MACHINES * CHANNELS.length,
    commitPattern:
      v.commits === 'per-writer' ? 'per writer' : v.commits === 'grouped' ? 'grouped (processor)' : `one every ${v.commits.coalesceMs} ms`,
    idleCores: Math.round(idleCores * 100) / 100,
    liveRows: rows,
    storedRows: Number(stored),
    commits,
    rowsPerCommit: Math.round(rows / commits),
    seconds: Math.round(seconds * 10) / 10,
    questdbCpuCores: Math.round((cpu / seconds) * 100) / 100,
    cpuMsPer1000Rows: Math.round(((cpu * 1000) / rows) * 1000 * 100) / 100,
  };
  say(
    `${v.name}: ${rows} rows in ${commits} commits (${result.rowsPerCommit}/commit), QuestDB ${result.questdbCpuCores} cores, ${result.cpuMsPer1000Rows} ms CPU per 1000 rows`,
  );
  await sql(`DROP TABLE ${table}`);
  return result;
}

// The partitioning the processor ships with (storage/schema.ts), and its grouped commits: the
// variant BENCHMARKS.json's questdb_cpu_ms_per_1000_rows reports.
const SHIPPED_PARTITION = /PARTITION BY (\w+)/.exec(tableDefinitions('')[0]!.ddl)?.[1] as 'DAY' | 'HOUR';
const variants: Variant[] = [
  { name: 'DAY, empty day, commit per writer', partitionBy: 'DAY', prefillHours: 0, commits: 'per-writer' },
  { name: `DAY, ${HOURS} h in the day, commit per writer`, partitionBy: 'DAY', prefillHours: HOURS, commits: 'per-writer' },
  { name: `HOUR, ${HOURS} h in the day, commit per writer`, partitionBy: 'HOUR', prefillHours: HOURS, commits: 'per-writer' },
  {
    name: `DAY, ${HOURS} h in the day, grouped commits (${DEFAULT_COMMIT_INTERVAL_MS} ms)`,
    partitionBy: 'DAY',
    prefillHours: HOURS,
    commits: 'grouped',
  },
  {
    name: `HOUR, ${HOURS} h in the day, grouped commits (${DEFAULT_COMMIT_INTERVAL_MS} ms)`,
    partitionBy: 'HOUR',
    prefillHours: HOURS,
    commits: 'grouped',
  },
  { name: `DAY, ${HOURS} h in the day, one commit per second`, partitionBy: 'DAY', prefillHours: HOURS, commits: { coalesceMs: 1000 } },
];
const shipped = variants.find((v) => v.partitionBy === SHIPPED_PARTITION && v.commits === 'grouped')!.name;
const results = [];
try {
  for (const [i, v] of variants.entries()) results.push(await measure(v, i));
} finally {
  await services.stop();
}
const reference = results[0]!;
console.log(
  JSON.stringify(
    {
      bench: 'questdb-writes',
      machines: MACHINES,
      channelsPerMachine: CHANNELS.length,
      blocksPerSecondPerChannel: BLOCKS_PER_S,
      writers: WRITERS,
      liveSeconds: LIVE_S,
      shipped,
      cpus: cpus().length,
      loadAverageAtStart: load.map((l) => Math.round(l * 100) / 100),
      results: results.map((r) => ({ ...r, ratioVsEmptyDay: Math.round((r.cpuMsPer1000Rows / reference.cpuMsPer1000Rows) * 100) / 100 })),
    },
    null,
    2,
  ),
);
