/**
 * `pdm start` (what `npm start` runs): the local simulated factory end to end, in one process
 * plus the Kafka and QuestDB JVMs the launcher starts: simulated machines (OPC UA servers with
 * physics), the collector, the stream processor and its worker threads, and a live view.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../common/config.ts';
import { describeError } from '../../common/errors.ts';
import { createKafka } from '../../common/kafka.ts';
import { topicNames } from '../../common/topics.ts';
import { credentialsFile } from '../../deploy/local/control.ts';
import { endpointsFromEnv, ensureServices } from '../../deploy/local/services.ts';
import { Collector } from '../../ingest/collector/collector.ts';
import { CollectorConfigSpec } from '../../ingest/collector/collector-config.ts';
import { collectorPkiDir, initPlantPki } from '../../ingest/opcua/pki-init.ts';
import { loadFleet } from '../../ingest/simulator/fleet-config.ts';
import type { MachineTruth } from '../../ingest/simulator/physics/machine-simulation.ts';
import { tableNames } from '../../storage/tables.ts';
import { deleteModelState } from '../../stream-processing/model-state-topic.ts';
import { StreamProcessor } from '../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../stream-processing/processor-config.ts';
import { type CommandLineOf, command, commandSpec, flag, number, text } from '../command-line.ts';
import { addFleetMachines } from '../io/fleet-models.ts';
import { renderLiveView, shortDuration } from '../live-view.ts';
import { untilSignal } from '../signals.ts';
import type { SimulatorMessage } from './simulate.ts';

const HELP = `Usage: pdm start [--fleet FILE] [--processor-config FILE] [--duration SECONDS]

Starts Kafka and QuestDB (from Maven jars, or the ones PDM_KAFKA_BROKERS / PDM_QUESTDB_HTTP
name), a simulated factory (one OPC UA server per machine, SignAndEncrypt with a generated
user), the collector and the stream processor, and shows a live view until Ctrl-C.

  --fleet FILE             machines to simulate (default deploy/config/fleet.yaml)
  --processor-config FILE  processor settings (default deploy/config/processor.yaml)
  --duration SECONDS       stop by itself after this long (default: run until Ctrl-C)
  --refresh SECONDS        live view period (default 2)
  --keep-model-state       keep what the health models learned in earlier runs (default: the
                           simulated machines start new lives, so the models start afresh too)
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
  const services = await ensureServices({ profile: 'dev', onProgress: (l) => out(`  ${l}`) });
  const ep = services.endpoints;
  // The models also live on the model-state topic (where every processor restores them from): a fresh start clears it too.
  if (!values['keep-model-state'] && (await deleteModelState(createKafka(ep.kafkaBrokers, 'pdm-start'), topicNames('').modelState)))
    out('Model state of the previous run removed from Kafka as well.');
  const stateDir = '.pdm';
  const creds = localOpcuaCredentials(stateDir);
  const env = { ...process.env };
  env['PDM_OPCUA_USER'] ??= creds.username;
  env['PDM_OPCUA_PASSWORD'] ??= creds.password;

  const pkiRoot = join(stateDir, 'pki');
  await initPlantPki(
    pkiRoot,
    fleet.machines.map((m) => m.id),
    fleet.machines[0]?.opcua.hostname ?? 'localhost',
  );

  const topics = topicNames('');
  // The simulator runs in its own process, as it would in a plant: its signal synthesis and
  // OPC UA encryption must not stall the collector's and processor's event loop.
  out('Starting the simulated machines (pdm simulate)...');
  const sim = await startSimulatorChild(fleetFile, pkiRoot, join(stateDir, 'truth'), {
    ...env,
    PDM_KAFKA_BROKERS: ep.kafkaBrokers.join(','),
  });
  const factory = sim;
  const auth = ep.questdbUser && ep.questdbPassword ? { user: ep.questdbUser, password: ep.questdbPassword } : undefined;
  const processor = new StreamProcessor(processorConfig, {
    brokers: ep.kafkaBrokers,
    questdbHttp: ep.questdbHttp,
    questdbIlpConfig: ep.questdbIlpConfig,
    questdbAuth: auth,
  });
  await processor.start();
  const collector = new Collector(
    CollectorConfigSpec.parse({
      pkiDir: collectorPkiDir(pkiRoot),
      spool: { dir: join(stateDir, 'spool', 'local-collector') },
      machines: factory.machines
        .filter((m) => m.endpointUrl)
        .map((m) => ({ id: m.id, endpoint: m.endpointUrl, auth: { usernameEnv: 'PDM_OPCUA_USER', passwordEnv: 'PDM_OPCUA_PASSWORD' } })),
    }),
    { brokers: ep.kafkaBrokers, env },
  );
  await collector.start();

  const where = [
    `machines: ${factory.machines.map((m) => `${m.id}${m.endpointUrl ? ` ${m.endpointUrl}` : ` (${m.state}: ${m.error ?? ''})`}`).join(', ')}`,
    `OPC UA user '${env['PDM_OPCUA_USER']}', password in ${process.env['PDM_OPCUA_PASSWORD'] ? 'PDM_OPCUA_PASSWORD' : creds.file} (SignAndEncrypt, the strongest policy each machine offers; certificates in ${pkiRoot})`,
    `Kafka ${ep.kafkaBrokers.join(',')}: topics ${topics.vibration}, ${topics.energy}, ${topics.gaps}, ${topics.deadLetter}, ${topics.truth}`,
    `QuestDB console ${ep.questdbHttp} (user ${ep.questdbUser ?? '-'}, password in ${questdbPasswordAt(services.dataDir)}): tables ${Object.values(tableNames()).join(', ')}`,
    `ground truth: ${join(stateDir, 'truth')}/<machine>.jsonl`,
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
      collector: collector.stats,
      processor: processor.stats,
      windows: processor.windowCounters,
      truth,
    });
    process.stdout.write(tty ? `\x1b[H\x1b[2J${text}\n` : `${text}\n\n`);
  };
  const timer = setInterval(draw, values.refresh * 1000);
  const durationS = values.duration;
  const reason = await Promise.race([
    untilSignal().then((s) => `received ${s}`),
    sim.exited.then((code) => `the simulator exited unexpectedly (code ${code}); see the messages above`),
    services.unexpectedExit.then((e) => `${e.service} exited unexpectedly (code ${e.code}); its log: ${e.logFile}`),
    ...(durationS ? [new Promise<string>((r) => setTimeout(() => r(`--duration ${durationS}s elapsed`), durationS * 1000))] : []),
  ]);
  clearInterval(timer);
  draw();
  out(`\nStopping (${reason})...`);
  await collector.stop().catch((e: unknown) => out(`collector: ${describeError(e)}`));
  await factory.stop();
  await processor.stop().catch((e: unknown) => out(`processor: ${describeError(e)}`));
  await services.stop();
  out('Stopped. Data stays in .pdm/ (delete it to start afresh).');
  return reason.includes('unexpectedly') ? 1 : 0;
}

interface SimulatorChild {
  machines: Array<{ id: string; state: string; error?: string; endpointUrl?: string }>;
  latestTruth: Map<string, MachineTruth>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Fork `pdm simulate` and wait until its machines are listening. */
function startSimulatorChild(fleetFile: string, pkiRoot: string, truthDir: string, env: NodeJS.ProcessEnv): Promise<SimulatorChild> {
  const entry = fileURLToPath(new URL(`../pdm${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  // A larger young generation keeps served blocks from being promoted and collected as old
  // objects: measured 0.56 -> 0.15 cores for 4 machines (docs/simulator.md).
  const child = fork(entry, ['simulate', '--fleet', fleetFile, '--pki', pkiRoot, '--truth-dir', truthDir], {
    env,
    execArgv: [...process.execArgv, '--max-semi-space-size=32'],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  // The child's JSON logs go to a file; the parent keeps the terminal for the live view.
  mkdirSync('.pdm/logs', { recursive: true });
  child.stderr?.pipe(createWriteStream('.pdm/logs/simulator.log', { flags: 'a' }));
  let stopping = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (!stopping) resolve(code);
    }),
  );
  const latestTruth = new Map<string, MachineTruth>();
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`pdm simulate exited with code ${code} before its machines were up; see .pdm/logs/simulator.log`)),
    );
    child.on('message', (msg: SimulatorMessage) => {
      if (msg.type === 'truth') for (const [id, t] of Object.entries(msg.truth)) latestTruth.set(id, t);
      if (msg.type === 'ready') {
        resolve({
          machines: msg.machines,
          latestTruth,
          exited,
          stop: () =>
            new Promise<void>((done) => {
              stopping = true;
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}
