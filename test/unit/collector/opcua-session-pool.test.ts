/**
 * The session pool's bookkeeping: machines of one key share a session up to the limit, a machine
 * that leaves retires its session (no one joins it again) and the last one out closes it, and a
 * failed opening is forgotten so the next attempt opens afresh. The sessions here are stand-ins
 * that record being closed; sharing a real node-opcua session is test/integration/collector/gateway.test.ts.
 */
import type { ClientSession, OPCUAClient } from 'node-opcua';
import { describe, expect, it } from 'vitest';
import { OpcuaSessionPool, type OpenedSession } from '../../../ingest/collector/opcua-session-pool.ts';

function standIn(log: string[], name: string): OpenedSession {
  return {
    client: { disconnect: async () => void log.push(`${name} disconnected`) } as unknown as OPCUAClient,
    session: { close: async () => void log.push(`${name} closed`) } as unknown as ClientSession,
    policy: 'Basic256Sha256',
  };
}

describe('OPC UA session pool', () => {
  it('shares a session per key up to the limit, retires it when a machine leaves, closes it when the last leaves', async () => {
    const log: string[] = [];
    let opened = 0;
    const open = async () => standIn(log, `s${++opened}`);
    const pool = new OpcuaSessionPool(2);
    const [a, b, c] = await Promise.all([pool.acquire('gw', open), pool.acquire('gw', open), pool.acquire('gw', open)]);
    const other = await pool.acquire('elsewhere', open);
    expect([a.session, b.session].every((s) => s === a.session)).toBe(true);
    expect(c.session).not.toBe(a.session); // the third is over the limit of two
    expect(other.session).not.toBe(a.session); // another key never shares
    expect(a.sharedBy()).toBe(2);
    await a.release();
    await a.release(); // once only
    // Retired: a newcomer does not join b's session though it has room now.
    const d = await pool.acquire('gw', open);
    expect(d.session).not.toBe(b.session);
    expect(log).toEqual([]);
    await b.release();
    expect(log).toEqual(['s1 closed', 's1 disconnected']);
    await Promise.all([c.release(), d.release(), other.release()]);
    expect(pool.openSessions).toBe(0);
  });

  it('a failed opening fails everyone waiting for it and is forgotten', async () => {
    const pool = new OpcuaSessionPool(10);
    let attempts = 0;
    const failing = async (): Promise<OpenedSession> => {
      attempts++;
      throw new Error('server not there');
    };
    const results = await Promise.allSettled([pool.acquire('gw', failing), pool.acquire('gw', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(attempts).toBe(1);
    expect(pool.openSessions).toBe(0);
    const log: string[] = [];
    const lease = await pool.acquire('gw', async () => standIn(log, 'fresh'));
    expect(lease.sharedBy()).toBe(1);
    await lease.release();
    expect(log).toEqual(['fresh closed', 'fresh disconnected']);
  });
});
