/**
 * The factory simulator: one OPC UA server per machine of a fleet, each driven by its physics or
 * replay model (`createMachineSource`), with methods to inject faults, stop, start and repair it
 * while it runs; plus the ground truth of every machine, written to a JSON Lines file per
 * machine, to the `pdm.truth.v1` topic and to QuestDB's `ground_truth` (each optional, none read
 * by the processing). A machine whose configuration or server fails is stopped and reported; the
 * rest of the plant runs on.
 *
 * Certificates: each machine keeps its PKI in `<pkiRoot>/machines/<id>` (created on first start,
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
import { MachineServer } from './opcua/machine-server.ts';
import type { MachineTruth } from './physics/machine-simulation.ts';
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
}

export interface FactoryMachine {
  id: string;
  state: 'running' | 'failed' | 'stopped';
  error?: string;
  endpointUrl?: string;
  /** Insecure settings this machine accepted with allowInsecure (warned at every start). */
  insecure?: string[];
  simulation?: ReturnType<typeof createMachineSource>;
  server?: MachineServer;
}

export class Factory {
  readonly machines: FactoryMachine[] = [];
  readonly #fleet: LoadedFleet;
  readonly #opts: FactoryOptions;
  readonly #log = logger('factory');
  #truthTimer: NodeJS.Timeout | undefined;
  #truthInFlight: Promise<void> | undefined;
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
    const startTimeMs = this.#opts.startTimeMs ?? Date.now();
    const operatorCert =
      this.#opts.trustOperator === false
        ? undefined
        : await ensureOwnCertificate(operatorPkiDir(this.#opts.pkiRoot), 'client', OPERATOR_APPLICATION_URI, 'pdm-operator');
    await Promise.all(this.#fleet.machines.map((m) => this.#startMachine(m, startTimeMs, operatorCert)));
    if (this.#opts.truthDir) mkdirSync(this.#opts.truthDir, { recursive: true });
    this.#truthTimer = setInterval(() => this.#truthTick(), this.#opts.truthPeriodMs ?? 1000);
    this.#truthTimer.unref();
  }

  async #startMachine(m: ValidMachine, startTimeMs: number, operatorCert: string | undefined): Promise<void> {
    const entry: FactoryMachine = { id: m.id, state: 'stopped' };
    this.machines.push(entry);
    try {
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
      const simulation = createMachineSource(m, { startTimeMs });
      const pkiDir = machinePkiDir(this.#opts.pkiRoot, m.id);
      const hostname = this.#opts.hostname ?? m.opcua.hostname;
      // The machine's certificate, as `pdm pki init` makes it (kept when it exists).
      const machineCert = await ensureOwnCertificate(pkiDir, 'server', `urn:pdm:simulator:${m.id}`, hostname);
      if (operatorCert) {
        trustCertificate(pkiDir, operatorCert, 'pdm-operator');
        trustCertificate(operatorPkiDir(this.#opts.pkiRoot), machineCert, `machine-${m.id}`);
      }
      const server = new MachineServer({
        machineId: m.id,
        port: m.opcua.port,
        hostname,
        bind: this.#opts.bind,
        identification: { ...m.identification, machineType: m.type },
        source: simulation,
        control: simulation,
        security: m.opcua.security,
        users,
        pkiDir,
        energyPeriodMs: m.sensors.energy.periodS * 1000,
        ...(m.sensors.output === 'scalar'
          ? {
              scalar: {
                periodMs: m.sensors.scalarPeriodS * 1000,
                shaftHz: m.nominalSpeedRpm / 60,
                iso: m.iso,
              },
            }
          : {}),
      });
      await server.start();
      Object.assign(entry, { state: 'running', simulation, server, endpointUrl: server.endpointUrl });
    } catch (err) {
      entry.state = 'failed';
      entry.error = describeError(err);
      this.#log.error({ machine: m.id, err: entry.error }, 'machine stopped; the others run');
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
  }
}
