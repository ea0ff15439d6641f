/** Test helpers for QuestDB: run SQL over HTTP and wait until a condition holds (WAL apply is asynchronous). */

import { defaultServicesDir } from '../../deploy/local/paths.ts';
import { questdbTarget, type ServiceEndpoints } from '../../deploy/local/services.ts';
import { isRecordedProcessRunning, readState } from '../../deploy/local/state.ts';
import { type QuestdbExecResult, questdbExec } from '../../storage/sql.ts';

export function questdbAuth(ep: ServiceEndpoints): { user: string; password: string } | undefined {
  return questdbTarget(ep).auth;
}

/** One statement against the services' QuestDB, through the product's SQL helper. */
export function exec(ep: ServiceEndpoints, query: string, opts: { timeoutMs?: number } = {}): Promise<QuestdbExecResult> {
  return questdbExec(questdbTarget(ep), query, opts);
}

export async function sql(ep: ServiceEndpoints, query: string): Promise<Array<Record<string, unknown>>> {
  const res = await exec(ep, query);
  return res.dataset.map((r) => Object.fromEntries(res.columns.map((c, i) => [c.name, r[i]])));
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

/**
 * The pid of the QuestDB JVM behind `ep`, when the test services started it (the services
 * directory's record whose HTTP endpoint is `ep.questdbHttp`): tests SIGSTOP it to force an
 * outage that looks like a hung server (connections open, nothing answers). Undefined when
 * QuestDB runs elsewhere (PDM_QUESTDB_HTTP).
 */
export function localQuestdbPid(ep: ServiceEndpoints): number | undefined {
  const base = defaultServicesDir('test');
  for (let slot = 0; slot < 8; slot++) {
    const state = readState(slot === 0 ? base : `${base}-${slot}`);
    if (state?.questdb?.http === ep.questdbHttp && isRecordedProcessRunning(state.questdb)) return state.questdb.pid;
  }
  return undefined;
}
