/**
 * Single-node KRaft Kafka (one JVM as broker and controller) from the Maven jars.
 * Layout of its directory: server.properties, log4j2.properties (both rewritten at each start,
 * so port changes apply), data/ (the log dirs; formatted once), kafka.log (Kafka's own log),
 * stdout.log (what the JVM prints outside Log4j, e.g. a crash).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { PdmError } from '../../common/errors.ts';
import { ensureFreeSpace } from './disk.ts';
import type { JavaRuntime } from './java.ts';
import {
  createKafkaSecrets,
  ensureKafkaCertificates,
  type KafkaSecrets,
  type KafkaSecurityMode,
  kafkaSecurityLayout,
  readKafkaSecrets,
  saslSslServerProperties,
  scramFormatArgs,
} from './kafka-security.ts';
import { type ManagedProcess, startManaged, tailFile } from './supervisor.ts';
import { waitUntil } from './wait.ts';

export interface KafkaPorts {
  broker: number;
  controller: number;
}

export interface KafkaLayout {
  dir: string;
  dataDir: string;
  serverProperties: string;
  log4jProperties: string;
  logFile: string;
  stdoutFile: string;
}

export function kafkaLayout(dir: string): KafkaLayout {
  return {
    dir,
    dataDir: join(dir, 'data'),
    serverProperties: join(dir, 'server.properties'),
    log4jProperties: join(dir, 'log4j2.properties'),
    logFile: join(dir, 'kafka.log'),
    stdoutFile: join(dir, 'stdout.log'),
  };
}

/** With `secrets`, the broker listens with SASL_SSL and enforces ACLs (kafka-security.ts). */
export function kafkaServerProperties(layout: KafkaLayout, ports: KafkaPorts, secrets?: KafkaSecrets): string {
  const listeners = secrets
    ? saslSslServerProperties(kafkaSecurityLayout(layout.dir), secrets, ports)
    : [
        // Loopback only: this broker has no authentication.
        `listeners=PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.broker}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name=PLAINTEXT',
      ];
  return [
    '# Written by pdm deploy/local/kafka.ts at each start; edits are overwritten.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${ports.controller}`,
    ...listeners,
    `log.dirs=${layout.dataDir}`,
    'num.partitions=1',
    // One node: internal topics cannot have more replicas than brokers.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // A consumer group starts at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    // Our code creates topics explicitly; a typo must fail, not create a topic.
    'auto.create.topics.enable=false',
    // What fits a developer's disk, not Kafka's default (7 days, unbounded in bytes): a day of the
    // demo factory would be tens of GB, and a few end-to-end bench runs (up to 8 MB/s of frames)
    // left 25 GB. 512 MiB per partition of each stream topic, in 64 MiB segments so the oldest can
    // go; the compacted model-state topic is not affected. The plant's Kafka (docker-compose.yml)
    // keeps the broker's defaults: retention there is the plant's decision.
    'log.retention.bytes=536870912',
    'log.segment.bytes=67108864',
    '',
  ].join('\n');
}

/** Kafka's log goes to a file in its directory; nothing reaches our console. Properties, not YAML (no Jackson needed). */
export function kafkaLog4jProperties(layout: KafkaLayout): string {
  return [
    '# Written by pdm deploy/local/kafka.ts.',
    'status = warn',
    'appender.file.type = RollingFile',
    'appender.file.name = FILE',
    `appender.file.fileName = ${layout.logFile}`,
    `appender.file.filePattern = ${layout.logFile}.%i`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'appender.file.policies.type = Policies',
    'appender.file.policies.size.type = SizeBasedTriggeringPolicy',
    'appender.file.policies.size.size = 20MB',
    'appender.file.strategy.type = DefaultRolloverStrategy',
    'appender.file.strategy.max = 3',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = FILE',
    // The per-request and state-change chatter is useless locally.
    'logger.request.name = kafka.request.logger',
    'logger.request.level = WARN',
    'logger.state.name = state.change.logger',
    'logger.state.level = WARN',
    '',
  ].join('\n');
}

/** A KRaft cluster id as `kafka-storage random-uuid` makes it: 16 random bytes, base64url, never starting with '-'. */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function jvmArgs(layout: KafkaLayout, jarsDir: string, heap: string): string[] {
  return [
    `-Xmx${heap}`,
    '-Xms128m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${layout.log4jProperties}`,
    // Log4j's own shutdown hook would close the log before Kafka's hook has logged its shutdown.
    '-Dlog4j2.shutdownHookEnabled=false',
    `-Dkafka.logs.dir=${layout.dir}`,
    '-cp',
    join(jarsDir, '*'),
  ];
}

export function isKafkaFormatted(layout: KafkaLayout): boolean {
  return existsSync(join(layout.dataDir, 'meta.properties'));
}

/**
 * Write the config files; format the storage on first start (kafka.tools.StorageTool, as
 * kafka-storage.sh does). With sasl_ssl the users are created by that format (SCRAM credentials
 * live in the metadata log, and the broker cannot authenticate anyone before they exist), so a
 * directory formatted without them cannot be secured later: that is refused with the way out.
 * Returns the secrets of a secured broker.
 */
export async function prepareKafka(
  java: JavaRuntime,
  jarsDir: string,
  layout: KafkaLayout,
  ports: KafkaPorts,
  onProgress: (l: string) => void,
  security: KafkaSecurityMode = 'plaintext',
): Promise<KafkaSecrets | undefined> {
  mkdirSync(layout.dir, { recursive: true });
  const formatted = isKafkaFormatted(layout);
  let secrets: KafkaSecrets | undefined;
  if (security === 'sasl_ssl') {
    const sec = kafkaSecurityLayout(layout.dir);
    secrets = readKafkaSecrets(sec);
    if (formatted && !secrets)
      throw new PdmError(
        'PDM_ERR_CONFIG_INVALID',
        `Kafka in ${layout.dir} was formatted without users, so it cannot start with SASL_SSL: use another services directory (--data-dir / PDM_SERVICES_DIR) or delete ${layout.dir} (its topics are lost)`,
        { dir: layout.dir },
      );
    secrets ??= createKafkaSecrets(sec);
    await ensureKafkaCertificates(java, sec, secrets, onProgress);
  }
  // 0600: with SASL_SSL it holds the keystore and admin passwords.
  writeFileSync(layout.serverProperties, kafkaServerProperties(layout, ports, secrets), { mode: 0o600 });
  chmodSync(layout.serverProperties, 0o600);
  writeFileSync(layout.log4jProperties, kafkaLog4jProperties(layout));
  if (formatted) return secrets;
  ensureFreeSpace(layout.dir, 256 * 1024 * 1024, `Kafka's data in ${layout.dataDir}`);
  onProgress(`formatting Kafka storage in ${layout.dataDir}`);
  const args = [
    ...jvmArgs(layout, jarsDir, '256m'),
    'kafka.tools.StorageTool',
    'format',
    '--standalone',
    '-t',
    randomClusterId(),
    '-c',
    layout.serverProperties,
    ...(secrets ? scramFormatArgs(secrets) : []),
  ];
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(java.command, args, { cwd: layout.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, output }));
  });
  if (code !== 0) {
    throw new PdmError(
      'PDM_ERR_SERVICE_START',
      `formatting Kafka storage in ${layout.dataDir} failed (exit ${code}): ${output.trim().split('\n').slice(-10).join('\n  ')}`,
      { dir: layout.dataDir },
    );
  }
  return secrets;
}

export function startKafkaProcess(java: JavaRuntime, jarsDir: string, layout: KafkaLayout, guard: boolean): ManagedProcess {
  return startManaged({
    name: 'kafka',
    command: java.command,
    args: [...jvmArgs(layout, jarsDir, '768m'), 'kafka.Kafka', layout.serverProperties],
    cwd: layout.dir,
    logFile: layout.stdoutFile,
    guard,
  });
}

/** One real metadata request: true when the broker answers and lists itself. */
export async function probeKafka(brokers: string[], security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {}): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'pdm-launcher-probe',
    brokers,
    ...security,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export function kafkaStartError(layout: KafkaLayout, what: string): PdmError {
  const logs = [tailFile(layout.stdoutFile, 10), tailFile(layout.logFile, 25)].filter(Boolean).join('\n');
  return new PdmError(
    'PDM_ERR_SERVICE_START',
    `Kafka ${what}. Last lines of its logs (${layout.logFile}, ${layout.stdoutFile}):\n${logs || '(empty)'}`,
    { logFile: layout.logFile, stdoutFile: layout.stdoutFile },
  );
}

export async function waitKafkaHealthy(
  proc: ManagedProcess,
  brokers: string[],
  layout: KafkaLayout,
  opts: {
    deadlineMs: number;
    onProgress: (l: string) => void;
    signal?: AbortSignal;
    security?: Pick<KafkaConfig, 'ssl' | 'sasl'>;
  },
): Promise<void> {
  await waitUntil({
    what: `Kafka on ${brokers.join(',')}`,
    deadlineMs: opts.deadlineMs,
    onProgress: opts.onProgress,
    signal: opts.signal,
    check: () => probeKafka(brokers, opts.security),
    failed: () =>
      proc.exit ? kafkaStartError(layout, `exited during start-up (exit code ${proc.exit.code ?? proc.exit.signal})`) : undefined,
    timedOut: () =>
      kafkaStartError(layout, `did not answer a metadata request on ${brokers.join(',')} within ${Math.round(opts.deadlineMs / 1000)} s`),
  });
}
