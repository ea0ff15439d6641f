/**
 * No command prints a password (issue 15): `pdm services up` and `status` say where the QuestDB
 * password is (the services directory's credentials file, or the environment), and the line they
 * print for other processes reads it from there, so it can still be pasted as it is.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { upReport } from '../../../cli/commands/services.ts';
import { main } from '../../../cli/main.ts';
import { credentialsFile } from '../../../deploy/local/control.ts';
import { endpointsFromEnv, printableQuestdb, questdbEndpoints } from '../../../deploy/local/endpoints.ts';

const SECRET = 'Zq9-secret-XyZ_0123456789';

describe('no command prints a password', () => {
  let out: string;
  let err: string;
  const saved = { ...process.env };
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...saved };
  });

  it('printableQuestdb: the password is gone from the PG URL, the ILP string and the fields, replaced by where it is', () => {
    const e = printableQuestdb(questdbEndpoints('127.0.0.1', 9000, 8812, 'pdm', SECRET), '/x/credentials.json');
    expect(JSON.stringify(e)).not.toContain(SECRET);
    expect(e).not.toHaveProperty('questdbPassword');
    expect(e.questdbPg).toBe('postgres://pdm:<password in /x/credentials.json>@127.0.0.1:8812/qdb');
    expect(e.questdbIlpConfig).toBe('http::addr=127.0.0.1:9000;username=pdm;password=<password in /x/credentials.json>;');
    // From the environment, a password that needs URL escaping, in a user-given ILP string too.
    const env = endpointsFromEnv({
      PDM_QUESTDB_PG: `postgres://pdm:${encodeURIComponent('p@ss:/word')}@q:8812/qdb`,
      PDM_QUESTDB_ILP: 'http::addr=q:9000;username=pdm;password=p@ss:/word;',
    }).questdb!;
    expect(JSON.stringify(printableQuestdb(env, 'PDM_QUESTDB_PASSWORD'))).not.toMatch(/p@ss|p%40ss/);
  });

  it('pdm services up (local services): names the credentials file, and its pasteable line reads the password from it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pdm-no-password-'));
    mkdirSync(join(dataDir, 'questdb'), { recursive: true });
    writeFileSync(credentialsFile(dataDir), JSON.stringify({ user: 'pdm', password: SECRET }));
    const services = {
      endpoints: { kafkaBrokers: ['127.0.0.1:9092'], ...questdbEndpoints('127.0.0.1', 9000, 8812, 'pdm', SECRET) },
      started: { kafka: true, questdb: true },
      dataDir,
    };
    const text = upReport(services, false, {}).join('\n');
    const json = upReport(services, true, {}).join('\n');
    for (const printed of [text, json]) {
      expect(printed).not.toContain(SECRET);
      expect(printed).toContain(resolve(credentialsFile(dataDir)));
    }
    expect(JSON.parse(json)).toMatchObject({ questdbUser: 'pdm', questdbCredentialsFile: resolve(credentialsFile(dataDir)) });
    expect((JSON.parse(json) as { exports: string[] }).exports).toEqual(text.split('\n').filter((l) => l.startsWith('export ')));
    // The printed export lines, run by a shell, set every variable, the real password among them.
    const exports = text.split('\n').filter((l) => l.startsWith('export '));
    expect(exports.map((l) => l.split('=')[0])).toEqual([
      'export PDM_KAFKA_BROKERS',
      'export PDM_QUESTDB_HTTP',
      'export PDM_QUESTDB_PG',
      'export PDM_QUESTDB_USER',
      'export PDM_QUESTDB_PASSWORD',
    ]);
    const got = execFileSync(
      'bash',
      [
        '-c',
        `${exports.join('\n')}\nprintf '%s|%s|%s|%s|%s' "$PDM_KAFKA_BROKERS" "$PDM_QUESTDB_HTTP" "$PDM_QUESTDB_PG" "$PDM_QUESTDB_USER" "$PDM_QUESTDB_PASSWORD"`,
      ],
      { encoding: 'utf8' },
    );
    expect(got).toBe(`127.0.0.1:9092|http://127.0.0.1:9000|postgres://127.0.0.1:8812/qdb|pdm|${SECRET}`);
  });

  it('pdm services up --kafka-security sasl_ssl: names the CA and the users file, and its line reads the Kafka password from it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pdm-no-password-'));
    const usersFile = join(dataDir, 'users.json');
    const KAFKA_SECRET = 'Kq7-collector-secret_01234';
    writeFileSync(
      usersFile,
      JSON.stringify({ storePassword: 'x', users: { collector: { username: 'collector', password: KAFKA_SECRET } } }),
    );
    const services = {
      endpoints: { kafkaBrokers: ['127.0.0.1:9092'], ...questdbEndpoints('127.0.0.1', 9000, 8812, 'pdm', SECRET) },
      started: { kafka: true, questdb: false },
      dataDir: '',
      kafkaSecurity: { protocol: 'sasl_ssl' as const, caFile: join(dataDir, 'ca.crt'), usersFile },
    };
    const text = upReport(services, false, { PDM_QUESTDB_HTTP: 'http://127.0.0.1:9000', PDM_QUESTDB_PASSWORD: SECRET }).join('\n');
    const json = upReport(services, true, {}).join('\n');
    for (const printed of [text, json]) {
      expect(printed).not.toContain(KAFKA_SECRET);
      expect(printed).toContain(usersFile);
    }
    // The printed export lines, run in a shell as `eval "$(pdm services up --detach | grep ^export)"` would.
    const exports = text
      .split('\n')
      .filter((l) => l.startsWith('export '))
      .join('\n');
    const got = execFileSync(
      'bash',
      ['-c', `${exports}\nprintf %s "$PDM_KAFKA_USERNAME:$PDM_KAFKA_PASSWORD:$PDM_KAFKA_SECURITY_PROTOCOL"`],
      {
        encoding: 'utf8',
        env: { ...process.env, PDM_QUESTDB_PASSWORD: SECRET },
      },
    );
    expect(got).toBe(`collector:${KAFKA_SECRET}:sasl_ssl`);
  });

  it('pdm services up and status --json with services named by the environment: the password stays in the environment', async () => {
    process.env['PDM_KAFKA_BROKERS'] = '127.0.0.1:1';
    process.env['PDM_QUESTDB_HTTP'] = 'http://127.0.0.1:2';
    process.env['PDM_QUESTDB_PG'] = `postgres://pdm:${SECRET}@127.0.0.1:3/qdb`;
    process.env['PDM_QUESTDB_USER'] = 'pdm';
    process.env['PDM_QUESTDB_PASSWORD'] = SECRET;
    const dataDir = mkdtempSync(join(tmpdir(), 'pdm-no-password-'));
    expect(await main(['services', 'up', '--data-dir', dataDir])).toBe(0);
    expect(await main(['services', 'up', '--json', '--data-dir', dataDir])).toBe(0);
    await main(['services', 'status', '--json', '--data-dir', dataDir]);
    expect(out).toContain('PDM_QUESTDB_PASSWORD');
    expect(out + err).not.toContain(SECRET);
  });
});
