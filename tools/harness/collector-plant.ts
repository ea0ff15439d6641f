/**
 * Shared by the collector scenario tests: real simulated machines (node-opcua servers with
 * SignAndEncrypt and a user token, their signal a seeded sine whose every rendered block is
 * recorded), a collector configuration in a temporary directory, reading a whole topic back from
 * Kafka, and a private Kafka broker the outage tests can stop and start.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { findJava } from '../../deploy/local/java.ts';
import {
  type KafkaLayout,
  type KafkaPorts,
  kafkaLayout,
  prepareKafka,
  startKafkaProcess,
  waitKafkaHealthy,
} from '../../deploy/local/kafka.ts';
import { fetchArtifacts } from '../../deploy/local/maven.ts';
import { jarCacheDir } from '../../deploy/local/paths.ts';
import type { ManagedProcess } from '../../deploy/local/supervisor.ts';
import { KAFKA_ARTIFACTS } from '../../deploy/local/versions.ts';
import { type CollectorConfig, CollectorConfigSpec } from '../../ingest/collector/collector-config.ts';
import { MachineServer, type MachineServerOptions } from '../../ingest/simulator/opcua/machine-server.ts';
import type { ChannelSpec, EnergyReading, MachineSignalSource } from '../../ingest/simulator/signal-source.ts';
import { SineSource } from '../../ingest/simulator/test-signals.ts';
import { trustEachOther } from './opcua-trust.ts';
import { freePort, freePorts } from './ports.ts';

// Taken from the environment when set, so machines in a child process (fixtures/) share them.
export const OPCUA_ENV = {
  COLLECTOR_TEST_USER: 'operator',
  COLLECTOR_TEST_PASSWORD: process.env['COLLECTOR_TEST_PASSWORD'] ?? `pw-${Math.random().toString(36).slice(2)}`,
};
export const AUTH = { usernameEnv: 'COLLECTOR_TEST_USER', passwordEnv: 'COLLECTOR_TEST_PASSWORD' };

/** A signal source that remembers every block the server rendered (= published), per channel. */
export class RecordingSource implements MachineSignalSource {
  readonly channels: ChannelSpec[];
  readonly rendered = new Map<string, number[]>();
  readonly #inner: SineSource;

  constructor(inner: SineSource) {
    this.#inner = inner;
    this.channels = inner.channels;
    for (const c of this.channels) this.rendered.set(c.id, []);
  }

  renderBlock(channelId: string, seq: number, out: Float32Array): void {
    this.rendered.get(channelId)!.push(seq);
    this.#inner.renderBlock(channelId, seq, out);
  }

  energyAt(timeMs: number): EnergyReading {
    return this.#inner.energyAt(timeMs);
  }
}

export const FS = 10_240;
export const BLOCK = 1_024; // 100 ms blocks

export function sineSource(seed: number, channels = 2): SineSource {
  const ids = [
    { id: 'DE_X', location: 'DE' as const, axis: 'X' as const },
    { id: 'DE_Y', location: 'DE' as const, axis: 'Y' as const },
    { id: 'NDE_X', location: 'NDE' as const, axis: 'X' as const },
  ].slice(0, channels);
  return new SineSource({
    frequencyHz: 40 + seed,
    amplitudeG: 1,
    noiseRmsG: 0.05,
    sampleRateHz: FS,
    blockSize: BLOCK,
    channels: ids,
    seed,
  });
}

export interface TestMachine {
  id: string;
  port: number;
  pkiDir: string;
  source: RecordingSource;
  server: MachineServer;
}

export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `pdm-${name}-`));
}

/** A test server's security (the shipped default: SignAndEncrypt, Basic256Sha256, user tokens only). */
export const TEST_SECURITY: MachineServerOptions['security'] = { mode: 'SignAndEncrypt', policy: 'Basic256Sha256', allowAnonymous: false };
/** The user a test server accepts: the one AUTH names, with OPCUA_ENV's password. */
export const TEST_USERS = [{ username: OPCUA_ENV.COLLECTOR_TEST_USER, password: OPCUA_ENV.COLLECTOR_TEST_PASSWORD }];

/** Start a machine server (or restart one: same id, port and PKI, a new server). */
export async function startMachine(
  dir: string,
  id: string,
  opts: { port?: number; source?: RecordingSource; trust?: boolean; security?: MachineServerOptions['security'] } = {},
): Promise<TestMachine> {
  const pkiDir = join(dir, 'machines', id);
  if (opts.trust !== false) await trustEachOther(pkiDir, id, join(dir, 'collector-pki'));
  const port = opts.port ?? (await freePort());
  const source = opts.source ?? new RecordingSource(sineSource(id.length + (port % 7)));
  const server = new MachineServer({
    machineId: id,
    port,
    source,
    security: opts.security ?? TEST_SECURITY,
    users: TEST_USERS,
    pkiDir,
  });
  await server.start();
  return { id, port, pkiDir, source, server };
}

/** A collector configuration with everything in `dir` (spool, PKI), collecting `machines`. */
export function collectorConfig(
  dir: string,
  prefix: string,
  machines: Array<Record<string, unknown>>,
  extra: Record<string, unknown> = {},
): CollectorConfig {
  return CollectorConfigSpec.parse({
    kafka: { topicPrefix: prefix, partitions: 3 },
    pkiDir: join(dir, 'collector-pki'),
    spool: { dir: join(dir, 'spool'), maxBytes: 256 * 1024 * 1024, segmentBytes: 4 * 1024 * 1024, fsync: 'interval', fsyncIntervalMs: 200 },
    reconnect: { minDelayMs: 200, maxDelayMs: 2_000, noDataMs: 10_000, keepAliveTimeoutMs: 10_000 },
    ...extra,
    machines,
  });
}

export function machineEntry(m: TestMachine): Record<string, unknown> {
  return { id: m.id, endpoint: m.server.endpointUrl, auth: AUTH };
}

export interface ConsumedMessage {
  partition: number;
  offset: number;
  key: string;
  value: Buffer;
}

/** Read every message of `topic` up to its current end (a fresh consumer group, from the beginning). */
export async function readTopic(brokers: string[], topic: string): Promise<ConsumedMessage[]> {
  const kafka = new Kafka({ clientId: 'collector-test-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const out: ConsumedMessage[] = [];
  if ([...want.values()].every((h) => h === 0)) return out;
  const consumer = kafka.consumer({
    groupId: `reader-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    maxWaitTimeInMs: 200,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Map<number, number>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`reading ${topic}: not all messages within 60 s (${JSON.stringify([...seen])} of ${JSON.stringify([...want])})`)),
      60_000,
    );
    const check = () => {
      if ([...want].every(([p, high]) => (seen.get(p) ?? 0) >= high)) {
        clearTimeout(timer);
        resolve();
      }
    };
    consumer
      .run({
        eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
          const offset = Number(message.offset);
          if (offset < (want.get(partition) ?? 0))
            out.push({ partition, offset, key: message.key?.toString() ?? '', value: message.value ?? Buffer.alloc(0) });
          seen.set(partition, Math.max(seen.get(partition) ?? 0, offset + 1));
          check();
        },
      })
      .catch(reject);
    check();
  });
  await consumer.disconnect();
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** A Kafka broker of the test's own (own ports and data directory), which it can stop and start again. */
export class PrivateKafka {
  readonly layout: KafkaLayout;
  #ports: KafkaPorts | undefined;
  #proc: ManagedProcess | undefined;
  #jars = '';

  constructor(dir: string) {
    this.layout = kafkaLayout(join(dir, 'kafka'));
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.#ports!.broker}`];
  }

  async start(): Promise<void> {
    const java = findJava();
    if (!this.#ports) {
      this.#jars = await fetchArtifacts(KAFKA_ARTIFACTS, { cacheDir: jarCacheDir(), onProgress: () => {} });
      const [broker, controller] = await freePorts(2);
      this.#ports = { broker, controller };
      await prepareKafka(java, this.#jars, this.layout, this.#ports, () => {});
    }
    this.#proc = startKafkaProcess(java, this.#jars, this.layout, true);
    await waitKafkaHealthy(this.#proc, this.brokers, this.layout, { deadlineMs: 120_000, onProgress: () => {} });
  }

  /** SIGTERM (Kafka shuts down cleanly in about a second), or SIGKILL with graceMs 0. */
  async stop(graceMs = 15_000): Promise<void> {
    await this.#proc?.stop(graceMs);
    this.#proc = undefined;
  }
}
