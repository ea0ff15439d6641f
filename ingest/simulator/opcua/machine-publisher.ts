/**
 * One simulated machine inside an OPC UA server's address space: builds its nodes (machine-nodes.ts,
 * and its methods when it has a control) and writes its signals into them, block by block, aligned
 * to wall-clock time, so sequence numbers are stable across restarts (a restarted machine continues
 * at the block the clock says, and the downtime shows as a gap).
 *
 * It owns no timer and no server: a machine server (one machine, machine-server.ts) or a gateway
 * (many machines in one address space, gateway-server.ts) wakes it. That is what lets a gateway
 * serve a hundred machines with one block timer instead of a hundred.
 */
import { type AddressSpace, DataType, StatusCodes, Variant, VariantArrayType } from 'node-opcua';
import { describeError } from '../../../common/errors.ts';
import type { Logger } from '../../../common/log.ts';
import type { IsoClass } from '../../../models/vibration/iso20816.ts';
import { toUInt64 } from '../../opcua/address-space-model.ts';
import type { MachineTruth } from '../physics/machine-simulation.ts';
import { blockStartMs, lastCompleteBlock, type MachineControl, type MachineSignalSource } from '../signal-source.ts';
import { addMachineMethods } from './machine-methods.ts';
import { buildMachineNodes, type ChannelNodes, ENERGY_KEYS, type MachineIdentification, type MachineNodes } from './machine-nodes.ts';
import { shownState } from './operating-state.ts';
import { ScalarOverall } from './scalar-overall.ts';

/** What a machine is and how it publishes, whichever server hosts it. */
export interface PublishedMachineOptions {
  machineId: string;
  identification?: MachineIdentification;
  source: MachineSignalSource;
  /** What the InjectFault/Stop/Start/Repair methods drive and where the shown state comes from; no methods without it. */
  control?: MachineControl;
  /** Energy publishing period (default 1000 ms). */
  energyPeriodMs?: number;
  /** Longest run of missed blocks rendered when the timer falls behind; older ones become a gap. */
  maxCatchUpBlocks?: number;
  /**
   * Serve the channels as scalar sensors (IO-Link style) instead of waveforms: every periodMs, each
   * channel's overall values over the period just ended, computed from the same rendered signal by
   * the window analysis the processor runs (scalar-overall.ts). Absent: waveforms.
   */
  scalar?: { periodMs: number; shaftHz: number; iso: IsoClass };
}

export interface MachineServerStats {
  /** Blocks published per channel id since start. */
  published: Map<string, number>;
  /** Blocks not acquired because the machine was stopped (all channels). */
  notAcquired: number;
  /** Blocks (and scalar periods) skipped because the timer fell more than maxCatchUpBlocks (SCALAR_MAX_CATCH_UP) behind: lost. */
  skippedBehind: number;
  /** Largest delay between a block's end and its publication, ms. */
  maxPublishDelayMs: number;
  /**
   * The sequence numbers published per channel id, as runs [first, last] (a new run after a
   * stop or a skip): the simulator's own record of what it produced, which a fault suite counts
   * what reached storage against.
   */
  producedRuns: Map<string, Array<[number, number]>>;
  /** Scalar sensors: the time stamp (period end, ms) of the first values published since start; 0 before. */
  firstScalarEndMs: number;
}

export function emptyStats(): MachineServerStats {
  return { published: new Map(), notAcquired: 0, skippedBehind: 0, maxPublishDelayMs: 0, producedRuns: new Map(), firstScalarEndMs: 0 };
}

/**
 * Scalar periods a late timer publishes at once at most: the depth of the queue the collector asks
 * for on each value node (opcua-machine-input.ts), so a burst never overflows it.
 */
export const SCALAR_MAX_CATCH_UP = 8;

interface PublishedChannel {
  nodes: ChannelNodes;
  lastSeq: number;
}

export class MachinePublisher {
  readonly machineId: string;
  readonly stats: MachineServerStats;
  readonly #opts: PublishedMachineOptions;
  readonly #log: Logger;
  readonly #nodes: MachineNodes;
  readonly #channels: PublishedChannel[];
  readonly #scalarOverall: ScalarOverall | undefined;
  #lastScalarEndMs = 0;
  /** The physics thread rendering this machine's blocks has failed (said once). */
  #renderFailed = false;

  /** Builds the machine's nodes in `addressSpace` (which must have MACHINE_NODESETS loaded). */
  constructor(addressSpace: AddressSpace, opts: PublishedMachineOptions, stats: MachineServerStats, log: Logger) {
    this.machineId = opts.machineId;
    this.#opts = opts;
    this.stats = stats;
    this.#log = log;
    const nodes = buildMachineNodes(
      addressSpace,
      opts.machineId,
      opts.identification ?? {},
      opts.source.channels,
      opts.scalar ? 'scalar' : 'waveform',
    );
    this.#nodes = nodes;
    const control = opts.control;
    if (control) addMachineMethods(nodes.namespace, nodes.machine, opts.machineId, { control, changed: (truth) => this.#showTruth(truth) });
    this.#channels = nodes.channels.map((n) => ({ nodes: n, lastSeq: -1 }));
    for (const c of this.#channels) this.stats.published.set(c.nodes.spec.id, 0);
    for (const c of nodes.scalars) this.stats.published.set(c.spec.id, 0);
    this.#scalarOverall = opts.scalar ? new ScalarOverall(opts.source, opts.scalar) : undefined;
  }

  /** Scalar sensors: their update period; undefined for waveforms. */
  get scalarPeriodMs(): number | undefined {
    return this.#opts.scalar?.periodMs;
  }

  /** The shortest block period of the waveform channels, ms; undefined for a machine of scalar sensors. */
  get blockPeriodMs(): number | undefined {
    if (this.#channels.length === 0) return undefined;
    return Math.min(...this.#channels.map((c) => (c.nodes.spec.blockSize * 1000) / c.nodes.spec.sampleRateHz));
  }

  get energyPeriodMs(): number {
    return this.#opts.energyPeriodMs ?? 1000;
  }

  /** Ready to publish from the current block or period on (at every (re)start: nothing was measured while down). */
  begin(nowMs: number): void {
    for (const c of this.#channels) c.lastSeq = -1;
    this.#lastScalarEndMs = 0;
    this.refreshState(nowMs);
  }

  refreshState(nowMs: number): void {
    const control = this.#opts.control;
    if (!control) {
      this.#nodes.showState({ operatingState: 'Running', machineryItemState: 'Executing', mode: 'running' });
      return;
    }
    try {
      this.#showTruth(control.truthAt(nowMs));
    } catch (err) {
      this.#log.error({ err: describeError(err), machine: this.machineId }, 'cannot read the machine state');
    }
  }

  #showTruth(truth: MachineTruth): void {
    this.#nodes.showState(shownState(truth));
  }

  /**
   * Publish every block that has elapsed since the last one published; a source that fails costs
   * its blocks, not the timer. A source that renders its blocks elsewhere (renderBlocks: a physics
   * thread) returns a promise settled once they are published; the others publish at once.
   */
  publishElapsedBlocks(nowMs: number): Promise<void> | undefined {
    try {
      const due = this.#dueBlocks(nowMs);
      if (due.length === 0) return undefined;
      const source = this.#opts.source;
      if (source.renderBlocks) {
        return source.renderBlocks(due.map((d) => ({ channelId: d.channel.nodes.spec.id, seq: d.seq }))).then(
          (rendered) => {
            const at = Date.now();
            for (let i = 0; i < due.length; i++) {
              const block = rendered[i];
              if (typeof block === 'string')
                this.#log.error({ err: block, machine: this.machineId, seq: due[i].seq }, 'block not published');
              else if (block) this.#publishBlock(due[i].channel, due[i].seq, block, at);
            }
          },
          (err: unknown) => {
            // Said once, not at every tick (ten a second per machine): a stopped physics thread stays stopped.
            if (this.#renderFailed) return;
            this.#renderFailed = true;
            this.#log.error({ err: describeError(err), machine: this.machineId }, 'blocks not published from now on');
          },
        );
      }
      for (const d of due) {
        // Rendered into a fresh array, handed over as is: the subscription queue keeps a reference
        // to the value it reports, so a block cannot be reused (nor need be copied).
        const samples = new Float32Array(d.channel.nodes.spec.blockSize);
        try {
          source.renderBlock(d.channel.nodes.spec.id, d.seq, samples);
        } catch (err) {
          // That block is a gap; the others are published.
          this.#log.error({ err: describeError(err), machine: this.machineId, seq: d.seq }, 'block not published');
          continue;
        }
        this.#publishBlock(d.channel, d.seq, samples, nowMs);
      }
    } catch (err) {
      // The next tick tries again (and shows a gap).
      this.#log.error({ err: describeError(err), machine: this.machineId }, 'block not published');
    }
    return undefined;
  }

  /**
   * The blocks of every channel that elapsed since its last one, in channel then sequence order,
   * each marked as published (a block that then fails to render is a gap, not retried). Blocks
   * of a stopped machine are counted as not acquired and left out.
   */
  #dueBlocks(nowMs: number): Array<{ channel: PublishedChannel; seq: number }> {
    const maxCatchUp = this.#opts.maxCatchUpBlocks ?? 50;
    const source = this.#opts.source;
    const due: Array<{ channel: PublishedChannel; seq: number }> = [];
    for (const ch of this.#channels) {
      const spec = ch.nodes.spec;
      const last = lastCompleteBlock(spec, nowMs);
      // First block after (re)start: begin at the current one; a long stall skips ahead (a gap) rather than flooding.
      let seq = ch.lastSeq < 0 ? last : Math.max(ch.lastSeq + 1, last - maxCatchUp + 1);
      if (ch.lastSeq >= 0 && seq > ch.lastSeq + 1) this.stats.skippedBehind += seq - ch.lastSeq - 1;
      for (; seq <= last; seq++) {
        const startMs = blockStartMs(spec, seq);
        ch.lastSeq = seq;
        if (source.isAcquiring && !source.isAcquiring(startMs)) {
          this.stats.notAcquired++;
          continue;
        }
        due.push({ channel: ch, seq });
      }
    }
    return due;
  }

  #publishBlock(ch: PublishedChannel, seq: number, samples: Float32Array, atMs: number): void {
    const spec = ch.nodes.spec;
    const sourceTimestamp = new Date(blockStartMs(spec, seq));
    const { waveform, sequence, blockStart } = ch.nodes;
    waveform.setValueFromSource(
      new Variant({ dataType: DataType.Float, arrayType: VariantArrayType.Array, value: samples }),
      StatusCodes.Good,
      sourceTimestamp,
    );
    sequence.setValueFromSource(
      new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: toUInt64(seq) }),
      StatusCodes.Good,
      sourceTimestamp,
    );
    blockStart.setValueFromSource(new Variant({ dataType: DataType.DateTime, value: sourceTimestamp }), StatusCodes.Good, sourceTimestamp);
    this.stats.published.set(spec.id, (this.stats.published.get(spec.id) ?? 0) + 1);
    recordRun(this.stats.producedRuns, spec.id, seq);
    const delay = atMs - blockStartMs(spec, seq + 1);
    if (delay > this.stats.maxPublishDelayMs) this.stats.maxPublishDelayMs = delay;
  }

  /**
   * Publish every channel's overall values of each scalar period that ended since the last one,
   * stamped with its end (so a restarted server stamps the same period the same way). A stopped
   * machine publishes nothing (no signal to measure). Periods a late timer slept through are
   * published in order, as a sensor that kept measuring would: a skipped period read as a lost
   * reading in the collector's tests. A long stall skips ahead after SCALAR_MAX_CATCH_UP periods
   * (counted in skippedBehind) rather than overflowing a client's queue.
   * Returns the end of the current period (the next is due at it + periodMs).
   */
  publishDueScalars(nowMs: number): number {
    const periodMs = this.#opts.scalar?.periodMs ?? 1000;
    const endMs = Math.floor(nowMs / periodMs) * periodMs;
    try {
      if (endMs > this.#lastScalarEndMs) {
        let next = this.#lastScalarEndMs === 0 ? endMs : this.#lastScalarEndMs + periodMs;
        const skipTo = endMs - (SCALAR_MAX_CATCH_UP - 1) * periodMs;
        if (next < skipTo) {
          this.stats.skippedBehind += (skipTo - next) / periodMs;
          next = skipTo;
        }
        for (; next <= endMs; next += periodMs) {
          this.#lastScalarEndMs = next;
          this.#publishScalars(next);
        }
      }
    } catch (err) {
      this.#log.error({ err: describeError(err), machine: this.machineId }, 'scalar values not published');
    }
    return endMs;
  }

  #publishScalars(endMs: number): void {
    const overall = this.#scalarOverall;
    if (!overall) return;
    const source = this.#opts.source;
    const startMs = endMs - this.#opts.scalar!.periodMs;
    if (source.isAcquiring && !(source.isAcquiring(startMs) && source.isAcquiring(endMs - 1))) {
      this.stats.notAcquired++;
      return;
    }
    const temperatureC = source.energyAt(endMs).temperatureC;
    if (this.stats.firstScalarEndMs === 0) this.stats.firstScalarEndMs = endMs;
    const ts = new Date(endMs);
    for (const ch of this.#nodes.scalars) {
      const v = overall.over(ch.spec, startMs, endMs);
      const values: Record<string, number> = {
        VelocityRms: v.velocityRmsMmS,
        AccelerationRms: v.rmsG,
        AccelerationPeak: v.peakG,
        CrestFactor: v.crestFactor,
        Temperature: temperatureC,
      };
      for (const [name, node] of ch.values)
        node.setValueFromSource(new Variant({ dataType: DataType.Double, value: values[name] }), StatusCodes.Good, ts);
      this.stats.published.set(ch.spec.id, (this.stats.published.get(ch.spec.id) ?? 0) + 1);
    }
  }

  publishEnergy(nowMs: number): void {
    let reading;
    try {
      reading = this.#opts.source.energyAt(nowMs);
    } catch (err) {
      this.#log.error({ err: describeError(err), machine: this.machineId }, 'energy reading not published');
      return;
    }
    const ts = new Date(Math.floor(nowMs / 1000) * 1000);
    for (const [name, node] of this.#nodes.energy) {
      node.setValueFromSource(new Variant({ dataType: DataType.Double, value: reading[ENERGY_KEYS[name]] }), StatusCodes.Good, ts);
    }
  }
}

/** Add `seq` to a channel's runs: extends the last run when it follows it, else starts a new one. */
function recordRun(runs: Map<string, Array<[number, number]>>, channel: string, seq: number): void {
  const list = runs.get(channel) ?? [];
  runs.set(channel, list);
  const last = list.at(-1);
  if (last && seq === last[1] + 1) last[1] = seq;
  else list.push([seq, seq]);
}
