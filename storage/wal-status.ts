/**
 * The WAL state of the product's tables, and the one repair QuestDB offers for a suspended table.
 *
 * A WAL table is suspended when applying a transaction fails (a full disk, too many open files,
 * memory): writes are still accepted into its write-ahead log, so every writer sees success,
 * but nothing becomes queryable until `ALTER TABLE … RESUME WAL` — QuestDB never resumes it by
 * itself, even once the cause is gone. Nothing is lost while it is suspended: a resume applies
 * the queued transactions in order, from the failed one.
 */
import { type QuestdbHttpTarget, questdbExec } from './sql.ts';

export interface WalTableStatus {
  name: string;
  suspended: boolean;
  /** Last transaction applied to the table (what queries see). */
  writerTxn: number;
  /** Last transaction committed to the table's sequencer (what writers were told succeeded). */
  sequencerTxn: number;
  /** QuestDB's reason for a suspension (empty when it gave none). */
  errorTag: string;
  errorMessage: string;
}

/** The status of the named tables that exist (a table not created yet is simply absent). */
export async function readWalStatus(target: QuestdbHttpTarget, tables: readonly string[]): Promise<WalTableStatus[]> {
  if (tables.length === 0) return [];
  // Table names come from storage/tables.ts (letters, digits and _): safe as SQL literals.
  const list = tables.map((t) => `'${t}'`).join(', ');
  const res = await questdbExec(
    target,
    `SELECT name, suspended, writerTxn, sequencerTxn, errorTag, errorMessage FROM wal_tables() WHERE name IN (${list})`,
    { timeoutMs: 10_000 },
  );
  return res.dataset.map((r) => ({
    name: String(r[0]),
    suspended: r[1] === true,
    writerTxn: Number(r[2]),
    sequencerTxn: Number(r[3]),
    errorTag: typeof r[4] === 'string' ? r[4] : '',
    errorMessage: typeof r[5] === 'string' ? r[5] : '',
  }));
}

/** Resume a suspended table from its failed transaction (nothing skipped). */
export async function resumeWal(target: QuestdbHttpTarget, table: string): Promise<void> {
  await questdbExec(target, `ALTER TABLE ${table} RESUME WAL`, { timeoutMs: 30_000 });
}
