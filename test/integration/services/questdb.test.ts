/**
 * QuestDB as the launcher runs it: a WAL table with DEDUP UPSERT KEYS(ts, machine) written twice
 * over ILP/HTTP keeps one row per key (checked through /exec and the PostgreSQL wire), and the
 * per-directory password is enforced on HTTP /exec, ILP/HTTP and PG wire.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Sender } from '@questdb/nodejs-client';
import { describe, expect, it } from 'vitest';
import { isPdmError, type PdmError } from '../../../common/errors.ts';
import { questdbTarget } from '../../../deploy/local/services.ts';
import { row } from '../../../storage/rows.ts';
import { QuestdbSink } from '../../../storage/sink.ts';
import { questdbExec } from '../../../storage/sql.ts';
import { exec } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const endpoints = testServices();
const table = `dedup_${randomUUID().replaceAll('-', '')}`;
const MACHINES = ['press-1', 'press-2', 'pump-7'];
const STEPS = 10;
const BASE_US = 1_767_225_600_000_000n; // 2026-01-01T00:00:00Z in microseconds
const hasPsql = spawnSync('psql', ['--version']).status === 0;

function rmsOf(machine: number, step: number): number {
  return machine * 10 + step / 8;
}

async function writeRows(config: string, rms: (m: number, s: number) => number): Promise<void> {
  const sender = await Sender.fromConfig(`${config}auto_flush=off;`);
  try {
    for (let s = 0; s < STEPS; s++) {
      for (let m = 0; m < MACHINES.length; m++) {
        await sender
          .table(table)
          .symbol('machine', MACHINES[m])
          .floatColumn('rms', rms(m, s))
          .at(BASE_US + BigInt(s) * 1_000_000n, 'us');
      }
    }
    await sender.flush();
  } finally {
    await sender.close();
  }
}

/** WAL tables apply asynchronously: wait until every committed transaction is applied. */
async function waitApplied(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await exec(endpoints, `select writerTxn, sequencerTxn, suspended from wal_tables() where name = '${table}'`);
    const row = r.dataset[0] as [number, number, boolean] | undefined;
    if (row?.[2]) throw new Error(`WAL table ${table} is suspended`);
    if (row && row[0] === row[1]) return;
    if (Date.now() > deadline) throw new Error(`WAL of ${table} not applied in time: ${JSON.stringify(row)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

function psql(url: string, sql: string) {
  return spawnSync('psql', [url, '-X', '-A', '-t', '-c', sql], { encoding: 'utf8', timeout: 30_000 });
}

describe('QuestDB from the local launcher', () => {
  it('keeps one row per (ts, machine) when the same rows arrive twice over ILP/HTTP, last write winning', async () => {
    const ddl = await exec(
      endpoints,
      `CREATE TABLE '${table}' (ts TIMESTAMP, machine SYMBOL, rms DOUBLE) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, machine)`,
    );
    expect(ddl.ddl).toBe('OK');

    await writeRows(endpoints.questdbIlpConfig, rmsOf);
    await waitApplied();
    const once = await exec(endpoints, `select count() from '${table}'`);
    expect(once.dataset[0]![0]).toBe(MACHINES.length * STEPS);

    // Same keys again, with pump-7's values changed: no new rows, pump-7's rows take the new values.
    await writeRows(endpoints.questdbIlpConfig, (m, s) => (m === 2 ? 1000 + s : rmsOf(m, s)));
    await waitApplied();
    const r = await exec(endpoints, `select machine, count() n, sum(rms) total from '${table}' order by machine`);
    expect(r.dataset).toEqual([
      ['press-1', STEPS, Array.from({ length: STEPS }, (_, s) => rmsOf(0, s)).reduce((a, b) => a + b, 0)],
      ['press-2', STEPS, Array.from({ length: STEPS }, (_, s) => rmsOf(1, s)).reduce((a, b) => a + b, 0)],
      ['pump-7', STEPS, Array.from({ length: STEPS }, (_, s) => 1000 + s).reduce((a, b) => a + b, 0)],
    ]);
    const dup = await exec(endpoints, `select * from (select ts, machine, count() c from '${table}') where c > 1`);
    expect(dup.count).toBe(0);
  });

  it.skipIf(!hasPsql)('shows the same deduplicated rows through the PostgreSQL wire (psql)', async () => {
    await exec(endpoints, `select 1 from '${table}' limit 1`); // the table exists (previous test)
    const res = psql(endpoints.questdbPg, `select count(*), count_distinct(machine) from '${table}'`);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout.trim()).toBe(`${MACHINES.length * STEPS}|${MACHINES.length}`);
  });

  it('refuses a wrong password on HTTP /exec with PDM_ERR_QUESTDB_AUTH', async () => {
    const err = await exec({ ...endpoints, questdbPassword: 'wrong-password' }, 'select 1').catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_QUESTDB_AUTH')).toBe(true);
    const none = await questdbExec({ httpUrl: questdbTarget(endpoints).httpUrl }, 'select 1').catch((e: unknown) => e);
    expect(isPdmError(none, 'PDM_ERR_QUESTDB_AUTH')).toBe(true);
  });

  it('refuses ILP/HTTP writes with a wrong password, and stores nothing from them', async () => {
    const local = endpoints.questdbPassword !== undefined;
    if (!local) return; // external QuestDB without auth: nothing to refuse
    const wrong = endpoints.questdbIlpConfig.replace(`password=${endpoints.questdbPassword};`, 'password=wrong-password;');
    expect(wrong).not.toBe(endpoints.questdbIlpConfig);
    const target = `${table}_intruder`;
    const write = (async () => {
      const sender = await Sender.fromConfig(`${wrong}auto_flush=off;`);
      try {
        await sender.table(target).floatColumn('v', 1).at(BASE_US, 'us');
        await sender.flush();
      } finally {
        await sender.close().catch(() => {});
      }
    })();
    // 401 is not retried: the client reports it at once (with retry_timeout=0 it would say "timeout" instead).
    await expect(write).rejects.toThrow(/statusCode=401/);
    const tables = await exec(endpoints, `select table_name from tables() where table_name = '${target}'`);
    expect(tables.count).toBe(0);
  });

  it.skipIf(!hasPsql)('refuses a wrong password and the default admin/quest on the PostgreSQL wire', () => {
    const url = new URL(endpoints.questdbPg);
    for (const [user, password] of [
      [url.username, 'wrong-password'],
      ['admin', 'quest'],
    ] as const) {
      const bad = new URL(url);
      bad.username = user;
      bad.password = password;
      const res = psql(bad.toString(), 'select 1');
      expect(res.status).not.toBe(0);
      expect(res.stderr).toMatch(/invalid username\/password/);
    }
    // and the right one works, so the refusals above are about the password
    expect(execFileSync('psql', [endpoints.questdbPg, '-X', '-A', '-t', '-c', 'select 1'], { encoding: 'utf8' }).trim()).toBe('1');
  });

  it.skipIf(endpoints.questdbPassword === undefined)(
    'a new day partition of a wide table takes a few MiB of disk, not a 16 MiB page per column',
    async () => {
      // The pipeline's tables are this wide (vibration_features has about 40 column files); with
      // QuestDB's default pages this one row took 640 MiB, and the suite's 150 tables 20 GB.
      const wide = `${table}_wide`;
      const columns = Array.from({ length: 36 }, (_, i) => `v${i} DOUBLE`).join(', ');
      await exec(
        endpoints,
        `CREATE TABLE '${wide}' (ts TIMESTAMP, machine SYMBOL, channel SYMBOL, ${columns}) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, machine, channel)`,
      );
      const values = Array.from({ length: 36 }, (_, i) => String(i / 7)).join(', ');
      await exec(endpoints, `INSERT INTO '${wide}' VALUES (${BASE_US}, 'press-1', 'DE_X', ${values})`);
      const deadline = Date.now() + 60_000;
      let partitions: Array<[number, number]> = [];
      while (Date.now() < deadline) {
        const r = await exec(endpoints, `select numRows, diskSize from table_partitions('${wide}')`);
        partitions = r.dataset as Array<[number, number]>;
        if (partitions.length === 1 && partitions[0]![0] === 1) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(partitions.map((p) => p[0])).toEqual([1]);
      const MiB = 1024 * 1024;
      expect(partitions[0]![1] / MiB).toBeLessThan(16);
    },
  );

  it('reports SQL errors with QuestDB’s message and position', async () => {
    const err = await exec(endpoints, 'select nope from long_sequence(1)').catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_QUESTDB_REJECTED')).toBe(true);
    expect((err as Error).message).toMatch(/Invalid column: nope/i);
    expect((err as Error).message).toContain('position 7');
  });
});

describe('QuestDB errors through the storage module', () => {
  const local = endpoints.questdbPassword !== undefined;
  const NAMES_THE_FIX = /PDM_QUESTDB_USER.*PDM_QUESTDB_PASSWORD.*questdb\/credentials\.json/;

  it.skipIf(!local)('wrong credentials: PDM_ERR_QUESTDB_AUTH naming the variables to set, from SQL and from an ILP write', async () => {
    const sqlErr = await exec({ ...endpoints, questdbPassword: 'wrong-password' }, 'select 1').catch((e: unknown) => e);
    expect(isPdmError(sqlErr, 'PDM_ERR_QUESTDB_AUTH')).toBe(true);
    expect((sqlErr as Error).message).toMatch(NAMES_THE_FIX);

    const wrong = endpoints.questdbIlpConfig.replace(`password=${endpoints.questdbPassword};`, 'password=wrong-password;');
    const started = Date.now();
    const ilpErr = await (async () => {
      const sink = await QuestdbSink.connect(wrong);
      try {
        await sink.writeBatch([row(`${table}_auth`, 1_000n, { doubles: { v: 1 } })], () => {
          throw new Error('an auth refusal must not be retried');
        });
      } finally {
        await sink.close().catch(() => undefined);
      }
    })().catch((e: unknown) => e);
    expect(isPdmError(ilpErr, 'PDM_ERR_QUESTDB_AUTH')).toBe(true);
    expect((ilpErr as Error).message).toMatch(NAMES_THE_FIX);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a write QuestDB rejects (a column type clash) is PDM_ERR_QUESTDB_REJECTED and not retried', async () => {
    const clash = `${table}_clash`;
    await exec(endpoints, `CREATE TABLE '${clash}' (ts TIMESTAMP, machine SYMBOL, v DOUBLE) TIMESTAMP(ts) PARTITION BY DAY WAL`);
    const sink = await QuestdbSink.connect(endpoints.questdbIlpConfig);
    const retries: unknown[] = [];
    const started = Date.now();
    try {
      // `v` is DOUBLE: a symbol in it is a type clash QuestDB answers with HTTP 400.
      const err = await sink
        .writeBatch([row(clash, BASE_US * 1000n, { symbols: { machine: 'press-1', v: 'high' } })], (e) => retries.push(e))
        .catch((e: unknown) => e);
      expect(isPdmError(err, 'PDM_ERR_QUESTDB_REJECTED'), String(err)).toBe(true);
      expect((err as PdmError).retriable).toBe(false);
      expect((err as Error).message).toMatch(/HTTP 400/);
      expect(retries).toEqual([]);
      expect(Date.now() - started).toBeLessThan(10_000);
      // The sink is usable afterwards: a good row goes in.
      await sink.writeBatch([row(clash, BASE_US * 1000n, { symbols: { machine: 'press-1' }, doubles: { v: 2 } })]);
      expect(sink.rowsWritten).toBe(1);
    } finally {
      await sink.close();
    }
  });
});
