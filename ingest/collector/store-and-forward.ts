/**
 * Store and forward: every message leaves for Kafka in the order it was given, exactly as long as
 * Kafka acknowledges; when it does not, messages wait on disk (spool.ts) and leave from there, in
 * the same order, when Kafka is back.
 *
 * Two modes, one batch in flight at any time:
 * - live (spool empty): messages wait in memory for at most lingerMs and go out in batches.
 * - spooling: every new message is appended to the spool behind the ones already there; the
 *   spool drains oldest first. When it is empty the forwarder goes back to live.
 *
 * Live -> spooling ("spill") happens when a send fails, when the batch in flight has waited more
 * than spillAfterMs (a hung broker, or one still retrying), or when memory holds more than
 * maxMemoryBytes. The spill writes the batch in flight first, then the memory queue, so the order
 * on disk is the order of arrival. If that batch's send then succeeds after all, its copies at the
 * head of the spool are acknowledged in place (ackThrough) instead of being sent twice.
 *
 * What can be lost: messages still in memory (live mode, at most lingerMs plus one batch in
 * flight) when the process dies without close(). The owner counts a message as durable only when
 * `delivered` or `spooled` reports it, which is what the sequence ledger persists.
 */
import { describeError } from '../../common/errors.ts';
import { logger } from '../../common/log.ts';
import type { OutgoingRecord } from './kafka-output.ts';
import type { Spool } from './spool.ts';
import type { SpoolMessage } from './spool-record.ts';

/** What the forwarder needs from Kafka (kafka-output.ts). */
export interface Transport {
  ready(): Promise<void>;
  send(batch: readonly OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface ForwarderOptions {
  lingerMs: number;
  maxBatchMessages: number;
  /** Keep a request under Kafka's default message.max.bytes (1 MiB per batch and partition). */
  maxBatchBytes: number;
  spillAfterMs: number;
  maxMemoryBytes: number;
  retryMinMs: number;
  retryMaxMs: number;
}

export const DEFAULT_FORWARDER_OPTIONS: ForwarderOptions = {
  // 100 ms: at 30 blocks/s per machine a batch carries a few blocks of every machine, so kafkajs's
  // per-request work (encoders, CRC, request queue timers) is paid ~10 times a second instead of
  // ~50 (measured: docs/collector.md, "Where the CPU goes"); a block waits at most 0.1 s more.
  lingerMs: 100,
  maxBatchMessages: 500,
  maxBatchBytes: 900 * 1024,
  spillAfterMs: 2_000,
  maxMemoryBytes: 32 * 1024 * 1024,
  retryMinMs: 250,
  retryMaxMs: 5_000,
};

export interface ForwarderHooks {
  /** Kafka acknowledged these (from memory or from the spool), in order. */
  delivered(messages: readonly SpoolMessage[]): void;
  /** These are on disk now (appended to the spool). */
  spooled?(message: SpoolMessage): void;
  /**
   * The full spool did not take this message when it was moved there from memory (a spill): a
   * block or reading was reported through the spool's onDrop; a record the spool keeps (a gap
   * event) was not, and the owner must hold it and offer it again. (send() says the same by
   * returning false.)
   */
  refused?(message: SpoolMessage): void;
}

interface InFlight {
  batch: SpoolMessage[];
  /** Set when the batch was copied to the spool while in flight: id of its last record there. */
  spilledThroughId?: number;
}

export class StoreAndForward {
  readonly #spool: Spool;
  readonly #transport: Transport;
  readonly #opts: ForwarderOptions;
  readonly #hooks: ForwarderHooks;
  readonly #log = logger('store-and-forward');
  #mode: 'live' | 'spooling';
  #memory: SpoolMessage[] = [];
  #memoryBytes = 0;
  #inFlight: InFlight | undefined;
  #wake: (() => void) | undefined;
  #pump: Promise<void> | undefined;
  #stopping = false;
  /** In #lingerOnce: send() wakes the loop only once a batch is full. */
  #lingering = false;
  #aborted = false;
  #failures = 0;
  #kafkaUp = false;
  /** Counters for metrics. */
  spills = 0;
  sendFailures = 0;
  lastError: string | undefined;

  constructor(spool: Spool, transport: Transport, hooks: ForwarderHooks, opts: Partial<ForwarderOptions> = {}) {
    this.#spool = spool;
    this.#transport = transport;
    this.#hooks = hooks;
    this.#opts = { ...DEFAULT_FORWARDER_OPTIONS, ...opts };
    // Records left from an earlier run go first: start by draining them.
    this.#mode = spool.records > 0 ? 'spooling' : 'live';
  }

  get mode(): 'live' | 'spooling' {
    return this.#mode;
  }

  /** Messages waiting in memory (live mode). */
  get memoryMessages(): number {
    return this.#memory.length + (this.#inFlight && this.#inFlight.spilledThroughId === undefined ? this.#inFlight.batch.length : 0);
  }

  get kafkaUp(): boolean {
    return this.#kafkaUp;
  }

  start(): void {
    this.#pump ??= this.#run().catch((err: unknown) => {
      // A spool that cannot be read or written is the end of store-and-forward: say so loudly.
      this.#log.fatal({ err: describeError(err) }, 'store-and-forward stopped: the collector cannot deliver any more');
      this.lastError = describeError(err);
    });
  }

  /**
   * Take a message to deliver. False when it was lost at once: spooling, and the spool's disk is
   * full with nothing older left to drop (the caller decides whether it can be sent again later).
   */
  send(message: SpoolMessage): boolean {
    if (this.#aborted) throw new Error('store-and-forward is closed');
    if (this.#mode === 'spooling') {
      if (this.#spool.append(message) < 0) return false;
      this.#hooks.spooled?.(message);
    } else {
      this.#memory.push(message);
      this.#memoryBytes += message.value.byteLength;
      if (this.#memoryBytes > this.#opts.maxMemoryBytes) this.#spill(`more than ${this.#opts.maxMemoryBytes} bytes waiting in memory`);
    }
    // While the batch lingers, a message that does not fill it needs no wake-up: waking on each
    // one cost a timer and a promise per block (the profile's share of the forwarder).
    if (!(this.#lingering && this.#mode === 'live' && !this.#batchFull())) this.#wake?.();
    return true;
  }

  #batchFull(): boolean {
    return this.#memory.length >= this.#opts.maxBatchMessages || this.#memoryBytes >= this.#opts.maxBatchBytes;
  }

  /** Move the batch in flight (a copy) and the memory queue to the spool; new messages follow them there. */
  #spill(reason: string): void {
    if (this.#mode === 'spooling') return;
    this.#mode = 'spooling';
    // Spilling means Kafka is not acknowledging (a failed or a too-slow send): not "up", even
    // before the hanging request finally fails.
    this.#kafkaUp = false;
    this.spills++;
    this.#log.warn(
      { reason, inMemory: this.memoryMessages, spoolRecords: this.#spool.records },
      'Kafka not acknowledging: spooling to disk',
    );
    if (this.#inFlight) {
      // Id of the last copy the spool took (0: none): a copy it refused has no id to acknowledge.
      let last = 0;
      for (const m of this.#inFlight.batch) last = Math.max(last, this.#spillOne(m));
      this.#inFlight.spilledThroughId = last;
    }
    const memory = this.#memory;
    this.#memory = [];
    this.#memoryBytes = 0;
    for (const m of memory) this.#spillOne(m);
  }

  /** Append one message moved from memory; its id, or -1 when the full spool refused it. */
  #spillOne(message: SpoolMessage): number {
    const id = this.#spool.append(message);
    // Only a message on disk is durable (the sequence ledger counts on it); a refused one goes
    // back to the owner, which holds what the spool keeps (gap events).
    if (id < 0) this.#hooks.refused?.(message);
    else this.#hooks.spooled?.(message);
    return id;
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  async #backoff(err: unknown): Promise<void> {
    this.#failures++;
    this.sendFailures++;
    this.#kafkaUp = false;
    this.lastError = describeError(err);
    const delay = Math.min(this.#opts.retryMaxMs, this.#opts.retryMinMs * 2 ** Math.min(this.#failures - 1, 10));
    if (this.#failures === 1 || this.#failures % 10 === 0) {
      this.#log.warn(
        { err: this.lastError, failures: this.#failures, retryInMs: delay, spoolRecords: this.#spool.records },
        'Kafka send failed; will retry',
      );
    }
    // Not woken by new messages: they wait behind the failed batch anyway.
    await new Promise((r) => setTimeout(r, delay));
  }

  #succeeded(): void {
    if (!this.#kafkaUp && this.#failures > 0)
      this.#log.info({ afterFailures: this.#failures, spoolRecords: this.#spool.records }, 'Kafka acknowledging again');
    this.#failures = 0;
    this.#kafkaUp = true;
  }

  #takeBatch(): SpoolMessage[] {
    let n = 0;
    let bytes = 0;
    while (n < this.#memory.length && n < this.#opts.maxBatchMessages) {
      const size = this.#memory[n].value.byteLength;
      if (n > 0 && bytes + size > this.#opts.maxBatchBytes) break;
      bytes += size;
      n++;
    }
    const batch = this.#memory.splice(0, n);
    this.#memoryBytes -= bytes;
    return batch;
  }

  async #run(): Promise<void> {
    while (!this.#aborted) {
      if (this.#mode === 'live') {
        if (this.#memory.length === 0) {
          if (this.#stopping) return;
          await this.#sleep(60_000);
          continue;
        }
        if (this.#memory.length < this.#opts.maxBatchMessages && !this.#stopping) await this.#lingerOnce();
        if (this.#mode !== 'live' || this.#memory.length === 0) continue;
        await this.#sendLive(this.#takeBatch());
      } else {
        // While Kafka fails, probe with one message: a batch in flight cannot be dropped when the
        // spool is full, and a big one would keep the oldest frames while newer ones are dropped.
        // For the same reason a drain batch stays under an eighth of the spool.
        const records =
          this.#failures > 0
            ? this.#spool.peek(1, 1)
            : this.#spool.peek(this.#opts.maxBatchMessages, Math.min(this.#opts.maxBatchBytes, this.#spool.maxBytes / 8));
        if (records.length === 0) {
          if (this.#spool.records === 0) {
            this.#mode = 'live';
            this.#log.info('spool drained; sending live again');
            continue;
          }
          if (this.#stopping) return;
          await this.#sleep(60_000);
          continue;
        }
        try {
          await this.#transport.send(records);
        } catch (err) {
          if (this.#aborted) return;
          this.#spool.release();
          await this.#backoff(err);
          continue;
        }
        if (this.#aborted) return;
        this.#spool.ack();
        this.#succeeded();
        this.#hooks.delivered(records);
      }
    }
  }

  /** Wait up to lingerMs for more messages (or until a full batch is there). */
  async #lingerOnce(): Promise<void> {
    const deadline = Date.now() + this.#opts.lingerMs;
    this.#lingering = true;
    try {
      while (Date.now() < deadline && !this.#batchFull() && this.#mode === 'live' && !this.#stopping) {
        await this.#sleep(deadline - Date.now());
      }
    } finally {
      this.#lingering = false;
    }
  }

  async #sendLive(batch: SpoolMessage[]): Promise<void> {
    const inFlight: InFlight = { batch };
    this.#inFlight = inFlight;
    const slow = setTimeout(() => this.#spill(`no acknowledgement within ${this.#opts.spillAfterMs} ms`), this.#opts.spillAfterMs);
    let error: unknown;
    let ok = false;
    try {
      await this.#transport.send(batch);
      ok = true;
    } catch (err) {
      error = err;
    } finally {
      clearTimeout(slow);
      this.#inFlight = undefined;
    }
    if (this.#aborted) return;
    if (ok) {
      // Copies spooled while it was in flight are at the head of the spool: acknowledge them there.
      if (inFlight.spilledThroughId !== undefined) this.#spool.ackThrough(inFlight.spilledThroughId);
      this.#succeeded();
      this.#hooks.delivered(batch);
      return;
    }
    if (inFlight.spilledThroughId === undefined) {
      // Put the failed batch back in front of the memory queue, then spill both (in that order).
      this.#memory.unshift(...batch);
      this.#memoryBytes += batch.reduce((n, m) => n + m.value.byteLength, 0);
      this.#spill(`send failed: ${describeError(error)}`);
    }
    await this.#backoff(error);
  }

  /**
   * Stop: send what waits, for at most `timeoutMs`; whatever is still not acknowledged then
   * is spooled (it is sent at the next start). The spool is closed by its owner afterwards.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    if (this.#pump) {
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        this.#pump.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (!finished) {
        this.#spill('collector stopping');
        this.#aborted = true;
        this.#wake?.();
      }
    } else {
      this.#spill('collector stopping before Kafka was ready');
    }
    this.#aborted = true;
    await this.#transport.close();
  }
}
