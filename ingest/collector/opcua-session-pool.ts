/**
 * OPC UA sessions shared by the machines of one server (a gateway serving many on one endpoint):
 * each machine keeps its own subscription, but machines with the same endpoint, security, user
 * and certificate ride one secure channel and one session, up to `maxMachinesPerSession`. A
 * session per machine costs a secure channel, its key exchanges and its own publish loop: with
 * one session to a server of 50 machines a bare client needed about 4 ms of CPU per
 * machine-second instead of 11 (issue 16).
 *
 * A machine that leaves (stopped, or rebuilt by its watchdog because its connection stalled)
 * retires its session: no machine joins it again, and it is closed when the last one leaves. So
 * a broken session is never handed out again, while the machines still on it keep flowing until
 * their own watchdogs decide; those that reconnect regroup on a fresh session.
 */
import type { ClientSession, OPCUAClient } from 'node-opcua';
import type { SecurityPolicyName } from '../opcua/security.ts';

export interface OpenedSession {
  client: OPCUAClient;
  session: ClientSession;
  /** The policy in use (configured, or chosen from what the server offers); undefined with mode None. */
  policy: SecurityPolicyName | undefined;
}

export interface SessionLease extends OpenedSession {
  /** How many machines share it now (this one included). */
  readonly sharedBy: () => number;
  /** Leave the session (once); the last machine to leave closes it. */
  release(): Promise<void>;
}

interface Shared {
  opened: Promise<OpenedSession>;
  machines: number;
  retired: boolean;
}

export class OpcuaSessionPool {
  readonly maxMachinesPerSession: number;
  readonly #byKey = new Map<string, Shared[]>();

  constructor(maxMachinesPerSession: number) {
    this.maxMachinesPerSession = Math.max(1, maxMachinesPerSession);
  }

  /**
   * A session for `key` (endpoint, security, user, PKI: what must be equal to share one), joined
   * if one with room is open or opening, else opened with `open`. A failed opening fails every
   * machine waiting for it (each retries on its own backoff) and is forgotten.
   */
  async acquire(key: string, open: () => Promise<OpenedSession>): Promise<SessionLease> {
    const list = this.#byKey.get(key) ?? [];
    this.#byKey.set(key, list);
    let shared = list.find((s) => !s.retired && s.machines < this.maxMachinesPerSession);
    if (!shared) {
      shared = { opened: open(), machines: 0, retired: false };
      list.push(shared);
    }
    const mine = shared;
    mine.machines++;
    let opened: OpenedSession;
    try {
      opened = await mine.opened;
    } catch (err) {
      mine.machines--;
      this.#forget(key, mine);
      throw err;
    }
    let released: Promise<void> | undefined;
    return {
      ...opened,
      sharedBy: () => mine.machines,
      release: () => {
        released ??= this.#leave(key, mine, opened);
        return released;
      },
    };
  }

  /** Sessions open now (for logs and tests). */
  get openSessions(): number {
    let n = 0;
    for (const list of this.#byKey.values()) n += list.length;
    return n;
  }

  async #leave(key: string, shared: Shared, opened: OpenedSession): Promise<void> {
    shared.machines--;
    shared.retired = true;
    if (shared.machines > 0) return;
    this.#forget(key, shared);
    // With the server gone, node-opcua's close/disconnect wait for request timeouts and
    // reconnection attempts (minutes): a polite goodbye gets a few seconds, then we hang up.
    await bounded(opened.session.close(), 2_000);
    await bounded(opened.client.disconnect(), 5_000);
  }

  #forget(key: string, shared: Shared): void {
    const list = this.#byKey.get(key);
    if (!list) return;
    const i = list.indexOf(shared);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#byKey.delete(key);
  }
}

export function bounded(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (p === undefined) return Promise.resolve();
  return Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((r) => setTimeout(r, ms).unref()),
  ]);
}
