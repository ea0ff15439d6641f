/**
 * Learning each channel's healthy envelope reference from its machine's baseline: keeps copies of
 * baseline windows (ReferenceCollector) while the baseline runs, and once the machine's baseline
 * is complete learns the references in the worker pool and hands them to the health model, so the
 * machine's own lines are not taken for bearing faults from then on.
 *
 * A reference learnt from a faulty machine would discount the fault's own lines as "healthy" for
 * good: before it is used, the analyses of the windows it was learnt from are judged against
 * absolute physics (models/health/baseline-quality.ts: ISO zone, bearing fault named, impulsive,
 * 2X, harmonics). A suspect reference is not used: the channel is diagnosed without one, as
 * before it was learnt; why is logged and shown in /health (the machine's detail).
 *
 * The references are learnt in the background, one channel at a time (schedule()), not in the
 * batch that completes the baseline: learning one costs about 160 ms of a worker (8 windows of
 * 1 s at 25.6 kHz), and a plant commissioned at once completes every machine's baseline in the
 * same minute. Awaited in the batch, 20 machines' 60 references held their partitions' fetches
 * for about 10 s of worker time: blocks then reached the processor 9-12 s after Kafka had them
 * (p95, timed inside pdm start). One
 * at a time, a window analysis waits behind at most one learning job. The reference is saved with
 * the machine's model state at its next window's commit; a processor that stops or loses the
 * partition before then restores a machine past its baseline without the reference, and learns
 * it again from the windows that follow (rearm(): the machine was judged healthy when its
 * baseline completed, and the windows right after it are the nearest to that).
 */
import { describeError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import type { HealthyWindow } from '../models/bearing/reference.ts';
import { judgeChannelWindows, qualityWindowOf, verdictSummary } from '../models/health/baseline-quality.ts';
import type { IsoClass } from '../models/vibration/iso20816.ts';
import { toAccelerationG } from '../models/vibration/to-acceleration.ts';
import type { WindowAnalysis, WindowAnalysisConfig } from '../models/window-analysis.ts';
import type { MachineHealthTracker } from './machine-health.ts';
import type { ProcessorStats } from './processor-stats.ts';
import { type CollectedChannel, ReferenceCollector } from './reference-collector.ts';
import type { CompletedWindow } from './windowing.ts';
import type { WorkerPool } from './worker-pool.ts';

export interface ReferenceLearningOptions {
  /** Windows kept per channel. */
  windows: number;
  /** Length of the anomaly baseline in windows: the kept windows are spread over it. */
  baselineWindows: number;
  /** The machine's ISO 20816-3 class (the reference's windows are judged with it). */
  isoClass: (machine: string) => IsoClass;
}

interface LearningJob {
  machine: string;
  channel: CollectedChannel;
  /** The generation it was scheduled in: a job of an earlier one (before clear()) is dropped. */
  generation: number;
}

export class ReferenceLearning {
  readonly #windows: ReferenceCollector;
  readonly #health: MachineHealthTracker;
  readonly #stats: ProcessorStats;
  readonly #log: Logger;
  readonly #isoClass: (machine: string) => IsoClass;
  /** Machines restored past their baseline with channels that have no reference yet: their next windows are collected. */
  readonly #rearmed = new Set<string>();
  /** Channels waiting to be learnt, in order; one is learnt at a time. */
  #queue: LearningJob[] = [];
  #draining: Promise<void> | undefined;
  #generation = 0;

  constructor(options: ReferenceLearningOptions, health: MachineHealthTracker, stats: ProcessorStats, log: Logger) {
    // Spread the kept windows over the baseline (its length in windows when bounded by count).
    const stride = Math.max(1, Math.floor(options.baselineWindows / options.windows));
    this.#windows = new ReferenceCollector({ maxWindows: options.windows, stride });
    this.#health = health;
    this.#stats = stats;
    this.#log = log;
    this.#isoClass = options.isoClass;
  }

  /** Whether windows of `machine` are kept (its baseline has not completed since they were). */
  has(machine: string): boolean {
    return this.#windows.has(machine);
  }

  /**
   * Whether the windows kept for the machine are to be learnt now: its baseline has completed
   * since they were kept, or (a machine restored past its baseline, rearm()) every channel holds
   * its windows.
   */
  due(machine: string): boolean {
    if (!this.#windows.has(machine)) return false;
    return this.#rearmed.has(machine) ? this.#windows.full(machine) : !this.#health.inBaseline(machine);
  }

  /**
   * The machine's model state was restored: when it is past its baseline, its channels that have
   * neither a reference nor a rejected one (the processor stopped before the reference learnt in
   * the background was saved) collect their next windows and learn it again.
   */
  rearm(machine: string): void {
    if (this.#health.inBaseline(machine)) this.#rearmed.delete(machine);
    else this.#rearmed.add(machine);
  }

  /** The partitions moved: what was collected or queued for their machines is another processor's now. */
  clear(): void {
    this.#windows.clear();
    this.#rearmed.clear();
    this.#queue = [];
    this.#generation++;
  }

  /** Keeps a copy of a baseline window for the channel's healthy reference, when one is due; returns it. */
  offerWindow(w: CompletedWindow, config: WindowAnalysisConfig): HealthyWindow | undefined {
    if (!config.bearing || config.shaftHz === undefined || config.reference) return undefined;
    if (this.#rearmed.has(w.machine)) {
      if (this.#health.referenceRejected(w.machine, w.channel)) return undefined;
    } else if (!this.#health.inBaseline(w.machine)) return undefined;
    return this.#windows.offer(w.machine, w.channel, config.bearing, {
      // References are learnt from acceleration in g, what the analysis sees (pass-through for g).
      samples: toAccelerationG(w.samples, { sampleRateHz: w.sampleRateHz, quantity: config.quantity, units: config.units }),
      sampleRateHz: w.sampleRateHz,
      shaftHz: config.shaftHz,
    });
  }

  /** A kept window whose analysis failed the sensor checks: not a measurement, not learnt from. */
  discardWindow(w: CompletedWindow, kept: HealthyWindow): void {
    this.#windows.discard(w.machine, w.channel, kept);
  }

  /** A kept window's analysis: the reference is judged on the analyses of its windows before it is used. */
  judgeWindow(w: CompletedWindow, kept: HealthyWindow, analysis: WindowAnalysis): void {
    this.#windows.noteAnalysis(
      w.machine,
      w.channel,
      kept,
      qualityWindowOf(analysis.features, analysis.iso20816.zone, analysis.bearing.diagnosis),
    );
  }

  /**
   * The machine's baseline is complete: its channels' healthy envelope references are learnt in
   * the background from the windows kept, one channel at a time (see the module comment). A
   * channel whose reference cannot be learnt is diagnosed without one, as before; the failure is
   * logged and counted.
   */
  schedule(machine: string, pool: WorkerPool): void {
    this.#rearmed.delete(machine);
    for (const channel of this.#windows.take(machine)) this.#queue.push({ machine, channel, generation: this.#generation });
    this.#draining ??= this.#drain(pool);
  }

  /** Resolves once nothing is queued or being learnt (tests, and a shutdown that saves what was learnt). */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(pool: WorkerPool): Promise<void> {
    try {
      for (let job = this.#queue.shift(); job; job = this.#queue.shift()) {
        if (job.generation !== this.#generation) continue;
        await this.#learnChannel(job, pool);
      }
    } finally {
      this.#draining = undefined;
    }
  }

  /** Learns one channel's reference (or judges it suspect) into the machine's health state. */
  async #learnChannel(
    { machine, channel: { channel, bearing, windows, analyses }, generation }: LearningJob,
    pool: WorkerPool,
  ): Promise<void> {
    if (windows.length < 2) return;
    const verdict = judgeChannelWindows(channel, analyses, this.#isoClass(machine));
    if (verdict.quality === 'suspect') {
      const why = `suspect: ${verdictSummary(verdict)}`;
      this.#health.rejectReference(machine, channel, why);
      this.#stats.referencesSuspect++;
      this.#log.warn(
        { machine, channel, windows: verdict.windows, reasons: verdict.reasons.map((r) => r.code), why },
        'healthy envelope reference not used: its windows are suspect; the channel is diagnosed without one',
      );
      return;
    }
    try {
      const { reference, cpuUs } = await pool.learnReference({ bearing, windows });
      // The partitions moved while it was learnt: the machine's state here is not its owner's.
      if (generation !== this.#generation) return;
      const learnt = this.#health.setReference(machine, channel, reference);
      this.#stats.referencesLearnt++;
      const lines = reference.bands.reduce((n, b) => n + b.orders.length + b.hz.length, 0);
      this.#log.info(
        {
          machine,
          channel,
          windows: reference.windows,
          bands: reference.bands.length,
          lines,
          id: learnt.id,
          cpuMs: Math.round(cpuUs / 1000),
        },
        'healthy envelope reference learnt',
      );
    } catch (err) {
      this.#stats.referencesFailed++;
      this.#log.warn(
        { machine, channel, err: describeError(err) },
        'healthy envelope reference not learnt; the channel is diagnosed without one',
      );
    }
  }
}
