/**
 * The launcher's failure messages and lifecycle, triggered for real: a taken port, a Kafka that
 * exits during start-up, a bad JAVA_HOME, reuse of services already running from a directory,
 * and JVMs that die with a SIGKILLed launcher. QuestDB or Kafka from the global setup stands in
 * for "the other service" so each case starts at most one JVM.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { ensureServices } from '../../../deploy/local/services.ts';
import { lockFile, type ServicesState } from '../../../deploy/local/state.ts';
import { isAlive } from '../../../deploy/local/supervisor.ts';
import { exec } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const shared = testServices();
// Each case its own port range (dev ports + offset), away from the dev and test profiles.
const OFFSETS = { port: 23_100, early: 23_200, reuse: 23_300, orphan: 23_400, java: 23_500 };
const fixture = join(import.meta.dirname, 'fixtures', 'launcher-child.ts');
const servers: Server[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'pdm-launcher-'));
}

/** Env that makes the launcher use the shared QuestDB and start only Kafka, or the reverse. */
function withSharedQuestdb(offset: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PDM_SERVICES_PORT_OFFSET: String(offset),
    PDM_KAFKA_BROKERS: '',
    PDM_QUESTDB_HTTP: shared.questdbHttp,
    PDM_QUESTDB_PG: shared.questdbPg,
    PDM_QUESTDB_USER: shared.questdbUser ?? '',
    PDM_QUESTDB_PASSWORD: shared.questdbPassword ?? '',
  };
}
function withSharedKafka(offset: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PDM_SERVICES_PORT_OFFSET: String(offset),
    PDM_KAFKA_BROKERS: shared.kafkaBrokers.join(','),
    PDM_QUESTDB_HTTP: '',
    PDM_QUESTDB_PG: '',
  };
}

async function untilGone(pid: number, ms = 30_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe('local services launcher', () => {
  it('refuses a taken port before starting anything, naming port, service and the ways out', async () => {
    const port = 9092 + OFFSETS.port; // where the Kafka broker would go
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const dataDir = tmp();
    const err = await ensureServices({ profile: 'dev', dataDir, env: withSharedQuestdb(OFFSETS.port) }).catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_ENV_PORT')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain(`port ${port} (Kafka broker)`);
    expect(msg).toContain('PDM_SERVICES_PORT_OFFSET');
    expect(msg).toContain('PDM_KAFKA_BROKERS');
    expect(existsSync(join(dataDir, 'kafka', 'data'))).toBe(false); // not even formatted
    expect(existsSync(lockFile(dataDir))).toBe(false);
  });

  it('reports a Kafka that exits during start-up with its log path and last lines', async () => {
    const dataDir = tmp();
    // Storage that looks formatted but names no node: Kafka refuses it and exits.
    mkdirSync(join(dataDir, 'kafka', 'data'), { recursive: true });
    writeFileSync(join(dataDir, 'kafka', 'data', 'meta.properties'), 'version=1\n');
    const err = await ensureServices({ profile: 'dev', dataDir, env: withSharedQuestdb(OFFSETS.early) }).catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_SERVICE_START')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toMatch(/Kafka exited during start-up \(exit code 1\)/);
    expect(msg).toContain(join(dataDir, 'kafka', 'kafka.log'));
    expect(msg).toContain('Exiting Kafka due to fatal exception'); // Kafka's own words, from its log
    expect(existsSync(lockFile(dataDir))).toBe(false);
  });

  it('names a JAVA_HOME without Java', async () => {
    const err = await ensureServices({
      profile: 'dev',
      dataDir: tmp(),
      env: { ...withSharedQuestdb(OFFSETS.java), JAVA_HOME: '/nonexistent/jdk' },
    }).catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_ENV_JAVA')).toBe(true);
    expect((err as Error).message).toContain('JAVA_HOME=/nonexistent/jdk');
  });

  it('reuses QuestDB already running from a directory, and only the starter stops it', async () => {
    const dataDir = tmp();
    const first = await ensureServices({ profile: 'dev', dataDir, env: withSharedKafka(OFFSETS.reuse) });
    try {
      expect(first.started).toEqual({ kafka: false, questdb: true });
      expect(first.endpoints.questdbHttp).toBe(`http://127.0.0.1:${9000 + OFFSETS.reuse}`);
      await exec(first.endpoints, 'create table reuse_marker (x int)');

      const second = await ensureServices({ profile: 'dev', dataDir, env: withSharedKafka(OFFSETS.reuse) });
      expect(second.started).toEqual({ kafka: false, questdb: false });
      expect(second.endpoints.questdbPg).toBe(first.endpoints.questdbPg);
      await second.stop();
      // Still up, same database.
      expect((await exec(first.endpoints, "select count() from tables() where table_name = 'reuse_marker'")).dataset[0]![0]).toBe(1);
    } finally {
      await first.stop();
    }
    const gone = await exec(first.endpoints, 'select 1', { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(isPdmError(gone, 'PDM_ERR_QUESTDB_UNAVAILABLE')).toBe(true);
  });

  const outsideAddress = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  const local = shared.kafkaBrokers[0]!.startsWith('127.0.0.1:') && shared.questdbHttp.startsWith('http://127.0.0.1:');
  it.skipIf(!outsideAddress || !local)(
    'listens on 127.0.0.1 only: Kafka, QuestDB HTTP and PG wire refuse connections on the machine’s other address',
    async () => {
      const ports = [
        Number(shared.kafkaBrokers[0]!.split(':')[1]),
        Number(new URL(shared.questdbHttp).port),
        Number(new URL(shared.questdbPg).port),
      ];
      for (const port of ports) {
        const outcome = await new Promise<string>((resolve) => {
          const s = connect({ host: outsideAddress!, port, timeout: 3_000 });
          s.once('connect', () => {
            s.destroy();
            resolve('connected');
          });
          s.once('timeout', () => {
            s.destroy();
            resolve('timeout');
          });
          s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        });
        expect(outcome, `port ${port} on ${outsideAddress}`).toBe('ECONNREFUSED');
      }
      // and they do answer on loopback, so the refusals are about the address
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: ports[0]! });
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      expect(ok).toBe(true);
    },
  );

  it('leaves no JVM behind when the launcher process is SIGKILLed', async () => {
    const dataDir = tmp();
    const child = spawn(
      process.execPath,
      [
        fixture,
        JSON.stringify({
          dataDir,
          env: {
            PDM_SERVICES_PORT_OFFSET: String(OFFSETS.orphan),
            PDM_QUESTDB_HTTP: shared.questdbHttp,
            PDM_QUESTDB_PG: shared.questdbPg,
            PDM_QUESTDB_USER: shared.questdbUser ?? '',
            PDM_QUESTDB_PASSWORD: shared.questdbPassword ?? '',
            PDM_KAFKA_BROKERS: '',
          },
        }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const state = JSON.parse(line) as ServicesState;
    const jvm = state.kafka!.pid;
    expect(isAlive(jvm)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await untilGone(jvm)).toBe(true);
  });
});
