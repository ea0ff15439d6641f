/**
 * `pdm start` (what `npm start` runs): the local simulated factory end to end, in one process
 * plus the Kafka and QuestDB JVMs the launcher starts: simulated machines (OPC UA servers with
 * physics), the collector, the stream processor and its worker threads, and a live view.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../common/config.ts';
import { describeError } from '../../common/errors.ts';
import { createKafka, type KafkaSecurity } from '../../common/kafka.ts';
import { topicNames } from '../../common/topics.ts';
import { credentialsFile } from '../../deploy/local/control.ts';
import { KAFKA_SECURITY_MODES, type KafkaSecrets } from '../../deploy/local/kafka-security.ts';
import { endpointsFromEnv, ensureServices, type LocalKafkaSecurity } from '../../deploy/local/services.ts';
import type { MachineStats } from '../../ingest/collector/collector.ts';
import { CollectorConfigSpec } from '../../ingest/collector/collector-config.ts';
import { collectorPkiDir, initPlantPki } from '../../ingest/opcua/pki-init.ts';
import { loadFleet } from '../../ingest/simulator/fleet-config.ts';
import type { MachineTruth } from '../../ingest/simulator/physics/machine-simulation.ts';
import { tableNames } from '../../storage/tables.ts';
import { deleteModelState } from '../../stream-processing/model-state-topic.ts';
import { StreamProcessor } from '../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../stream-processing/processor-config.ts';
import { type CommandLineOf, choice, command, commandSpec, flag, number, text } from '../command-line.ts';
import { addFleetMachines } from '../io/fleet-models.ts';
import { countsLine, renderLiveView, shortDuration } from '../live-view.ts';
import { prepareRunState } from '../run-state.ts';
import { untilSignal } from '../signals.ts';
import type { CollectorMessage } from './collect.ts';
import type { SimulatorMessage } from './simulate.ts';

const HELP = `Usage: pdm start [--fleet FILE] [--processor-config FILE] [--duration SECONDS]

Starts Kafka and QuestDB (from Maven jars, or the ones PDM_KAFKA_BROKERS / PDM_QUESTDB_HTTP
name), a simulated factory (pdm simulate: OPC UA servers, SignAndEncrypt with a generated
user), the collector (pdm collect, its own process too) and the stream processor, and shows a
live view until Ctrl-C; the last line, "Final counts", is what went in and came out.

  --fleet FILE             machines to simulate (default deploy/config/fleet.yaml)
  --processor-config FILE  processor settings (default deploy/config/processor.yaml)
  --duration SECONDS       stop by itself after this long (default: run until Ctrl-C)
  --refresh SECONDS        live view period (default 2)
  --keep-model-state       keep what the health models learned in earlier runs (default: the
                           simulated machines start new lives, so the models start afresh too)
  --kafka-security plaintext|sasl_ssl
                           sasl_ssl: the local Kafka with TLS, SCRAM-SHA-512 users and ACLs, the
                           simulator, collector and processor each as its own user (default
                           plaintext on 127.0.0.1; a services directory is secured from its first
                           start: use PDM_SERVICES_DIR for a secured one beside a plaintext one)
  --resume                 keep the collector's sequence ledger and spool and the processor's
                           consumer position of earlier runs, as a plant does: the time between
                           runs then shows as blocks not collected while the collector was stopped.
                           Default: a fresh run (the machines start new lives, so collection does
                           too): the ledger and spool are removed and the processor starts at the
                           end of its topics, skipping what earlier runs left there

State (the collector's spool, OPC UA certificates and user, ground truth, logs) is kept in .pdm/
under the current directory.
`;

/** OPC UA credentials of the local factory: generated once, kept in .pdm (0600), never a default. */
function localOpcuaCredentials(dir: string): { username: string; password: string; file: string } {
  const file = join(dir, 'opcua-user.json');
  if (existsSync(file)) return { ...(JSON.parse(readFileSync(file, 'utf8')) as { username: string; password: string }), file };
  mkdirSync(dir, { recursive: true });
  const creds = { username: 'operator', password: randomBytes(18).toString('base64url') };
  writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  return { ...creds, file };
}

/**
 * How the simulator, processor and collector reach the local Kafka: nothing for plaintext; with
 * SASL_SSL each its own user (its ACLs), the passwords read from the services directory's users
 * file into variables of this process's children only, never printed.
 */
function componentKafka(local: LocalKafkaSecurity | undefined): {
  simulatorEnv: NodeJS.ProcessEnv;
  env: NodeJS.ProcessEnv;
  security: (user: 'collector' | 'processor' | 'admin') => KafkaSecurity | undefined;
} {
  if (!local) return { simulatorEnv: {}, env: {}, security: () => undefined };
  const users = (JSON.parse(readFileSync(local.usersFile, 'utf8')) as KafkaSecrets).users;
  const env: NodeJS.ProcessEnv = {};
  for (const u of ['collector', 'processor', 'admin'] as const) {
    env[`PDM_KAFKA_${u.toUpperCase()}_USERNAME`] = users[u].username;
    env[`PDM_KAFKA_${u.toUpperCase()}_PASSWORD`] = users[u].password;
  }
  return {
    simulatorEnv: {
      PDM_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      PDM_KAFKA_CA_FILE: local.caFile,
      PDM_KAFKA_USERNAME: users.simulator.username,
      PDM_KAFKA_PASSWORD: users.simulator.password,
    },
    env,
    security: (u) => ({
      protocol: 'sasl_ssl',
      caFile: local.caFile,
      usernameEnv: `PDM_KAFKA_${u.toUpperCase()}_USERNAME`,
      passwordEnv: `PDM_KAFKA_${u.toUpperCase()}_PASSWORD`,
    }),
  };
}

/** Where the QuestDB password is (never the password: the banner stays on screen and in logs). */
function questdbPasswordAt(dataDir: string): string {
  return endpointsFromEnv().questdb !== undefined || !dataDir ? 'PDM_QUESTDB_PASSWORD' : resolve(credentialsFile(dataDir));
}

const SPEC = commandSpec({
  name: 'start',
  help: HELP,
  options: {
    fleet: text().default('deploy/config/fleet.yaml'),
    'processor-config': text().default('deploy/config/processor.yaml'),
    duration: number({ above: 0, note: 'seconds' }),
    // At least a tenth of a second: a faster redraw only burns the CPU the plant needs.
    refresh: number({ min: 0.1, note: 'seconds' }).default(2),
    'keep-model-state': flag(),
    'kafka-security': choice(KAFKA_SECURITY_MODES).default('plaintext'),
    resume: flag(),
  },
});

export const run = command(SPEC, start);

async function start({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const fleetFile = values.fleet;
  const fleet = loadFleet(fleetFile);
  for (const r of fleet.rejected) out(`! ${r.error.message} — that machine is skipped, the others run`);
  const processorConfig = loadConfigFile(ProcessorConfigSpec, values['processor-config']);
  addFleetMachines(processorConfig, fleet.machines);
  if (!values['keep-model-state'] && existsSync(processorConfig.health.stateDir)) {
    // Every run of the simulated factory starts its machines on a new life: a baseline learned on
    // the previous run's (possibly failing) machines would be wrong.
    rmSync(processorConfig.health.stateDir, { recursive: true, force: true });
    out(`Model state of the previous run removed (${processorConfig.health.stateDir}); --keep-model-state keeps it.`);
  }

  out('Starting Kafka and QuestDB (first run downloads them with Maven; this shows progress)...');
  const services = await ensureServices({
    profile: 'dev',
    onProgress: (l) => out(`  ${l}`),
    kafkaSecurity: values['kafka-security'],
  });
  const ep = services.endpoints;
  const kafka = componentKafka(services.kafkaSecurity);
  // pdm start's own housekeeping (topic deletion, the group's backlog) runs as the admin user.
  const adminKafka = createKafka(ep.kafkaBrokers, 'pdm-start', kafka.security('admin'), kafka.env);
  // The models also live on the model-state topic (where every processor restores them from): a fresh start clears it too.
  if (!values['keep-model-state'] && (await deleteModelState(adminKafka, topicNames(processorConfig.kafka.topicPrefix).modelState)))
    out('Model state of the previous run removed from Kafka as well.');
  const stateDir = '.pdm';
  const topicsOf = topicNames(processorConfig.kafka.topicPrefix);
  const creds = localOpcuaCredentials(stateDir);
  const env = { ...process.env };
  env['PDM_OPCUA_USER'] ??= creds.username;
  env['PDM_OPCUA_PASSWORD'] ??= creds.password;

  const pkiRoot = join(stateDir, 'pki');
  await initPlantPki(
    pkiRoot,
    [...new Set(fleet.machines.map((m) => m.opcua.serverName))],
    fleet.machines[0]?.opcua.hostname ?? 'localhost',
  );

  // Before the processor and the collector start: what earlier runs left (cli/run-state.ts).
  const collectorDir = join(stateDir, 'spool', 'local-collector');
  const runState = await prepareRunState({
    collectorDir,
    kafka: adminKafka,
    groupId: processorConfig.kafka.groupId,
    topics: [topicsOf.vibration, topicsOf.energy, topicsOf.features, topicsOf.gaps],
    resume: values.resume,
  });
  out(runState.summary);

  const topics = topicNames('');
  // The simulator runs in its own process, as it would in a plant: its signal synthesis and
  // OPC UA encryption must not stall the collector's and processor's event loop.
  out('Starting the simulated machines (pdm simulate)...');
  const sim = await startSimulatorChild(fleetFile, pkiRoot, join(stateDir, 'truth'), {
    ...env,
    PDM_KAFKA_BROKERS: ep.kafkaBrokers.join(','),
    ...kafka.simulatorEnv,
  });
  const factory = sim;
  const auth = ep.questdbUser && ep.questdbPassword ? { user: ep.questdbUser, password: ep.questdbPassword } : undefined;
  const processor = new StreamProcessor(processorConfig, {
    brokers: ep.kafkaBrokers,
    questdbHttp: ep.questdbHttp,
    questdbIlpConfig: ep.questdbIlpConfig,
    questdbAuth: auth,
    kafkaSecurity: kafka.security('processor'),
    kafkaEnv: kafka.env,
  });
  await processor.start();
  // The collector runs in its own process too (pdm collect, as in docker-compose): its OPC UA
  // decryption and the processor's decoding and writes then use both cores instead of taking
  // turns on one event loop, a collector that fails does not take the processor down, and
  // each one's CPU and memory can be measured (npm run bench:e2e, npm run soak).
  const collectorInput = {
    pkiDir: collectorPkiDir(pkiRoot),
    spool: { dir: collectorDir },
    ...(kafka.security('collector') ? { kafka: { security: kafka.security('collector') } } : {}),
    machines: factory.machines
      .filter((m) => m.endpointUrl)
      .map((m) => ({ id: m.id, endpoint: m.endpointUrl, auth: { usernameEnv: 'PDM_OPCUA_USER', passwordEnv: 'PDM_OPCUA_PASSWORD' } })),
  };
  // Checked here, so that a mistake stops pdm start with the message rather than a child's exit code.
  CollectorConfigSpec.parse(collectorInput);
  const collectorConfigFile = join(stateDir, 'collector.json');
  writeFileSync(collectorConfigFile, `${JSON.stringify(collectorInput, null, 2)}\n`);
  out('Starting the collector (pdm collect)...');
  const collector = await startCollectorChild(collectorConfigFile, {
    ...env,
    ...kafka.env,
    PDM_KAFKA_BROKERS: ep.kafkaBrokers.join(','),
  });

  const where = [
    `machines: ${factory.machines.map((m) => `${m.id}${m.endpointUrl ? ` ${m.endpointUrl}` : ` (${m.state}: ${m.error ?? ''})`}`).join(', ')}`,
    `OPC UA user '${env['PDM_OPCUA_USER']}', password in ${process.env['PDM_OPCUA_PASSWORD'] ? 'PDM_OPCUA_PASSWORD' : creds.file} (SignAndEncrypt, the strongest policy each machine offers; certificates in ${pkiRoot})`,
    `Kafka ${ep.kafkaBrokers.join(',')}: topics ${topics.vibration}, ${topics.energy}, ${topics.features}, ${topics.gaps}, ${topics.deadLetter}, ${topics.alerts}, ${topics.truth}${services.kafkaSecurity ? ` (SASL_SSL: CA ${resolve(services.kafkaSecurity.caFile)}, users simulator, collector, processor, passwords in ${resolve(services.kafkaSecurity.usersFile)})` : ''}`,
    `QuestDB console ${ep.questdbHttp} (user ${ep.questdbUser ?? '-'}, password in ${questdbPasswordAt(services.dataDir)}): tables ${Object.values(tableNames()).join(', ')}`,
    `ground truth: ${join(stateDir, 'truth')}/<machine>.jsonl`,
    values.resume
      ? 'resumed: collector ledger and processor position of earlier runs kept (--resume)'
      : `fresh run: collector ledger started afresh, processor from the end of its topics${runState.leftInKafka > 0 ? ` (${runState.leftInKafka} earlier messages skipped)` : ''}`,
  ];
  const startedAtMs = Date.now();
  const tty = process.stdout.isTTY;
  const draw = () => {
    const now = Date.now();
    const truth = new Map(
      [...factory.latestTruth].map(([id, t]) => {
        const active = t.faults.filter((f) => f.severity > 0);
        const failIn = active.map((f) => f.failureAtMs).filter((x): x is number => x !== null && x > now);
        const faults =
          active.map((f) => `${f.type} ${(f.severity * 100).toFixed(0)}%`).join(', ') +
          (failIn.length ? ` fails in ${shortDuration((Math.min(...failIn) - now) / 1000)}` : '');
        return [id, { state: t.state, faults }];
      }),
    );
    const text = renderLiveView({
      startedAtMs,
      nowMs: Date.now(),
      where,
      collector: collector.stats(),
      processor: processor.stats,
      windows: processor.windowCounters,
      truth,
      openAlerts: (machine) => processor.alerts?.openEpisodes(machine) ?? [],
    });
    process.stdout.write(tty ? `\x1b[H\x1b[2J${text}\n` : `${text}\n\n`);
  };
  const timer = setInterval(draw, values.refresh * 1000);
  const durationS = values.duration;
  const reason = await Promise.race([
    untilSignal().then((s) => `received ${s}`),
    sim.exited.then((code) => `the simulator exited unexpectedly (code ${code}); see the messages above`),
    collector.exited.then((code) => `the collector exited unexpectedly (code ${code}); its log: ${COLLECTOR_LOG}`),
    services.unexpectedExit.then((e) => `${e.service} exited unexpectedly (code ${e.code}); its log: ${e.logFile}`),
    ...(durationS ? [new Promise<string>((r) => setTimeout(() => r(`--duration ${durationS}s elapsed`), durationS * 1000))] : []),
  ]);
  clearInterval(timer);
  draw();
  out(`\nStopping (${reason})...`);
  await collector.stop();
  await factory.stop();
  await processor.stop().catch((e: unknown) => out(`processor: ${describeError(e)}`));
  // The collector's last report comes after it has sent what waited: the run's final counts.
  out(`Final counts: ${countsLine({ collector: collector.stats(), processor: processor.stats, windows: processor.windowCounters })}`);
  await services.stop();
  out(
    "Stopped. State stays in .pdm/: the next pdm start begins a fresh collection (pdm start --resume goes on from this one's); delete .pdm/ to forget the certificates and the OPC UA user too.",
  );
  return reason.includes('unexpectedly') ? 1 : 0;
}

/** A `pdm` subcommand run as a child of pdm start (pdm simulate, pdm collect). */
interface PdmChild {
  child: ChildProcess;
  /** Resolves when it exits while not being stopped. */
  exited: Promise<number | null>;
  /** SIGTERM, then (with `killAfterMs`) SIGKILL if it has not exited by then; resolves once it has exited and its channel drained. */
  stop(killAfterMs?: number): Promise<void>;
}

/**
 * Fork `pdm ARGS` with an IPC channel. Its JSON logs (stderr) are appended to `logFile`: the
 * parent keeps the terminal for the live view.
 */
function forkPdm(
  args: string[],
  o: { env: NodeJS.ProcessEnv; logFile: string; stdout: 'inherit' | 'ignore'; execArgv?: string[] },
): PdmChild {
  const entry = fileURLToPath(new URL(`../pdm${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const child = fork(entry, args, { env: o.env, execArgv: o.execArgv ?? process.execArgv, stdio: ['ignore', o.stdout, 'pipe', 'ipc'] });
  mkdirSync(dirname(o.logFile), { recursive: true });
  child.stderr?.pipe(createWriteStream(o.logFile, { flags: 'a' }));
  let stopping = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (!stopping) resolve(code);
    }),
  );
  return {
    child,
    exited,
    stop: (killAfterMs) =>
      new Promise<void>((done) => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const kill = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        // 'close': exited and its channel drained, so its last message has arrived.
        child.once('close', () => {
          clearTimeout(kill);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

interface SimulatorChild {
  machines: Array<{ id: string; state: string; error?: string; endpointUrl?: string }>;
  latestTruth: Map<string, MachineTruth>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const SIMULATOR_LOG = '.pdm/logs/simulator.log';

/** Fork `pdm simulate` and wait until its machines are listening. */
function startSimulatorChild(fleetFile: string, pkiRoot: string, truthDir: string, env: NodeJS.ProcessEnv): Promise<SimulatorChild> {
  const sim = forkPdm(['simulate', '--fleet', fleetFile, '--pki', pkiRoot, '--truth-dir', truthDir], {
    env,
    logFile: SIMULATOR_LOG,
    stdout: 'inherit',
    // A larger young generation keeps served blocks from being promoted and collected as old
    // objects: measured 0.56 -> 0.15 cores for 4 machines (docs/simulator.md).
    execArgv: [...process.execArgv, '--max-semi-space-size=32'],
  });
  const latestTruth = new Map<string, MachineTruth>();
  return new Promise((resolve, reject) => {
    sim.child.once('exit', (code) =>
      reject(new Error(`pdm simulate exited with code ${code} before its machines were up; see ${SIMULATOR_LOG}`)),
    );
    sim.child.on('message', (msg: SimulatorMessage) => {
      if (msg.type === 'truth') for (const [id, t] of Object.entries(msg.truth)) latestTruth.set(id, t);
      if (msg.type === 'ready') resolve({ machines: msg.machines, latestTruth, exited: sim.exited, stop: () => sim.stop() });
    });
  });
}

const COLLECTOR_LOG = '.pdm/logs/collector.log';
/** How long the collector may take to send what waits before it is killed (its spool keeps the rest). */
const COLLECTOR_STOP_MS = 60_000;

interface CollectorChild {
  /** The machines' counters, as the collector last reported them (once a second). */
  stats(): MachineStats[];
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Fork `pdm collect` on the configuration written for it and wait until it has started. */
function startCollectorChild(configFile: string, env: NodeJS.ProcessEnv): Promise<CollectorChild> {
  const collector = forkPdm(['collect', '--config', configFile], { env, logFile: COLLECTOR_LOG, stdout: 'ignore' });
  let latest: MachineStats[] = [];
  return new Promise((resolve, reject) => {
    collector.child.once('exit', (code) =>
      reject(new Error(`pdm collect exited with code ${code} before it started; see ${COLLECTOR_LOG}`)),
    );
    collector.child.on('message', (msg: CollectorMessage) => {
      if (msg.type === 'stats') latest = msg.stats;
      if (msg.type === 'ready') resolve({ stats: () => latest, exited: collector.exited, stop: () => collector.stop(COLLECTOR_STOP_MS) });
    });
  });
}
