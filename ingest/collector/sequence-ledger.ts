/**
 * The last block sequence number per machine channel: what turns a jump into a counted gap and a
 * repeat into a dropped duplicate, also across the collector's own restarts.
 *
 * Two numbers per channel: `received` (last block accepted in this run) decides gaps and
 * duplicates; `durable` (last block Kafka acknowledged or the spool holds on disk) is what is
 * persisted (`sequences.json`, written atomically). After a restart `received` starts from
 * `durable` — merged with the highest sequence found in the recovered spool — so blocks that were
 * only in memory when the collector died are counted as missing, and blocks already delivered
 * and offered again by the server are not sent twice.
 *
 * A sequence far behind the last one (more than maxBackwardBlocks) is a counter reset (a server
 * whose counter restarted at 0), not a duplicate: it is accepted, logged and counted.
 *
 * Channels without a counter get their sequence numbers here (acceptTimed): from the block's
 * start time against the last block's (block-continuity.ts). For them the end time of the last
 * durable block is persisted too (`ends`), so the collector's own downtime is one gap of the
 * blocks the clock says were missed, exactly as with a counter.
 *
 * The collector's own downtime: the file also keeps when the collector last ran (`alive_ms`, a
 * heartbeat written at least every second while it runs, and at its stop). A channel's first
 * gap in a run, measured against the position the previous run left (file or recovered spool),
 * spans the time the collector was not running: its verdict says so (`acrossRestart`), and
 * `downtime` says from when to when, so the gap is reported as "not collected while the
 * collector was stopped" rather than as blocks lost while it ran.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { logger } from '../../common/log.ts';
import { judgeStep, type PreviousBlock } from './block-continuity.ts';

export type SequenceVerdict =
  | { kind: 'first' }
  | { kind: 'next' }
  /** acrossRestart: measured against the previous run's position, so it spans the collector's downtime. */
  | { kind: 'gap'; fromSeq: number; toSeq: number; acrossRestart?: true }
  | { kind: 'duplicate'; last: number }
  | { kind: 'reset'; last: number };

/** A block judged by its time: the sequence number it gets, and how it relates to the previous. */
export interface TimedVerdict {
  seq: number;
  verdict: SequenceVerdict;
  /** Start this far (ms) from where the previous block said (beyond the tolerance); 0: on grid. */
  offGridMs: number;
  /** For a reset: how far (ms) the server's clock went back. */
  backMs?: number;
}

export class SequenceLedger {
  readonly #file: string | undefined;
  readonly #maxBackward: number;
  readonly #received = new Map<string, number>();
  readonly #durable = new Map<string, number>();
  /** Start and end (ms since the epoch) of the last block received, per channel. */
  readonly #receivedTime = new Map<string, PreviousBlock>();
  /** Channels numbered by time in this run. */
  readonly #timed = new Set<string>();
  /** End of the last durable block, per channel (persisted). */
  readonly #durableEnd = new Map<string, number>();
  /** Channels whose last position is the previous run's: no block of theirs received in this run yet. */
  readonly #fromPreviousRun = new Set<string>();
  readonly #log = logger('sequence-ledger');
  readonly #now: () => number;
  readonly #heartbeatMs: number;
  readonly #startedAtMs: number;
  /** When the previous run last wrote its heartbeat (undefined: no file, or one without it). */
  readonly #previousAliveMs: number | undefined;
  #lastWriteMs = Number.NEGATIVE_INFINITY;
  #dirty = false;

  /**
   * `file`: where durable positions live (none: memory only). `heartbeatMs`: how often the file is
   * rewritten while nothing else changes, so it says when the collector last ran (default 1 s).
   */
  constructor(file: string | undefined, opts: { maxBackwardBlocks?: number; heartbeatMs?: number; now?: () => number } = {}) {
    this.#file = file;
    this.#maxBackward = opts.maxBackwardBlocks ?? 1000;
    this.#now = opts.now ?? Date.now;
    this.#heartbeatMs = opts.heartbeatMs ?? 1000;
    this.#startedAtMs = this.#now();
    let previousAliveMs: number | undefined;
    if (file && existsSync(file)) {
      try {
        const s = JSON.parse(readFileSync(file, 'utf8')) as {
          v?: number;
          channels?: Record<string, number>;
          ends?: Record<string, number>;
          alive_ms?: number;
        };
        if (s.v !== 1 || typeof s.channels !== 'object' || s.channels === null) throw new Error('unknown layout');
        if (Number.isFinite(s.alive_ms)) previousAliveMs = s.alive_ms;
        for (const [key, seq] of Object.entries(s.channels)) {
          if (Number.isSafeInteger(seq)) {
            this.#durable.set(key, seq);
            this.#received.set(key, seq);
            this.#fromPreviousRun.add(key);
          }
        }
        for (const [key, end] of Object.entries(s.ends ?? {})) {
          if (Number.isFinite(end) && this.#durable.has(key)) {
            this.#durableEnd.set(key, end);
            this.#receivedTime.set(key, { startMs: Number.NaN, endMs: end });
          }
        }
      } catch (err) {
        // Without it the first block after the restart is not compared: the downtime gap goes unseen. Say so.
        this.#log.error({ file, err: (err as Error).message }, 'sequence ledger unreadable: gaps across this restart cannot be counted');
      }
    }
    this.#previousAliveMs = previousAliveMs;
  }

  /**
   * The collector's downtime before this run: from the previous run's last heartbeat (undefined:
   * not known, e.g. a ledger written before heartbeats or none at all) to this run's start.
   */
  get downtime(): { fromMs: number | undefined; toMs: number } {
    return { fromMs: this.#previousAliveMs, toMs: this.#startedAtMs };
  }

  static key(machine: string, channel: string): string {
    return `${machine}/${channel}`;
  }

  /** Take the highest sequences (and their blocks' end times) found in the recovered spool (they are durable: on disk). */
  mergeRecovered(lastSeq: Map<string, number>, lastEndMs: Map<string, number> = new Map()): void {
    for (const [key, seq] of lastSeq) {
      if (seq > (this.#durable.get(key) ?? -1)) {
        this.#durable.set(key, seq);
        this.#received.set(key, seq);
        this.#fromPreviousRun.add(key);
        const end = lastEndMs.get(key);
        if (end !== undefined && end > 0) {
          this.#durableEnd.set(key, end);
          this.#receivedTime.set(key, { startMs: Number.NaN, endMs: end });
        }
        this.#dirty = true;
      }
    }
  }

  /**
   * Judge a received block by its counter; updates the last received position unless it is a
   * duplicate. `time`: the block's start and end (ms), remembered for a later judgement by time.
   */
  accept(machine: string, channel: string, seq: number, time?: PreviousBlock): SequenceVerdict {
    const key = SequenceLedger.key(machine, channel);
    const verdict = this.#acrossRestart(key, this.#judge(key, seq));
    if (verdict.kind !== 'duplicate') {
      this.#received.set(key, seq);
      if (time) this.#receivedTime.set(key, time);
    }
    if (verdict.kind === 'reset') {
      this.#durable.delete(key);
      this.#durableEnd.delete(key);
      this.#dirty = true;
    }
    return verdict;
  }

  /**
   * The first block of a channel in this run that is not a duplicate ends its "previous run"
   * state; a gap it shows spans the collector's downtime. A duplicate (the last delivered block
   * offered again) leaves it: the block after it still measures the restart.
   */
  #acrossRestart(key: string, verdict: SequenceVerdict): SequenceVerdict {
    if (verdict.kind === 'duplicate' || !this.#fromPreviousRun.delete(key)) return verdict;
    return verdict.kind === 'gap' ? { ...verdict, acrossRestart: true } : verdict;
  }

  #judge(key: string, seq: number): SequenceVerdict {
    const last = this.#received.get(key);
    if (last === undefined) return { kind: 'first' };
    if (seq === last + 1) return { kind: 'next' };
    if (seq > last + 1) return { kind: 'gap', fromSeq: last + 1, toSeq: seq - 1 };
    if (last - seq > this.#maxBackward) return { kind: 'reset', last };
    return { kind: 'duplicate', last };
  }

  /**
   * Judge a block of a channel without a counter by its start time, and give it its sequence
   * number: the next one, one past a gap of the blocks the clock says are missing, the last one
   * again for a duplicate (not to be sent). A clock that went back is a reset; the sequence goes on.
   */
  acceptTimed(machine: string, channel: string, startMs: number, blockMs: number, toleranceMs: number): TimedVerdict {
    const key = SequenceLedger.key(machine, channel);
    this.#timed.add(key);
    const last = this.#received.get(key);
    const stored = this.#receivedTime.get(key);
    const time = { startMs, endMs: startMs + blockMs };
    if (last === undefined || stored === undefined) {
      // Nothing known, or only a counter's position (the channel had one before): start after it.
      const seq = last === undefined ? 1 : last + 1;
      this.#fromPreviousRun.delete(key);
      this.#received.set(key, seq);
      this.#receivedTime.set(key, time);
      return { seq, verdict: { kind: 'first' }, offGridMs: 0 };
    }
    // After a restart only the end of the last durable block is known; its start is one period before.
    const previous = Number.isNaN(stored.startMs) ? { startMs: stored.endMs - blockMs, endMs: stored.endMs } : stored;
    const step = judgeStep(previous, startMs, blockMs, toleranceMs);
    if (step.kind === 'duplicate') return { seq: last, verdict: { kind: 'duplicate', last }, offGridMs: 0 };
    this.#receivedTime.set(key, time);
    if (step.kind === 'reset') {
      this.#fromPreviousRun.delete(key);
      this.#received.set(key, last + 1);
      return { seq: last + 1, verdict: { kind: 'reset', last }, offGridMs: 0, backMs: step.backMs };
    }
    const seq = last + 1 + (step.kind === 'gap' ? step.missing : 0);
    this.#received.set(key, seq);
    const verdict = this.#acrossRestart(key, step.kind === 'gap' ? { kind: 'gap', fromSeq: last + 1, toSeq: seq - 1 } : { kind: 'next' });
    return { seq, verdict, offGridMs: step.offGridMs };
  }

  /** The block is safe (acknowledged by Kafka, or on disk in the spool); endMs: its end time, kept for timed channels. */
  durable(machine: string, channel: string, seq: number, endMs?: number): void {
    const key = SequenceLedger.key(machine, channel);
    if (seq > (this.#durable.get(key) ?? -1)) {
      this.#durable.set(key, seq);
      // Timed channels: this run's, and those known from the file (their spooled blocks can be
      // acknowledged after a restart before the machine is back): seq and end move together.
      if (endMs !== undefined && endMs > 0 && (this.#timed.has(key) || this.#durableEnd.has(key))) this.#durableEnd.set(key, endMs);
      this.#dirty = true;
    }
  }

  lastReceived(machine: string, channel: string): number | undefined {
    return this.#received.get(SequenceLedger.key(machine, channel));
  }

  lastDurable(machine: string, channel: string): number | undefined {
    return this.#durable.get(SequenceLedger.key(machine, channel));
  }

  /**
   * Write the durable positions if they changed, or the heartbeat is due (`force`: now, e.g. at
   * the stop). Temp file + rename: never half a file.
   */
  persist(force = false): void {
    if (!this.#file) return;
    const now = this.#now();
    if (!force && !this.#dirty && now - this.#lastWriteMs < this.#heartbeatMs) return;
    const tmp = `${this.#file}.tmp`;
    // `ends` (timed channels only) and `alive_ms` are additions a reader of the first layout
    // ignores: v stays 1.
    const ends = this.#durableEnd.size > 0 ? { ends: Object.fromEntries(this.#durableEnd) } : {};
    writeFileSync(tmp, JSON.stringify({ v: 1, channels: Object.fromEntries(this.#durable), ...ends, alive_ms: now }));
    renameSync(tmp, this.#file);
    this.#lastWriteMs = now;
    this.#dirty = false;
  }
}
