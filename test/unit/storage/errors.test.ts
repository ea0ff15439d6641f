/**
 * How QuestDB's answers are classified, for the SQL helper and the ILP sink: 401/403 → AUTH
 * naming the variables to set, 4xx → REJECTED (not retriable: the sink throws at once), no answer
 * or 5xx → UNAVAILABLE (retriable: the sink tries again). Against a local HTTP server that
 * answers like QuestDB; the real QuestDB is in test/integration/services/questdb.test.ts.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPdmError, type PdmError } from '../../../common/errors.ts';
import { classifyIlpError, flushErrorStatus, isRequestFault } from '../../../storage/errors.ts';
import { row } from '../../../storage/rows.ts';
import { QuestdbSink } from '../../../storage/sink.ts';
import { questdbExec } from '../../../storage/sql.ts';

const TARGET = { httpUrl: 'http://qdb:9000', user: 'pdm' };

/** The client's own wording (4.2): the status is only in the message. */
const clientError = (status: number) => new Error(`HTTP request failed, statusCode=${status}, error={"code":"x","message":"y"}`);

describe('flush error classification', () => {
  it('reads the status the client puts in its message, or undici’s statusCode field, also from a cause', () => {
    expect(flushErrorStatus(clientError(400))).toBe(400);
    expect(flushErrorStatus(Object.assign(new Error('retry'), { statusCode: 503 }))).toBe(503);
    expect(flushErrorStatus(new Error('wrapped', { cause: clientError(401) }))).toBe(401);
    expect(flushErrorStatus(new Error('HTTP request timeout, no response from server in time'))).toBeUndefined();
    expect(flushErrorStatus(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });

  it.each([
    [401, 'PDM_ERR_QUESTDB_AUTH', false],
    [403, 'PDM_ERR_QUESTDB_AUTH', false],
    [400, 'PDM_ERR_QUESTDB_REJECTED', false],
    [404, 'PDM_ERR_QUESTDB_REJECTED', false],
    [413, 'PDM_ERR_QUESTDB_REJECTED', false],
    [408, 'PDM_ERR_QUESTDB_UNAVAILABLE', true],
    [429, 'PDM_ERR_QUESTDB_UNAVAILABLE', true],
    [500, 'PDM_ERR_QUESTDB_UNAVAILABLE', true],
    [503, 'PDM_ERR_QUESTDB_UNAVAILABLE', true],
  ] as const)('HTTP %i → %s (retriable %s)', (status, code, retriable) => {
    const e = classifyIlpError(clientError(status), TARGET, 'an ILP write of 3 rows');
    expect(e.code).toBe(code);
    expect(e.retriable).toBe(retriable);
    expect(e.details['status']).toBe(status);
  });

  it('no answer (connection refused, the client’s timeout) is retriable', () => {
    for (const cause of [
      new Error('connect ECONNREFUSED 127.0.0.1:9000'),
      new Error('HTTP request timeout, no response from server in time'),
    ]) {
      const e = classifyIlpError(cause, TARGET, 'an ILP write of 3 rows');
      expect(e.code).toBe('PDM_ERR_QUESTDB_UNAVAILABLE');
      expect(e.retriable).toBe(true);
      expect(e.cause).toBe(cause);
    }
  });

  it('an auth refusal names the variables to set and where the launcher keeps its credentials', () => {
    const e = classifyIlpError(clientError(401), TARGET, 'an ILP write of 3 rows');
    expect(e.message).toContain('PDM_QUESTDB_USER');
    expect(e.message).toContain('PDM_QUESTDB_PASSWORD');
    expect(e.message).toContain('questdb/credentials.json');
    expect(e.message).toContain('user pdm');
  });

  it('client errors are request faults, except the two that are about the moment', () => {
    expect([400, 401, 404, 413, 422].every(isRequestFault)).toBe(true);
    expect([200, 204, 408, 429, 500, 503].some(isRequestFault)).toBe(false);
  });
});

/** A stand-in QuestDB answering every request with `status` and a JSON body; counts requests per path. */
async function fakeQuestdb(
  status: number,
  body: object = {},
): Promise<{ url: string; hostPort: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === '/settings') {
      // What the client asks at connect time: the ILP protocol versions the server speaks.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ config: { 'line.proto.support.versions': [1, 2] } }));
      return;
    }
    requests.push(req.url ?? '');
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 204 ? undefined : JSON.stringify(body));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hostPort: `127.0.0.1:${port}`, requests, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function sinkAgainst(status: number, body: object = {}) {
  const q = await fakeQuestdb(status, body);
  servers.push(q.server);
  // A short client retry budget so a 5xx comes back within the test; the sink's own retry is what is under test.
  const sink = await QuestdbSink.connect(`http::addr=${q.hostPort};username=pdm;password=wrong;retry_timeout=200;`);
  return { q, sink };
}

const rows = [row('t', 1_000n, { doubles: { v: 1 } })];

describe('QuestdbSink.writeBatch', () => {
  it('throws a 400 at once (QuestDB rejected the rows), without retrying', async () => {
    const { q, sink } = await sinkAgainst(400, { code: 'invalid', message: 'cast error from protocol type: FLOAT to column type: SYMBOL' });
    const retries: number[] = [];
    const err = await sink.writeBatch(rows, (_e, attempt) => retries.push(attempt)).catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_QUESTDB_REJECTED')).toBe(true);
    expect((err as PdmError).retriable).toBe(false);
    expect((err as Error).message).toContain('cast error');
    expect(retries).toEqual([]);
    expect(q.requests).toHaveLength(1);
    await sink.close();
  });

  it('throws a 401 at once as PDM_ERR_QUESTDB_AUTH naming the variables', async () => {
    const { q, sink } = await sinkAgainst(401);
    const err = await sink.writeBatch(rows, () => undefined).catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_QUESTDB_AUTH')).toBe(true);
    expect((err as Error).message).toMatch(/PDM_QUESTDB_USER.*PDM_QUESTDB_PASSWORD.*questdb\/credentials\.json/);
    expect(q.requests).toHaveLength(1);
    await sink.close();
  });

  it('retries a 5xx until QuestDB accepts or the signal aborts', async () => {
    const { sink } = await sinkAgainst(503);
    const stop = new AbortController();
    const retries: unknown[] = [];
    const err = await sink
      .writeBatch(
        rows,
        (e) => {
          retries.push(e);
          if (retries.length === 2) stop.abort();
        },
        stop.signal,
      )
      .catch((e: unknown) => e);
    expect(retries).toHaveLength(2);
    expect(retries.every((e) => isPdmError(e, 'PDM_ERR_QUESTDB_UNAVAILABLE'))).toBe(true);
    expect(isPdmError(err, 'PDM_ERR_QUESTDB_UNAVAILABLE')).toBe(true);
    await sink.close();
  });

  it('an abort during the backoff ends the wait at once with the last failure (a shutdown does not wait 10 s)', async () => {
    const { sink } = await sinkAgainst(503);
    const stop = new AbortController();
    let retries = 0;
    let abortedAt = 0;
    const err = await sink
      .writeBatch(
        rows,
        () => {
          // Several failures in, the next backoff is seconds long: abort right inside it.
          if (++retries === 4)
            setTimeout(() => {
              abortedAt = Date.now();
              stop.abort();
            }, 50);
        },
        stop.signal,
      )
      .catch((e: unknown) => e);
    expect(retries).toBe(4);
    expect(isPdmError(err, 'PDM_ERR_QUESTDB_UNAVAILABLE')).toBe(true);
    // The abort lands 50 ms into a 2 s backoff: the wait ends there.
    expect(Date.now() - abortedAt).toBeLessThan(500);
    const before = await sink.writeBatch(rows, undefined, stop.signal).catch((e: unknown) => e);
    expect((before as Error).name).toBe('AbortError');
    await sink.close();
  });

  it('a row the client cannot encode is rejected, not retried', async () => {
    const { q, sink } = await sinkAgainst(204);
    const err = await sink.writeBatch([row('t', 1n, { doubles: { 'bad\nname': 1 } })], () => undefined).catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_QUESTDB_REJECTED')).toBe(true);
    expect(q.requests).toHaveLength(0);
    await sink.close();
  });

  it('resolves once QuestDB accepted (204) and counts the rows', async () => {
    const { sink } = await sinkAgainst(204);
    await sink.writeBatch([...rows, ...rows]);
    expect(sink.rowsWritten).toBe(2);
    await sink.close();
  });
});

describe('questdbExec', () => {
  async function against(status: number, body: object) {
    const q = await fakeQuestdb(status, body);
    servers.push(q.server);
    return questdbExec({ httpUrl: q.url, auth: { user: 'pdm', password: 'x' } }, 'select 1').catch((e: unknown) => e);
  }

  it('401/403 → PDM_ERR_QUESTDB_AUTH naming the variables', async () => {
    for (const status of [401, 403]) {
      const err = await against(status, {});
      expect(isPdmError(err, 'PDM_ERR_QUESTDB_AUTH')).toBe(true);
      expect((err as Error).message).toMatch(/PDM_QUESTDB_USER.*PDM_QUESTDB_PASSWORD.*questdb\/credentials\.json/);
    }
  });

  it('400 with QuestDB’s error → PDM_ERR_QUESTDB_REJECTED (not retriable) with message and position', async () => {
    const err = await against(400, { error: 'Invalid column: nope', position: 7 });
    expect(isPdmError(err, 'PDM_ERR_QUESTDB_REJECTED')).toBe(true);
    expect((err as PdmError).retriable).toBe(false);
    expect((err as Error).message).toContain('at position 7: Invalid column: nope');
  });

  it('5xx → PDM_ERR_QUESTDB_UNAVAILABLE (retriable)', async () => {
    const err = await against(503, { error: 'busy' });
    expect(isPdmError(err, 'PDM_ERR_QUESTDB_UNAVAILABLE')).toBe(true);
    expect((err as PdmError).retriable).toBe(true);
  });

  it('nobody listening → PDM_ERR_QUESTDB_UNAVAILABLE', async () => {
    const q = await fakeQuestdb(200, {});
    await new Promise((r) => q.server.close(r));
    const err = await questdbExec({ httpUrl: q.url }, 'select 1', { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_QUESTDB_UNAVAILABLE')).toBe(true);
  });

  it('returns columns, dataset and count', async () => {
    const q = await fakeQuestdb(200, { columns: [{ name: 'x', type: 'INT' }], dataset: [[1]], count: 1 });
    servers.push(q.server);
    expect(await questdbExec({ httpUrl: q.url }, 'select 1')).toEqual({ columns: [{ name: 'x', type: 'INT' }], dataset: [[1]], count: 1 });
    expect(q.requests[0]).toBe(`/exec?query=${encodeURIComponent('select 1')}`);
  });
});
