/**
 * How QuestDB's answers become the product's errors, for the SQL helper and the ILP sink alike:
 * 401/403 → PDM_ERR_QUESTDB_AUTH (naming the variables to set), other 4xx → PDM_ERR_QUESTDB_REJECTED
 * (the rows or the SQL are wrong: sending them again gets the same answer), everything else
 * (no answer, a timeout, 5xx, 408/429) → PDM_ERR_QUESTDB_UNAVAILABLE. Retry decisions read the
 * catalogue's `retriable` flag of the result, never a message.
 */
import { PdmError } from '../common/errors.ts';

/** Where to put credentials; the local launcher's generated ones are in its services directory. */
export const QUESTDB_CREDENTIALS_HINT =
  "set PDM_QUESTDB_USER and PDM_QUESTDB_PASSWORD (the local launcher's generated ones are in the services directory's questdb/credentials.json; `pdm services up` prints export lines that set them)";

export function questdbAuthError(httpUrl: string, status: number, user: string | undefined, what: string): PdmError {
  return new PdmError(
    'PDM_ERR_QUESTDB_AUTH',
    `QuestDB at ${httpUrl} refused the credentials for ${what} (HTTP ${status}, ${user ? `user ${user}` : 'no user given'}); ${QUESTDB_CREDENTIALS_HINT}`,
    { httpUrl, status },
  );
}

/** 408 (request timeout) and 429 (too many requests) are about the moment, not the request. */
const TRANSIENT_4XX = new Set([408, 429]);

/** Whether an HTTP status says the request itself is wrong (so it must not be re-sent as is). */
export function isRequestFault(status: number): boolean {
  return status >= 400 && status < 500 && !TRANSIENT_4XX.has(status);
}

/**
 * The HTTP status of a failed @questdb/nodejs-client flush, when QuestDB answered. The client
 * (4.2, both its undici and node:http transports) reports it only inside the message:
 * `HTTP request failed, statusCode=400, error=...` (and `Failed to load .../settings
 * [statusCode=401 ...]` when connecting); undici's own errors carry a `statusCode` field. Connection failures and the client's retry timeout have none.
 */
export function flushErrorStatus(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const field = (e as { statusCode?: unknown }).statusCode;
    if (typeof field === 'number') return field;
    const m = /\bstatusCode=(\d{3})\b/.exec(e.message);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * A failed call of the ILP client (`what`: "an ILP write of 3 rows", "the ILP connection") as a
 * PdmError whose `retriable` flag says whether to try again.
 */
export function classifyIlpError(err: unknown, target: { httpUrl: string; user?: string | undefined }, what: string): PdmError {
  const status = flushErrorStatus(err);
  const said = err instanceof Error ? err.message : String(err);
  if (status === 401 || status === 403) return questdbAuthError(target.httpUrl, status, target.user, what);
  if (status !== undefined && isRequestFault(status)) {
    return new PdmError(
      'PDM_ERR_QUESTDB_REJECTED',
      `QuestDB at ${target.httpUrl} rejected ${what} (HTTP ${status}); not worth sending again as is: ${said}`,
      { httpUrl: target.httpUrl, status },
      { cause: err },
    );
  }
  return new PdmError(
    'PDM_ERR_QUESTDB_UNAVAILABLE',
    `QuestDB at ${target.httpUrl} did not accept ${what}: ${said}`,
    { httpUrl: target.httpUrl, ...(status !== undefined ? { status } : {}) },
    { cause: err },
  );
}
