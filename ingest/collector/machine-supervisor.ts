/**
 * Keeps one machine collected, on its own: connects, and when that fails retries with a bounded
 * exponential backoff (a machine that is not there yet, or restarting); gives up only on errors
 * that retrying cannot fix (credentials, certificates, missing or wrong nodes, wrong machine id),
 * with one clear line. Once connected it watches:
 *
 * - keep-alive watchdog: the subscription must answer (data or keep-alive) within
 *   max(keepAliveTimeoutMs, 3 keep-alive periods); a server that stopped answering without
 *   closing the socket is otherwise never noticed;
 * - data watchdog: a connected machine must deliver a block within noDataMs — this catches a
 *   subscription that node-opcua failed to recreate after a server restart (it only debug-logs that);
 * - a reconnection by node-opcua that has not succeeded within 3 × maxDelayMs, or a subscription
 *   terminated by the server.
 *
 * In each case the connection is thrown away and built again from scratch (new client, session,
 * discovery, subscription). Nothing here touches other machines.
 */
import { describeError, isRetriable, PdmError } from '../../common/errors.ts';
import { logger } from '../../common/log.ts';
import { type InputState, type MachineEndpointConfig, type MachineInputHandlers, OpcuaMachineInput } from './opcua-machine-input.ts';

export interface SupervisorOptions {
  minDelayMs: number;
  maxDelayMs: number;
  noDataMs: number;
  keepAliveTimeoutMs: number;
  /** Longest a connection attempt (connect, session, discovery, subscription) may take. */
  startTimeoutMs?: number;
  /** Watchdog period. */
  checkEveryMs?: number;
}

export type MachineState = 'starting' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'stopped';

export interface SupervisorEvents {
  state(state: MachineState, detail?: string): void;
  /** Connected (first time, or again after a rebuild) to the machine with this id. */
  connected(machineId: string, input: OpcuaMachineInput): void | Promise<void>;
  /** The connection came back or was rebuilt. */
  reconnected(how: string): void;
  /** A non-retriable error: the machine is stopped. */
  failed(err: unknown): void;
}

export class MachineSupervisor {
  readonly #cfg: MachineEndpointConfig;
  readonly #handlers: MachineInputHandlers;
  readonly #events: SupervisorEvents;
  readonly #opts: Required<SupervisorOptions>;
  readonly #log;
  #input: OpcuaMachineInput | undefined;
  #state: InputState | 'idle' = 'idle';
  #since = Date.now();
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wakeSleep: (() => void) | undefined;

  constructor(cfg: MachineEndpointConfig, handlers: MachineInputHandlers, events: SupervisorEvents, opts: SupervisorOptions) {
    this.#cfg = cfg;
    this.#handlers = handlers;
    this.#events = events;
    this.#opts = { startTimeoutMs: 60_000, checkEveryMs: 1_000, ...opts };
    this.#log = logger('machine', { endpoint: cfg.endpoint, machine: cfg.machineId });
  }

  get input(): OpcuaMachineInput | undefined {
    return this.#input;
  }

  start(): void {
    this.#loop ??= this.#run().catch((err: unknown) => {
      this.#log.error({ err: describeError(err) }, 'machine supervisor crashed');
      this.#events.failed(err);
    });
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wakeSleep = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.#wakeSleep = undefined;
  }

  async #run(): Promise<void> {
    let failures = 0;
    let rebuilds = 0;
    while (!this.#stopped) {
      const input = new OpcuaMachineInput(this.#cfg, {
        ...this.#handlers,
        state: (state, detail) => {
          if (input !== this.#input) return;
          const was = this.#state;
          this.#state = state;
          this.#since = Date.now();
          this.#events.state(state, detail);
          if (state === 'connected' && was === 'reconnecting') this.#events.reconnected(detail ?? 'connection re-established');
        },
      });
      this.#input = input;
      this.#state = 'connecting';
      try {
        await withTimeout(
          input.start(),
          this.#opts.startTimeoutMs,
          () =>
            new PdmError(
              'PDM_ERR_OPCUA_CONNECT',
              `machine ${this.#cfg.machineId ?? ''} (${this.#cfg.endpoint}): no connection within ${this.#opts.startTimeoutMs} ms`,
            ),
        );
        if (this.#stopped) break;
        await this.#events.connected(input.machineId!, input);
      } catch (err) {
        await input.stop().catch(() => undefined);
        if (this.#stopped) break;
        if (!isRetriable(err)) {
          this.#events.failed(err);
          return;
        }
        failures++;
        const delay = Math.min(this.#opts.maxDelayMs, this.#opts.minDelayMs * 2 ** Math.min(failures - 1, 20));
        this.#events.state('connecting', describeError(err));
        if (failures === 1 || failures % 10 === 0)
          this.#log.warn({ err: describeError(err), failures, retryInMs: delay }, 'machine not reachable; retrying');
        await this.#sleep(delay);
        continue;
      }
      if (failures > 0 || rebuilds > 0) this.#events.reconnected(rebuilds > 0 ? 'connection rebuilt' : 'connected after retries');
      failures = 0;
      const reason = await this.#watch(input);
      if (!this.#stopped && reason !== undefined) {
        // Say so before tearing down: closing a connection to a hung server takes seconds
        // (bounded), and /health must not report "connected" meanwhile.
        this.#log.warn({ reason }, 'rebuilding the connection from scratch');
        this.#events.state('reconnecting', reason);
      }
      await input.stop().catch(() => undefined);
      if (this.#stopped || reason === undefined) break;
      rebuilds++;
      await this.#sleep(this.#opts.minDelayMs);
    }
  }

  /** Resolves with why the connection must be rebuilt, or undefined once stopped. */
  async #watch(input: OpcuaMachineInput): Promise<string | undefined> {
    const connectedAt = Date.now();
    while (!this.#stopped) {
      await this.#sleep(this.#opts.checkEveryMs);
      if (this.#stopped) return undefined;
      const now = Date.now();
      if (input.terminated) return input.terminated;
      if (this.#state === 'connected') {
        const keepAliveLimit = Math.max(this.#opts.keepAliveTimeoutMs, 3 * input.keepAlivePeriodMs);
        if (now - input.lastActivityMs > keepAliveLimit)
          return `keep-alive watchdog: no publish response for ${Math.round((now - input.lastActivityMs) / 1000)} s`;
        const lastBlock = Math.max(input.lastBlockMs, connectedAt, this.#since);
        if (now - lastBlock > this.#opts.noDataMs)
          return `data watchdog: no block for ${Math.round((now - lastBlock) / 1000)} s while connected`;
      } else if (this.#state === 'reconnecting' && now - this.#since > 3 * this.#opts.maxDelayMs + 10_000) {
        return `reconnection not done after ${Math.round((now - this.#since) / 1000)} s`;
      }
    }
    return undefined;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeSleep?.();
    await this.#input?.stop().catch(() => undefined);
    await this.#loop;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(error()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
