/** Test helpers for QuestDB: run SQL over HTTP and wait until a condition holds (WAL apply is asynchronous). */

import type { ServiceEndpoints } from '../../deploy/local/services.ts';
import { questdbExecHttp } from '../../stream-processing/questdb-sink.ts';

export function questdbAuth(ep: ServiceEndpoints): { user: string; password: string } | undefined {
  return ep.questdbUser && ep.questdbPassword ? { user: ep.questdbUser, password: ep.questdbPassword } : undefined;
}

export async function sql(ep: ServiceEndpoints, query: string): Promise<Array<Record<string, unknown>>> {
  const res = await questdbExecHttp(ep.questdbHttp, query, questdbAuth(ep));
  const cols = res.columns ?? [];
  return (res.dataset ?? []).map((r) => Object.fromEntries(cols.map((c, i) => [c.name, r[i]])));
}

/** Poll `query` until `done(rows)` or the deadline; returns the last rows either way. */
export async function waitForRows(
  ep: ServiceEndpoints,
  query: string,
  done: (rows: Array<Record<string, unknown>>) => boolean,
  timeoutMs = 60_000,
): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + timeoutMs;
  let rows: Array<Record<string, unknown>> = [];
  while (Date.now() < deadline) {
    try {
      rows = await sql(ep, query);
      if (done(rows)) return rows;
    } catch {
      /* table not created yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return rows;
}
