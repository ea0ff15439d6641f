/**
 * `pdm history` against the real QuestDB: a machine's window features, written to the processor's
 * vibration_features table, come back as the feature-history CSV that `pdm rul --train` and the
 * processor's `histories` read - one row per window sequence, <channel>_<feature> columns, a window
 * missing a channel left out and counted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sender } from '@questdb/nodejs-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFeatureCsv } from '../../../common/feature-csv.ts';
import { tableDefinitions } from '../../../storage/schema.ts';
import { tableNames } from '../../../storage/tables.ts';
import { loadMachineFleets } from '../../../stream-processing/machine-fleets.ts';
import { exec, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';
import { windows } from '../../unit/stream-processing/health-windows.ts';

const services = testServices();
const prefix = `hist${Date.now().toString(36)}_`;
const FEATURES = tableNames(prefix).features;
const dir = mkdtempSync(join(tmpdir(), 'pdm-history-'));
const configFile = join(dir, 'processor.yaml');
const N = 420;
const GAP_SEQ = 1000 + 250; // DE_Y's window of this sequence is missing

function pdm(...args: string[]) {
  return spawnSync(process.execPath, ['cli/pdm.ts', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      PDM_QUESTDB_HTTP: services.questdbHttp,
      ...(services.questdbUser ? { PDM_QUESTDB_USER: services.questdbUser, PDM_QUESTDB_PASSWORD: services.questdbPassword } : {}),
    },
  });
}

beforeAll(async () => {
  await exec(services, tableDefinitions(prefix).find((t) => t.name === FEATURES)!.ddl);
  const sender = await Sender.fromConfig(`${services.questdbIlpConfig.replace(/;?$/, ';')}auto_flush=off;`);
  // A run to failure of pump-9 (features grow from window 200), and another machine's windows.
  for (const w of [...windows(N, 200, 41, 'pump-9'), ...windows(50, 1000, 42, 'fan-1')]) {
    if (w.machine === 'pump-9' && w.windowSeq === GAP_SEQ && w.channel === 'DE_Y') continue;
    sender.table(FEATURES).symbol('machine', w.machine).symbol('channel', w.channel).intColumn('window_seq', w.windowSeq);
    for (const [k, v] of Object.entries(w.features)) sender.floatColumn(k, v);
    await sender.at(w.tsNs, 'ns');
  }
  await sender.flush();
  await sender.close();
  await waitForRows(services, `SELECT count() n FROM ${FEATURES}`, (r) => Number(r[0]?.n) === 2 * N - 1 + 100);
  writeFileSync(configFile, `questdb: { tablePrefix: ${prefix} }\nhealth: { features: [rms, kurtosis, crest_factor] }\n`);
}, 120_000);

describe('pdm history', () => {
  it('exports one row per complete window, <channel>_<feature> columns, and pdm rul and the processor take it as a run-to-failure history', () => {
    const r = pdm('history', '--machine', 'pump-9', '--config', configFile);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`${N - 1} windows of pump-9 \\(DE_X, DE_Y x rms, kurtosis, crest_factor\\); 1 left out for a missing channel`),
    );
    const file = join(dir, 'pump-9.csv');
    writeFileSync(file, r.stdout);
    const h = readFeatureCsv(file);
    expect(h.columns).toEqual(['DE_X_rms', 'DE_X_kurtosis', 'DE_X_crest_factor', 'DE_Y_rms', 'DE_Y_kurtosis', 'DE_Y_crest_factor']);
    expect(h.rows).toHaveLength(N - 1);
    // Values and times are those written (first window: sequence 1000 at 1 800 000 000 s).
    const first = windows(1, 200, 41, 'pump-9');
    expect(h.times[0]).toBe(1_800_000_000);
    expect(h.rows[0].DE_X_rms).toBeCloseTo(first[0].features.rms, 12);
    expect(h.rows[0].DE_Y_kurtosis).toBeCloseTo(first[1].features.kurtosis, 12);
    expect(h.times.includes(1_800_000_000 + 250)).toBe(false);

    const rul = spawnSync(process.execPath, ['cli/pdm.ts', 'rul', '--train', file, '--series', file, '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(rul.status, rul.stderr).toBe(0);
    expect(rul.stdout.trim().split('\n')).toHaveLength(N - 1);
    const { fleets, errors } = loadMachineFleets({ 'pump-10': { histories: [file] } }, {});
    expect(errors.size).toBe(0);
    expect(fleets.get('pump-10')!.fleet.lifetimesS).toEqual([N - 1]);
  });

  it('a time range, and an unknown machine named with what to check', () => {
    const r = pdm(
      'history',
      '--machine',
      'pump-9',
      '--config',
      configFile,
      '--from',
      '2027-01-15T08:05:00Z',
      '--to',
      '2027-01-15T08:06:40Z',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1 + 100);
    const none = pdm('history', '--machine', 'pump-99', '--config', configFile);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no windows of machine 'pump-99' in hist\w+_vibration_features; check the machine id/);
    const bad = pdm('history', '--machine', 'pump-9', '--from', 'yesterday');
    expect(bad.status).toBe(2); // a usage error, before QuestDB is asked
    expect(bad.stderr).toMatch(/--from must be an ISO 8601 time with a zone/);
  });
});
