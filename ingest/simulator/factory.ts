/**
 * The factory simulator: one OPC UA server per machine of a fleet (or, with `opcua.layout:
 * gateway`, one gateway server serving them all), each machine driven by its physics or
 * replay model (`createMachineSource`), with methods to inject faults, stop, start and repair it
 * while it runs; plus the ground truth of every machine, written to a JSON Lines file per
 * machine, to the `pdm.truth.v1` topic and to QuestDB's `ground_truth` (each optional, none read
 * by the processing). A machine whose configuration or server fails is stopped and reported; the
 * rest of the plant runs on.
 *
 * Certificates: each machine server keeps its PKI in `<pkiRoot>/machines/<id>`, a gateway in
 * `<pkiRoot>/machines/<gatewayName>` (created on first start,
 * kept, as `pdm pki init` makes them). The operator's client certificate (`<pkiRoot>/operator`,
 * used by `pdm factory`) is created once; it and every machine trust each other, so the plant
 * can be driven out of the box. Nothing else is trusted.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { describeError, PdmError } from '../../common/errors.ts';
import { logger } from '../../common/log.ts';
import { ensureOwnCertificate, trustCertificate } from '../opcua/pki.ts';
import { machinePkiDir } from '../opcua/pki-init.ts';
import { insecureServerSettings, type LoadedFleet, type ValidMachine } from './fleet-config.ts';
import { OPERATOR_APPLICATION_URI, operatorPkiDir } from './opcua/factory-client.ts';
import { GatewayServer } from './opcua/gateway-server.ts';
import type { MachineServerStats, PublishedMachineOptions } from './opcua/machine-publisher.ts';
import { MachineServer } from './opcua/machine-server.ts';
import type { MachineTruth } from './physics/machine-simulation.ts';
import { PhysicsThreads, physicsThreadsFor, type ThreadedSimulation } from './physics-threads/physics-threads.ts';
import { createMachineSource } from './replay.ts';
import { type TruthRecordV1, truthRecord } from './truth-record.ts';
import type { TruthRecorder } from './truth-recorder.ts';

export interface FactoryOptions {
  /** PKI root: each machine's server keeps its PKI in `<pkiRoot>/machines/<id>`. */
  pkiRoot: string;
  /** Overrides the fleet's advertised host name (docker-compose: the service name). */
  hostname?: string;
  /** Address every machine server listens on (default 127.0.0.1; docker-compose: 0.0.0.0). */
  bind?: string;
  env?: NodeJS.ProcessEnv;
  /** Where to append each machine's truth (`<id>.jsonl`); none when absent. */
  truthDir?: string;
  /** Producer and topic for the truth; none when absent. */
  truthTopic?: { producer: Producer; topic: string };
  /** QuestDB `ground_truth` writer; none when absent. */
  truthRecorder?: TruthRecorder;
  truthPeriodMs?: number;
  startTimeMs?: number;
  /** Trust the operator certificate of `<pkiRoot>/operator` (created if missing); default true. */
  trustOperator?: boolean;
  /**
   * Worker threads that render the physics machines' vibration (physics-threads.ts), so the main
   * thread only serves OPC UA; 0 renders on the main thread. Default: physicsThreadsFor(the
   * number of physics machines with waveform sensors).
   */
  physicsThreads?: number;
}

export interface FactoryMachine {
  id: string;
  state: 'running' | 'failed' | 'stopped';
  error?: string;
  endpointUrl?: string;
  /** Insecure settings this machine accepted with allowInsecure (warned at every start). */
  insecure?: string[];
  simulation?: ReturnType<typeof createMachineSource> | ThreadedSimulation;
  /** The machine's own server (layout server-per-machine). */
  server?: MachineServer;
  /** The gateway that serves it (layout gateway). */
  gateway?: GatewayServer;
  /** What its server published of it, whichever serves it. */
  stats?: MachineServerStats;
}

export class Factory {
  readonly machines: FactoryMachine[] = [];
  /** The gateway servers (layout gateway), each serving several machines. */
  readonly gateways: GatewayServer[] = [];
  readonly #fleet: LoadedFleet;
  readonly #opts: FactoryOptions;
  readonly #log = logger('factory');
  #truthTimer: NodeJS.Timeout | undefined;
  #truthInFlight: Promise<void> | undefined;
  /** Worker threads rendering the physics machines (none when the main thread renders). */
  #physics: PhysicsThreads | undefined;
  readonly latestTruth = new Map<string, MachineTruth>();

  constructor(fleet: LoadedFleet, opts: FactoryOptions) {
    this.#fleet = fleet;
    this.#opts = opts;
    for (const r of fleet.rejected) {
      this.machines.push({ id: r.id ?? `machines[${r.index}]`, state: 'failed', error: r.error.message });
      this.#log.error({ machine: r.id, index: r.index, err: r.error.message }, 'machine rejected by the fleet file; the others run');
    }
  }

  async start(): Promise<void> {
    // The threads first: the machines' lives start with the clock below.
    const threaded = this.#fleet.machines.filter(rendersInThread);
    const threads = this.#opts.physicsThreads ?? physicsThreadsFor(threaded.length);
    if (threads > 0 && threaded.length > 0) {
      const physics = new PhysicsThreads(threads);
      try {
        await physics.ready();
        this.#physics = physics;
      } catch (err) {
        await physics.close();
        this.#log.error({ err: describeError(err) }, 'physics threads did not start; the main thread renders the vibration');
      }
    }
    const startTimeMs = this.#opts.startTimeMs ?? Date.now();
    const operatorCert =
      this.#opts.trustOperator === false
        ? undefined
        : await ensureOwnCertificate(operatorPkiDir(this.#opts.pkiRoot), 'client', OPERATOR_APPLICATION_URI, 'pdm-operator');
    const own = this.#fleet.machines.filter((m) => m.opcua.layout !== 'gateway');
    const gateways = new Map<string, ValidMachine[]>();
    for (const m of this.#fleet.machines)
      if (m.opcua.layout === 'gateway') gateways.set(m.opcua.serverName, [...(gateways.get(m.opcua.serverName) ?? []), m]);
    await Promise.all([
      ...own.map((m) => this.#startMachine(m, startTimeMs, operatorCert)),
      ...[...gateways].map(([name, machines]) => this.#startGateway(name, machines, startTimeMs, operatorCert)),
    ]);
    if (this.#opts.truthDir) mkdirSync(this.#opts.truthDir, { recursive: true });
    this.#truthTimer = setInterval(() => this.#truthTick(), this.#opts.truthPeriodMs ?? 1000);
    this.#truthTimer.unref();
  }

  /**
   * What a machine needs whichever server serves it: its users from the environment (checked),
   * its insecure settings said, its simulation. Throws a PdmError naming the machine.
   */
  #prepare(m: ValidMachine, entry: FactoryMachine, startTimeMs: number) {
    const env = this.#opts.env ?? process.env;
    const users = m.opcua.users.map((u) => {
      const username = env[u.usernameEnv];
      const password = env[u.passwordEnv];
      if (!username || !password) {
        throw new PdmError(
          'PDM_ERR_CONFIG_INVALID',
          `${m.origin.file}: machines[${m.origin.index}] (${m.id}): environment variable ${!username ? u.usernameEnv : u.passwordEnv} is not set; OPC UA passwords come from the environment`,
        );
      }
      return { username, password };
    });
    if (users.length === 0 && !m.opcua.security.allowAnonymous) {
      throw new PdmError(
        'PDM_ERR_CONFIG_INVALID',
        `${m.origin.file}: machines[${m.origin.index}] (${m.id}): no users and anonymous access not allowed: nobody could connect`,
      );
    }
    const insecure = insecureServerSettings(m.opcua.security);
    // validateFleet refuses these without allowInsecure; accepted ones are said at every start.
    if (insecure.length > 0) entry.insecure = insecure;
    if (insecure.length > 0)
      this.#log.warn(
        { machine: m.id, insecure },
        `INSECURE: machine ${m.id} serves with ${insecure.join(' and ')} (allowInsecure: true in ${m.origin.file})`,
      );
    const simulation =
      this.#physics && rendersInThread(m) ? this.#physics.simulate(m, { startTimeMs }) : createMachineSource(m, { startTimeMs });
    const published: PublishedMachineOptions = {
      machineId: m.id,
      identification: { ...m.identification, machineType: m.type },
      source: simulation,
      control: simulation,
      energyPeriodMs: m.sensors.energy.periodS * 1000,
      ...(m.sensors.output === 'scalar'
        ? { scalar: { periodMs: m.sensors.scalarPeriodS * 1000, shaftHz: m.nominalSpeedRpm / 60, iso: m.iso } }
        : {}),
    };
    return { users, simulation, published };
  }

  /** The server's certificate, as `pdm pki init` makes it (kept when it exists), trusted by the operator and trusting it. */
  async #serverPki(serverName: string, hostname: string, operatorCert: string | undefined): Promise<string> {
    const pkiDir = machinePkiDir(this.#opts.pkiRoot, serverName);
    const serverCert = await ensureOwnCertificate(pkiDir, 'server', `urn:pdm:simulator:${serverName}`, hostname);
    if (operatorCert) {
      trustCertificate(pkiDir, operatorCert, 'pdm-operator');
      trustCertificate(operatorPkiDir(this.#opts.pkiRoot), serverCert, `machine-${serverName}`);
    }
    return pkiDir;
  }

  async #startMachine(m: ValidMachine, startTimeMs: number, operatorCert: string | undefined): Promise<void> {
    const entry: FactoryMachine = { id: m.id, state: 'stopped' };
    this.machines.push(entry);
    try {
      const { users, simulation, published } = this.#prepare(m, entry, startTimeMs);
      const hostname = this.#opts.hostname ?? m.opcua.hostname;
      const pkiDir = await this.#serverPki(m.id, hostname, operatorCert);
      const server = new MachineServer({
        ...published,
        port: m.opcua.port,
        hostname,
        bind: this.#opts.bind,
        security: m.opcua.security,
        users,
        pkiDir,
      });
      await server.start();
      Object.assign(entry, { state: 'running', simulation, server, stats: server.stats, endpointUrl: server.endpointUrl });
    } catch (err) {
      entry.state = 'failed';
      entry.error = describeError(err);
      this.#log.error({ machine: m.id, err: entry.error }, 'machine stopped; the others run');
    }
  }

  /**
   * The machines of a gateway in one server. A machine that cannot be prepared (its simulation
   * fails) is stopped and reported, the others are served; a gateway that cannot start stops
   * all of its machines, each reported with the reason.
   */
  async #startGateway(name: string, machines: ValidMachine[], startTimeMs: number, operatorCert: string | undefined): Promise<void> {
    const ready: Array<{ entry: FactoryMachine; simulation: FactoryMachine['simulation']; published: PublishedMachineOptions }> = [];
    let users: Array<{ username: string; password: string }> = [];
    for (const m of machines) {
      const entry: FactoryMachine = { id: m.id, state: 'stopped' };
      this.machines.push(entry);
      try {
        const prepared = this.#prepare(m, entry, startTimeMs);
        users = prepared.users; // the fleet's users: the same for every machine of a gateway
        ready.push({ entry, simulation: prepared.simulation, published: prepared.published });
      } catch (err) {
        entry.state = 'failed';
        entry.error = describeError(err);
        this.#log.error({ machine: m.id, gateway: name, err: entry.error }, 'machine stopped; the others run');
      }
    }
    if (ready.length === 0) return;
    const first = machines[0];
    try {
      const hostname = this.#opts.hostname ?? first.opcua.hostname;
      const gateway = new GatewayServer({
        name,
        port: first.opcua.port,
        hostname,
        bind: this.#opts.bind,
        security: first.opcua.security,
        users,
        pkiDir: await this.#serverPki(name, hostname, operatorCert),
        machines: ready.map((r) => r.published),
      });
      await gateway.start();
      this.gateways.push(gateway);
      for (const r of ready)
        Object.assign(r.entry, {
          state: 'running',
          simulation: r.simulation,
          stats: gateway.stats.get(r.entry.id),
          gateway,
          endpointUrl: gateway.endpointUrl,
        });
    } catch (err) {
      const error = `gateway ${name}: ${describeError(err)}`;
      for (const r of ready) Object.assign(r.entry, { state: 'failed', error });
      this.#log.error({ gateway: name, err: error }, 'gateway stopped: none of its machines is served');
    }
  }

  /** One truth tick; a tick is skipped while the previous one's writes are still out (a slow Kafka or QuestDB). */
  #truthTick(): void {
    if (this.#truthInFlight) return;
    this.#truthInFlight = this.publishTruth(Date.now()).then(
      () => {
        this.#truthInFlight = undefined;
      },
      (err: unknown) => {
        this.#truthInFlight = undefined;
        this.#log.error({ err: describeError(err) }, 'ground truth tick failed');
      },
    );
  }

  /** The truth of every machine at `nowMs`, to every configured output. Exposed for tests. */
  async publishTruth(nowMs: number): Promise<TruthRecordV1[]> {
    const records: TruthRecordV1[] = [];
    for (const m of this.machines) {
      if (!m.simulation) continue;
      try {
        const truth = m.simulation.truthAt(nowMs);
        this.latestTruth.set(m.id, truth);
        records.push(truthRecord(truth));
      } catch (err) {
        this.#log.error({ machine: m.id, err: describeError(err) }, 'no ground truth for this machine this time');
      }
    }
    if (records.length === 0) return records;
    if (this.#opts.truthDir) {
      for (const r of records) appendFileSync(join(this.#opts.truthDir, `${r.machine}.jsonl`), `${JSON.stringify(r)}\n`);
    }
    await Promise.all([
      this.#opts.truthTopic?.producer
        .send({ topic: this.#opts.truthTopic.topic, messages: records.map((r) => ({ key: r.machine, value: JSON.stringify(r) })) })
        .catch((err: unknown) => this.#log.warn({ err: describeError(err) }, 'ground truth not sent to Kafka this time (the file has it)')),
      this.#opts.truthRecorder?.write(records),
    ]);
    return records;
  }

  async stop(): Promise<void> {
    clearInterval(this.#truthTimer);
    await this.#truthInFlight;
    await Promise.all(
      this.machines.map(async (m) => {
        await m.server?.stop().catch(() => undefined);
        if (m.state === 'running') m.state = 'stopped';
      }),
    );
    await Promise.all(this.gateways.map((g) => g.stop().catch(() => undefined)));
    await this.#physics?.close();
    this.#physics = undefined;
  }
}

/** Whether a machine's vibration can be rendered in a physics thread: physics (not a replay), waveforms (scalar sensors render in the publisher). */
function rendersInThread(m: ValidMachine): boolean {
  return !m.replay && m.sensors.output !== 'scalar' && m.sensors.vibration.length > 0;
}
