/**
 * The simulator's own ground-truth recorder: writes each truth record as a row of the QuestDB
 * table `ground_truth` (created at start with the documented schema, WAL, DEDUP on (ts, machine)),
 * so dashboards and scoring can put what really happened next to what the models said. The
 * stream processor never reads it.
 *
 * Rows go through the product's QuestDB sink (ILP over HTTP). Writes never overlap (one flush at a
 * time); while QuestDB is away rows wait in a bounded buffer and go out with the next write
 * (DEDUP makes a re-send harmless), so a QuestDB outage never stalls the machines. Rows QuestDB
 * rejects (a 4xx: wrong rows or credentials) are dropped and counted, not kept for ever.
 */
import type { QuestdbEndpoint } from '../../common/endpoints.ts';
import { describeError, isRetriable } from '../../common/errors.ts';
import { logger } from '../../common/log.ts';
import { groundTruthRow, type Row } from '../../storage/rows.ts';
import { groundTruthDdl } from '../../storage/schema.ts';
import { QuestdbSink } from '../../storage/sink.ts';
import { questdbExec } from '../../storage/sql.ts';
import { type TableNames, tableNames } from '../../storage/tables.ts';
import type { TruthRecordV1 } from './truth-record.ts';

export interface TruthRecorderOptions {
  tablePrefix?: string;
  /** Most rows kept while QuestDB is unavailable (oldest dropped first); default 100 000. */
  maxBufferedRows?: number;
  /** How long one write keeps retrying before the rows wait for the next write, ms; default 5000. */
  writeTimeoutMs?: number;
}

type ResolvedOptions = Required<TruthRecorderOptions>;

export interface TruthRecorderStats {
  rowsWritten: number;
  rowsDropped: number;
  failedWrites: number;
}

export class TruthRecorder {
  readonly table: string;
  readonly stats: TruthRecorderStats = { rowsWritten: 0, rowsDropped: 0, failedWrites: 0 };
  readonly #sink: QuestdbSink;
  readonly #opts: ResolvedOptions;
  readonly #tables: TableNames;
  readonly #log = logger('truth-recorder');
  readonly #closing = new AbortController();
  #pending: Row[] = [];
  #draining: Promise<void> | undefined;

  private constructor(sink: QuestdbSink, opts: ResolvedOptions) {
    this.#sink = sink;
    this.#opts = opts;
    this.#tables = tableNames(opts.tablePrefix);
    this.table = this.#tables.groundTruth;
  }

  /** Create the table (if missing) and connect; throws PDM_ERR_QUESTDB_* when QuestDB cannot be reached or refuses. */
  static async open(endpoint: QuestdbEndpoint, options: TruthRecorderOptions = {}): Promise<TruthRecorder> {
    const opts: ResolvedOptions = {
      tablePrefix: options.tablePrefix ?? '',
      maxBufferedRows: options.maxBufferedRows ?? 100_000,
      writeTimeoutMs: options.writeTimeoutMs ?? 5000,
    };
    await questdbExec(endpoint, groundTruthDdl(opts.tablePrefix));
    const sink = await QuestdbSink.connect(endpoint.ilpConfig);
    return new TruthRecorder(sink, opts);
  }

  /** Queue the records and write them; resolves once they (and any earlier backlog) were accepted or put back for later. */
  write(records: readonly TruthRecordV1[]): Promise<void> {
    for (const r of records) this.#pending.push(groundTruthRow(this.#tables, r));
    const excess = this.#pending.length - this.#opts.maxBufferedRows;
    if (excess > 0) {
      this.#pending.splice(0, excess);
      this.stats.rowsDropped += excess;
      this.#log.warn({ dropped: excess }, 'ground truth rows dropped: QuestDB has been unavailable too long');
    }
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
    return this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0 && !this.#closing.signal.aborted) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        const signal = AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.#opts.writeTimeoutMs)]);
        await this.#sink.writeBatch(
          batch,
          (err, attempt) => this.#log.warn({ err: describeError(err), attempt }, 'ground truth not accepted by QuestDB yet; retrying'),
          signal,
        );
        this.stats.rowsWritten += batch.length;
      } catch (err) {
        if (!isRetriable(err)) {
          // QuestDB rejected these rows (or the credentials): sending them again would fail the same way.
          this.stats.rowsDropped += batch.length;
          this.stats.failedWrites++;
          this.#log.error({ err: describeError(err), dropped: batch.length }, 'ground truth rows dropped: QuestDB refuses them');
          continue;
        }
        // Keep the rows for the next write; the machines must not wait for QuestDB.
        this.#pending = batch.concat(this.#pending);
        this.stats.failedWrites++;
        this.#log.warn({ err: describeError(err), buffered: this.#pending.length }, 'ground truth kept for the next write');
        return;
      }
    }
  }

  /** Write what is buffered (one last try) and disconnect. */
  async close(): Promise<void> {
    await this.#draining;
    if (this.#pending.length > 0) await this.write([]);
    this.#closing.abort();
    await this.#sink.close().catch(() => undefined);
  }
}
