/**
 * What an operator watches on a stream processor: Prometheus metrics and a /health JSON (the
 * same small server as the collector's). Everything is read from the processor's own counts at
 * scrape time — what went in (messages, blocks, energy readings, gap events), what came out
 * (rows per table, commits), what was set aside (dead-lettered messages, failed windows) — and,
 * per machine, the health model's latest state.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { MetricsServer } from '../common/metrics-server.ts';
import type { AssetStatus } from '../models/rul/asset-monitor.ts';
import type { HealthTrackerCounters, MachineModelState } from './machine-health.ts';
import type { ProcessorStats } from './processor-stats.ts';
import { judgeProgress, type ProgressSnapshot, type ProgressStatus, type StallThresholds } from './stall-watch.ts';

/** Without a `stall` config: the processor config's defaults. */
const DEFAULT_STALL: StallThresholds = { degradedS: 30, downS: 120 };

export interface ProcessorHealthReport {
  /** ok; starting (nothing committed yet); degraded / down: the writer makes no progress (see reasons). */
  status: ProgressStatus;
  /** Why the status is degraded or down. */
  reasons: string[];
  /** Seconds since the last batch was committed (null: none yet). */
  lastCommitAgeS: number | null;
  /** Partitions with messages consumed and not yet committed. */
  pendingPartitions: number;
  /** The processor's own counts (what went in, out and aside). */
  counts: Pick<
    ProcessorStats,
    | 'messagesIn'
    | 'blocksIn'
    | 'energyIn'
    | 'featuresIn'
    | 'gapsIn'
    | 'deadLettered'
    | 'writeRetries'
    | 'questdbWrites'
    | 'batchesWritten'
    | 'rowsRefused'
    | 'windowsAnalysed'
    | 'windowsFailed'
    | 'rowsOut'
    | 'commits'
    | 'referencesLearnt'
    | 'referencesFailed'
    | 'referencesSuspect'
  >;
  /**
   * Every machine the health model has seen, with what its model is doing and why (`model`,
   * `detail`: `learning 12/60 windows`, `waiting for energy (3/30 windows)`, `running`,
   * `check_function: DE_X flat line`, `stopped: ...`), and, once it has produced one, its latest
   * health row's values.
   */
  machines: Array<{
    machine: string;
    model?: MachineModelState['state'];
    detail?: string;
    /** What the model fuses besides vibration. */
    energy?: MachineModelState['energy'];
    /** Per operating mode whose baseline is complete: its quality against absolute physics (good | suspect | unknown). */
    baselineQuality?: MachineModelState['baselineQuality'];
    mode?: string;
    phase?: string;
    state?: string;
    alarm?: boolean;
    anomalyScore?: number;
    rulMedianS?: number | null;
    rulBasis?: string | null;
  }>;
  /** Machines whose health model is stopped or failing, with why (e.g. unusable run-to-failure histories). */
  healthErrors: Record<string, string>;
  /** Partitions this processor owns in its consumer group, by topic (empty until it has joined). */
  assignment: Record<string, number[]>;
  /** Backpressure: whether consumption is paused, why, which partitions, and the bytes in flight against the cap. */
  backpressure: BackpressureReport;
  /** QuestDB's WAL apply of the processor's tables: suspended ones take writes and show none. */
  questdbWal: WalReport;
}

export interface BackpressureReport {
  paused: boolean;
  reason: string;
  /** topic/partition of every paused partition. */
  pausedPartitions: string[];
  inFlightBytes: number;
  maxInFlightBytes: number;
}

const NO_BACKPRESSURE: BackpressureReport = { paused: false, reason: '', pausedPartitions: [], inFlightBytes: 0, maxInFlightBytes: 0 };

export interface WalReport {
  /** One line per suspended table: the table, QuestDB's reason, what waits, what to do. */
  reasons: string[];
  suspendedTables: string[];
  /** Transactions committed to the tables' sequencers and not yet applied (queryable), summed. */
  lagTxns: number;
  /** RESUME WAL statements issued since the start. */
  resumes: number;
  /** The last check's failure (QuestDB away), null when it answered. */
  checkError: string | null;
}

const NO_WAL: WalReport = { reasons: [], suspendedTables: [], lagTxns: 0, resumes: 0, checkError: null };

export interface ProcessorMetricsSource {
  stats: ProcessorStats;
  healthCounters(): HealthTrackerCounters | undefined;
  /** Per machine, the health model's last error (absent: fine). */
  healthErrors(): ReadonlyMap<string, string> | undefined;
  /** Per machine seen, what its model is doing and why (absent without the health model). */
  machineStates?(): ReadonlyMap<string, MachineModelState> | undefined;
  lastCommitMs(): number | null;
  /** What the stall judgement needs (absent: nothing pending, no write retrying). */
  progress?(): ProgressSnapshot;
  /** When a stall turns /health degraded, then down (default: the config's defaults). */
  stall?: StallThresholds;
  /** Backpressure now (absent: never paused). */
  backpressure?(): BackpressureReport;
  /** The tables' WAL apply (wal-watch.ts): suspended tables make /health degraded. */
  wal?(): WalReport;
  /** Partitions owned, by topic (absent: none). */
  assignment?(): Record<string, number[]>;
}

/** Window latency buckets (s): a 1 s window is at best about a second old when its row is written. */
const WINDOW_LATENCY_BUCKETS = [0.5, 1, 1.5, 2, 3, 5, 10, 20, 60, 300];

export class ProcessorMetrics {
  readonly registry = new Registry();
  readonly #source: ProcessorMetricsSource;
  #server: MetricsServer | undefined;
  /**
   * From a window's last sample to QuestDB accepting its feature row, in seconds: how long a fault
   * takes to reach the screen, less QuestDB's own delay before the row is queryable (its WAL apply).
   */
  readonly windowLatency: Histogram;

  constructor(source: ProcessorMetricsSource) {
    this.#source = source;
    const registers = [this.registry];
    const stats = () => source.stats;
    // Counters mirror the processor's own monotonic counts (read when scraped).
    const counter = (name: string, help: string, value: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect(this: Counter) {
          this.reset();
          this.inc(value());
        },
      });
    counter('pdm_processor_messages_in_total', 'Kafka messages consumed (all topics)', () => stats().messagesIn);
    counter('pdm_processor_blocks_in_total', 'vibration blocks consumed', () => stats().blocksIn);
    counter('pdm_processor_energy_readings_in_total', 'energy readings consumed', () => stats().energyIn);
    counter('pdm_processor_feature_readings_in_total', "scalar sensors' readings consumed (pdm.features.v1)", () => stats().featuresIn);
    counter('pdm_processor_gap_events_in_total', 'collection gap events consumed', () => stats().gapsIn);
    counter('pdm_processor_dead_lettered_total', 'messages sent to the dead-letter topic with their reason', () => stats().deadLettered);
    counter(
      'pdm_processor_write_retries_total',
      'QuestDB write attempts that failed in transport and were retried',
      () => stats().writeRetries,
    );
    counter(
      'pdm_processor_questdb_writes_total',
      'QuestDB writes (ILP requests, each one commit), each carrying one or more batches',
      () => stats().questdbWrites,
    );
    counter(
      'pdm_processor_batches_written_total',
      'Kafka batches whose rows were written to QuestDB (several share a write when they wait for one)',
      () => stats().batchesWritten,
    );
    new Counter({
      name: 'pdm_processor_dead_letters_total',
      help: 'messages sent to the dead-letter topic, by error code and broken rule (rule: none when the code says it all)',
      labelNames: ['code', 'rule'],
      registers,
      collect(this: Counter<'code' | 'rule'>) {
        this.reset();
        for (const { code, rule, count } of stats().deadLettersBy.values()) this.inc({ code, rule }, count);
      },
    });
    new Counter({
      name: 'pdm_processor_rows_refused_total',
      help: 'rows QuestDB refused that came from no single message (window features, machine health), per table: logged, not written',
      labelNames: ['table'],
      registers,
      collect(this: Counter<'table'>) {
        this.reset();
        for (const [table, n] of Object.entries(stats().rowsRefused)) this.inc({ table }, n);
      },
    });
    counter('pdm_processor_windows_analysed_total', 'analysis windows computed in the worker pool', () => stats().windowsAnalysed);
    counter('pdm_processor_windows_failed_total', 'analysis windows whose analysis failed (logged)', () => stats().windowsFailed);
    counter('pdm_processor_commits_total', 'Kafka offset commits (each after QuestDB accepted the rows)', () => stats().commits);
    counter('pdm_processor_worker_cpu_seconds_total', 'CPU time spent in window analysis by the workers', () => stats().workerCpuUs / 1e6);
    counter(
      'pdm_processor_model_states_saved_total',
      'machine model states written to the model-state topic',
      () => stats().modelStatesSaved,
    );
    counter(
      'pdm_processor_model_states_restored_total',
      'machine model states restored when partitions were assigned',
      () => stats().modelStatesRestored,
    );
    counter('pdm_processor_backpressure_pauses_total', 'times backpressure paused the partitions', () => stats().pauses);
    const backpressure = () => source.backpressure?.() ?? NO_BACKPRESSURE;
    new Gauge({
      name: 'pdm_processor_in_flight_bytes',
      help: 'bytes consumed and not yet committed (batches being processed, blocks of windows being assembled)',
      registers,
      collect(this: Gauge) {
        this.set(backpressure().inFlightBytes);
      },
    });
    new Gauge({
      name: 'pdm_processor_paused_partitions',
      help: 'partitions paused by backpressure',
      registers,
      collect(this: Gauge) {
        this.set(backpressure().pausedPartitions.length);
      },
    });
    counter(
      'pdm_processor_references_learnt_total',
      'healthy envelope references learnt (machine channels)',
      () => stats().referencesLearnt,
    );
    counter(
      'pdm_processor_references_suspect_total',
      'healthy envelope references not used: their windows were suspect against absolute physics (baseline quality)',
      () => stats().referencesSuspect,
    );
    new Counter({
      name: 'pdm_processor_rows_out_total',
      help: 'rows accepted by QuestDB, per table',
      labelNames: ['table'],
      registers,
      collect(this: Counter<'table'>) {
        this.reset();
        for (const [table, n] of Object.entries(stats().rowsOut)) this.inc({ table }, n);
      },
    });
    new Counter({
      name: 'pdm_processor_health_windows_total',
      help: 'window sequences seen by the health model, by outcome',
      labelNames: ['outcome'],
      registers,
      collect(this: Counter<'outcome'>) {
        this.reset();
        const c = source.healthCounters();
        if (!c) return;
        this.inc({ outcome: 'fused' }, c.fused);
        this.inc({ outcome: 'incomplete' }, c.skippedIncomplete);
        this.inc({ outcome: 'replayed' }, c.skippedReplayed);
        this.inc({ outcome: 'transition' }, c.skippedTransition);
        this.inc({ outcome: 'waiting_energy' }, c.waitingEnergy);
        this.inc({ outcome: 'sensor_fault' }, c.sensorFaults);
        this.inc({ outcome: 'failed' }, c.failed);
      },
    });
    const perMachine = (name: string, help: string, value: (status: AssetStatus) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['machine'],
        registers,
        collect(this: Gauge<'machine'>) {
          this.reset();
          for (const [machine, st] of stats().latestHealth) {
            const v = value(st);
            if (v !== null && Number.isFinite(v)) this.set({ machine }, v);
          }
        },
      });
    perMachine('pdm_processor_machine_alarm', "1 while the machine's anomaly alarm is raised", (st) => (st.alarm ? 1 : 0));
    perMachine('pdm_processor_machine_anomaly_score', 'latest anomaly score (standard normal units)', (st) => st.score);
    perMachine('pdm_processor_machine_health_index', 'latest health index (1 = baseline)', (st) => st.healthIndex);
    perMachine('pdm_processor_machine_rul_median_seconds', 'median remaining useful life', (st) => st.rul.median);
    const health = () => this.health();
    new Gauge({
      name: 'pdm_processor_status',
      help: 'what /health says: 0 ok or starting, 1 degraded, 2 down',
      registers,
      collect(this: Gauge) {
        const status = health().status;
        this.set(status === 'down' ? 2 : status === 'degraded' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'pdm_processor_last_commit_age_seconds',
      help: 'seconds since the last offset commit',
      registers,
      collect(this: Gauge) {
        const at = source.lastCommitMs();
        this.set(at === null ? 0 : (Date.now() - at) / 1000);
      },
    });
    const wal = () => source.wal?.() ?? NO_WAL;
    new Gauge({
      name: 'pdm_processor_questdb_tables_suspended',
      help: "the processor's QuestDB tables whose WAL apply is suspended (writes accepted, not queryable)",
      registers,
      collect(this: Gauge) {
        this.set(wal().suspendedTables.length);
      },
    });
    new Gauge({
      name: 'pdm_processor_questdb_wal_lag_transactions',
      help: "transactions committed to the tables' WAL and not yet applied, summed over the tables",
      registers,
      collect(this: Gauge) {
        this.set(wal().lagTxns);
      },
    });
    new Gauge({
      name: 'pdm_processor_questdb_wal_resumes',
      help: 'RESUME WAL statements issued since the start',
      registers,
      collect(this: Gauge) {
        this.set(wal().resumes);
      },
    });
    this.windowLatency = new Histogram({
      name: 'pdm_processor_window_latency_seconds',
      help: "from a window's last sample to QuestDB accepting its feature row (the wall clock against the samples' time stamps)",
      buckets: WINDOW_LATENCY_BUCKETS,
      registers,
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'pdm_processor_' });
  }

  health(): ProcessorHealthReport {
    const s = this.#source.stats;
    const at = this.#source.lastCommitMs();
    const progress = this.#source.progress?.() ?? {
      nowMs: Date.now(),
      lastCommitMs: at,
      oldestPendingMs: null,
      pendingPartitions: 0,
      retryingSinceMs: null,
      failedAttempts: 0,
      lastWriteError: null,
    };
    const judged = judgeProgress(progress, this.#source.stall ?? DEFAULT_STALL);
    const wal = this.#source.wal?.() ?? NO_WAL;
    // A suspended table is not a stalled writer (its writes succeed) but the data shows nowhere: degraded.
    const status = wal.reasons.length > 0 && (judged.status === 'ok' || judged.status === 'starting') ? 'degraded' : judged.status;
    const reasons = [...judged.reasons, ...wal.reasons];
    return {
      status,
      reasons,
      lastCommitAgeS: at === null ? null : Math.round((Date.now() - at) / 100) / 10,
      pendingPartitions: progress.pendingPartitions,
      counts: {
        messagesIn: s.messagesIn,
        blocksIn: s.blocksIn,
        energyIn: s.energyIn,
        featuresIn: s.featuresIn,
        gapsIn: s.gapsIn,
        deadLettered: s.deadLettered,
        writeRetries: s.writeRetries,
        questdbWrites: s.questdbWrites,
        batchesWritten: s.batchesWritten,
        rowsRefused: { ...s.rowsRefused },
        windowsAnalysed: s.windowsAnalysed,
        windowsFailed: s.windowsFailed,
        rowsOut: { ...s.rowsOut },
        commits: s.commits,
        referencesLearnt: s.referencesLearnt,
        referencesFailed: s.referencesFailed,
        referencesSuspect: s.referencesSuspect,
      },
      machines: this.#machines(),
      healthErrors: Object.fromEntries(this.#source.healthErrors() ?? []),
      assignment: this.#source.assignment?.() ?? {},
      backpressure: this.#source.backpressure?.() ?? NO_BACKPRESSURE,
      questdbWal: wal,
    };
  }

  /** Machines seen by the health model or with a health row, sorted; each with its model state and latest row. */
  #machines(): ProcessorHealthReport['machines'] {
    const s = this.#source.stats;
    const models = this.#source.machineStates?.() ?? new Map<string, MachineModelState>();
    const ids = [...new Set([...models.keys(), ...s.latestHealth.keys()])].sort();
    return ids.map((machine) => {
      const m = models.get(machine);
      const st = s.latestHealth.get(machine);
      return {
        machine,
        ...(m ? { model: m.state, detail: m.detail, energy: m.energy } : {}),
        ...(m?.baselineQuality ? { baselineQuality: m.baselineQuality } : {}),
        ...(s.latestMode.has(machine) ? { mode: s.latestMode.get(machine)! } : {}),
        ...(st
          ? {
              phase: st.phase,
              state: st.state,
              alarm: st.alarm,
              anomalyScore: st.score,
              rulMedianS: Number.isFinite(st.rul.median) ? st.rul.median : null,
              rulBasis: st.rulBasis ?? null,
            }
          : {}),
      };
    });
  }

  /** Serve /metrics and /health; resolves with the port. */
  async listen(port: number, host: string): Promise<number> {
    // A processor that has not committed yet is starting, not down: Kafka may still be rebalancing.
    // Down (HTTP 503) only when the writer has made no progress for stall.downS: a restart may help,
    // and the compose healthcheck must see it.
    this.#server = new MetricsServer(this.registry, {
      health: () => {
        const report = this.health();
        return { report, down: report.status === 'down' };
      },
    });
    return this.#server.listen(port, host);
  }

  async close(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    await s?.close();
  }
}
