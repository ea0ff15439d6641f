/**
 * The stream processor: consumes vibration blocks, energy readings and gap events from Kafka,
 * assembles block-aligned windows, analyses each window in a worker thread, and writes rows to
 * QuestDB. Kafka offsets are committed only after QuestDB has accepted the rows of the batch,
 * and never past the first block of a window still being assembled (commit-policy.ts): a crash at
 * any point replays, and DEDUP keys make the replay idempotent. Bad messages go to the dead-letter
 * topic with their reason (dead-letter.ts); nothing is dropped silently.
 *
 * This file is the composition and the consumer loop; statistics (processor-stats.ts), reference
 * learning (reference-learning.ts) and the analysis configuration (analysis-config.ts) have their own.
 */
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { describeError, PdmError } from '../common/errors.ts';
import { createKafka, ensureTopics } from '../common/kafka.ts';
import { logger } from '../common/log.ts';
import { topicNames } from '../common/topics.ts';
import { decodeEnergyReading } from '../common/wire/energy-reading.ts';
import { decodeGapEvent } from '../common/wire/gap-event.ts';
import { decodeVibrationFrame, validateVibrationFrame } from '../common/wire/vibration-frame.ts';
import { lookupBearing } from '../models/bearing/catalogue.ts';
import { zoneBoundaries } from '../models/vibration/iso20816.ts';
import { blockRow, energyRow, featureRow, gapRow, healthRow, type Row } from '../storage/rows.ts';
import { tableDefinitions } from '../storage/schema.ts';
import { QuestdbSink } from '../storage/sink.ts';
import { questdbExec } from '../storage/sql.ts';
import { type TableNames, tableNames } from '../storage/tables.ts';
import { analysisConfig } from './analysis-config.ts';
import { ChannelMeanings } from './channel-meaning.ts';
import { offsetToCommit } from './commit-policy.ts';
import { DeadLetters } from './dead-letter.ts';
import { HealthCheckpoints } from './health-checkpoints.ts';
import { loadMachineFleets, type MachineFleets } from './machine-fleets.ts';
import { type HealthUpdate, MachineHealthTracker, type WindowResult } from './machine-health.ts';
import type { ProcessorConfig } from './processor-config.ts';
import { ProcessorMetrics } from './processor-metrics.ts';
import { newProcessorStats, type ProcessorStats, recordAnalysis, recordHealth, recordRowsOut } from './processor-stats.ts';
import { ReferenceLearning } from './reference-learning.ts';
import { type CompletedWindow, WindowAssembler } from './windowing.ts';
import { WorkerPool } from './worker-pool.ts';

export type { ProcessorStats } from './processor-stats.ts';

export interface ProcessorEndpoints {
  brokers: string[];
  questdbHttp: string;
  questdbIlpConfig: string;
  questdbAuth?: { user: string; password: string };
}

export class StreamProcessor {
  readonly #config: ProcessorConfig;
  readonly #ep: ProcessorEndpoints;
  readonly #log = logger('processor');
  readonly #topics;
  readonly #tables: TableNames;
  readonly #assembler: WindowAssembler;
  /** What each channel measures: frame, config, id convention (channel-meaning.ts). */
  readonly #channels: ChannelMeanings;
  #consumer: Consumer | undefined;
  #deadLetters: DeadLetters | undefined;
  #sink: QuestdbSink | undefined;
  #pool: WorkerPool | undefined;
  #sinkLock: Promise<void> = Promise.resolve();
  readonly #speedRpm = new Map<string, number>();
  readonly health: MachineHealthTracker | undefined;
  readonly #checkpoints: HealthCheckpoints | undefined;
  #lastCheckpointMs = 0;
  readonly stats: ProcessorStats = newProcessorStats();
  readonly metrics: ProcessorMetrics;
  /** Port of the metrics endpoint once listening. */
  metricsPort: number | undefined;
  #lastCommitMs: number | null = null;
  /** Healthy references learnt from the baseline windows (only with the health model). */
  readonly #references: ReferenceLearning | undefined;
  /** Fleet knowledge from machines' run-to-failure histories (and the machines whose histories failed). */
  #fleets: MachineFleets = { fleets: new Map(), errors: new Map() };

  constructor(config: ProcessorConfig, endpoints: ProcessorEndpoints) {
    this.#config = config;
    this.#ep = endpoints;
    this.#topics = topicNames(config.kafka.topicPrefix);
    this.#tables = tableNames(config.questdb.tablePrefix);
    this.#assembler = new WindowAssembler(config.windowBlocks);
    this.#channels = new ChannelMeanings(config.machines);
    this.metrics = new ProcessorMetrics({
      stats: this.stats,
      healthCounters: () => this.health?.counters,
      healthErrors: () => this.health?.errors,
      lastCommitMs: () => this.#lastCommitMs,
    });
    if (config.health.enabled) {
      const { enabled, ...modes } = config.health.modes;
      this.#fleets = loadMachineFleets(config.machines, config.health.monitor);
      this.health = new MachineHealthTracker({
        features: config.health.features,
        monitor: config.health.monitor,
        energy: config.health.energy,
        fleet: null,
        modes: enabled ? modes : null,
        velocityLimitMmS: config.health.isoFailure ? (machine) => zoneBoundaries(config.machines[machine]?.iso ?? config.iso)[2] : null,
        machineFleet: (machine) => this.#fleets.fleets.get(machine) ?? null,
        stopped: this.#fleets.errors,
      });
      this.#checkpoints = new HealthCheckpoints(config.health.stateDir);
      const ref = config.health.reference;
      if (ref.enabled) {
        this.#references = new ReferenceLearning(
          { windows: ref.windows, baselineWindows: config.health.monitor.anomaly.baseline.windows },
          this.health,
          this.stats,
          this.#log,
        );
      }
    }
  }

  get windowCounters() {
    return this.#assembler.counters;
  }

  async start(): Promise<void> {
    if (this.#config.metrics) {
      this.metricsPort = await this.metrics.listen(this.#config.metrics.port, this.#config.metrics.host);
      this.#log.info({ port: this.metricsPort }, 'metrics on /metrics, health on /health');
    }
    // Unknown bearing names fail here, naming the machine, not later in every window.
    for (const [machine, m] of Object.entries(this.#config.machines)) {
      for (const [location, ref] of Object.entries(m.bearings ?? {})) {
        if (typeof ref !== 'string') continue;
        try {
          lookupBearing(ref);
        } catch (err) {
          throw new PdmError(
            'PDM_ERR_CONFIG_INVALID',
            `processor config: machines.${machine}.bearings.${location}: ${(err as Error).message}`,
            { machine },
            { cause: err },
          );
        }
      }
    }
    for (const t of tableDefinitions(this.#config.questdb.tablePrefix))
      for (const sql of [t.ddl, ...(t.migrations ?? [])])
        await questdbExec({ httpUrl: this.#ep.questdbHttp, auth: this.#ep.questdbAuth }, sql);
    if (this.health && this.#checkpoints) {
      const restored = this.#checkpoints.loadAll(this.health);
      if (restored.length > 0) this.#log.info({ machines: restored }, 'model state restored from checkpoints');
    }
    this.#sink = await QuestdbSink.connect(this.#ep.questdbIlpConfig);
    this.#pool = new WorkerPool({ threads: this.#config.workers });

    const kafka = createKafka(this.#ep.brokers, 'pdm-processor');
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { partitions, replicationFactor } = this.#config.kafka;
      await ensureTopics(
        admin,
        Object.values(this.#topics).map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
      );
    } finally {
      await admin.disconnect();
    }
    const dlq = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.#deadLetters = new DeadLetters(dlq, this.#topics.deadLetter, this.#log);
    await dlq.connect();

    const consumer = kafka.consumer({
      groupId: this.#config.kafka.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    this.#consumer = consumer;
    // After a rebalance the committed offsets are the truth: windows being assembled are rebuilt from them.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.#assembler.reset();
      this.health?.dropPending();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.#topics.vibration, this.#topics.energy, this.#topics.gaps], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 2,
      eachBatch: (payload) => this.#onBatch(payload),
    });
    for (const [machine, f] of this.#fleets.fleets) {
      this.#log.info(
        { machine, histories: f.files.length, lifetimesS: f.fleet.lifetimesS, features: f.features.length },
        'fleet knowledge learnt from run-to-failure histories',
      );
    }
    for (const [machine, reason] of this.#fleets.errors) {
      this.#log.error(
        { machine, reason },
        'health model stopped for this machine: fix or remove its histories in the processor config and restart; other machines go on',
      );
    }
    this.#log.info({ topics: this.#topics, tables: this.#tables, workers: this.#pool.threads }, 'processor running');
  }

  async #onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const rows: Row[] = [];
    const windows: CompletedWindow[] = [];
    const processedAtUs = Date.now() * 1000;
    let lastOffset = -1;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      this.stats.messagesIn++;
      const offset = Number(message.offset);
      try {
        if (batch.topic === this.#topics.vibration) this.#onVibration(message, batch.partition, offset, processedAtUs, rows, windows);
        else if (batch.topic === this.#topics.energy) this.#onEnergy(message, rows);
        else if (batch.topic === this.#topics.gaps) this.#onGap(message, rows);
      } catch (err) {
        await this.#deadLetters!.send(batch.topic, batch.partition, message, err);
        this.stats.deadLettered++;
      }
      lastOffset = offset;
    }
    if (lastOffset < 0) return;

    const analysed = await Promise.all(windows.map((w) => this.#analyse(w, processedAtUs)));
    const baselineDone = new Set<string>();
    for (const r of analysed) {
      if (!r) continue;
      rows.push(r.row);
      // In window order, so each machine's health model sees its windows in time order.
      const update = this.health?.onWindow(r.window);
      if (update) rows.push(this.#healthRow(update, processedAtUs));
      if (update && this.#references?.has(update.machine) && !this.health!.inBaseline(update.machine)) baselineDone.add(update.machine);
    }
    // Before the commit, so the checkpoint that follows it holds the references.
    await Promise.all([...baselineDone].map((machine) => this.#references!.learn(machine, this.#pool!)));

    // One writer at a time (flushes must not interleave), then commit what QuestDB holds.
    const write = this.#sinkLock.then(() =>
      this.#sink!.writeBatch(rows, (err, attempt) =>
        this.#log.warn({ err: describeError(err), attempt }, 'QuestDB write failed; retrying the batch'),
      ),
    );
    this.#sinkLock = write.catch(() => undefined);
    try {
      await write;
    } catch (err) {
      // Only a non-retriable refusal gets here (wrong rows, wrong credentials): nothing is committed,
      // and the consumer restarts from the last commit, so the batch is not lost; the log says what to fix.
      this.#log.error({ err: describeError(err), topic: batch.topic, partition: batch.partition }, 'QuestDB refuses the batch');
      throw err;
    }
    recordRowsOut(this.stats, rows);

    // Move the fetch position on (kafkajs re-fetches unresolved messages), then commit what the policy allows.
    resolveOffset(String(lastOffset));
    const pendingMinOffset = batch.topic === this.#topics.vibration ? this.#assembler.pendingMinOffset(batch.partition) : undefined;
    const commitAt = offsetToCommit({ lastOffset, pendingMinOffset })!;
    await this.#consumer!.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(commitAt) }]);
    this.stats.commits++;
    this.#lastCommitMs = Date.now();
    this.#maybeCheckpoint();
    await heartbeat();
  }

  #onVibration(
    message: KafkaMessage,
    partition: number,
    offset: number,
    processedAtUs: number,
    rows: Row[],
    windows: CompletedWindow[],
  ): void {
    if (!message.value) throw new PdmError('PDM_ERR_FRAME_DECODE', 'vibration message has no value');
    const frame = validateVibrationFrame(decodeVibrationFrame(message.value));
    // Unknown or inconsistent units throw here: the frame is dead-lettered with the reason.
    const meaning = this.#channels.resolve(frame);
    this.stats.blocksIn++;
    rows.push(blockRow(this.#tables, frame, { partition, offset, processedAtUs }));
    const window = this.#assembler.add({ ...frame, meaning, partition, offset });
    if (window) windows.push(window);
  }

  #onEnergy(message: KafkaMessage, rows: Row[]): void {
    if (!message.value) throw new PdmError('PDM_ERR_FRAME_DECODE', 'energy message has no value');
    const r = decodeEnergyReading(message.value);
    this.stats.energyIn++;
    if (r.values.speed_rpm !== undefined && r.values.speed_rpm > 0) this.#speedRpm.set(r.machine, r.values.speed_rpm);
    this.health?.onEnergy(r.machine, r.values.power_kw, r.values.load_pct, r.values.speed_rpm, r.ts_ms);
    rows.push(energyRow(this.#tables, r));
  }

  #onGap(message: KafkaMessage, rows: Row[]): void {
    if (!message.value) throw new PdmError('PDM_ERR_FRAME_DECODE', 'gap message has no value');
    const g = decodeGapEvent(message.value);
    this.stats.gapsIn++;
    rows.push(gapRow(this.#tables, g));
  }

  #healthRow(u: HealthUpdate, processedAtUs: number): Row {
    recordHealth(this.stats, u.machine, u.status, u.mode);
    return healthRow(this.#tables, { ...u, processedAtUs });
  }

  /** Checkpoint model state (after a commit, so it never lags what QuestDB holds), at most every few seconds. */
  #maybeCheckpoint(force = false): void {
    if (!this.health || !this.#checkpoints) return;
    const now = Date.now();
    if (!force && now - this.#lastCheckpointMs < this.#config.health.checkpointIntervalS * 1000) return;
    this.#lastCheckpointMs = now;
    try {
      this.#checkpoints.saveAll(this.health);
    } catch (err) {
      this.#log.warn({ err: describeError(err) }, 'model checkpoint failed; will retry');
    }
  }

  async #analyse(w: CompletedWindow, processedAtUs: number): Promise<{ row: Row; window: WindowResult } | undefined> {
    const { key, config } = analysisConfig(w, { config: this.#config, speedRpm: this.#speedRpm, health: this.health });
    const sampleCount = w.samples.length; // the buffer is transferred to the worker: read it first
    this.#references?.offerWindow(w, config);
    try {
      const { analysis, cpuUs } = await this.#pool!.analyze({ configKey: key, config, samples: w.samples });
      const referenceWindows = config.reference?.windows ?? 0;
      recordAnalysis(this.stats, w, analysis, cpuUs, referenceWindows);
      return {
        row: featureRow(this.#tables, {
          machine: w.machine,
          channel: w.channel,
          windowSeq: w.windowSeq,
          startTimeNs: w.startTimeNs,
          sampleRateHz: w.sampleRateHz,
          samples: sampleCount,
          features: analysis.features,
          isoZone: analysis.iso20816.zone,
          shaftSource: analysis.shaft.source,
          bearingDiagnosis: analysis.bearing.diagnosis,
          bearingConfidence: analysis.bearing.confidence,
          referenceWindows,
          processedAtUs,
        }),
        window: {
          machine: w.machine,
          channel: w.channel,
          windowSeq: w.windowSeq,
          tsNs: w.startTimeNs,
          features: analysis.features,
          zone: analysis.iso20816.zone,
        },
      };
    } catch (err) {
      this.stats.windowsFailed++;
      this.#log.error(
        { machine: w.machine, channel: w.channel, windowSeq: w.windowSeq, err: describeError(err) },
        'window analysis failed',
      );
      return undefined;
    }
  }

  async stop(): Promise<void> {
    await this.#consumer?.disconnect().catch(() => undefined);
    this.#maybeCheckpoint(true);
    await this.#deadLetters?.close().catch(() => undefined);
    await this.#sinkLock;
    await this.#sink?.close().catch(() => undefined);
    await this.#pool?.close().catch(() => undefined);
    await this.metrics.close();
  }
}
