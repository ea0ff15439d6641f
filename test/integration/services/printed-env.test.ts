/**
 * What `pdm services up --detach` prints is all another process needs (issue 12, part 6): the
 * services start on their own directory and ports (the dev profile moved by this run's
 * PDM_SERVICES_PORT_OFFSET, away from the test profile the global set-up runs), the printed
 * `export` lines are evaluated by a shell with an otherwise empty environment, and `pdm process`
 * and `pdm history` work against them with that environment alone. With a wrong password both
 * fail with the error that names the variables to set.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../common/kafka.ts';
import { topicNames } from '../../../common/topics.ts';
import { encodeGapEvent } from '../../../common/wire/gap-event.ts';
import { credentialsFile } from '../../../deploy/local/control.ts';
import type { ServiceEndpoints } from '../../../deploy/local/endpoints.ts';
import { exec, waitForRows } from '../../helpers/questdb.ts';

const pdm = join(import.meta.dirname, '..', '..', '..', 'cli', 'pdm.ts');

/** The launcher's environment without any PDM_ variable but the port offset (nothing external). */
function launcherEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PDM_')) env[k] = v;
  env['PDM_SERVICES_PORT_OFFSET'] = process.env['PDM_SERVICES_PORT_OFFSET'] ?? '851';
  return env;
}

/**
 * Run `pdm <args>` in bash after evaluating `exports`, with nothing else in the environment but
 * PATH (for node) and HOME; `tail` is appended to the exports (e.g. a wrong password).
 */
function withPrinted(exports: string[], args: string[], cwd: string, tail: string[] = []) {
  const script = [...exports, ...tail, `exec node ${JSON.stringify(pdm)} "$@"`].join('\n');
  return spawn('bash', ['-c', script, 'pdm', ...args], {
    cwd,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function finished(child: ReturnType<typeof withPrinted>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
  return { code, stdout, stderr };
}

describe('pdm services up prints every variable another process needs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pdm-printed-env-'));
  const work = mkdtempSync(join(tmpdir(), 'pdm-printed-env-cwd-'));
  let exports: string[] = [];
  let ep: ServiceEndpoints;

  beforeAll(() => {
    const up = spawnSync(process.execPath, [pdm, 'services', 'up', '--detach', '--data-dir', dataDir], {
      env: launcherEnv(),
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (up.status !== 0) throw new Error(`pdm services up failed (${up.status}):\n${up.stderr}\n${up.stdout}`);
    exports = up.stdout.split('\n').filter((l) => l.startsWith('export '));
    const value = (name: string) =>
      exports
        .find((l) => l.startsWith(`export ${name}=`))
        ?.slice(`export ${name}=`.length)
        .replace(/^'(.*)'$/, '$1') ?? '';
    const creds = JSON.parse(readFileSync(credentialsFile(dataDir), 'utf8')) as { user: string; password: string };
    ep = {
      kafkaBrokers: value('PDM_KAFKA_BROKERS').split(','),
      questdbHttp: value('PDM_QUESTDB_HTTP'),
      questdbPg: value('PDM_QUESTDB_PG'),
      questdbIlpConfig: '',
      questdbUser: creds.user,
      questdbPassword: creds.password,
    };
  }, 300_000);

  afterAll(() => {
    spawnSync(process.execPath, [pdm, 'services', 'down', '--data-dir', dataDir], {
      env: launcherEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
  });

  it('prints export lines for the brokers, QuestDB HTTP, PG, user and a password read from its file (never the password)', () => {
    expect(exports.map((l) => l.split('=')[0])).toEqual([
      'export PDM_KAFKA_BROKERS',
      'export PDM_QUESTDB_HTTP',
      'export PDM_QUESTDB_PG',
      'export PDM_QUESTDB_USER',
      'export PDM_QUESTDB_PASSWORD',
    ]);
    expect(exports.join('\n')).not.toContain(ep.questdbPassword);
    expect(exports.join('\n')).toContain(credentialsFile(dataDir));
  });

  it('pdm process with only those lines creates its tables and writes what Kafka brings; pdm history reads it back', async () => {
    const processor = withPrinted(exports, ['process'], work);
    const result = finished(processor);
    // Its tables exist once it has talked SQL to QuestDB with the printed credentials.
    const tables = await waitForRows(ep, 'SELECT table_name FROM tables()', (rows) =>
      rows.some((r) => r['table_name'] === 'collection_gaps'),
    );
    expect(tables.map((r) => r['table_name'])).toContain('collection_gaps');
    // A gap event through Kafka arrives in QuestDB: it consumed and wrote over ILP with them too.
    const kafka = createKafka(ep.kafkaBrokers, 'printed-env-test');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topicNames('').gaps,
      messages: [
        {
          key: 'env-check',
          value: encodeGapEvent({
            machine: 'env-check',
            channel: 'DE_X',
            from_seq: 5,
            to_seq: 7,
            detected_at_ms: Date.now(),
            resumed_at_ns: `${BigInt(Date.now()) * 1_000_000n}`,
            cause: 'lost_in_flight',
          }),
        },
      ],
    });
    await producer.disconnect();
    const gaps = await waitForRows(
      ep,
      "SELECT missing_blocks FROM collection_gaps WHERE machine = 'env-check'",
      (r) => r.length > 0,
      90_000,
    );
    expect(gaps).toEqual([{ missing_blocks: 3 }]);
    processor.kill('SIGTERM');
    const done = await result;
    expect(done.stderr).not.toContain('PDM_ERR_');
    expect(done.code).toBe(0);

    // A window's features, as the processor writes them, read back by pdm history with the same lines.
    await exec(
      ep,
      "INSERT INTO vibration_features (ts, machine, channel, window_seq, rms, kurtosis, crest_factor, velocity_rms_mm_s) VALUES (now(), 'env-check', 'DE_X', 1, 0.5, 3.0, 1.5, 1.2)",
    );
    await waitForRows(ep, "SELECT * FROM vibration_features WHERE machine = 'env-check'", (r) => r.length > 0);
    const history = await finished(withPrinted(exports, ['history', '--machine', 'env-check'], work));
    expect(history.stderr).not.toContain('PDM_ERR_');
    expect(history.code).toBe(0);
    expect(history.stdout.split('\n')[0]).toBe('time,DE_X_rms,DE_X_kurtosis,DE_X_crest_factor,DE_X_velocity_rms_mm_s');
    expect(history.stdout).toContain(',0.5,3,1.5,1.2');
  });

  it('with a wrong password, pdm process and pdm history fail with the error naming the variables to set', async () => {
    const wrong = ['export PDM_QUESTDB_PASSWORD=not-the-password'];
    for (const args of [['process'], ['history', '--machine', 'env-check']]) {
      const r = await finished(withPrinted(exports, args, work, wrong));
      expect(r.code, `pdm ${args[0]}: ${r.stderr}`).not.toBe(0);
      expect(r.stderr).toContain('HTTP 401');
      expect(r.stderr).toContain('set PDM_QUESTDB_USER and PDM_QUESTDB_PASSWORD');
    }
  });
});
