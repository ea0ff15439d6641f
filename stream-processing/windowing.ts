/**
 * Block-aligned analysis windows, pure. Window k of a channel is made of the blocks with
 * sequence numbers [k*W, (k+1)*W): its boundaries depend only on the sequence numbers, so a
 * replay after a restart rebuilds exactly the same windows (same keys, same samples) and
 * QuestDB's DEDUP makes the rewrite harmless. A window with a missing block is never analysed
 * (counted as incomplete), and the Kafka offset of its first block is held back from commits
 * while it is pending, so no sample it needs is ever committed past.
 */
import type { ChannelMeaning } from '../common/channels.ts';

export interface WindowBlock {
  machine: string;
  channel: string;
  seq: number;
  startTimeNs: bigint;
  sampleRateHz: number;
  units: string;
  /** What the channel measures (resolved from the frame and the config); a window has one. */
  meaning: ChannelMeaning;
  samples: Float32Array;
  partition: number;
  offset: number;
}

export interface CompletedWindow {
  machine: string;
  channel: string;
  windowSeq: number;
  startTimeNs: bigint;
  sampleRateHz: number;
  units: string;
  meaning: ChannelMeaning;
  blockSize: number;
  samples: Float32Array;
}

interface Pending {
  windowSeq: number;
  /**
   * The window's samples, allocated at its first block; each block is copied into its slot as it
   * arrives, so a block's array dies with its message instead of living a window's length (a
   * second, long enough to be promoted) and being copied once more at the end. (The processor's
   * major GCs had another cause, V8's external-memory trigger: cli/gc-tuning.ts.)
   */
  samples: Float32Array;
  /** 1 where a block has filled the slot. */
  have: Uint8Array;
  filled: number;
  startTimeNs: bigint;
  sampleRateHz: number;
  units: string;
  meaning: ChannelMeaning;
  blockSize: number;
  partition: number;
  firstOffset: number;
}

export interface WindowCounters {
  completed: number;
  /** Windows abandoned because a block never came (a gap, or the stream started mid-window). */
  incomplete: number;
  /** Blocks seen twice, or arriving after their window was done with. */
  duplicateOrLate: number;
  /** Blocks whose size, rate or meaning differ from their window's first block (the window restarts). */
  inconsistent: number;
}

export class WindowAssembler {
  readonly blocksPerWindow: number;
  readonly #pending = new Map<string, Pending>();
  /** Highest window finished (completed or abandoned) per channel: older blocks are late. */
  readonly #done = new Map<string, number>();
  readonly counters: WindowCounters = { completed: 0, incomplete: 0, duplicateOrLate: 0, inconsistent: 0 };

  constructor(blocksPerWindow: number) {
    if (!Number.isInteger(blocksPerWindow) || blocksPerWindow < 1)
      throw new RangeError(`blocksPerWindow must be a positive integer, got ${blocksPerWindow}`);
    this.blocksPerWindow = blocksPerWindow;
  }

  /** Add a block; returns the window it completes, if any. */
  add(block: WindowBlock): CompletedWindow | undefined {
    const key = `${block.machine}\u0000${block.channel}`;
    const w = this.blocksPerWindow;
    const windowSeq = Math.floor(block.seq / w);
    const slot = block.seq - windowSeq * w;
    const done = this.#done.get(key);
    if (done !== undefined && windowSeq <= done) {
      this.counters.duplicateOrLate++;
      return undefined;
    }
    let p = this.#pending.get(key);
    if (
      p &&
      (p.windowSeq !== windowSeq ||
        p.blockSize !== block.samples.length ||
        p.sampleRateHz !== block.sampleRateHz ||
        !sameMeaning(p.meaning, block.meaning))
    ) {
      if (p.windowSeq === windowSeq) this.counters.inconsistent++;
      if (p.windowSeq > windowSeq) {
        this.counters.duplicateOrLate++;
        return undefined;
      }
      this.counters.incomplete++;
      this.#done.set(key, p.windowSeq);
      this.#pending.delete(key);
      p = undefined;
    }
    if (!p) {
      p = {
        windowSeq,
        samples: new Float32Array(w * block.samples.length),
        have: new Uint8Array(w),
        filled: 0,
        startTimeNs: 0n,
        sampleRateHz: block.sampleRateHz,
        units: block.units,
        meaning: block.meaning,
        blockSize: block.samples.length,
        partition: block.partition,
        firstOffset: block.offset,
      };
      this.#pending.set(key, p);
    }
    if (p.have[slot] === 1) {
      this.counters.duplicateOrLate++;
      return undefined;
    }
    p.samples.set(block.samples, slot * p.blockSize);
    p.have[slot] = 1;
    p.filled++;
    p.firstOffset = Math.min(p.firstOffset, block.offset);
    if (slot === 0) p.startTimeNs = block.startTimeNs;
    if (p.filled < w) return undefined;

    this.#pending.delete(key);
    this.#done.set(key, p.windowSeq);
    this.counters.completed++;
    return {
      machine: block.machine,
      channel: block.channel,
      windowSeq: p.windowSeq,
      startTimeNs: p.startTimeNs,
      sampleRateHz: p.sampleRateHz,
      units: p.units,
      meaning: p.meaning,
      blockSize: p.blockSize,
      samples: p.samples,
    };
  }

  /** Lowest Kafka offset still needed by a pending window of this partition (commit no further). */
  pendingMinOffset(partition: number): number | undefined {
    let min: number | undefined;
    for (const p of this.#pending.values())
      if (p.partition === partition && (min === undefined || p.firstOffset < min)) min = p.firstOffset;
    return min;
  }

  /** Forget everything (after a consumer-group rebalance the committed offsets are the truth). */
  reset(): void {
    this.#pending.clear();
    this.#done.clear();
  }

  /** Bytes held by windows being assembled (part of what the processor has in flight): each holds its whole window. */
  get pendingBytes(): number {
    let n = 0;
    for (const p of this.#pending.values()) n += p.samples.byteLength;
    return n;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }
}

/** A window mixing units or quantities cannot be analysed as one signal. */
function sameMeaning(a: ChannelMeaning, b: ChannelMeaning): boolean {
  return a.units === b.units && a.quantity === b.quantity && a.location === b.location && a.axis === b.axis;
}
