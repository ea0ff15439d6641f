/**
 * The factory simulator: one OPC UA server per machine of a fleet, each driven by its physics
 * (or replay) model, plus the ground truth of every machine written to a JSON Lines file per
 * machine and to the `pdm.truth.v1` topic, which the processing never reads. A machine whose
 * configuration or server fails is stopped and reported; the rest of the plant runs on.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { PdmError, describeError } from '../../common/errors.ts';
import { logger } from '../../common/log.ts';
import type { LoadedFleet, ValidMachine } from './fleet-config.ts';
import { machinePkiDir } from '../opcua/pki-init.ts';
import { MachineServer } from './opcua/machine-server.ts';
import { MachineSimulation, type MachineTruth } from './physics/machine-simulation.ts';

export interface FactoryOptions {
  /** PKI root: each machine's server keeps its PKI in `<pkiRoot>/machines/<id>`. */
  pkiRoot: string;
  /** Overrides the fleet's advertised host name (docker-compose: the service name). */
  hostname?: string;
  env?: NodeJS.ProcessEnv;
  /** Where to append each machine's truth (`<id>.jsonl`); none when absent. */
  truthDir?: string;
  /** Producer and topic for the truth; none when absent. */
  truthTopic?: { producer: Producer; topic: string };
  truthPeriodMs?: number;
  startTimeMs?: number;
}

export interface FactoryMachine {
  id: string;
  state: 'running' | 'failed' | 'stopped';
  error?: string;
  endpointUrl?: string;
  simulation?: MachineSimulation;
  server?: MachineServer;
}

export class Factory {
  readonly machines: FactoryMachine[] = [];
  readonly #fleet: LoadedFleet;
  readonly #opts: FactoryOptions;
  readonly #log = logger('factory');
  #truthTimer: NodeJS.Timeout | undefined;
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
    await Promise.all(this.#fleet.machines.map((m) => this.#startMachine(m, startTimeMs)));
    if (this.#opts.truthDir) mkdirSync(this.#opts.truthDir, { recursive: true });
    this.#truthTimer = setInterval(() => void this.#publishTruth(), this.#opts.truthPeriodMs ?? 1000);
    this.#truthTimer.unref();
  }

  async #startMachine(m: ValidMachine, startTimeMs: number): Promise<void> {
    const entry: FactoryMachine = { id: m.id, state: 'stopped' };
    this.machines.push(entry);
    try {
      const env = this.#opts.env ?? process.env;
      const users = m.opcua.users.map((u) => {
        const username = env[u.usernameEnv];
        const password = env[u.passwordEnv];
        if (!username || !password) {
          throw new PdmError('PDM_ERR_CONFIG_INVALID', `${m.origin.file}: machines[${m.origin.index}] (${m.id}): environment variable ${!username ? u.usernameEnv : u.passwordEnv} is not set; OPC UA passwords come from the environment`);
        }
        return { username, password };
      });
      if (users.length === 0 && !m.opcua.security.allowAnonymous) {
        throw new PdmError('PDM_ERR_CONFIG_INVALID', `${m.origin.file}: machines[${m.origin.index}] (${m.id}): no users and anonymous access not allowed: nobody could connect`);
      }
      const simulation = new MachineSimulation(m, { startTimeMs });
      const server = new MachineServer({
        machineId: m.id,
        port: m.opcua.port,
        hostname: this.#opts.hostname ?? m.opcua.hostname,
        identification: { ...m.identification, machineType: m.type },
        source: simulation,
        security: m.opcua.security,
        users,
        pkiDir: machinePkiDir(this.#opts.pkiRoot, m.id),
      });
      await server.start();
      Object.assign(entry, { state: 'running', simulation, server, endpointUrl: server.endpointUrl });
    } catch (err) {
      entry.state = 'failed';
      entry.error = describeError(err);
      this.#log.error({ machine: m.id, err: entry.error }, 'machine stopped; the others run');
    }
  }

  async #publishTruth(): Promise<void> {
    const now = Date.now();
    const messages: Array<{ key: string; value: string }> = [];
    for (const m of this.machines) {
      if (!m.simulation) continue;
      const truth = m.simulation.truthAt(now);
      this.latestTruth.set(m.id, truth);
      const line = JSON.stringify({ v: 1, ...truth });
      messages.push({ key: m.id, value: line });
      if (this.#opts.truthDir) appendFileSync(join(this.#opts.truthDir, `${m.id}.jsonl`), `${line}\n`);
    }
    if (this.#opts.truthTopic && messages.length > 0) {
      try {
        await this.#opts.truthTopic.producer.send({ topic: this.#opts.truthTopic.topic, messages });
      } catch (err) {
        this.#log.warn({ err: describeError(err) }, 'ground truth not sent to Kafka this time (the file has it)');
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#truthTimer);
    await Promise.all(this.machines.map(async (m) => {
      await m.server?.stop().catch(() => undefined);
      if (m.state === 'running') m.state = 'stopped';
    }));
  }
}
