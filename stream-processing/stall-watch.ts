/**
 * Whether the processor is making progress, for /health: a writer that keeps retrying, or
 * batches that wait without any commit, mean the plant's data is not reaching QuestDB, and the
 * operator (and the compose healthcheck) must hear it even though the process is alive. Two
 * signs, judged against the same thresholds (the processor's `stall` config):
 *   - the QuestDB write has been failing and retrying for a while (reason: its last error);
 *   - messages are pending and nothing was committed since they were taken (a write that hangs
 *     without failing, a QuestDB frozen mid-request, analysis that never ends).
 * An idle processor (nothing pending) is healthy however old its last commit is. The judgement
 * is pure (`judgeProgress`); the class only records what happens.
 */

export interface StallThresholds {
  /** Seconds of stall after which /health says `degraded` (still HTTP 200). */
  degradedS: number;
  /** Seconds after which it says `down` (HTTP 503: the compose healthcheck fails). */
  downS: number;
}

export interface ProgressSnapshot {
  nowMs: number;
  lastCommitMs: number | null;
  /** When the oldest message consumed but not yet committed was taken (null: none pending). */
  oldestPendingMs: number | null;
  /** Partitions with messages consumed but not committed. */
  pendingPartitions: number;
  /** The current write's first attempt, when it has failed at least once (null: not retrying). */
  retryingSinceMs: number | null;
  failedAttempts: number;
  lastWriteError: string | null;
}

export type ProgressStatus = 'ok' | 'starting' | 'degraded' | 'down';

export interface ProgressJudgement {
  status: ProgressStatus;
  /** Why it is degraded or down (empty when ok). */
  reasons: string[];
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export function judgeProgress(s: ProgressSnapshot, t: StallThresholds): ProgressJudgement {
  const reasons: string[] = [];
  let worstS = 0;
  if (s.retryingSinceMs !== null) {
    const age = (s.nowMs - s.retryingSinceMs) / 1000;
    if (age >= t.degradedS) {
      worstS = Math.max(worstS, age);
      reasons.push(
        `QuestDB write failing for ${seconds(age * 1000)} s (${s.failedAttempts} failed attempts, retrying); last error: ${s.lastWriteError ?? 'unknown'}`,
      );
    }
  }
  if (s.oldestPendingMs !== null) {
    // Progress is a commit: time since the last one, counted from when there was work waiting.
    const since = Math.max(s.oldestPendingMs, s.lastCommitMs ?? Number.NEGATIVE_INFINITY);
    const age = (s.nowMs - since) / 1000;
    if (age >= t.degradedS) {
      worstS = Math.max(worstS, age);
      reasons.push(
        `no commit for ${seconds(age * 1000)} s while ${s.pendingPartitions} partition${s.pendingPartitions === 1 ? ' has' : 's have'} messages pending (last commit ${s.lastCommitMs === null ? 'never' : `${seconds(s.nowMs - s.lastCommitMs)} s ago`})`,
      );
    }
  }
  if (reasons.length > 0) return { status: worstS >= t.downS ? 'down' : 'degraded', reasons };
  return { status: s.lastCommitMs === null ? 'starting' : 'ok', reasons };
}

/** Records pending partitions, commits and writes as they happen; `snapshot()` feeds judgeProgress. */
export class StallWatch {
  /** topic/partition -> when its oldest uncommitted message was taken. */
  readonly #pending = new Map<string, number>();
  #lastCommitMs: number | null = null;
  #retryingSinceMs: number | null = null;
  #writeStartMs: number | null = null;
  #failedAttempts = 0;
  #lastWriteError: string | null = null;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get lastCommitMs(): number | null {
    return this.#lastCommitMs;
  }

  /** Messages of `partition` (topic/partition) were taken from Kafka: pending until committed (kept if already). */
  batchStarted(partition: string): void {
    if (!this.#pending.has(partition)) this.#pending.set(partition, this.#now());
  }

  /** The partition's batch consumed nothing, or was given back: nothing of it is pending. */
  batchReleased(partition: string): void {
    this.#pending.delete(partition);
  }

  /** The partition's offsets were committed: progress. */
  committed(partition: string): void {
    this.#pending.delete(partition);
    this.#lastCommitMs = this.#now();
  }

  /** After a rebalance: the partitions this processor had pending may belong to another now. */
  clearPending(): void {
    this.#pending.clear();
  }

  writeStarted(): void {
    this.#writeStartMs = this.#now();
    this.#retryingSinceMs = null;
    this.#failedAttempts = 0;
  }

  writeFailed(reason: string): void {
    this.#retryingSinceMs ??= this.#writeStartMs ?? this.#now();
    this.#failedAttempts++;
    this.#lastWriteError = reason;
  }

  /** Since when the current write has been running (null: none): the backpressure's writer-behind test. */
  get writeStartedMs(): number | null {
    return this.#writeStartMs;
  }

  writeEnded(): void {
    this.#writeStartMs = null;
    this.#retryingSinceMs = null;
    this.#failedAttempts = 0;
  }

  snapshot(): ProgressSnapshot {
    let oldest: number | null = null;
    for (const at of this.#pending.values()) if (oldest === null || at < oldest) oldest = at;
    return {
      nowMs: this.#now(),
      lastCommitMs: this.#lastCommitMs,
      oldestPendingMs: oldest,
      pendingPartitions: this.#pending.size,
      retryingSinceMs: this.#retryingSinceMs,
      failedAttempts: this.#failedAttempts,
      lastWriteError: this.#retryingSinceMs === null ? null : this.#lastWriteError,
    };
  }
}
