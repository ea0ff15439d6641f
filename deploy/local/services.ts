/**
 * The local services launcher: Kafka (KRaft, one node) and QuestDB from Maven jars, for
 * `npm start` (profile dev), the integration tests' global setup (profile test) and CI.
 * Services named by PDM_KAFKA_BROKERS / PDM_QUESTDB_HTTP / PDM_QUESTDB_PG are used, not started.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { PdmError } from '../../common/errors.ts';
import { applyAcls, componentAcls } from '../../common/kafka-acls.ts';
import { endpointsFromEnv, type QuestdbEndpoints, questdbEndpoints, type ServiceEndpoints } from './endpoints.ts';
import { findJava, type JavaRuntime } from './java.ts';
import { kafkaLayout, prepareKafka, probeKafka, startKafkaProcess, waitKafkaHealthy } from './kafka.ts';
import { type KafkaSecurityMode, kafkaSecurityLayout, localClientSecurity, readKafkaSecrets } from './kafka-security.ts';
import { fetchArtifacts } from './maven.ts';
import { defaultServicesDir, jarCacheDir } from './paths.ts';
import { ensurePortsFree, isPortFree, type PortNeed } from './ports.ts';
import { PROFILE_PORTS, type Profile, portOffsetFromEnv, type ServicePorts, SLOT_PORT_STEP, shiftPorts } from './profiles.ts';
import { ensureCredentials, prepareQuestdb, probeQuestdb, questdbLayout, startQuestdbProcess, waitQuestdbHealthy } from './questdb.ts';
import { type DirLock, isRecordedProcessRunning, readState, removeState, type ServicesState, tryLock, writeState } from './state.ts';
import type { ManagedProcess } from './supervisor.ts';
import { KAFKA_ARTIFACTS, QUESTDB_ARTIFACTS, QUESTDB_VERSION } from './versions.ts';

export { endpointsFromEnv, questdbTarget, type ServiceEndpoints } from './endpoints.ts';

export interface RunningServices {
  endpoints: ServiceEndpoints;
  started: { kafka: boolean; questdb: boolean };
  stop(): Promise<void>;
  /** Where the services keep data and logs ('' when both are external). */
  dataDir: string;
  /** Set when the local broker runs with SASL_SSL: the CA clients trust and the file with every user's password. */
  kafkaSecurity?: LocalKafkaSecurity;
  /**
   * Settles if a service this call started exits while it should be running (not through stop()),
   * so a long-running owner (`pdm services up`, `npm start`) can report it. Never settles otherwise.
   */
  unexpectedExit: Promise<UnexpectedExit>;
}

export interface LocalKafkaSecurity {
  protocol: 'sasl_ssl';
  /** PEM CA certificate (kafka.security.caFile / PDM_KAFKA_CA_FILE). */
  caFile: string;
  /** 0600 JSON: users.<admin|collector|processor|simulator>.{username,password}. */
  usersFile: string;
}

export interface UnexpectedExit {
  service: 'kafka' | 'questdb';
  code: number | null;
  signal: NodeJS.Signals | null;
  logFile: string;
}

export interface EnsureOptions {
  profile?: Profile;
  dataDir?: string;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  /** Let the services outlive this process (`pdm services up --detach`); default false: a watchdog stops them when we die. */
  detach?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Health deadline per service (default 120 s: a cold JVM on a busy 2-core machine). */
  startTimeoutMs?: number;
  /**
   * How the local broker is reached (default plaintext on loopback). sasl_ssl: TLS with its own
   * CA, SCRAM-SHA-512 users admin/collector/processor/simulator, and ACLs (kafka-security.ts).
   */
  kafkaSecurity?: KafkaSecurityMode;
}

const TEST_SLOTS = 8;

export function kafkaDir(dataDir: string): string {
  return join(dataDir, 'kafka');
}
export function questdbDir(dataDir: string): string {
  return join(dataDir, 'questdb');
}

function localQuestdbEndpoints(ports: ServicePorts['questdb'], creds: { user: string; password: string }): QuestdbEndpoints {
  return questdbEndpoints('127.0.0.1', ports.http, ports.pg, creds.user, creds.password);
}

async function slotPortsFree(p: ServicePorts): Promise<boolean> {
  for (const port of [p.kafka.broker, p.kafka.controller, p.questdb.http, p.questdb.pg, p.questdb.health])
    if (!(await isPortFree(port))) return false;
  return true;
}

/**
 * Take a services directory for this run: test runs take the first free slot, each with its own
 * ports. A slot whose ports are taken (a test run from another checkout on this machine) is
 * skipped like a locked one.
 */
async function claimDirectory(
  profile: Profile,
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv,
  progress: (l: string) => void,
): Promise<{ dir: string; lock: DirLock; ports: ServicePorts }> {
  const offset = portOffsetFromEnv(env);
  const base = dataDir ?? defaultServicesDir(profile, env);
  const slots = profile === 'test' && dataDir === undefined ? TEST_SLOTS : 1;
  for (let slot = 0; slot < slots; slot++) {
    const dir = slot === 0 ? base : `${base}-${slot}`;
    const got = tryLock(dir);
    if ('release' in got && slots > 1 && !(await slotPortsFree(shiftPorts(PROFILE_PORTS[profile], offset + slot * SLOT_PORT_STEP)))) {
      got.release();
      continue;
    }
    if ('release' in got) {
      if (slot > 0)
        progress(
          `test services slot${slot > 1 ? `s 0-${slot - 1}` : ' 0'} in use by other test runs; using ${dir} with ports +${slot * SLOT_PORT_STEP}`,
        );
      return { dir, lock: got, ports: shiftPorts(PROFILE_PORTS[profile], offset + slot * SLOT_PORT_STEP) };
    }
    if (profile === 'dev' || dataDir !== undefined) {
      throw new PdmError(
        'PDM_ERR_SERVICE_START',
        `the services directory ${dir} is being started by another launcher (pid ${got.heldBy}); wait for it, or stop it, or use another directory (--data-dir / PDM_SERVICES_DIR)`,
        { dir, pid: got.heldBy },
      );
    }
  }
  throw new PdmError(
    'PDM_ERR_SERVICE_START',
    `all ${TEST_SLOTS} test service slots (${base}, ${base}-1...) are in use by other test runs; wait for one to finish or point the tests at running services with PDM_KAFKA_BROKERS and PDM_QUESTDB_HTTP`,
    { base },
  );
}

export async function ensureServices(opts: EnsureOptions = {}): Promise<RunningServices> {
  const env = opts.env ?? process.env;
  const profile = opts.profile ?? 'dev';
  const progress = opts.onProgress ?? (() => {});
  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  const security: KafkaSecurityMode = opts.kafkaSecurity ?? 'plaintext';
  const external = endpointsFromEnv(env);
  const needKafka = external.kafkaBrokers === undefined;
  const needQuestdb = external.questdb === undefined;
  if (!needKafka) progress(`Kafka: using ${external.kafkaBrokers!.join(',')} (PDM_KAFKA_BROKERS)`);
  if (!needQuestdb) progress(`QuestDB: using ${external.questdb!.questdbHttp} (PDM_QUESTDB_HTTP / PDM_QUESTDB_PG)`);
  if (!needKafka && !needQuestdb) {
    return {
      endpoints: { kafkaBrokers: external.kafkaBrokers!, ...external.questdb! },
      started: { kafka: false, questdb: false },
      dataDir: '',
      stop: async () => {},
      unexpectedExit: new Promise(() => {}),
    };
  }

  const { dir, lock, ports } = await claimDirectory(profile, opts.dataDir, env, progress);
  const started: ManagedProcess[] = [];
  try {
    const kLayout = kafkaLayout(kafkaDir(dir));
    const qLayout = questdbLayout(questdbDir(dir));
    let kafkaBrokers = external.kafkaBrokers;
    let questdb = external.questdb;

    if (profile === 'test') {
      // Tests start from nothing: no topics, tables or offsets left by an earlier run.
      if (needKafka) rmSync(kLayout.dir, { recursive: true, force: true });
      if (needQuestdb) rmSync(qLayout.dir, { recursive: true, force: true });
      removeState(dir);
    } else {
      // Already up from this directory (`pdm services up --detach`, another `npm start`)? Use it.
      const state = readState(dir);
      const running = needKafka && state?.kafka && isRecordedProcessRunning(state.kafka) ? state.kafka : undefined;
      if (running && (running.security ?? 'plaintext') !== security)
        throw new PdmError(
          'PDM_ERR_SERVICE_START',
          `Kafka already runs from ${kLayout.dir} (pid ${running.pid}) with ${running.security ?? 'plaintext'}, not ${security}: stop it first (pdm services down) or use another directory (--data-dir)`,
          { dir: kLayout.dir },
        );
      const reuseSecrets = running?.security === 'sasl_ssl' ? readKafkaSecrets(kafkaSecurityLayout(kLayout.dir)) : undefined;
      const probeSecurity = reuseSecrets ? localClientSecurity(kafkaSecurityLayout(kLayout.dir), reuseSecrets, 'admin') : {};
      if (running && state?.kafka && (await probeKafka(state.kafka.brokers, probeSecurity))) {
        kafkaBrokers = state.kafka.brokers;
        progress(`Kafka: already running from ${kLayout.dir} (pid ${state.kafka.pid}) on ${kafkaBrokers.join(',')}`);
      }
      if (needQuestdb && state?.questdb && isRecordedProcessRunning(state.questdb)) {
        const creds = ensureCredentials(qLayout);
        const p = {
          http: Number(new URL(state.questdb.http).port),
          pg: Number(new URL(state.questdb.pg).port),
          health: Number(new URL(state.questdb.health).port),
          ilpTcp: 0,
        };
        if (await probeQuestdb(p, creds)) {
          questdb = questdbEndpoints('127.0.0.1', p.http, p.pg, creds.user, creds.password);
          progress(`QuestDB: already running from ${qLayout.dir} (pid ${state.questdb.pid}) on ${questdb.questdbHttp}`);
        }
      }
    }
    const startKafka = kafkaBrokers === undefined;
    const startQuestdb = questdb === undefined;

    if (startKafka || startQuestdb) {
      mkdirSync(dir, { recursive: true });
      const java: JavaRuntime = findJava(env);
      const cacheDir = jarCacheDir(env);
      // One after the other: two Mavens writing the same ~/.m2 at once is asking for trouble.
      const kafkaJars = startKafka
        ? await fetchArtifacts(KAFKA_ARTIFACTS, { cacheDir, onProgress: progress, signal: opts.signal, env })
        : '';
      const questdbJars = startQuestdb
        ? await fetchArtifacts(QUESTDB_ARTIFACTS, { cacheDir, onProgress: progress, signal: opts.signal, env })
        : '';

      const needs: PortNeed[] = [];
      if (startKafka)
        needs.push({ port: ports.kafka.broker, role: 'Kafka broker' }, { port: ports.kafka.controller, role: 'Kafka controller' });
      if (startQuestdb)
        needs.push(
          { port: ports.questdb.http, role: 'QuestDB HTTP' },
          { port: ports.questdb.pg, role: 'QuestDB PostgreSQL wire' },
          { port: ports.questdb.health, role: 'QuestDB health' },
        );
      await ensurePortsFree(needs, 'PDM_KAFKA_BROKERS=host:port (Kafka) or PDM_QUESTDB_HTTP=http://host:port (QuestDB)');

      const t0 = Date.now();
      const guard = !opts.detach;
      const waits: Promise<void>[] = [];
      if (startKafka) {
        const secrets = await prepareKafka(java, kafkaJars, kLayout, ports.kafka, progress, security);
        progress(
          `starting Kafka (${java.versionLine}) on 127.0.0.1:${ports.kafka.broker}${secrets ? ' with SASL_SSL' : ''}; data and log in ${kLayout.dir}`,
        );
        const proc = startKafkaProcess(java, kafkaJars, kLayout, guard);
        started.push(proc);
        kafkaBrokers = [`127.0.0.1:${ports.kafka.broker}`];
        const adminSecurity = secrets ? localClientSecurity(kafkaSecurityLayout(kLayout.dir), secrets, 'admin') : {};
        waits.push(
          waitKafkaHealthy(proc, kafkaBrokers, kLayout, {
            deadlineMs: timeoutMs,
            onProgress: progress,
            signal: opts.signal,
            security: adminSecurity,
          })
            .then(() => (secrets ? grantComponentAcls(kafkaBrokers!, adminSecurity) : undefined))
            .then(() => progress(`Kafka ready on ${kafkaBrokers!.join(',')} after ${((Date.now() - t0) / 1000).toFixed(1)} s`)),
        );
      }
      if (startQuestdb) {
        const creds = prepareQuestdb(qLayout, ports.questdb);
        progress(
          `starting QuestDB ${QUESTDB_VERSION} on 127.0.0.1:${ports.questdb.http} (HTTP) / ${ports.questdb.pg} (PG wire); data and log in ${qLayout.dir}`,
        );
        const proc = startQuestdbProcess(java, join(questdbJars, `questdb-${QUESTDB_VERSION}.jar`), qLayout, guard);
        started.push(proc);
        questdb = localQuestdbEndpoints(ports.questdb, creds);
        waits.push(
          waitQuestdbHealthy(proc, ports.questdb, creds, qLayout, {
            deadlineMs: timeoutMs,
            onProgress: progress,
            signal: opts.signal,
          }).then(() => progress(`QuestDB ready on ${questdb!.questdbHttp} after ${((Date.now() - t0) / 1000).toFixed(1)} s`)),
        );
      }
      // The first failure ends the start-up at once (the catch below stops what runs); the other
      // wait then ends when its process is stopped, and its own rejection is of no interest.
      for (const w of waits) w.catch(() => {});
      await Promise.all(waits);

      const kafkaProc = started.find((p) => p.name === 'kafka');
      const questdbProc = started.find((p) => p.name === 'questdb');
      const owner = { launcherPid: process.pid, detached: !guard, startedAt: new Date().toISOString() };
      // Keep the record of a service we reused; replace the records of those we started.
      const state: ServicesState = { ...readState(dir), profile };
      if (kafkaProc)
        state.kafka = {
          ...owner,
          pid: kafkaProc.pid,
          marker: kLayout.serverProperties,
          logFile: kLayout.logFile,
          brokers: kafkaBrokers!,
          ...(security === 'sasl_ssl' ? { security } : {}),
        };
      if (questdbProc) {
        state.questdb = {
          ...owner,
          pid: questdbProc.pid,
          marker: qLayout.root,
          logFile: qLayout.logFile,
          http: questdb!.questdbHttp,
          pg: `postgres://127.0.0.1:${ports.questdb.pg}/qdb`,
          health: `http://127.0.0.1:${ports.questdb.health}/`,
        };
      }
      writeState(dir, state);
    }

    // A dev directory is only locked while starting; a test slot stays ours until stop().
    if (profile !== 'test') lock.release();
    let stopped = false;
    const unexpectedExit = new Promise<UnexpectedExit>((resolve) => {
      for (const proc of started) {
        void proc.exited.then((e) => {
          if (!stopped)
            resolve({
              service: proc.name as UnexpectedExit['service'],
              code: e.code,
              signal: e.signal,
              logFile: proc.name === 'kafka' ? kLayout.logFile : qLayout.logFile,
            });
        });
      }
    });
    return {
      unexpectedExit,
      endpoints: { kafkaBrokers: kafkaBrokers!, ...questdb! },
      started: { kafka: started.some((p) => p.name === 'kafka'), questdb: started.some((p) => p.name === 'questdb') },
      dataDir: dir,
      ...(security === 'sasl_ssl' && needKafka
        ? {
            kafkaSecurity: {
              protocol: 'sasl_ssl' as const,
              caFile: kafkaSecurityLayout(kLayout.dir).caCert,
              usersFile: kafkaSecurityLayout(kLayout.dir).usersFile,
            },
          }
        : {}),
      async stop() {
        if (stopped) return;
        stopped = true;
        if (started.length > 0) progress(`stopping ${started.map((p) => p.name).join(' and ')}`);
        await Promise.all(started.map((p) => p.stop()));
        const state = readState(dir);
        if (state) {
          for (const p of started) delete state[p.name as 'kafka' | 'questdb'];
          if (state.kafka || state.questdb) writeState(dir, state);
          else removeState(dir);
        }
        lock.release();
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.stop(5_000)));
    lock.release();
    throw err;
  }
}

/** The ACLs of the pdm components, created as the admin user once the broker answers (kept in its metadata). */
async function grantComponentAcls(brokers: string[], adminSecurity: Pick<KafkaConfig, 'ssl' | 'sasl'>): Promise<void> {
  const admin = new Kafka({ clientId: 'pdm-launcher-acls', brokers, logLevel: logLevel.NOTHING, ...adminSecurity }).admin();
  try {
    await admin.connect();
    await applyAcls(admin, componentAcls());
  } catch (err) {
    throw new PdmError(
      'PDM_ERR_SERVICE_START',
      `Kafka on ${brokers.join(',')}: cannot create the components' ACLs (${(err as Error).message})`,
      {},
      { cause: err },
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
