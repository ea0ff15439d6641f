/**
 * One simulated machine as a real OPC UA server of its own (node-opcua): builds the address space
 * described in `ingest/opcua/address-space-model.ts` and publishes the machine's signals block by
 * block (machine-publisher.ts), aligned to wall-clock time, so sequence numbers are stable across
 * restarts (a restarted machine continues at the block the clock says, and the downtime shows as
 * a gap). Many machines in one server: gateway-server.ts.
 */
import type { OPCUAServer } from 'node-opcua';
import { logger } from '../../../common/log.ts';
import type { SecurityPolicyName } from '../../opcua/security.ts';
import { emptyStats, MachinePublisher, type MachineServerStats, type PublishedMachineOptions } from './machine-publisher.ts';
import { PublishingTimers } from './publishing-timers.ts';
import { createSimulatorServer, offeredPolicies, type SimulatorServerOptions, simulatorEndpointUrl } from './simulator-server.ts';

export type { SecurityModeName } from '../../opcua/security.ts';
export type { MachineServerStats } from './machine-publisher.ts';

export interface MachineServerOptions
  extends PublishedMachineOptions,
    Pick<SimulatorServerOptions, 'port' | 'hostname' | 'bind' | 'security' | 'users' | 'pkiDir'> {}

export class MachineServer {
  readonly machineId: string;
  readonly #opts: MachineServerOptions;
  readonly #log;
  #server: OPCUAServer | undefined;
  #timers: PublishingTimers | undefined;
  readonly stats: MachineServerStats = emptyStats();
  /** Blocks published since start, per channel id (for counting in tests and the live view). */
  readonly published = this.stats.published;

  constructor(opts: MachineServerOptions) {
    this.machineId = opts.machineId;
    this.#opts = opts;
    this.#log = logger('machine-server', { machine: opts.machineId });
  }

  /** The security policies this server offers (none with mode None). */
  get policies(): SecurityPolicyName[] {
    return offeredPolicies(this.#opts.security);
  }

  get endpointUrl(): string {
    return simulatorEndpointUrl({ ...this.#opts, name: this.machineId });
  }

  async start(): Promise<void> {
    const { security } = this.#opts;
    const server = await createSimulatorServer({
      ...this.#opts,
      name: this.machineId,
      machines: 1,
      productName: `pdm simulated machine ${this.machineId}`,
    });
    const publisher = new MachinePublisher(server.engine.addressSpace!, this.#opts, this.stats, this.#log);
    await server.start();
    this.#server = server;
    this.#timers = new PublishingTimers([publisher], this.#log);
    this.#timers.start(Date.now());
    this.#log.info(
      {
        endpoint: this.endpointUrl,
        bind: this.#opts.bind ?? '127.0.0.1',
        security: security.mode,
        policies: this.policies,
        anonymous: security.allowAnonymous,
        methods: Boolean(this.#opts.control),
      },
      'machine server listening',
    );
  }

  /** Stop publishing and close the server (sessions are dropped, as when a machine is switched off). */
  async stop(): Promise<void> {
    this.#timers?.stop();
    this.#timers = undefined;
    if (this.#server) {
      await this.#server.shutdown(0);
      this.#server = undefined;
    }
  }
}
