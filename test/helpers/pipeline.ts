/**
 * Test helper: the real pipeline, briefly, as the walking skeleton wires it. Simulated machines
 * (node-opcua servers, SignAndEncrypt with a user token) -> collector -> Kafka -> processor
 * (worker threads) -> QuestDB, on a topic and table prefix of the test's own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceEndpoints } from '../../deploy/local/services.ts';
import { Collector } from '../../ingest/collector/collector.ts';
import { CollectorConfigSpec } from '../../ingest/collector/collector-config.ts';
import { MachineServer } from '../../ingest/simulator/opcua/machine-server.ts';
import type { MachineSignalSource } from '../../ingest/simulator/signal-source.ts';
import { StreamProcessor } from '../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../stream-processing/processor-config.ts';
import { trustEachOther } from '../../tools/harness/opcua-trust.ts';
import { freePort } from '../../tools/harness/ports.ts';
import { questdbAuth } from './questdb.ts';

export interface PipelineMachine {
  id: string;
  source: MachineSignalSource;
  /** Longest catch-up the server renders after a stall; older blocks are skipped (a gap). */
  maxCatchUpBlocks?: number;
}

export interface PipelineOptions {
  services: ServiceEndpoints;
  /** Prefix of the topics and of the tables. */
  prefix: string;
  machines: PipelineMachine[];
  windowBlocks: number;
  partitions?: number;
  workers?: number;
  /** Run the per-machine health model (default off: see below). */
  health?: boolean;
  /** Processor settings beyond the defaults: `health` is merged into the helper's, `machines` given as is. */
  processor?: {
    health?: Record<string, unknown>;
    machines?: Record<string, unknown>;
    metrics?: { port: number; host?: string };
    spectra?: { lines?: number; everyWindows?: number; bandsEveryWindows?: number };
    alerts?: Record<string, unknown>;
  };
  /** Where the processor checkpoints model state (default: a fresh directory per prefix). */
  stateDir?: string;
}

export interface RunningPipeline {
  servers: MachineServer[];
  collector: Collector;
  processor: StreamProcessor;
  /** Stop collecting (servers and collector); the processor keeps draining what was sent. */
  stopCollecting(): Promise<void>;
  /** Stop everything; safe to call twice. */
  stop(): Promise<void>;
}

export async function startPipeline(opts: PipelineOptions): Promise<RunningPipeline> {
  const dir = mkdtempSync(join(tmpdir(), 'pdm-pipeline-'));
  const collectorPki = join(dir, 'collector-pki');
  const env = { ...process.env, PIPELINE_OPCUA_USER: 'operator', PIPELINE_OPCUA_PASSWORD: `pw-${Math.random().toString(36).slice(2)}` };
  const servers: MachineServer[] = [];
  let collector: Collector | undefined;
  let processor: StreamProcessor | undefined;

  const stopCollecting = async () => {
    await collector?.stop().catch(() => undefined);
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  };
  const stop = async () => {
    await stopCollecting();
    await processor?.stop().catch(() => undefined);
  };

  try {
    for (const m of opts.machines) {
      const serverPki = join(dir, `server-pki-${m.id}`);
      await trustEachOther(serverPki, m.id, collectorPki);
      const server = new MachineServer({
        machineId: m.id,
        port: await freePort(),
        source: m.source,
        security: { mode: 'SignAndEncrypt', policy: 'Basic256Sha256', allowAnonymous: false },
        users: [{ username: env.PIPELINE_OPCUA_USER, password: env.PIPELINE_OPCUA_PASSWORD }],
        pkiDir: serverPki,
        ...(m.maxCatchUpBlocks !== undefined ? { maxCatchUpBlocks: m.maxCatchUpBlocks } : {}),
      });
      await server.start();
      servers.push(server);
    }

    const { services, prefix } = opts;
    processor = new StreamProcessor(
      ProcessorConfigSpec.parse({
        kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions: opts.partitions ?? 2 },
        questdb: { tablePrefix: prefix },
        windowBlocks: opts.windowBlocks,
        workers: opts.workers ?? 1,
        // The health model needs a minute of baseline, longer than these runs; tests that want
        // machine_health rows write them themselves. State never lands in the repo's .pdm/.
        health: { enabled: opts.health ?? false, stateDir: opts.stateDir ?? join(tmpdir(), `${prefix}state`), ...opts.processor?.health },
        ...(opts.processor?.machines ? { machines: opts.processor.machines } : {}),
        ...(opts.processor?.metrics ? { metrics: opts.processor.metrics } : {}),
        ...(opts.processor?.spectra ? { spectra: opts.processor.spectra } : {}),
        ...(opts.processor?.alerts ? { alerts: opts.processor.alerts } : {}),
      }),
      {
        brokers: services.kafkaBrokers,
        questdbHttp: services.questdbHttp,
        questdbIlpConfig: services.questdbIlpConfig,
        questdbAuth: questdbAuth(services),
      },
    );
    await processor.start();

    collector = new Collector(
      CollectorConfigSpec.parse({
        kafka: { topicPrefix: prefix, partitions: opts.partitions ?? 2 },
        pkiDir: collectorPki,
        spool: { dir: join(dir, 'spool') },
        machines: servers.map((s, i) => ({
          id: opts.machines[i].id,
          endpoint: s.endpointUrl,
          auth: { usernameEnv: 'PIPELINE_OPCUA_USER', passwordEnv: 'PIPELINE_OPCUA_PASSWORD' },
        })),
      }),
      { brokers: services.kafkaBrokers, env },
    );
    await collector.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { servers, collector, processor, stopCollecting, stop };
}
