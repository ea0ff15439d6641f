/**
 * The one SQL helper: a statement over QuestDB's HTTP `/exec`, with basic auth when the target
 * carries credentials. Used for DDL at start-up, by `pdm history`, the local launcher and tests.
 */
import type { QuestdbEndpoint } from '../common/endpoints.ts';
import { PdmError } from '../common/errors.ts';
import { isRequestFault, questdbAuthError } from './errors.ts';

/** Where the SQL goes: QuestDB's HTTP base URL and, when it enforces them, the credentials. */
export type QuestdbHttpTarget = Pick<QuestdbEndpoint, 'httpUrl' | 'auth'>;

export interface QuestdbExecResult {
  columns: { name: string; type: string }[];
  dataset: unknown[][];
  count: number;
  /** Set for DDL statements ('OK'). */
  ddl?: string;
}

interface ExecBody {
  error?: string;
  position?: number;
  columns?: { name: string; type: string }[];
  dataset?: unknown[][];
  count?: number;
  ddl?: string;
}

function shortSql(sql: string): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 300 ? `${one.slice(0, 300)}...` : one;
}

/**
 * Run one SQL statement. Throws PDM_ERR_QUESTDB_UNAVAILABLE when QuestDB cannot be reached (or
 * answers 5xx / something that is not JSON), PDM_ERR_QUESTDB_AUTH on 401/403, and
 * PDM_ERR_QUESTDB_REJECTED with QuestDB's message and position when it refuses the statement.
 */
export async function questdbExec(target: QuestdbHttpTarget, sql: string, opts: { timeoutMs?: number } = {}): Promise<QuestdbExecResult> {
  const url = `${target.httpUrl.replace(/\/+$/, '')}/exec?query=${encodeURIComponent(sql)}`;
  const headers: Record<string, string> = {};
  if (target.auth) headers['authorization'] = `Basic ${Buffer.from(`${target.auth.user}:${target.auth.password}`).toString('base64')}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) });
    text = await res.text();
  } catch (err) {
    throw new PdmError(
      'PDM_ERR_QUESTDB_UNAVAILABLE',
      `QuestDB at ${target.httpUrl} cannot be reached (${(err as Error).message}); is it running? (npm start, or set PDM_QUESTDB_HTTP)`,
      { httpUrl: target.httpUrl },
      { cause: err },
    );
  }
  if (res.status === 401 || res.status === 403) throw questdbAuthError(target.httpUrl, res.status, target.auth?.user, 'SQL');
  let body: ExecBody | undefined;
  try {
    body = JSON.parse(text) as ExecBody;
  } catch {
    body = undefined; // a proxy's error page, a truncated answer: judged by the status below
  }
  const said = body?.error ?? (body ? `HTTP ${res.status}` : `HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  // A statement QuestDB refuses comes back as 400 with `error` (and where); a 5xx is the server's trouble, worth another try.
  if (isRequestFault(res.status) || (res.ok && body?.error !== undefined)) {
    const at = body?.position !== undefined ? ` at position ${body.position}` : '';
    throw new PdmError('PDM_ERR_QUESTDB_REJECTED', `QuestDB rejected SQL${at}: ${said} (query: ${shortSql(sql)})`, {
      httpUrl: target.httpUrl,
      sql,
      position: body?.position,
      status: res.status,
    });
  }
  if (!res.ok || !body) {
    throw new PdmError('PDM_ERR_QUESTDB_UNAVAILABLE', `QuestDB at ${target.httpUrl} answered ${said} (query: ${shortSql(sql)})`, {
      httpUrl: target.httpUrl,
      status: res.status,
    });
  }
  return {
    columns: body.columns ?? [],
    dataset: body.dataset ?? [],
    count: body.count ?? 0,
    ...(body.ddl !== undefined ? { ddl: body.ddl } : {}),
  };
}
