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
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { logger } from '../../common/log.ts';

export type SequenceVerdict =
  | { kind: 'first' }
  | { kind: 'next' }
  | { kind: 'gap'; fromSeq: number; toSeq: number }
  | { kind: 'duplicate'; last: number }
  | { kind: 'reset'; last: number };

export class SequenceLedger {
  readonly #file: string | undefined;
  readonly #maxBackward: number;
  readonly #received = new Map<string, number>();
  readonly #durable = new Map<string, number>();
  readonly #log = logger('sequence-ledger');
  #dirty = false;

  /** `file`: where durable positions live (none: memory only). */
  constructor(file: string | undefined, opts: { maxBackwardBlocks?: number } = {}) {
    this.#file = file;
    this.#maxBackward = opts.maxBackwardBlocks ?? 1000;
    if (file && existsSync(file)) {
      try {
        const s = JSON.parse(readFileSync(file, 'utf8')) as { v?: number; channels?: Record<string, number> };
        if (s.v !== 1 || typeof s.channels !== 'object' || s.channels === null) throw new Error('unknown layout');
        for (const [key, seq] of Object.entries(s.channels)) {
          if (Number.isSafeInteger(seq)) {
            this.#durable.set(key, seq);
            this.#received.set(key, seq);
          }
        }
      } catch (err) {
        // Without it the first block after the restart is not compared: the downtime gap goes unseen. Say so.
        this.#log.error({ file, err: (err as Error).message }, 'sequence ledger unreadable: gaps across this restart cannot be counted');
      }
    }
  }

  static key(machine: string, channel: string): string {
    return `${machine}/${channel}`;
  }

  /** Take the highest sequences found in the recovered spool (they are durable: on disk). */
  mergeRecovered(lastSeq: Map<string, number>): void {
    for (const [key, seq] of lastSeq) {
      if (seq > (this.#durable.get(key) ?? -1)) {
        this.#durable.set(key, seq);
        this.#received.set(key, seq);
        this.#dirty = true;
      }
    }
  }

  /** Judge a received block; updates the last received position unless it is a duplicate. */
  accept(machine: string, channel: string, seq: number): SequenceVerdict {
    const key = SequenceLedger.key(machine, channel);
    const last = this.#received.get(key);
    if (last === undefined) {
      this.#received.set(key, seq);
      return { kind: 'first' };
    }
    if (seq === last + 1) {
      this.#received.set(key, seq);
      return { kind: 'next' };
    }
    if (seq > last + 1) {
      this.#received.set(key, seq);
      return { kind: 'gap', fromSeq: last + 1, toSeq: seq - 1 };
    }
    if (last - seq > this.#maxBackward) {
      this.#received.set(key, seq);
      this.#durable.delete(key);
      this.#dirty = true;
      return { kind: 'reset', last };
    }
    return { kind: 'duplicate', last };
  }

  /** The block is safe (acknowledged by Kafka, or on disk in the spool). */
  durable(machine: string, channel: string, seq: number): void {
    const key = SequenceLedger.key(machine, channel);
    if (seq > (this.#durable.get(key) ?? -1)) {
      this.#durable.set(key, seq);
      this.#dirty = true;
    }
  }

  lastReceived(machine: string, channel: string): number | undefined {
    return this.#received.get(SequenceLedger.key(machine, channel));
  }

  lastDurable(machine: string, channel: string): number | undefined {
    return this.#durable.get(SequenceLedger.key(machine, channel));
  }

  /** Write the durable positions if they changed (temp file + rename: never half a file). */
  persist(): void {
    if (!this.#dirty || !this.#file) return;
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ v: 1, channels: Object.fromEntries(this.#durable) }));
    renameSync(tmp, this.#file);
    this.#dirty = false;
  }
}
