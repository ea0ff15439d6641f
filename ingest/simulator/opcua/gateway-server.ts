/**
 * Many simulated machines in ONE OPC UA server, as plant gateways and aggregating servers serve
 * them: one endpoint, one secure channel setup, one address space with the standard nodesets
 * loaded once, and under Objects (and Machinery's Machines folder) one machine object per machine,
 * each the same tree a machine server of its own has (address-space-model.ts), browse name its
 * id. One block timer wakes every machine (publishing-timers.ts).
 *
 * Why: a server per machine costs its own address space and nodesets (25-35 MB and 0.5 s to
 * start each) and a client a session per machine; a gateway shares all of that.
 */
import type { OPCUAServer } from 'node-opcua';
import { PdmError } from '../../../common/errors.ts';
import { logger } from '../../../common/log.ts';
import type { SecurityPolicyName } from '../../opcua/security.ts';
import { emptyStats, MachinePublisher, type MachineServerStats, type PublishedMachineOptions } from './machine-publisher.ts';
import { PublishingTimers } from './publishing-timers.ts';
import { createSimulatorServer, offeredPolicies, type SimulatorServerOptions, simulatorEndpointUrl } from './simulator-server.ts';

export interface GatewayServerOptions extends Omit<SimulatorServerOptions, 'machines' | 'productName'> {
  machines: PublishedMachineOptions[];
}

export class GatewayServer {
  /** The gateway's name: the path of its endpoint URL and its PKI folder. */
  readonly name: string;
  readonly #opts: GatewayServerOptions;
  readonly #log;
  #server: OPCUAServer | undefined;
  #timers: PublishingTimers | undefined;
  /** Per machine id, what it published (kept across restarts of the gateway, as a machine server's are). */
  readonly stats = new Map<string, MachineServerStats>();

  constructor(opts: GatewayServerOptions) {
    const ids = new Set<string>();
    for (const m of opts.machines) {
      // Two machine objects with one browse name: a collector could not tell which is which.
      if (ids.has(m.machineId))
        throw new PdmError('PDM_ERR_CONFIG_INVALID', `gateway ${opts.name}: machine id ${m.machineId} is given twice`);
      ids.add(m.machineId);
    }
    this.name = opts.name;
    this.#opts = opts;
    this.#log = logger('gateway-server', { gateway: opts.name });
    for (const m of opts.machines) this.stats.set(m.machineId, emptyStats());
  }

  get machineIds(): string[] {
    return this.#opts.machines.map((m) => m.machineId);
  }

  get policies(): SecurityPolicyName[] {
    return offeredPolicies(this.#opts.security);
  }

  get endpointUrl(): string {
    return simulatorEndpointUrl(this.#opts);
  }

  async start(): Promise<void> {
    const server = await createSimulatorServer({
      ...this.#opts,
      machines: this.#opts.machines.length,
      productName: `pdm simulated gateway ${this.name} (${this.#opts.machines.length} machines)`,
    });
    const addressSpace = server.engine.addressSpace!;
    const publishers = this.#opts.machines.map((m) => new MachinePublisher(addressSpace, m, this.stats.get(m.machineId)!, this.#log));
    await server.start();
    this.#server = server;
    this.#timers = new PublishingTimers(publishers, this.#log);
    this.#timers.start(Date.now());
    this.#log.info(
      {
        endpoint: this.endpointUrl,
        bind: this.#opts.bind ?? '127.0.0.1',
        machines: this.#opts.machines.length,
        security: this.#opts.security.mode,
        policies: this.policies,
        anonymous: this.#opts.security.allowAnonymous,
      },
      'gateway server listening',
    );
  }

  async stop(): Promise<void> {
    this.#timers?.stop();
    this.#timers = undefined;
    if (this.#server) {
      await this.#server.shutdown(0);
      this.#server = undefined;
    }
  }
}
