/** `pdm simulate --fleet FILE`: run the factory simulator until SIGINT/SIGTERM. */
import { join } from 'node:path';
import { questdbFromEnv } from '../../common/endpoints.ts';
import { describeError } from '../../common/errors.ts';
import { brokersFromEnv, createKafka, ensureTopics, kafkaSecurityFromEnv } from '../../common/kafka.ts';
import { topicNames } from '../../common/topics.ts';
import { Factory, type FactoryMachine } from '../../ingest/simulator/factory.ts';
import { loadFleet } from '../../ingest/simulator/fleet-config.ts';
import type { MachineTruth } from '../../ingest/simulator/physics/machine-simulation.ts';
import { TruthRecorder } from '../../ingest/simulator/truth-recorder.ts';
import { type CommandLineOf, command, commandSpec, number, text } from '../command-line.ts';
import { untilSignal } from '../signals.ts';

/** Messages a `pdm simulate` child sends to its parent over the IPC channel. */
export type SimulatorMessage =
  | { type: 'ready'; machines: Array<Pick<FactoryMachine, 'id' | 'state' | 'error' | 'endpointUrl'>> }
  | { type: 'truth'; truth: Record<string, MachineTruth> }
  /** Per machine and channel, the block sequence runs [first, last] its server published in this process's life. */
  | { type: 'produced'; machines: Record<string, Record<string, Array<[number, number]>>> };

const HELP = `Usage: pdm simulate --fleet FILE [--pki DIR] [--hostname HOST] [--bind ADDRESS] [--truth-dir DIR]

Runs one OPC UA server per machine of the fleet (physics or replay), or one gateway server for
them all with the fleet's opcua.layout: gateway, each machine with methods to inject a fault,
stop, start and repair it (see pdm factory, --machine), and publishes each machine's
ground truth every second to DIR/<machine>.jsonl, to the pdm.truth.v1 topic when
PDM_KAFKA_BROKERS is set, and to the QuestDB table ground_truth when PDM_QUESTDB_HTTP is set
(never read by the processing). A bad machine entry stops that machine only.

  --fleet FILE        fleet file (YAML/JSON), e.g. deploy/config/fleet.yaml
  --pki DIR           PKI root (machine certificates in DIR/machines/<id>, the operator's client
                      certificate for pdm factory in DIR/operator; default .pdm/pki)
  --hostname HOST     host name the servers advertise (default: the fleet's)
  --bind ADDRESS      address the servers listen on (default 127.0.0.1: this computer only;
                      0.0.0.0 to serve other hosts or containers, as docker-compose does)
  --truth-dir DIR     where to write ground truth (default .pdm/truth)
  --topic-prefix P    prefix of the truth topic name
  --table-prefix P    prefix of the ground_truth table name
  --physics-threads N worker threads that render the physics machines' vibration, so the main
                      thread only serves OPC UA (default: one per 64 such machines, at most one
                      per core; 0: render on the main thread)
Environment: the OPC UA user variables the fleet names; PDM_KAFKA_BROKERS, PDM_QUESTDB_HTTP,
PDM_QUESTDB_USER, PDM_QUESTDB_PASSWORD (each optional); for a secured Kafka
PDM_KAFKA_SECURITY_PROTOCOL (plaintext|ssl|sasl_ssl), PDM_KAFKA_CA_FILE, PDM_KAFKA_USERNAME,
PDM_KAFKA_PASSWORD (SECURITY.md)
`;

/**
 * Whether V8's young generation was enlarged at start. Served blocks (copies, encodings, encrypted
 * chunks) live for a publishing interval; with the default semi-space they survive two scavenges
 * and are promoted, and old-generation collections of the large address spaces then cost about
 * three times the rest of the serving (measured: 4 machines, 0.56 → 0.15 cores). The flag cannot be
 * set at run time, only by whoever starts the process.
 */
function hasLargeYoungGeneration(): boolean {
  return [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((f) => f.startsWith('--max-semi-space-size'));
}

const SPEC = commandSpec({
  name: 'simulate',
  help: HELP,
  options: {
    fleet: text().required(),
    pki: text(),
    hostname: text(),
    bind: text(),
    'truth-dir': text(),
    'topic-prefix': text(),
    'table-prefix': text(),
    'physics-threads': number({ min: 0, integer: true }),
  },
});

export const run = command(SPEC, simulate);

async function simulate({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  const fleet = loadFleet(values.fleet);
  if (!hasLargeYoungGeneration()) {
    process.stderr.write(
      'hint: run the simulator with NODE_OPTIONS=--max-semi-space-size=32: serving over OPC UA then takes about a quarter of the CPU (bench/simulator-serving.bench.ts)\n',
    );
  }
  const brokers = brokersFromEnv();
  let producer;
  const truthTopic = topicNames(values['topic-prefix'] ?? '').truth;
  if (brokers.length > 0) {
    // No config file for Kafka here: TLS / SASL come from PDM_KAFKA_SECURITY_PROTOCOL and friends.
    const kafka = createKafka(brokers, 'pdm-simulator', kafkaSecurityFromEnv());
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic: truthTopic, numPartitions: 1, replicationFactor: 1 }]);
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();
  }
  // The simulator's own recorder; a QuestDB that is down at start costs the table, not the plant.
  let truthRecorder: TruthRecorder | undefined;
  if (process.env['PDM_QUESTDB_HTTP']) {
    try {
      truthRecorder = await TruthRecorder.open(questdbFromEnv(), { tablePrefix: values['table-prefix'] ?? '' });
    } catch (err) {
      process.stderr.write(`ground truth will not be written to QuestDB: ${describeError(err)}\n`);
    }
  }
  const factory = new Factory(fleet, {
    pkiRoot: values.pki ?? join('.pdm', 'pki'),
    hostname: values.hostname,
    bind: values.bind,
    truthDir: values['truth-dir'] ?? join('.pdm', 'truth'),
    truthTopic: producer ? { producer, topic: truthTopic } : undefined,
    truthRecorder,
    physicsThreads: values['physics-threads'],
  });
  await factory.start();
  for (const m of factory.machines)
    process.stderr.write(
      `${m.id}: ${m.state}${m.endpointUrl ? ` at ${m.endpointUrl}` : ''}${m.error ? ` — ${m.error}` : ''}${m.insecure ? ` — INSECURE (allowInsecure): ${m.insecure.join(' and ')}` : ''}\n`,
    );
  // Run as a child of `pdm start` (IPC channel): report the machines, then the truth each second.
  let truthTimer: NodeJS.Timeout | undefined;
  if (process.send) {
    process.send({
      type: 'ready',
      machines: factory.machines.map(({ id, state, error, endpointUrl }) => ({ id, state, error, endpointUrl })),
    } satisfies SimulatorMessage);
    const produced = (): SimulatorMessage => ({
      type: 'produced',
      machines: Object.fromEntries(factory.machines.map((m) => [m.id, Object.fromEntries(m.stats?.producedRuns ?? [])])),
    });
    truthTimer = setInterval(() => {
      process.send?.({ type: 'truth', truth: Object.fromEntries(factory.latestTruth) } satisfies SimulatorMessage);
      process.send?.(produced());
    }, 1000);
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  await untilSignal();
  clearInterval(truthTimer);
  await factory.stop();
  await truthRecorder?.close();
  await producer?.disconnect();
  return factory.machines.some((m) => m.state === 'failed') ? 1 : 0;
}
