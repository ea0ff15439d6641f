/**
 * QuestDB sink: writes rows over ILP/HTTP with @questdb/nodejs-client and flushes explicitly.
 * A resolved `flush()` means QuestDB accepted the rows (HTTP 2xx after the WAL write), which is
 * the moment the processor may commit its Kafka offsets. Flushes never run concurrently (the
 * client's old data-loss issue #44): callers await them in turn.
 */
import { Sender } from '@questdb/nodejs-client';
import { isRetriable, PdmError } from '../common/errors.ts';
import { classifyIlpError } from './errors.ts';
import type { Row } from './rows.ts';

/** What the error messages name: the server and the user from the client configuration string. */
function describeTarget(config: string): { httpUrl: string; user?: string } {
  const [protocol = 'http', rest = ''] = config.split('::');
  const settings = new Map(
    rest
      .split(';')
      .filter((s) => s.includes('='))
      .map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] as const),
  );
  const user = settings.get('username');
  return { httpUrl: `${protocol}://${settings.get('addr') ?? '?'}`, ...(user ? { user } : {}) };
}

/** Wait `ms`, or less when `signal` aborts (the caller's next check throws). */
function backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class QuestdbSink {
  readonly #sender: Sender;
  readonly #target: { httpUrl: string; user?: string };
  #pendingRows = 0;
  rowsWritten = 0;

  private constructor(sender: Sender, target: { httpUrl: string; user?: string }) {
    this.#sender = sender;
    this.#target = target;
  }

  /** `config` is a client configuration string, e.g. `http::addr=localhost:9000;username=..;password=..;` */
  static async connect(config: string): Promise<QuestdbSink> {
    // Auto-flush off: we flush at batch boundaries, then commit offsets.
    const cfg = `${config.replace(/;?$/, ';')}auto_flush=off;`;
    const target = describeTarget(config);
    let sender: Sender;
    try {
      // The client asks QuestDB's /settings which protocol versions it speaks: this can fail like a write.
      sender = await Sender.fromConfig(cfg);
    } catch (err) {
      throw classifyIlpError(err, target, 'the ILP connection');
    }
    return new QuestdbSink(sender, target);
  }

  async write(r: Row): Promise<void> {
    try {
      const s = this.#sender.table(r.table);
      for (const [k, v] of Object.entries(r.symbols)) s.symbol(k, v);
      for (const [k, v] of Object.entries(r.doubles)) if (Number.isFinite(v)) s.floatColumn(k, v);
      for (const [k, v] of Object.entries(r.longs)) s.intColumn(k, v);
      for (const [k, v] of Object.entries(r.timestampsUs)) if (Number.isFinite(v)) s.timestampColumn(k, v, 'us');
      for (const [k, v] of Object.entries(r.booleans)) s.booleanColumn(k, v);
      for (const [k, v] of Object.entries(r.arrays)) s.arrayColumn(k, v);
      for (const [k, v] of Object.entries(r.strings ?? {})) s.stringColumn(k, v);
      await s.at(r.tsNs, 'ns');
    } catch (err) {
      // The client refuses to encode the row (a bad name or value): the same row fails the same way every time.
      throw new PdmError(
        'PDM_ERR_QUESTDB_REJECTED',
        `a row for ${r.table} cannot be written: ${(err as Error).message}`,
        { table: r.table },
        { cause: err },
      );
    }
    this.#pendingRows++;
  }

  /**
   * Write a batch and flush, retrying the whole batch (DEDUP makes a re-send harmless) while the
   * failure is retriable (QuestDB unreachable, 5xx, timeouts: the catalogue's flag, never the
   * message) with exponential backoff from 250 ms up to 10 s between attempts, until QuestDB
   * accepts it or `signal` aborts (then the last failure is thrown at once, even mid-backoff, or the
   * signal's reason before a first attempt: a shutdown must not wait for QuestDB). Rows QuestDB rejects (4xx) or credentials it refuses
   * would fail the same way again: those throw at once (PDM_ERR_QUESTDB_REJECTED / PDM_ERR_QUESTDB_AUTH).
   */
  async writeBatch(rows: readonly Row[], onRetry?: (err: unknown, attempt: number) => void, signal?: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        signal?.throwIfAborted();
        for (const r of rows) await this.write(r);
        await this.flush();
        return;
      } catch (err) {
        this.#sender.reset();
        this.#pendingRows = 0;
        if (signal?.aborted || !isRetriable(err)) throw err;
        onRetry?.(err, attempt);
        await backoff(Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)), signal);
        if (signal?.aborted) throw err;
      }
    }
  }

  /** Send everything buffered; resolves once QuestDB accepted it. */
  async flush(): Promise<void> {
    if (this.#pendingRows === 0) return;
    try {
      await this.#sender.flush();
    } catch (err) {
      throw classifyIlpError(err, this.#target, `an ILP write of ${this.#pendingRows} rows`);
    }
    this.rowsWritten += this.#pendingRows;
    this.#pendingRows = 0;
  }

  async close(): Promise<void> {
    await this.#sender.close();
  }
}
