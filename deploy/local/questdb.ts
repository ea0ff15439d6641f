/**
 * QuestDB from its Maven jar (`java -p questdb.jar -m io.questdb/io.questdb.ServerMain -d <root>`).
 * Layout of its directory: credentials.json (0600, made once per directory), root/ (QuestDB's
 * server root: conf/server.conf, 0600 because it holds the password, rewritten at each start; db/
 * the tables), questdb.log (everything QuestDB prints).
 *
 * Security: QuestDB's defaults are admin/quest on PG wire and no auth on HTTP. We generate a
 * random password per directory and set it for PG wire (pg.user/pg.password) and HTTP basic
 * auth (http.user/http.password). Checked against 9.3.4: HTTP auth covers /exec and ILP over
 * HTTP (/write answers 401 without it). ILP over TCP has no password in QuestDB OSS (only JWK
 * keys), so it is switched off: writers use ILP over HTTP. Everything binds to 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PdmError } from '../../common/errors.ts';
import { questdbExec } from '../../storage/sql.ts';
import { ensureFreeSpace } from './disk.ts';
import type { JavaRuntime } from './java.ts';
import { type ManagedProcess, startManaged, tailFile } from './supervisor.ts';
import { waitUntil } from './wait.ts';

export interface QuestdbPorts {
  http: number;
  pg: number;
  ilpTcp: number;
  health: number;
}

export interface QuestdbCredentials {
  user: string;
  password: string;
}

export interface QuestdbLayout {
  dir: string;
  root: string;
  serverConf: string;
  credentialsFile: string;
  logFile: string;
}

export function questdbLayout(dir: string): QuestdbLayout {
  const root = join(dir, 'root');
  return {
    dir,
    root,
    serverConf: join(root, 'conf', 'server.conf'),
    credentialsFile: join(dir, 'credentials.json'),
    logFile: join(dir, 'questdb.log'),
  };
}

export const QUESTDB_USER = 'pdm';

/** The directory's credentials, created on first use (random, 0600). */
export function ensureCredentials(layout: QuestdbLayout): QuestdbCredentials {
  if (existsSync(layout.credentialsFile)) {
    try {
      const c = JSON.parse(readFileSync(layout.credentialsFile, 'utf8')) as Partial<QuestdbCredentials>;
      if (typeof c.user === 'string' && typeof c.password === 'string' && c.password.length >= 16)
        return { user: c.user, password: c.password };
    } catch {
      // fall through to the error below
    }
    throw new PdmError(
      'PDM_ERR_CONFIG_INVALID',
      `${layout.credentialsFile} is not a valid credentials file ({"user": ..., "password": at least 16 characters}); delete it to have a new password generated (the data directory's tables stay)`,
      { file: layout.credentialsFile },
    );
  }
  mkdirSync(layout.dir, { recursive: true });
  // base64url: no characters that need escaping in a postgres:// URL or an ILP config string.
  const creds = { user: QUESTDB_USER, password: randomBytes(18).toString('base64url') };
  writeFileSync(layout.credentialsFile, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return creds;
}

/**
 * QuestDB's worker pools spin 10 000 empty poll cycles after each task before they sleep, each
 * pool on its own threads (shared network, query and write pools, WAL apply, materialised views,
 * view compiler, export). Idle, they do sleep (0.05 core either way); but under the pipeline's
 * steady small writes they are woken every few milliseconds and spin between tasks: measured in
 * `npm run bench:e2e -- --external-simulator` at 4 machines, QuestDB used 0.38 core with the
 * defaults and 0.16 with these settings (sleep after 100 idle cycles, waking every 10 ms; one
 * thread for the pools this project never uses). The same settings go into docker-compose.yml.
 */
export const QUESTDB_IDLE_SETTINGS = [
  'shared.worker.sleep.threshold=100',
  'wal.apply.worker.sleep.threshold=100',
  'mat.view.refresh.worker.sleep.threshold=100',
  'view.compiler.worker.sleep.threshold=100',
  'export.worker.sleep.threshold=100',
  'mat.view.refresh.worker.count=1',
  'view.compiler.worker.count=1',
];

/**
 * QuestDB extends each column file by a whole page and allocates it on disk at once. Its default
 * data page is 16 MiB, so a table's day partition takes 16 MiB per column file before its first
 * row: 640 MiB for vibration_features, whatever it holds. The test suite creates about 150 tables
 * (a prefix per test) and filled 20 GB of disk that way; a CI machine with less free space failed
 * with ENOSPC. A launcher-run QuestDB is a developer's or a test's, with this pipeline's rates (a
 * few hundred rows a second at most), so 256 KiB pages (QuestDB's own size for its system tables)
 * mean a remap every few minutes per column (the end-to-end bench ran with them: 28 machines
 * sustained); the plant's QuestDB in docker-compose.yml keeps the defaults.
 */
export const QUESTDB_PAGE_SETTINGS = [
  'cairo.writer.data.append.page.size=262144',
  'cairo.writer.data.index.value.append.page.size=262144',
  'cairo.wal.writer.data.append.page.size=262144',
];

export function questdbServerConf(ports: QuestdbPorts, creds: QuestdbCredentials): string {
  return [
    '# Written by pdm deploy/local/questdb.ts at each start; edits are overwritten.',
    `http.net.bind.to=127.0.0.1:${ports.http}`,
    `http.min.net.bind.to=127.0.0.1:${ports.health}`,
    `pg.net.bind.to=127.0.0.1:${ports.pg}`,
    `line.tcp.net.bind.to=127.0.0.1:${ports.ilpTcp}`,
    // ILP over TCP cannot take a password in QuestDB OSS; ILP over HTTP can, so it is the only way in.
    'line.tcp.enabled=false',
    'line.udp.enabled=false',
    `http.user=${creds.user}`,
    `http.password=${creds.password}`,
    `pg.user=${creds.user}`,
    `pg.password=${creds.password}`,
    'pg.readonly.user.enabled=false',
    // The health port answers without credentials so probes need no secret; it reveals nothing else.
    'http.health.check.authentication.required=false',
    'telemetry.enabled=false',
    // Local use on a shared small machine: few threads, bounded native memory.
    'shared.worker.count=2',
    ...QUESTDB_IDLE_SETTINGS,
    ...QUESTDB_PAGE_SETTINGS,
    `ram.usage.limit.bytes=${2 * 1024 * 1024 * 1024}`,
    '',
  ].join('\n');
}

export function prepareQuestdb(layout: QuestdbLayout, ports: QuestdbPorts): QuestdbCredentials {
  // QuestDB maps its files and fails in odd places on a full disk: refuse up front instead.
  ensureFreeSpace(layout.dir, 256 * 1024 * 1024, `QuestDB's data in ${layout.root}`);
  const creds = ensureCredentials(layout);
  mkdirSync(join(layout.root, 'conf'), { recursive: true });
  writeFileSync(layout.serverConf, questdbServerConf(ports, creds), { mode: 0o600 });
  chmodSync(layout.serverConf, 0o600);
  return creds;
}

export function startQuestdbProcess(java: JavaRuntime, jar: string, layout: QuestdbLayout, guard: boolean): ManagedProcess {
  return startManaged({
    name: 'questdb',
    command: java.command,
    args: [
      '-Xmx512m',
      '-Xms64m',
      '-XX:+UseParallelGC',
      '-Djava.awt.headless=true',
      '-p',
      jar,
      '-m',
      'io.questdb/io.questdb.ServerMain',
      '-d',
      layout.root,
    ],
    cwd: layout.dir,
    logFile: layout.logFile,
    guard,
  });
}

/** Healthy = the health port says so and an authenticated `select 1` answers on the HTTP port. */
export async function probeQuestdb(ports: QuestdbPorts, creds: QuestdbCredentials): Promise<boolean> {
  try {
    const health = await fetch(`http://127.0.0.1:${ports.health}/`, { signal: AbortSignal.timeout(2_000) });
    await health.arrayBuffer();
    if (!health.ok) return false;
    await questdbExec({ httpUrl: `http://127.0.0.1:${ports.http}`, auth: creds }, 'select 1', { timeoutMs: 3_000 });
    return true;
  } catch {
    return false;
  }
}

export function questdbStartError(layout: QuestdbLayout, what: string): PdmError {
  return new PdmError(
    'PDM_ERR_SERVICE_START',
    `QuestDB ${what}. Last lines of its log (${layout.logFile}):\n${tailFile(layout.logFile, 25) || '(empty)'}`,
    { logFile: layout.logFile },
  );
}

export async function waitQuestdbHealthy(
  proc: ManagedProcess,
  ports: QuestdbPorts,
  creds: QuestdbCredentials,
  layout: QuestdbLayout,
  opts: { deadlineMs: number; onProgress: (l: string) => void; signal?: AbortSignal },
): Promise<void> {
  await waitUntil({
    what: `QuestDB on 127.0.0.1:${ports.http}`,
    deadlineMs: opts.deadlineMs,
    onProgress: opts.onProgress,
    signal: opts.signal,
    check: () => probeQuestdb(ports, creds),
    failed: () =>
      proc.exit ? questdbStartError(layout, `exited during start-up (exit code ${proc.exit.code ?? proc.exit.signal})`) : undefined,
    timedOut: () =>
      questdbStartError(layout, `did not become healthy on 127.0.0.1:${ports.http} within ${Math.round(opts.deadlineMs / 1000)} s`),
  });
}
