/**
 * QuestDB sink: writes rows over ILP/HTTP with @questdb/nodejs-client and flushes explicitly.
 * A resolved `flush()` means QuestDB accepted the rows (HTTP 2xx after the WAL write), which is
 * the moment the processor may commit its Kafka offsets. Flushes never run concurrently (the
 * client's old data-loss issue #44): callers await them in turn.
 */
import { Sender } from '@questdb/nodejs-client';
import { PdmError } from '../common/errors.ts';
import type { Row } from './rows.ts';

export async function questdbExecHttp(
  httpUrl: string,
  sql: string,
  auth?: { user: string; password: string },
): Promise<{ columns?: Array<{ name: string; type: string }>; dataset?: unknown[][]; count?: number; ddl?: string }> {
  const url = `${httpUrl.replace(/\/$/, '')}/exec?query=${encodeURIComponent(sql)}`;
  const headers: Record<string, string> = {};
  if (auth) headers['authorization'] = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (err) {
    throw new PdmError(
      'PDM_ERR_QUESTDB_UNAVAILABLE',
      `QuestDB at ${httpUrl} cannot be reached (${(err as Error).message}); is it running? (npm start, or set PDM_QUESTDB_HTTP)`,
      { httpUrl },
      { cause: err },
    );
  }
  const body = (await res.json().catch(() => ({}))) as {
    error?: string;
    columns?: Array<{ name: string; type: string }>;
    dataset?: unknown[][];
    count?: number;
    ddl?: string;
  };
  if (!res.ok || body.error) {
    throw new PdmError(
      res.status === 401 || res.status === 403 ? 'PDM_ERR_QUESTDB_REJECTED' : 'PDM_ERR_QUESTDB_REJECTED',
      `QuestDB refused: ${body.error ?? `HTTP ${res.status}`} (query: ${sql.replace(/\s+/g, ' ').slice(0, 200)})`,
      { httpUrl, status: res.status },
    );
  }
  return body;
}

export class QuestdbSink {
  readonly #sender: Sender;
  #pendingRows = 0;
  rowsWritten = 0;

  private constructor(sender: Sender) {
    this.#sender = sender;
  }

  /** `config` is a client configuration string, e.g. `http::addr=localhost:9000;username=..;password=..;` */
  static async connect(config: string): Promise<QuestdbSink> {
    // Auto-flush off: we flush at batch boundaries, then commit offsets.
    const cfg = `${config.replace(/;?$/, ';')}auto_flush=off;`;
    const sender = await Sender.fromConfig(cfg);
    return new QuestdbSink(sender);
  }

  async write(r: Row): Promise<void> {
    const s = this.#sender.table(r.table);
    for (const [k, v] of Object.entries(r.symbols)) s.symbol(k, v);
    for (const [k, v] of Object.entries(r.doubles)) if (Number.isFinite(v)) s.floatColumn(k, v);
    for (const [k, v] of Object.entries(r.longs)) s.intColumn(k, v);
    for (const [k, v] of Object.entries(r.timestampsUs)) if (Number.isFinite(v)) s.timestampColumn(k, v, 'us');
    for (const [k, v] of Object.entries(r.booleans)) s.booleanColumn(k, v);
    await s.at(r.tsNs, 'ns');
    this.#pendingRows++;
  }

  /**
   * Write a batch and flush, retrying the whole batch (DEDUP makes a re-send harmless) until
   * QuestDB accepts it or `signal` aborts. Resolves once QuestDB accepted every row.
   */
  async writeBatch(rows: Row[], onRetry?: (err: unknown, attempt: number) => void, signal?: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        for (const r of rows) await this.write(r);
        await this.flush();
        return;
      } catch (err) {
        this.#sender.reset();
        this.#pendingRows = 0;
        if (signal?.aborted) throw err;
        onRetry?.(err, attempt);
        await new Promise((res) => setTimeout(res, Math.min(10_000, 250 * 2 ** Math.min(attempt, 6))));
      }
    }
  }

  /** Send everything buffered; resolves once QuestDB accepted it. */
  async flush(): Promise<void> {
    if (this.#pendingRows === 0) return;
    try {
      await this.#sender.flush();
    } catch (err) {
      throw new PdmError(
        'PDM_ERR_QUESTDB_UNAVAILABLE',
        `QuestDB did not accept ${this.#pendingRows} rows: ${(err as Error).message}`,
        {},
        { cause: err },
      );
    }
    this.rowsWritten += this.#pendingRows;
    this.#pendingRows = 0;
  }

  async close(): Promise<void> {
    await this.#sender.close();
  }
}
