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
import { ReferenceCollector } from './reference-collector.ts';
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

export class ReferenceLearning {
  readonly #windows: ReferenceCollector;
  readonly #health: MachineHealthTracker;
  readonly #stats: ProcessorStats;
  readonly #log: Logger;
  readonly #isoClass: (machine: string) => IsoClass;

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

  /** Keeps a copy of a baseline window for the channel's healthy reference, when one is due; returns it. */
  offerWindow(w: CompletedWindow, config: WindowAnalysisConfig): HealthyWindow | undefined {
    if (!config.bearing || config.shaftHz === undefined || config.reference) return undefined;
    if (!this.#health.inBaseline(w.machine)) return undefined;
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
   * The machine's baseline is complete: learn each channel's healthy envelope reference from the
   * windows kept (in the worker pool). A channel whose reference cannot be learnt is diagnosed
   * without one, as before; the failure is logged and counted.
   */
  async learn(machine: string, pool: WorkerPool): Promise<void> {
    const channels = this.#windows.take(machine);
    await Promise.all(
      channels.map(async ({ channel, bearing, windows, analyses }) => {
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
      }),
    );
  }
}
