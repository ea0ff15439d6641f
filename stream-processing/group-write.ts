/**
 * Group commit for the QuestDB writer. Each Kafka batch (one partition's messages) used to be its
 * own ILP request, and each request is a WAL transaction that QuestDB applies on its own: with
 * rows of several machines arriving slightly out of timestamp order, every small transaction can
 * make QuestDB merge the partition's tail again, so its CPU grew with the number of commits, not
 * rows (BENCHMARKS.md, "QuestDB write cost"). Writes are serialised anyway (the client must not
 * flush concurrently), so while one is in flight the batches that arrive wait; when it ends they
 * all go as one request. That alone groups little: QuestDB answers an ILP request once the WAL
 * has it and applies it afterwards, so a write is short and few batches arrive during it. So a
 * write also starts no sooner than `minIntervalMs` after the previous one started: the batches of
 * that interval share one commit, and the commits per second are bounded whatever the number of
 * partitions and machines (the bench measured 5-6x less QuestDB CPU per row at one commit per
 * second than with a commit per batch). The price is latency: a batch waits at most that long.
 *
 * Each caller still learns which of its own items were refused, and a failure of the shared write
 * (QuestDB unreachable after retries, a shutdown) fails every caller in it, as it would have
 * failed each alone. Pure: the write is a function, tested without QuestDB.
 */
import type { RefusedItem } from './reject-bisection.ts';

/** The processor's default for `questdb.commitIntervalMs` (the bench measures this one). */
export const DEFAULT_COMMIT_INTERVAL_MS = 500;

interface Waiting<T> {
  items: readonly T[];
  /** The caller is behind (a backlog): its write should not wait out the interval. */
  urgent: boolean;
  resolve: (refused: RefusedItem<T>[]) => void;
  reject: (err: unknown) => void;
}

export class GroupWriter<T> {
  readonly #writeAll: (items: readonly T[]) => Promise<RefusedItem<T>[]>;
  readonly #maxItems: number;
  readonly #minIntervalMs: number;
  readonly #fullGroup: number;
  /** Ends the interval's wait early (the group is full: nothing more can join it). */
  #wakeEarly: (() => void) | undefined;
  #lastStartMs = Number.NEGATIVE_INFINITY;
  #waiting: Waiting<T>[] = [];
  #running: Promise<void> | undefined;
  /** Requests written, and the (fewer) writes that carried them. */
  requests = 0;
  writes = 0;

  /**
   * `writeAll` writes items and resolves with those refused (reject-bisection.ts); a write starts
   * at least `minIntervalMs` after the previous one started, unless a waiting request is urgent
   * (its caller is behind: a backlog's catch-up must not be slowed), `fullGroup` requests already
   * wait (as many as can be in progress at once: no other can join) or their items fill a write; `maxItems` bounds one grouped write (a request
   * larger than it still goes alone, whole).
   */
  constructor(
    writeAll: (items: readonly T[]) => Promise<RefusedItem<T>[]>,
    opts: { minIntervalMs?: number; maxItems?: number; fullGroup?: number } = {},
  ) {
    this.#writeAll = writeAll;
    this.#minIntervalMs = opts.minIntervalMs ?? 0;
    this.#maxItems = opts.maxItems ?? 50_000;
    this.#fullGroup = opts.fullGroup ?? Number.POSITIVE_INFINITY;
  }

  /** Write `items` with the next grouped write; `urgent`: that write starts without waiting out the interval. */
  write(items: readonly T[], urgent = false): Promise<RefusedItem<T>[]> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ items, urgent, resolve, reject });
      if (this.#isFull()) this.#wakeEarly?.();
      this.#running ??= this.#drain();
    });
  }

  #isFull(): boolean {
    if (this.#waiting.length >= this.#fullGroup || this.#waiting.some((w) => w.urgent)) return true;
    let size = 0;
    for (const w of this.#waiting) size += w.items.length;
    return size >= this.#maxItems;
  }

  /** Resolves once nothing is being written or waiting (a shutdown's last step). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    // Start after the caller has stored this promise (and let writes of the same tick join).
    await Promise.resolve();
    try {
      while (this.#waiting.length > 0) {
        const waitMs = this.#lastStartMs + this.#minIntervalMs - Date.now();
        if (waitMs > 0 && !this.#isFull()) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, waitMs);
            function done() {
              clearTimeout(timer);
              resolve();
            }
            this.#wakeEarly = done;
          });
          this.#wakeEarly = undefined;
        }
        this.#lastStartMs = Date.now();
        const group = this.#takeGroup();
        const items = group.flatMap((w) => w.items);
        this.requests += group.length;
        this.writes++;
        try {
          const refused = items.length === 0 ? [] : await this.#writeAll(items);
          const refusedOf = new Map<T, RefusedItem<T>>(refused.map((r) => [r.item, r]));
          for (const w of group) w.resolve(w.items.flatMap((item) => refusedOf.get(item) ?? []));
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  /** The oldest waiting requests, as many as fit in one write (at least one). */
  #takeGroup(): Waiting<T>[] {
    let n = 0;
    let size = 0;
    while (n < this.#waiting.length && (n === 0 || size + this.#waiting[n]!.items.length <= this.#maxItems)) {
      size += this.#waiting[n]!.items.length;
      n++;
    }
    return this.#waiting.splice(0, n);
  }
}
