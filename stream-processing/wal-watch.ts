/**
 * Watches the processor's QuestDB tables for suspended WAL apply (storage/wal-status.ts): the one
 * outage in which every write succeeds and nothing reaches the dashboards. Found by the fault
 * suite: a QuestDB whose disk filled suspended four tables; the processor kept committing, its
 * /health said ok, and after the disk was freed the tables stayed suspended for good.
 *
 * While a table is suspended, /health says `degraded` with the table, QuestDB's reason, how many
 * transactions wait, and what to do; and (autoResume) the processor tries `RESUME WAL` with a
 * growing interval — after a transient cause (disk freed, files closed) that is the repair, and
 * when the cause persists QuestDB simply suspends the table again. The judgement is pure
 * (`suspendedReason`); the class keeps the schedule.
 */
import type { WalTableStatus } from '../storage/wal-status.ts';

export interface WalWatchOptions {
  /** Try RESUME WAL on a suspended table (the schedule below); false: only report it. */
  autoResume: boolean;
  /** First retry after this many seconds, doubling up to maxResumeIntervalS. */
  resumeIntervalS: number;
  maxResumeIntervalS: number;
}

interface ResumeSchedule {
  nextAtMs: number;
  intervalS: number;
  attempts: number;
}

/** Why a table is suspended, in words an operator can act on. */
export function suspendedReason(t: WalTableStatus, autoResume: boolean, attempts: number): string {
  const waiting = Math.max(0, t.sequencerTxn - t.writerTxn);
  const cause = t.errorMessage || t.errorTag || 'no reason given';
  const disk = /space|disk/i.test(cause) ? 'free space on QuestDB’s disk; ' : '';
  const action = autoResume
    ? `the processor resumes it (${attempts} attempt${attempts === 1 ? '' : 's'} so far)`
    : `then run ALTER TABLE ${t.name} RESUME WAL`;
  return `QuestDB table ${t.name} suspended: ${cause}; ${waiting} transaction${waiting === 1 ? '' : 's'} written but not yet queryable (nothing is lost); ${disk}${action}`;
}

export class WalWatch {
  readonly #opts: WalWatchOptions;
  readonly #schedule = new Map<string, ResumeSchedule>();
  #latest: WalTableStatus[] = [];
  #checkError: string | null = null;
  resumes = 0;

  constructor(opts: WalWatchOptions) {
    this.#opts = opts;
  }

  /** Take a fresh status; returns the tables to resume now (and schedules their next attempt). */
  observe(tables: WalTableStatus[], nowMs: number): string[] {
    this.#latest = tables;
    this.#checkError = null;
    const resume: string[] = [];
    const suspended = new Set(tables.filter((t) => t.suspended).map((t) => t.name));
    for (const name of this.#schedule.keys()) if (!suspended.has(name)) this.#schedule.delete(name);
    if (!this.#opts.autoResume) return resume;
    for (const name of suspended) {
      const s = this.#schedule.get(name);
      if (!s) {
        // Resume at once the first time: the cause may be long gone (QuestDB restarted, disk freed).
        this.#schedule.set(name, {
          nextAtMs: nowMs + this.#opts.resumeIntervalS * 1000,
          intervalS: this.#opts.resumeIntervalS,
          attempts: 1,
        });
        resume.push(name);
      } else if (nowMs >= s.nextAtMs) {
        const intervalS = Math.min(s.intervalS * 2, this.#opts.maxResumeIntervalS);
        this.#schedule.set(name, { nextAtMs: nowMs + intervalS * 1000, intervalS, attempts: s.attempts + 1 });
        resume.push(name);
      }
    }
    this.resumes += resume.length;
    return resume;
  }

  /** The check itself failed (QuestDB away: the writer's own retries report that). */
  checkFailed(message: string): void {
    this.#checkError = message;
  }

  get suspendedCount(): number {
    return this.#latest.filter((t) => t.suspended).length;
  }

  /** Transactions committed but not yet applied, over all watched tables. */
  get lagTxns(): number {
    return this.#latest.reduce((sum, t) => sum + Math.max(0, t.sequencerTxn - t.writerTxn), 0);
  }

  get lastCheckError(): string | null {
    return this.#checkError;
  }

  /** One line per suspended table, for /health (empty: everything written is being applied). */
  reasons(): string[] {
    return this.#latest
      .filter((t) => t.suspended)
      .map((t) => suspendedReason(t, this.#opts.autoResume, this.#schedule.get(t.name)?.attempts ?? 0));
  }

  get suspendedTables(): string[] {
    return this.#latest.filter((t) => t.suspended).map((t) => t.name);
  }
}
