/**
 * Ground truth lands in all three places, identical: `pdm simulate` (a child process, with Kafka
 * and QuestDB from the global setup) runs a fan whose outer-race fault fails within seconds, trips
 * and is repaired. The JSON Lines file, the pdm.truth.v1 topic and the QuestDB table ground_truth
 * hold the same records; the failure time predicted while degrading is the one that happened; the
 * table has the documented schema, WAL and DEDUP (writing the records again adds no row).
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createKafka } from '../../../common/kafka.ts';
import { topicNames } from '../../../common/topics.ts';
import type { TruthRecordV1 } from '../../../ingest/simulator/truth-record.ts';
import { TruthRecorder } from '../../../ingest/simulator/truth-recorder.ts';
import { CONTRACT_TABLES } from '../../../storage/schema.ts';
import { tableNames } from '../../../storage/tables.ts';
import { freePort, until } from '../../../tools/harness/ports.ts';
import { questdbAuth, sql, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';
import { pumpEntry, USER_ENV, USERS_FROM_ENV } from './helpers.ts';

const PDM = resolve(import.meta.dirname, '../../../cli/pdm.ts');
const ID = 'fan-9';

/** µs since the epoch of a QuestDB ISO timestamp (`2026-01-01T00:00:00.123456Z`), keeping the µs Date.parse drops. */
function isoToUs(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z$/.exec(iso);
  if (!m) throw new Error(`not a QuestDB timestamp: ${iso}`);
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0'));
}

describe('ground truth to file, Kafka and QuestDB', () => {
  const services = testServices();
  const prefix = `gt${Date.now().toString(36)}_`;
  const dir = mkdtempSync(join(tmpdir(), 'pdm-sim-truth-'));
  const truthFile = join(dir, 'truth', `${ID}.jsonl`);
  const topic = topicNames(prefix).truth;
  let fileLines: string[] = [];
  let records: TruthRecordV1[] = [];
  let stderr = '';

  beforeAll(async () => {
    const fleet = {
      timeAcceleration: 10_000,
      opcua: { basePort: await freePort(), users: USERS_FROM_ENV },
      // 16 h of life at ×10 000: failure ~5.8 s after start; tripped, then repaired 2 s later.
      machines: [
        pumpEntry(ID, {
          type: 'fan',
          faults: [{ type: 'outer_race', location: 'DE', onset: 0, growth: { timeToFailure: '16h' } }],
          onFailure: { action: 'trip', autoRepairAfterS: 2 },
        }),
      ],
    };
    writeFileSync(join(dir, 'fleet.yaml'), stringify(fleet));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...USER_ENV,
      PDM_KAFKA_BROKERS: services.kafkaBrokers.join(','),
      PDM_QUESTDB_HTTP: services.questdbHttp,
      PDM_QUESTDB_USER: services.questdbUser ?? '',
      PDM_QUESTDB_PASSWORD: services.questdbPassword ?? '',
    };
    const child = fork(
      PDM,
      [
        'simulate',
        '--fleet',
        join(dir, 'fleet.yaml'),
        '--pki',
        join(dir, 'pki'),
        '--truth-dir',
        join(dir, 'truth'),
        '--topic-prefix',
        prefix,
        '--table-prefix',
        prefix,
      ],
      {
        env,
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const lastLife = () =>
      existsSync(truthFile)
        ? Math.max(
            ...readFileSync(truthFile, 'utf8')
              .trim()
              .split('\n')
              .map((l) => (JSON.parse(l) as TruthRecordV1).life),
          )
        : -1;
    await until(() => lastLife() >= 1 || child.exitCode !== null, 60_000, 'a record of the second life');
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    fileLines = readFileSync(truthFile, 'utf8').trim().split('\n');
    records = fileLines.map((l) => JSON.parse(l) as TruthRecordV1);
  });

  it('tells the life of the machine in the file: degrading, failed (tripped), repaired into life 1', () => {
    const phases: string[] = [];
    for (const r of records) {
      const phase = `${r.life}:${r.state}`;
      if (phases.at(-1) !== phase) phases.push(phase);
    }
    expect(phases).toEqual(['0:degrading', '0:failed', '1:degrading']);
    for (const r of records) expect(r).toMatchObject({ v: 1, machine: ID });
    const failed = records.filter((r) => r.state === 'failed');
    expect(failed.every((r) => !r.running && r.failedAtMs === failed[0].failedAtMs && r.failureAtMs === r.failedAtMs)).toBe(true);
    // What the truth predicted while the fault grew is what happened.
    for (const r of records.filter((x) => x.life === 0 && x.state === 'degrading')) {
      expect(r.faultType).toBe('outer_race');
      expect(r.failureAtMs).toBe(failed[0].failedAtMs);
      expect(r.severity).toBeGreaterThan(0);
      expect(r.severity).toBeLessThan(1);
    }
  });

  it('sends the same records to pdm.truth.v1, keyed by machine', async () => {
    const kafka = createKafka(services.kafkaBrokers, `${prefix}reader`);
    const consumer = kafka.consumer({ groupId: `${prefix}reader` });
    const seen: Array<{ key: string; value: string }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void seen.push({ key: message.key!.toString(), value: message.value!.toString() }),
    });
    try {
      await until(() => seen.length >= fileLines.length, 30_000, `${fileLines.length} truth messages`);
    } finally {
      await consumer.disconnect();
    }
    expect(seen.map((m) => m.value)).toEqual(fileLines);
    expect(new Set(seen.map((m) => m.key))).toEqual(new Set([ID]));
  });

  it("writes one ground_truth row per record, with the record's values", async () => {
    const table = tableNames(prefix).groundTruth;
    const rows = await waitForRows(
      services,
      `SELECT ts, machine, state, fault_type, severity, failure_at, life, fault_location FROM ${table} ORDER BY ts`,
      (r) => r.length === records.length,
    );
    expect(rows).toHaveLength(records.length);
    rows.forEach((row, i) => {
      const r = records[i];
      expect(isoToUs(String(row.ts))).toBe(r.timeMs * 1000);
      expect(row).toMatchObject({ machine: ID, state: r.state, fault_type: r.faultType ?? 'none', life: r.life });
      expect(row.severity).toBe(r.severity);
      expect(row.failure_at === null ? null : isoToUs(String(row.failure_at))).toBe(
        r.failureAtMs === null ? null : Math.round(r.failureAtMs * 1000),
      );
    });
  });

  it('has the documented schema, WAL, deduplicated on (ts, machine): writing the records again adds no row', async () => {
    const table = tableNames(prefix).groundTruth;
    const columns = new Map(
      (await sql(services, `SELECT "column", type, upsertKey FROM table_columns('${table}')`)).map((c) => [String(c.column), c]),
    );
    for (const col of CONTRACT_TABLES.groundTruth.columns.split(',').map((c) => c.trim().split(/\s+/)))
      expect(columns.get(col[0])?.type).toBe(col[1]);
    expect(
      [...columns.values()]
        .filter((c) => c.upsertKey === true)
        .map((c) => c.column)
        .sort(),
    ).toEqual(['machine', 'ts']);
    const [info] = await sql(services, `SELECT walEnabled, designatedTimestamp FROM tables() WHERE table_name = '${table}'`);
    expect(info).toEqual({ walEnabled: true, designatedTimestamp: 'ts' });

    const txns = async () =>
      (await sql(services, `SELECT writerTxn, sequencerTxn FROM wal_tables() WHERE name = '${table}'`))[0] as {
        writerTxn: number;
        sequencerTxn: number;
      };
    const before = await txns();
    const recorder = await TruthRecorder.open(
      { httpUrl: services.questdbHttp, ilpConfig: services.questdbIlpConfig, auth: questdbAuth(services) },
      { tablePrefix: prefix },
    );
    await recorder.write(records);
    await recorder.close();
    expect(recorder.stats.rowsWritten).toBe(records.length);
    // WAL applies asynchronously: wait until the table has applied the new transaction, then count.
    await waitForRows(
      services,
      `SELECT writerTxn, sequencerTxn FROM wal_tables() WHERE name = '${table}'`,
      (r) => Number(r[0]?.sequencerTxn) > before.sequencerTxn && r[0]?.writerTxn === r[0]?.sequencerTxn,
    );
    const after = await txns();
    expect(after.writerTxn).toBe(after.sequencerTxn);
    expect(after.sequencerTxn).toBeGreaterThan(before.sequencerTxn);
    expect(Number((await sql(services, `SELECT count() n FROM ${table}`))[0].n)).toBe(records.length);
  });
});
