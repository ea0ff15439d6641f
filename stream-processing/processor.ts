/**
 * The stream processor: consumes vibration blocks, energy readings and gap events from Kafka,
 * assembles block-aligned windows, analyses each window in a worker thread, and writes rows to
 * QuestDB. Kafka offsets are committed only after QuestDB has accepted the rows of the batch,
 * and never past the first block of a window still being assembled (commit-policy.ts): a crash at
 * any point replays, and DEDUP keys make the replay idempotent. Bad messages go to the dead-letter
 * topic with their reason (dead-letter.ts); nothing is dropped silently.
 *
 * One bad message must never stop the plant: messages that cannot be true are dead-lettered by
 * the wire validators (common/wire/plausibility.ts) and the sample-rate continuity rule
 * (rate-continuity.ts); rows QuestDB itself refuses are found by bisecting the batch
 * (reject-bisection.ts) and their source messages dead-lettered, so the batch still commits. Only
 * transport failures are retried, and a writer that makes no progress shows on /health
 * (stall-watch.ts). stop() is bounded (shutdown.timeoutS): it aborts the write retries, and
 * abandons what does not finish in time (uncommitted, so processed again by the next processor).
 *
 * Processors scale out as one consumer group (docs/processor.md): partition p of every topic goes
 * to one member (co-partition-assigner.ts), so a machine's streams meet in one processor; each
 * machine's model state is saved to the compacted model-state topic before every commit that
 * advanced it and restored, for the partitions received, at every rebalance before they are
 * processed (model-state-topic.ts); when what is in flight passes backpressure.maxInFlightBytes
 * or the writer falls behind, every partition is paused until drained (backpressure.ts).
 *
 * Each batch is handled in two stages (batch-pipeline.ts): the first (decode, windows, analysis,
 * models, rows, a snapshot of the advanced models' state) in kafkajs's batch handler; the second
 * (write, save that snapshot, commit) after the handler returns, one per partition at a time and
 * in offset order, so that the next fetch does not wait for the grouped QuestDB commit.
 *
 * This file is the composition and the consumer loop; statistics (processor-stats.ts), reference
 * learning (reference-learning.ts) and the analysis configuration (analysis-config.ts) have their own.
 */
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { describeError, isPdmError, isRetriable, PdmError } from '../common/errors.ts';
import { createKafka, ensureTopics, type KafkaSecurity, kafkaError, resolveKafkaSecurity } from '../common/kafka.ts';
import { logger } from '../common/log.ts';
import { topicNames } from '../common/topics.ts';
import { decodeEnergyReading, validateEnergyReading } from '../common/wire/energy-reading.ts';
import { decodeFeatureReading, validateFeatureReading } from '../common/wire/feature-reading.ts';
import { decodeGapEvent, validateGapEvent } from '../common/wire/gap-event.ts';
import { invalid, type PlausibilityBounds, referenceTimeMs } from '../common/wire/plausibility.ts';
import { decodeVibrationFrame, validateVibrationFrame } from '../common/wire/vibration-frame.ts';
import { type AlertEvent, type AlertHealth, AlertTracker } from '../models/alerts/alert-tracker.ts';
import { lookupBearing } from '../models/bearing/catalogue.ts';
import { type WindowDiagnosis, windowDiagnosisOf } from '../models/bearing/diagnosis-accumulator.ts';
import { verdictSummary } from '../models/health/baseline-quality.ts';
import { SENSOR_FAULT_TEXT } from '../models/sensor/sensor-check.ts';
import { zoneBoundaries } from '../models/vibration/iso20816.ts';
import {
  blockRow,
  energyRow,
  evidenceRow,
  type FeatureRowInput,
  featureRow,
  gapRow,
  healthRow,
  type Row,
  type SpectrumReason,
  spectrumRow,
} from '../storage/rows.ts';
import { tableDefinitions } from '../storage/schema.ts';
import { QuestdbSink } from '../storage/sink.ts';
import { questdbExec } from '../storage/sql.ts';
import { type TableNames, tableNames } from '../storage/tables.ts';
import { readWalStatus, resumeWal } from '../storage/wal-status.ts';
import { AlertPublisher, alertEventRow, raised } from './alert-publisher.ts';
import { analysisConfig } from './analysis-config.ts';
import { type BackpressureDecision, judgeBackpressure } from './backpressure.ts';
import { BatchPipelines } from './batch-pipeline.ts';
import { ChannelMeanings } from './channel-meaning.ts';
import { coPartitionAssigner, unequalPartitionCounts } from './co-partition-assigner.ts';
import { offsetToCommit } from './commit-policy.ts';
import { DeadLetters } from './dead-letter.ts';
import { DiagnosisAccumulators } from './diagnosis-accumulation.ts';
import { GroupWriter } from './group-write.ts';
import { HealthCheckpoints } from './health-checkpoints.ts';
import { loadMachineFleets, type MachineFleets } from './machine-fleets.ts';
import { type HealthUpdate, MachineHealthTracker, type WindowResult } from './machine-health.ts';
import { encodedModelState, MODEL_STATE_VERSION, type ModelStateMessage } from './model-state.ts';
import { ModelStateTopic, modelStateTopicConfig, partitionOf } from './model-state-topic.ts';
import type { ProcessorConfig } from './processor-config.ts';
import { ProcessorMetrics } from './processor-metrics.ts';
import {
  newProcessorStats,
  type ProcessorStats,
  recordAccumulated,
  recordAnalysis,
  recordDeadLetter,
  recordHealth,
  recordRowsOut,
  recordScalar,
} from './processor-stats.ts';
import { RateContinuity } from './rate-continuity.ts';
import { ReferenceLearning } from './reference-learning.ts';
import { type RefusedItem, writeIsolatingRefusals } from './reject-bisection.ts';
import { scalarWindow } from './scalar-window.ts';
import { SpectrumCadence, type WindowEvidence } from './spectrum-cadence.ts';
import { StallWatch } from './stall-watch.ts';
import { WalWatch } from './wal-watch.ts';
import { type CompletedWindow, WindowAssembler } from './windowing.ts';
import { WorkerPool } from './worker-pool.ts';

export type { ProcessorStats } from './processor-stats.ts';

export interface ProcessorEndpoints {
  brokers: string[];
  /** TLS / SASL towards Kafka; default: the config's kafka.security, else PDM_KAFKA_SECURITY_PROTOCOL and friends. */
  kafkaSecurity?: KafkaSecurity;
  /** Where kafkaSecurity's usernameEnv / passwordEnv are looked up (default process.env). */
  kafkaEnv?: NodeJS.ProcessEnv;
  questdbHttp: string;
  questdbIlpConfig: string;
  questdbAuth?: { user: string; password: string };
}

/** A batch after its first stage (#prepareBatch): everything its second stage writes, saves and commits. */
interface PreparedBatch {
  topic: string;
  partition: number;
  /** More of the partition was already in Kafka: the write need not wait for others to share it. */
  behind: boolean;
  rows: Row[];
  /** The message each row was built from (dead-lettered if QuestDB refuses the row). */
  sourceOf: Map<Row, KafkaMessage>;
  /** End of each analysed window (ms since the epoch), for the latency histogram. */
  windowEndsMs: number[];
  alertOut: ReturnType<typeof raised>[];
  /** The advanced machines' model state as the first stage left it. */
  states: ModelStateMessage[];
  commitAt: number;
  /** The group generation the first stage ran in. */
  generation: number;
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
  /** Writes are serialised (the ILP client must not flush concurrently) and grouped: the batches that wait for one write go in the next together. */
  readonly #groupWriter: GroupWriter<Row>;
  /** Sample rate per machine/channel, to dead-letter a rate that changes mid-stream. */
  readonly #rates = new RateContinuity();
  /** Pending partitions, commits and write retries, for /health. */
  readonly #stall = new StallWatch();
  /** Aborted when stopping begins: no new batch, pause, restore, WAL or silence check starts. */
  readonly #intake = new AbortController();
  /** Aborted a grace after stopping begins: ends the sink's retry loop, so writes still pending then (an outage) are abandoned. */
  readonly #abort = new AbortController();
  #stopping: Promise<void> | undefined;
  readonly #speedRpm = new Map<string, number>();
  readonly #spectrumCadence: SpectrumCadence<Row>;
  /** Machines that send waveforms: their scalar readings, if any, are stored but not modelled. */
  readonly #waveformMachines = new Set<string>();
  readonly health: MachineHealthTracker | undefined;
  /** Accumulated bearing diagnoses: the health model's (in its model state), or the processor's own without one. */
  readonly #diagnoses: DiagnosisAccumulators;
  /** Local copy of the model state (optional): seeds machines the model-state topic has never seen. */
  readonly #checkpoints: HealthCheckpoints | undefined;
  /** The compacted model-state topic: where every processor finds a machine's model. */
  #stateTopic: ModelStateTopic | undefined;
  /** Partitions this member was assigned at the last rebalance, by topic. */
  #assigned: Record<string, number[]> = {};
  /** Restoring the model state of the assigned partitions: every batch waits for it. */
  #restoring: Promise<void> = Promise.resolve();
  /** Per machine: last window sequence fused, its partition number and vibration offset (the state envelope's position). */
  readonly #statePosition = new Map<string, { windowSeq: number | null; partition: number | null; offset: number | null }>();
  #lastCheckpointMs = 0;
  /** Partition count of the input topics (equal, checked at start): where a machine's messages land. */
  #partitionCount = 0;
  /** Bytes of the batches consumed and not yet committed or released. */
  #batchBytes = 0;
  /** Whether backpressure has paused the assigned partitions, and why. */
  #backpressure: BackpressureDecision = { paused: false, reason: '' };
  /** The partitions paused by backpressure (resumed together). */
  #pausedPartitions: Array<{ topic: string; partitions: number[] }> = [];
  #backpressureTimer: NodeJS.Timeout | undefined;
  /** Batches being processed per partition number: their machines' models are ahead of what is written. */
  readonly #busyPartitions = new Map<number, number>();
  /** Each batch's second stage (write, save, commit), overlapping the next fetch (batch-pipeline.ts). */
  readonly #pipelines = new BatchPipelines();
  /** Bumped at every rebalance: a second stage of an earlier generation saves and commits nothing. */
  #generation = 0;
  /** Partitions whose models hold windows neither saved nor committed (abandoned, failed): not checkpointed until restored. */
  readonly #unsaved = new Set<number>();
  readonly stats: ProcessorStats = newProcessorStats();
  readonly metrics: ProcessorMetrics;
  /** Port of the metrics endpoint once listening. */
  metricsPort: number | undefined;
  /** Healthy references learnt from the baseline windows (only with the health model). */
  readonly #references: ReferenceLearning | undefined;
  /** Fleet knowledge from machines' run-to-failure histories (and the machines whose histories failed). */
  #fleets: MachineFleets = { fleets: new Map(), errors: new Map() };
  /** Alert episodes (with alerts.enabled); their state follows the machines' model state. */
  readonly alerts: AlertTracker | undefined;
  #alertPublisher: AlertPublisher | undefined;
  #alertTimer: NodeJS.Timeout | undefined;
  #walTimer: NodeJS.Timeout | undefined;
  readonly #wal: WalWatch;

  constructor(config: ProcessorConfig, endpoints: ProcessorEndpoints) {
    this.#config = config;
    this.#ep = endpoints;
    this.#topics = topicNames(config.kafka.topicPrefix);
    this.#tables = tableNames(config.questdb.tablePrefix);
    this.#assembler = new WindowAssembler(config.windowBlocks);
    this.#channels = new ChannelMeanings(config.machines);
    this.#spectrumCadence = new SpectrumCadence<Row>(config.spectra.everyWindows, config.spectra.bandsEveryWindows);
    this.#wal = new WalWatch(config.questdb.wal);
    this.#groupWriter = new GroupWriter<Row>((rows) => this.#writeRows(rows), {
      minIntervalMs: config.questdb.commitIntervalMs,
      // As many batches as can be in progress at once: when they all wait, none can join (a backlog).
      fullGroup: config.kafka.partitionsConcurrently,
    });
    this.metrics = new ProcessorMetrics({
      stats: this.stats,
      healthCounters: () => this.health?.counters,
      healthErrors: () => this.health?.errors,
      machineStates: () => this.health?.describe(),
      lastCommitMs: () => this.#stall.lastCommitMs,
      progress: () => this.#stall.snapshot(),
      stall: config.stall,
      assignment: () => this.#assigned,
      wal: () => ({
        reasons: this.#wal.reasons(),
        suspendedTables: this.#wal.suspendedTables,
        lagTxns: this.#wal.lagTxns,
        resumes: this.#wal.resumes,
        checkError: this.#wal.lastCheckError,
      }),
      backpressure: () => ({
        paused: this.#backpressure.paused,
        reason: this.#backpressure.reason,
        pausedPartitions: this.#pausedPartitions.flatMap(({ topic, partitions }) => partitions.map((p) => `${topic}/${p}`)),
        inFlightBytes: this.#inFlightBytes(),
        maxInFlightBytes: config.backpressure.maxInFlightBytes,
      }),
    });
    if (config.alerts.enabled) {
      const a = config.alerts;
      this.alerts = new AlertTracker({
        kinds: a.kinds,
        hysteresis: { confirm: a.confirmWindows, clear: a.clearWindows },
        rulLeadTimeS: a.leadTimeS,
        silentAfterS: a.silentAfterS,
      });
    }
    if (config.health.enabled) {
      const { enabled, ...modes } = config.health.modes;
      this.#fleets = loadMachineFleets(config.machines, config.health.monitor);
      this.health = new MachineHealthTracker({
        features: config.health.features,
        monitor: config.health.monitor,
        energy: config.health.energy,
        energyWaitWindows: config.health.energyWaitWindows,
        fleet: null,
        modes: enabled ? modes : null,
        velocityLimitMmS: config.health.isoFailure ? (machine) => zoneBoundaries(config.machines[machine]?.iso ?? config.iso)[2] : null,
        isoClass: (machine) => config.machines[machine]?.iso ?? config.iso,
        machineFleet: (machine) => this.#fleets.fleets.get(machine) ?? null,
        stopped: this.#fleets.errors,
      });
      this.#checkpoints = config.health.stateDir ? new HealthCheckpoints(config.health.stateDir) : undefined;
      const ref = config.health.reference;
      if (ref.enabled) {
        this.#references = new ReferenceLearning(
          {
            windows: ref.windows,
            baselineWindows: config.health.monitor.anomaly.baseline.windows,
            isoClass: (machine) => config.machines[machine]?.iso ?? config.iso,
          },
          this.health,
          this.stats,
          this.#log,
        );
      }
    }
    this.#diagnoses = this.health?.diagnoses ?? new DiagnosisAccumulators();
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
    this.#sink = await QuestdbSink.connect(this.#ep.questdbIlpConfig);
    this.#pool = new WorkerPool({ threads: this.#config.workers });

    const kafka = createKafka(
      this.#ep.brokers,
      'pdm-processor',
      this.#ep.kafkaSecurity ?? resolveKafkaSecurity(this.#config.kafka.security),
      this.#ep.kafkaEnv,
    );
    const admin = kafka.admin();
    // A refused user or a missing ACL ends the start with PDM_ERR_KAFKA_AUTH naming what to check.
    const brokers = this.#ep.brokers;
    await admin.connect().catch((err: unknown) => {
      throw kafkaError(err, 'the processor cannot connect', brokers);
    });
    const inputs = [this.#topics.vibration, this.#topics.energy, this.#topics.features, this.#topics.gaps];
    try {
      const { partitions, replicationFactor } = this.#config.kafka;
      // Only the topics it reads and writes: the simulator's truth topic is not the processor's,
      // and a broker with ACLs (SECURITY.md) lets it create no other.
      const { modelState, truth: _notOurs, ...plain } = this.#topics;
      await ensureTopics(admin, [
        ...Object.values(plain).map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
        modelStateTopicConfig(modelState, partitions, replicationFactor),
      ]);
      // One machine's streams and state meet in one processor only if partition p of every topic is the same machines'.
      const meta = await admin.fetchTopicMetadata({ topics: [...inputs, modelState] });
      const unequal = unequalPartitionCounts(new Map(meta.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionId)])));
      this.#partitionCount = meta.topics[0]?.partitions.length ?? partitions;
      if (unequal)
        throw new PdmError(
          'PDM_ERR_CONFIG_INVALID',
          `the processor's topics must have the same partition count (${unequal}): a machine's blocks, readings and model state are found by partition number; add partitions to the smaller ones (kafka-topics --alter --partitions)`,
        );
    } finally {
      await admin.disconnect();
    }
    if (this.health) {
      this.#stateTopic = new ModelStateTopic(kafka, this.#topics.modelState, this.#config.kafka.groupId, this.#log);
      await this.#stateTopic.connect();
    }
    const dlq = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.#deadLetters = new DeadLetters(dlq, this.#topics.deadLetter, this.#log);
    await dlq.connect().catch((err: unknown) => {
      throw kafkaError(err, 'the dead-letter producer cannot connect', brokers);
    });
    if (this.alerts) {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      this.#alertPublisher = new AlertPublisher(producer, this.#topics.alerts, this.#log);
      await producer.connect().catch((err: unknown) => {
        throw kafkaError(err, 'the alerts producer cannot connect', brokers);
      });
    }

    // Fetches sized to fit under the in-flight cap: what kafkajs holds fetched counts too.
    const cap = this.#config.backpressure.maxInFlightBytes;
    const consumer = kafka.consumer({
      groupId: this.#config.kafka.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: Math.min(4 * 1024 * 1024, Math.floor(cap / 4)),
      maxBytes: Math.min(10 * 1024 * 1024, Math.floor(cap / 2)),
      sessionTimeout: this.#config.kafka.sessionTimeoutS * 1000,
      // A third of the session at most (Kafka's rule of thumb), never more often than every second.
      heartbeatInterval: Math.max(1_000, Math.min(3_000, (this.#config.kafka.sessionTimeoutS * 1000) / 3)),
      // Partition p of every topic to one member: a machine's vibration, energy and gaps together.
      partitionAssigners: [coPartitionAssigner],
    });
    this.#consumer = consumer;
    // After a rebalance the committed offsets and the model-state topic are the truth: windows
    // being assembled are rebuilt from the offsets, the models of the partitions received are
    // read back from the topic before any of their batches is processed (#onBatch waits). Nothing
    // needs flushing at revocation: the state of every batch is saved before its offsets are
    // committed (#finishBatch), so whatever another processor will not replay is already saved.
    // A rebalance begins: second stages still running save and commit nothing (#finishBatch).
    consumer.on(consumer.events.REBALANCING, () => {
      this.#generation++;
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.#generation++;
      // Back on the committed offsets: a failed second stage no longer holds the batches.
      this.#pipelines.repaired();
      this.#assembler.reset();
      this.#rates.reset();
      // Partitions may have moved: what this processor had pending is re-read by their new owner.
      this.#stall.clearPending();
      // kafkajs keeps a partition paused across rebalances: resume what backpressure paused, the next batch judges again.
      if (this.#pausedPartitions.length > 0) consumer.resume(this.#pausedPartitions);
      this.#pausedPartitions = [];
      this.#backpressure = { paused: false, reason: '' };
      this.#assigned = Object.fromEntries(Object.entries(payload.memberAssignment).map(([t, ps]) => [t, [...ps]]));
      // The episodes of the machines kept come back with their model state; the others are another processor's now.
      this.alerts?.clear();
      const partitions = [...new Set(inputs.flatMap((t) => this.#assigned[t] ?? []))].sort((a, b) => a - b);
      this.#restoring = this.#restoring.then(() => this.#restoreModels(partitions));
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: inputs, fromBeginning: true });
    } catch (err) {
      throw kafkaError(err, 'the consumer cannot subscribe', brokers);
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#config.kafka.partitionsConcurrently,
      eachBatch: (payload) => this.#onBatch(payload),
    });
    // The writer can fall behind, and drain, with no batch arriving: judged every second too.
    this.#backpressureTimer = setInterval(() => this.#applyBackpressure(), 1000);
    this.#backpressureTimer.unref();
    // A machine that stopped sending sends nothing to be judged on: silence is checked on the clock too.
    if (this.alerts) {
      this.#alertTimer = setInterval(() => {
        this.#checkSilence().catch((err: unknown) =>
          this.#log.warn({ err: describeError(err) }, 'silence check failed; retried at the next'),
        );
      }, this.#config.alerts.checkIntervalS * 1000);
      this.#alertTimer.unref();
    }
    // A suspended WAL table takes every write and shows none: checked on the clock (wal-watch.ts).
    if (this.#config.questdb.wal.checkS > 0) {
      this.#walTimer = setInterval(() => {
        this.#checkWal().catch((err: unknown) => this.#log.warn({ err: describeError(err) }, 'WAL check failed; retried at the next'));
      }, this.#config.questdb.wal.checkS * 1000);
      this.#walTimer.unref();
    }
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

  async #onBatch(payload: EachBatchPayload): Promise<void> {
    const key = `${payload.batch.topic}/${payload.batch.partition}`;
    await this.#restoring;
    // A second stage failed: nothing may be committed past it until the consumer is back on its
    // committed offsets. Thrown for every batch, so kafkajs retries and then restarts the consumer
    // (batch-pipeline.ts); the rejoin's GROUP_JOIN repairs the pipelines.
    const broken = this.#pipelines.broken;
    if (broken) throw broken.err;
    // Pending from the first message consumed until a commit of this partition (also across a
    // batch that fails and is fetched again): what /health's "no commit while pending" measures.
    this.#stall.batchStarted(key);
    let bytes = 0;
    for (const m of payload.batch.messages) bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
    this.#batchBytes += bytes;
    this.#applyBackpressure();
    const p = payload.batch.partition;
    this.#busyPartitions.set(p, (this.#busyPartitions.get(p) ?? 0) + 1);
    // Until the batch's second stage has ended: its bytes are in flight, and its partition's
    // models hold windows whose state is not saved yet (no periodic checkpoint of them).
    const release = (): void => {
      const left = (this.#busyPartitions.get(p) ?? 1) - 1;
      if (left > 0) this.#busyPartitions.set(p, left);
      else this.#busyPartitions.delete(p);
      this.#batchBytes -= bytes;
      this.#applyBackpressure();
    };
    let prepared: PreparedBatch | undefined;
    try {
      prepared = await this.#prepareBatch(payload);
    } catch (err) {
      release();
      throw err;
    }
    if (!prepared) {
      this.#stall.batchReleased(key);
      release();
      return;
    }
    // One second stage per partition at a time, in offset order: this handler returns (and
    // kafkajs fetches again) while this batch is written, saved and committed.
    await this.#pipelines.previous(key);
    const batch = prepared;
    this.#pipelines.start(
      key,
      async () => {
        try {
          if (!(await this.#finishBatch(batch, payload.heartbeat))) this.#stall.batchReleased(key);
        } finally {
          release();
        }
      },
      (err) => {
        const current = batch.generation === this.#generation;
        // Its models hold windows that are neither saved nor committed: not checkpointed until
        // restored (after a rebalance they are restored anyway).
        if (current) this.#unsaved.add(p);
        this.#log.error(
          { err: describeError(err), topic: batch.topic, partition: batch.partition },
          current
            ? 'batch not written or not committed: the consumer goes back to its committed offsets'
            : 'batch of a generation before the last rebalance not committed: its partition is read again from the last commit',
        );
        return current;
      },
    );
  }

  #inFlightBytes(): number {
    return this.#batchBytes + this.#assembler.pendingBytes;
  }

  /**
   * Pause every assigned partition while too much is in flight or the writer has fallen behind,
   * resume them together once drained (backpressure.ts). All of them, not only the busy ones: the
   * memory and the writer are shared by every partition.
   */
  #applyBackpressure(): void {
    const consumer = this.#consumer;
    if (!consumer || this.#intake.signal.aborted) return;
    const was = this.#backpressure.paused;
    const cfg = this.#config.backpressure;
    const now = judgeBackpressure(
      was,
      { bytes: this.#inFlightBytes(), writeStartedMs: this.#stall.writeStartedMs, nowMs: Date.now() },
      { maxInFlightBytes: cfg.maxInFlightBytes, resumeFraction: cfg.resumeFraction, writerBehindMs: cfg.writerBehindS * 1000 },
    );
    this.#backpressure = now;
    if (now.paused && !was) {
      this.#pausedPartitions = Object.entries(this.#assigned).map(([topic, partitions]) => ({ topic, partitions: [...partitions] }));
      consumer.pause(this.#pausedPartitions);
      this.stats.pauses++;
      this.#log.warn({ reason: now.reason, partitions: this.#pausedPartitions }, 'backpressure: partitions paused');
    } else if (!now.paused && was) {
      consumer.resume(this.#pausedPartitions);
      this.#log.info({ partitions: this.#pausedPartitions }, 'backpressure: drained, partitions resumed');
      this.#pausedPartitions = [];
    }
  }

  /**
   * First stage of a batch: decode its messages, complete and analyse windows, advance the
   * machines' models, build every row, and take the model state of the machines it advanced as
   * it stands now (the second stage saves that snapshot, not the models as later batches leave
   * them: a state saved ahead of its commit would make a restart skip windows whose rows were
   * never written). Resolves the batch's offsets, so kafkajs's next fetch starts after it.
   * Undefined when the batch consumed nothing (stale, stopping).
   */
  async #prepareBatch({ batch, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<PreparedBatch | undefined> {
    const generation = this.#generation;
    const rows: Row[] = [];
    /** The message each row was built from; rows derived from windows have none. */
    const sourceOf = new Map<Row, KafkaMessage>();
    const windows: CompletedWindow[] = [];
    /** Scalar sensors' readings of this batch, in offset order, for the health model. */
    const scalarWindows: WindowResult[] = [];
    const processedAtUs = Date.now() * 1000;
    let lastOffset = -1;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.#intake.signal.aborted) break;
      this.stats.messagesIn++;
      const offset = Number(message.offset);
      try {
        const bounds = this.#bounds(message);
        let row: Row;
        if (batch.topic === this.#topics.vibration)
          row = this.#onVibration(message, bounds, batch.partition, offset, processedAtUs, windows);
        else if (batch.topic === this.#topics.energy) row = this.#onEnergy(message, bounds);
        else if (batch.topic === this.#topics.features) row = this.#onFeatures(message, bounds, processedAtUs, scalarWindows);
        else row = this.#onGap(message, bounds);
        rows.push(row);
        sourceOf.set(row, message);
      } catch (err) {
        await this.#deadLetter(batch.topic, batch.partition, message, err);
      }
      lastOffset = offset;
    }
    if (lastOffset < 0) return undefined;

    const analysed = await Promise.all(windows.map((w) => this.#analyse(w, processedAtUs)));
    const referencesDue = new Set<string>();
    /** Machines whose model advanced in this batch: their state is saved before the commit. */
    const advanced = new Set<string>();
    const alertEvents: AlertEvent[] = [];
    const windowEndsMs: number[] = [];
    for (const r of analysed) {
      if (!r) continue;
      // From the row: the window's samples went to the worker (transferred, so the buffer is empty here).
      windowEndsMs.push(Number(r.row.startTimeNs / 1_000_000n) + (r.row.samples / r.row.sampleRateHz) * 1000);
      // In window order too: each channel's accumulated diagnosis takes its windows in sequence.
      const accumulated = r.bearing ? this.#diagnoses.add(r.window.machine, r.window.channel, r.bearing) : undefined;
      rows.push(featureRow(this.#tables, accumulated ? { ...r.row, accumulated } : r.row));
      if (accumulated) recordAccumulated(this.stats, r.window, accumulated);
      if (this.alerts) alertEvents.push(...this.alerts.onWindow(alertWindow(r.window), Date.now()));
      // In window order, so each machine's health model sees its windows in time order.
      const update = this.health?.onWindow(r.window);
      if (update) {
        const before = this.stats.latestHealth.get(update.machine)?.state;
        // Before this window is kept: the spectra of the window whose state changed are still the channels' latest.
        if (before !== undefined && before !== update.status.state)
          for (const k of this.#spectrumCadence.onHealthChange(update.machine, update.windowSeq)) {
            rows.push(...this.#spectrumRows(k.window, 'health_change', processedAtUs));
            if (k.bands) rows.push(...k.window.bands);
          }
        rows.push(this.#healthRow(update, processedAtUs));
        advanced.add(update.machine);
        this.#statePosition.set(update.machine, { windowSeq: update.windowSeq, partition: batch.partition, offset: null });
        if (this.alerts) alertEvents.push(...this.alerts.onHealth(this.#alertHealth(update)));
      }
      if (update && this.#references?.due(update.machine)) referencesDue.add(update.machine);
      const now = this.#spectrumCadence.onWindow(r.evidence, r.window.diagnosis);
      if (now.spectra) rows.push(...this.#spectrumRows(r.evidence, now.spectra, processedAtUs));
      if (now.bands) rows.push(...r.evidence.bands);
    }
    for (const w of scalarWindows) {
      // A scalar sensor's zone and the machine's health raise alerts as a waveform's do.
      if (this.alerts) alertEvents.push(...this.alerts.onWindow(alertWindow(w), Date.now()));
      const update = this.health?.onWindow(w);
      if (!update) continue;
      rows.push(this.#healthRow(update, processedAtUs));
      advanced.add(update.machine);
      this.#statePosition.set(update.machine, { windowSeq: update.windowSeq, partition: batch.partition, offset: null });
      if (this.alerts) alertEvents.push(...this.alerts.onHealth(this.#alertHealth(update)));
    }
    // Learnt in the background, one channel at a time (reference-learning.ts): not awaited, so
    // the batch that completes a plant's baselines does not hold its partition's next fetch.
    for (const machine of referencesDue) this.#references!.schedule(machine, this.#pool!);
    this.#logBaselineVerdicts();

    // One row and one message per episode start or end; the machine's alert state is saved with its model before the commit.
    const alertOut = alertEvents.map((e) => raised(e, Date.now()));
    for (const e of alertOut) {
      rows.push(alertEventRow(this.#tables, e));
      advanced.add(e.machine);
    }

    // Where the commit will be (a window still being assembled keeps its first message), and the
    // model state that commit covers: a processor that receives the partition after a crash or a
    // rebalance restores a model at least this far (windows it then replays are skipped by the
    // model as already seen), so the model never misses a window.
    const pendingMinOffset = batch.topic === this.#topics.vibration ? this.#assembler.pendingMinOffset(batch.partition) : undefined;
    const commitAt = offsetToCommit({ lastOffset, pendingMinOffset })!;
    for (const machine of advanced) {
      const pos = this.#statePosition.get(machine);
      if (pos) pos.offset = commitAt;
    }
    const states = this.#modelStates(advanced);
    // Move the fetch position on (kafkajs re-fetches unresolved messages): the next fetch of this
    // partition starts after this batch while its second stage runs.
    resolveOffset(String(lastOffset));
    return {
      topic: batch.topic,
      partition: batch.partition,
      // Behind (more of the partition is already in Kafka after this batch): no reason to wait for
      // other batches to share the commit; the backlog is worth more than a smaller commit count.
      behind: BigInt(batch.highWatermark) - 1n > BigInt(lastOffset),
      rows,
      sourceOf,
      windowEndsMs,
      alertOut,
      states,
      commitAt,
      generation,
    };
  }

  /**
   * Second stage of a batch (batch-pipeline.ts): write its rows, dead-letter what QuestDB
   * refuses, publish its alert episodes, save the model state taken in the first stage, commit.
   * Resolves true when committed; false when abandoned at shutdown or by a rebalance (nothing
   * saved or committed: the partition's next owner reads the batch again). Throws when QuestDB
   * refuses the writes or the state or commit cannot be written.
   */
  async #finishBatch(b: PreparedBatch, heartbeat: () => Promise<void>): Promise<boolean> {
    let refused: RefusedItem<Row>[];
    // A write that waits on a slow or hung QuestDB must not cost the group membership: the
    // partitions would move to another processor that waits on the same QuestDB. Heartbeats go on
    // (and /health says the writer is stalled).
    const beat = setInterval(() => {
      heartbeat().catch(() => undefined);
    }, 3_000);
    try {
      refused = await this.#write(b.rows, b.behind);
    } catch (err) {
      if (this.#abort.signal.aborted) {
        // Stopping: the batch is abandoned uncommitted; whoever owns the partition next reads it again.
        this.#unsaved.add(b.partition);
        this.#log.warn({ topic: b.topic, partition: b.partition, err: describeError(err) }, 'write abandoned at shutdown');
        return false;
      }
      // Not the rows' fault (credentials refused): nothing is committed, and the consumer
      // restarts from the last commit, so the batch is not lost; the log and /health say what to fix.
      this.#log.error({ err: describeError(err), topic: b.topic, partition: b.partition }, 'QuestDB refuses the batch');
      throw err;
    } finally {
      clearInterval(beat);
    }
    const refusedRows = new Set<Row>();
    for (const { item: row, err } of refused) {
      refusedRows.add(row);
      const reason = new PdmError(
        'PDM_ERR_QUESTDB_REJECTED',
        // QuestDB's answer is the cause: the dead letter's reason header carries it.
        `QuestDB refused the ${row.table} row built from this message`,
        { table: row.table, rule: 'refused_by_questdb' },
        { cause: err },
      );
      const source = b.sourceOf.get(row);
      if (source) await this.#deadLetter(b.topic, b.partition, source, reason);
      else {
        // A window's features or a machine's health: no message is to blame (a bug, or a column
        // changed under us); counted and logged, and the batch goes on.
        this.stats.rowsRefused[row.table] = (this.stats.rowsRefused[row.table] ?? 0) + 1;
        this.#log.error({ table: row.table, err: describeError(err) }, 'QuestDB refused a derived row; it is not written');
      }
    }
    recordRowsOut(
      this.stats,
      b.rows.filter((r) => !refusedRows.has(r)),
    );
    const writtenAtMs = Date.now();
    for (const endMs of b.windowEndsMs) this.metrics.windowLatency.observe(Math.max(0, writtenAtMs - endMs) / 1000);

    // Alert episodes out before the commit (a crash replays them: the same events, deduplicated downstream).
    await this.#alertPublisher?.send(b.alertOut);

    // A rebalance since the first stage: the partition's offsets are read again from the last
    // commit by whoever owns it now, and its models restored from their saved state; saving
    // this batch's state now could land after that restore read it, ahead of a commit that the
    // old generation may no longer make. The rows written are written again, idempotently.
    if (b.generation !== this.#generation) {
      this.#log.info({ topic: b.topic, partition: b.partition }, 'batch written but not committed: the group rebalanced meanwhile');
      return false;
    }
    // The model state of what this commit covers is saved first.
    await this.#saveModelStates(b.states);
    if (b.generation !== this.#generation) return false;
    await this.#consumer!.commitOffsets([{ topic: b.topic, partition: b.partition, offset: String(b.commitAt) }]);
    this.stats.commits++;
    this.#stall.committed(`${b.topic}/${b.partition}`);
    await this.#maybeCheckpoint();
    return true;
  }

  /**
   * Write rows, one writer at a time (flushes must not interleave). Transport failures are retried
   * inside the sink until stop() aborts; a batch QuestDB refuses as malformed (the catalogue's
   * PDM_ERR_QUESTDB_REJECTED, not retriable) is bisected down to the refused rows, returned with
   * QuestDB's answer; everything else is written. Other failures (credentials) throw.
   */
  #write(rows: readonly Row[], urgent = false): Promise<RefusedItem<Row>[]> {
    return this.#groupWriter.write(rows, urgent);
  }

  /** One physical write of the rows of every batch that waited for the previous one (group-write.ts). */
  async #writeRows(rows: readonly Row[]): Promise<RefusedItem<Row>[]> {
    this.stats.questdbWrites = this.#groupWriter.writes;
    this.stats.batchesWritten = this.#groupWriter.requests;
    this.#stall.writeStarted();
    try {
      return await writeIsolatingRefusals(
        rows,
        (part) =>
          this.#sink!.writeBatch(
            part,
            (err, attempt) => {
              this.stats.writeRetries++;
              this.#stall.writeFailed(describeError(err));
              this.#log.warn({ err: describeError(err), attempt }, 'QuestDB write failed; retrying the batch');
            },
            this.#abort.signal,
          ),
        (err) => !isRetriable(err) && isPdmError(err, 'PDM_ERR_QUESTDB_REJECTED'),
      );
    } finally {
      this.#stall.writeEnded();
    }
  }

  async #deadLetter(topic: string, partition: number, message: KafkaMessage, err: unknown): Promise<void> {
    await this.#deadLetters!.send(topic, partition, message, err);
    recordDeadLetter(this.stats, err);
  }

  /** The window a message's times must fall in: around its Kafka timestamp (when it was sent). */
  #bounds(message: KafkaMessage): PlausibilityBounds {
    const v = this.#config.validation;
    return {
      referenceMs: referenceTimeMs(message.timestamp, Date.now()),
      maxPastMs: v.maxPastDays * 86_400_000,
      maxFutureMs: v.maxFutureS * 1000,
      maxAbsSample: v.maxAbsSample,
    };
  }

  #onVibration(
    message: KafkaMessage,
    bounds: PlausibilityBounds,
    partition: number,
    offset: number,
    processedAtUs: number,
    windows: CompletedWindow[],
  ): Row {
    if (!message.value) throw new PdmError('PDM_ERR_FRAME_DECODE', 'vibration message has no value');
    const frame = validateVibrationFrame(decodeVibrationFrame(message.value), bounds);
    // Unknown or inconsistent units throw here: the frame is dead-lettered with the reason.
    const meaning = this.#channels.resolve(frame);
    const rate = this.#rates.check(frame.machine, frame.channel, frame.seq, frame.sampleRateHz);
    if (!rate.ok)
      throw invalid(
        'sample_rate_change',
        `vibration frame ${frame.machine}/${frame.channel} seq ${frame.seq}: sample rate ${frame.sampleRateHz} Hz differs from the channel's ${rate.expectedHz} Hz at seq ${rate.lastSeq}, without a restart of the sequence (seq 0) or a gap`,
        { machine: frame.machine, channel: frame.channel, seq: frame.seq },
      );
    this.stats.blocksIn++;
    this.#waveformMachines.add(frame.machine);
    const window = this.#assembler.add({ ...frame, meaning, partition, offset });
    if (window) windows.push(window);
    return blockRow(this.#tables, frame, { partition, offset, processedAtUs });
  }

  #onEnergy(message: KafkaMessage, bounds: PlausibilityBounds): Row {
    if (!message.value) throw new PdmError('PDM_ERR_FRAME_DECODE', 'energy message has no value');
    const r = validateEnergyReading(decodeEnergyReading(message.value), bounds);
    this.stats.energyIn++;
    if (r.values.speed_rpm !== undefined && r.values.speed_rpm > 0) this.#speedRpm.set(r.machine, r.values.speed_rpm);
    this.health?.onEnergy(r.machine, r.values.power_kw, r.values.load_pct, r.values.speed_rpm, r.ts_ms);
    return energyRow(this.#tables, r);
  }

  /**
   * A scalar sensor's reading: validated (bad ones are dead-lettered with the rule), stored in
   * vibration_features with its ISO zone and `no_waveform` for the spectral parts
   * (scalar-window.ts), and handed to the health model. A machine that also sends waveforms is
   * modelled on its waveform windows only: the two are numbered differently and would not fuse.
   */
  #onFeatures(message: KafkaMessage, bounds: PlausibilityBounds, processedAtUs: number, out: WindowResult[]): Row {
    if (!message.value) throw new PdmError('PDM_ERR_FRAME_DECODE', 'feature message has no value');
    const r = validateFeatureReading(decodeFeatureReading(message.value), bounds);
    this.stats.featuresIn++;
    const { window, row } = scalarWindow(r, this.#config.machines[r.machine]?.iso ?? this.#config.iso);
    recordScalar(this.stats, window);
    if (!this.#waveformMachines.has(r.machine)) out.push(window);
    return featureRow(this.#tables, { ...row, processedAtUs });
  }

  #onGap(message: KafkaMessage, bounds: PlausibilityBounds): Row {
    if (!message.value) throw new PdmError('PDM_ERR_FRAME_DECODE', 'gap message has no value');
    const g = validateGapEvent(decodeGapEvent(message.value), bounds);
    this.stats.gapsIn++;
    this.#rates.gap(g.machine, g.channel);
    return gapRow(this.#tables, g);
  }

  /** A window's stored spectra: amplitude always, envelope when it was demodulated. */
  #spectrumRows(k: WindowEvidence<Row>, reason: SpectrumReason, processedAtUs: number): Row[] {
    const common = {
      machine: k.machine,
      channel: k.channel,
      reason,
      windowSeq: k.windowSeq,
      startTimeNs: k.tsNs,
      shaftHz: k.shaftHz,
      processedAtUs,
    };
    const { amplitude, envelope } = k.spectra;
    const rows = [spectrumRow(this.#tables, { ...common, kind: 'amplitude', ...amplitude })];
    if (envelope) rows.push(spectrumRow(this.#tables, { ...common, kind: 'envelope', ...envelope }));
    return rows;
  }

  /** What the alert tracker needs of a health update (with why its baseline is suspect, when it is). */
  #alertHealth(u: HealthUpdate): AlertHealth {
    const h: AlertHealth = {
      machine: u.machine,
      tsMs: Number(u.tsNs / 1_000_000n),
      state: u.status.state,
      rulMedianS: u.status.rul.median,
      rulBasis: u.status.rulBasis,
    };
    const verdict = u.baselineQuality === 'suspect' ? this.health?.baselineQuality(u.machine).get(u.mode) : undefined;
    if (verdict) h.baselineSuspect = verdictSummary(verdict);
    return h;
  }

  /** Each baseline judged in this batch, once: a suspect one as a warning with why (the machine's state says so too). */
  #logBaselineVerdicts(): void {
    const verdicts = this.health?.newVerdicts.splice(0) ?? [];
    for (const { machine, mode, verdict } of verdicts) {
      const fields = { machine, mode, quality: verdict.quality, windows: verdict.windows, reasons: verdict.reasons.map((r) => r.code) };
      if (verdict.quality === 'suspect')
        this.#log.warn(
          { ...fields, why: verdictSummary(verdict) },
          'healthy baseline is suspect: the machine was not healthy while it was learnt; it is monitored against it but its state is at least maintenance_required',
        );
      else this.#log.info(fields, 'healthy baseline judged');
    }
  }

  #healthRow(u: HealthUpdate, processedAtUs: number): Row {
    recordHealth(this.stats, u.machine, u.status, u.mode, u.baselineQuality);
    return healthRow(this.#tables, { ...u, processedAtUs });
  }

  /**
   * Checkpoint every machine's model state at most every checkpointIntervalS (after a commit):
   * what changes without a window (the operating-mode tracker fed by energy readings) reaches the
   * topic too; the local copy, when configured, is refreshed at the same time.
   */
  async #maybeCheckpoint(force = false): Promise<void> {
    if (!this.health) return;
    const now = Date.now();
    if (!force && now - this.#lastCheckpointMs < this.#config.health.checkpointIntervalS * 1000) return;
    this.#lastCheckpointMs = now;
    // Not the machines of a batch still being processed: their models already hold windows whose
    // rows are not written yet (that batch saves them itself, before its commit); nor those of a
    // batch abandoned or failed: their models hold windows that will be read again.
    const idle = this.health.machineIds.filter((m) => {
      const p = partitionOf(m, this.#partitionCount);
      return !this.#busyPartitions.has(p) && !this.#unsaved.has(p);
    });
    try {
      await this.#saveModels(idle);
      this.#checkpoints?.saveAll(this.health);
    } catch (err) {
      this.#log.warn({ err: describeError(err) }, 'model checkpoint failed; will retry');
    }
  }

  /** Save these machines' model state to the model-state topic (throws: the caller does not commit). */
  async #saveModels(machines: Iterable<string>): Promise<void> {
    await this.#saveModelStates(this.#modelStates(machines));
  }

  /** These machines' model state as it stands now, encoded (a snapshot later batches do not change). */
  #modelStates(machines: Iterable<string>): ModelStateMessage[] {
    if (!this.health || !this.#stateTopic) return [];
    const out: ModelStateMessage[] = [];
    const savedAt = new Date().toISOString();
    for (const machine of machines) {
      const state = this.health.checkpoint(machine);
      if (!state) continue;
      const pos = this.#statePosition.get(machine) ?? { windowSeq: null, partition: null, offset: null };
      const alerts = this.alerts?.checkpoint(machine);
      out.push(encodedModelState({ version: MODEL_STATE_VERSION, machine, savedAt, ...pos, state, ...(alerts ? { alerts } : {}) }));
    }
    return out;
  }

  async #saveModelStates(states: readonly ModelStateMessage[]): Promise<void> {
    if (!this.#stateTopic || states.length === 0) return;
    await this.#stateTopic.saveEncoded(states);
    this.stats.modelStatesSaved += states.length;
  }

  /**
   * Replace the model state in memory by the state of the machines on these partitions, read
   * from the model-state topic; machines the topic has never seen come from the local copy when
   * there is one (state kept by a version that checkpointed to disk only). Retried until it
   * succeeds or the processor stops: processing these partitions without their models would
   * start relearning them.
   */
  async #restoreModels(partitions: readonly number[]): Promise<void> {
    // Without the health model the accumulated diagnoses are not saved: at a new assignment they start afresh.
    if (!this.health) this.#diagnoses.clear();
    if (!this.health || !this.#stateTopic) {
      this.#unsaved.clear();
      return;
    }
    this.health.clear();
    this.#references?.clear();
    this.#statePosition.clear();
    // Every model is read back from its saved state: none holds unsaved windows any more.
    this.#unsaved.clear();
    for (let attempt = 1; !this.#intake.signal.aborted; attempt++) {
      try {
        const t0 = Date.now();
        const states = await this.#stateTopic.load(partitions, 60_000);
        for (const [machine, e] of states) {
          const home = partitionOf(machine, this.#partitionCount);
          if (!partitions.includes(home)) {
            // Saved when the topics had another partition count: the machine's streams are elsewhere
            // now. Restoring it here would save this stale state over its owner's at the next checkpoint.
            states.delete(machine);
            this.#log.warn(
              { machine, savedOnPartition: e.partition, streamsOnPartition: home },
              "model state left where it is: the machine's streams are on another partition now (partition count changed?)",
            );
            continue;
          }
          try {
            this.health.restore(machine, e.state);
            if (e.alerts && this.alerts) this.alerts.restore(machine, e.alerts, Date.now());
            this.#statePosition.set(machine, { windowSeq: e.windowSeq, partition: e.partition, offset: e.offset });
          } catch (err) {
            this.#log.error({ machine, err: describeError(err) }, 'model state cannot be restored; the machine relearns its baseline');
          }
        }
        const fromDisk = this.#checkpoints
          ? this.#checkpoints.loadMissing(this.health, (m) => !states.has(m) && partitions.includes(partitionOf(m, this.#partitionCount)))
          : [];
        this.stats.modelStatesRestored += states.size + fromDisk.length;
        // A machine past its baseline whose reference was still being learnt when its state was saved learns it again.
        for (const machine of this.health.machineIds) this.#references?.rearm(machine);
        // /health and /metrics show the machines this processor models now, not those that moved away.
        for (const machine of [...this.stats.latestHealth.keys()]) {
          if (partitions.includes(partitionOf(machine, this.#partitionCount))) continue;
          this.stats.latestHealth.delete(machine);
          this.stats.latestMode.delete(machine);
        }
        this.#log.info(
          { partitions, machines: [...states.keys()], fromLocalCopy: fromDisk, ms: Date.now() - t0 },
          'model state restored for the partitions received',
        );
        return;
      } catch (err) {
        this.#log.warn({ err: describeError(err), attempt }, 'model state cannot be read from Kafka yet; retrying before processing');
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
      }
    }
  }

  /** Read the tables' WAL state; resume the suspended ones whose turn it is (wal-watch.ts). */
  async #checkWal(): Promise<void> {
    if (this.#intake.signal.aborted) return;
    const target = { httpUrl: this.#ep.questdbHttp, auth: this.#ep.questdbAuth };
    let status: Awaited<ReturnType<typeof readWalStatus>>;
    try {
      status = await readWalStatus(target, Object.values(this.#tables));
    } catch (err) {
      this.#wal.checkFailed(describeError(err));
      return;
    }
    for (const table of this.#wal.observe(status, Date.now())) {
      const t = status.find((x) => x.name === table)!;
      this.#log.warn(
        { table, writerTxn: t.writerTxn, sequencerTxn: t.sequencerTxn, error: t.errorMessage || t.errorTag },
        'QuestDB table suspended: resuming its WAL apply (ALTER TABLE … RESUME WAL)',
      );
      await resumeWal(target, table).catch((err: unknown) =>
        this.#log.warn({ table, err: describeError(err) }, 'RESUME WAL failed; tried again later'),
      );
    }
  }

  /**
   * The wall-clock check for silent machines and channels (only those of idle partitions: a batch
   * being processed may be the data that ends a silence). Its events are written, published and
   * the machines' state saved like a batch's.
   */
  async #checkSilence(): Promise<void> {
    await this.#restoring;
    if (!this.alerts || this.#intake.signal.aborted || this.#partitionCount === 0) return;
    const idle = (m: string) => !this.#busyPartitions.has(partitionOf(m, this.#partitionCount));
    const before = new Map(this.alerts.machineIds.filter(idle).map((m) => [m, this.alerts!.checkpoint(m)!]));
    const events = this.alerts.tick(Date.now(), idle);
    if (events.length === 0) return;
    const out = events.map((e) => raised(e, Date.now()));
    const rows = out.map((e) => alertEventRow(this.#tables, e));
    let refused: RefusedItem<Row>[];
    try {
      refused = await this.#write(rows);
      await this.#alertPublisher?.send(out);
    } catch (err) {
      // Not delivered: the episodes go back to how they were, so the next check raises them again.
      for (const machine of new Set(out.map((e) => e.machine))) this.alerts.rollback(machine, before.get(machine)!);
      throw err;
    }
    for (const { item, err } of refused) this.#log.error({ table: item.table, err: describeError(err) }, 'QuestDB refused an alert row');
    // Counted like a batch's rows (pdm_processor_rows_out_total{table="alerts"}).
    recordRowsOut(
      this.stats,
      rows.filter((r) => !refused.some((x) => x.item === r)),
    );
    await this.#saveModels(new Set(out.map((e) => e.machine)));
  }

  async #analyse(
    w: CompletedWindow,
    processedAtUs: number,
  ): Promise<
    | {
        row: FeatureRowInput;
        window: WindowResult & { diagnosis: string };
        evidence: WindowEvidence<Row>;
        bearing: WindowDiagnosis | undefined;
      }
    | undefined
  > {
    const { key, config } = analysisConfig(w, { config: this.#config, speedRpm: this.#speedRpm, health: this.health });
    // The basis of the window's judgement, as the configuration took it: the learnt reference (its id), or none.
    const basis = config.reference === undefined ? '' : (this.health?.reference(w.machine, w.channel)?.id ?? '');
    const sampleCount = w.samples.length; // the buffer is transferred to the worker: read it first
    const kept = this.#references?.offerWindow(w, config);
    try {
      const { analysis, stored, cpuUs } = await this.#pool!.analyze({
        configKey: key,
        config,
        referenceId: basis,
        samples: w.samples,
        spectrumLines: this.#config.spectra.lines,
      });
      const referenceWindows = config.reference?.windows ?? 0;
      // A window that is not a measurement (sensor checks) does not teach the healthy reference.
      if (kept && analysis.sensor.status !== 'ok') this.#references!.discardWindow(w, kept);
      // A kept window's analysis: the reference is judged on it before it is used (baseline-quality.ts).
      else if (kept) this.#references!.judgeWindow(w, kept, analysis);
      recordAnalysis(this.stats, w, analysis, cpuUs, referenceWindows);
      return {
        row: {
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
          sensorState: analysis.sensor.status,
          sensorReasons: analysis.sensor.reasons,
          processedAtUs,
        },
        // Only channels watching a bearing have a diagnosis to accumulate.
        // Once a reference is learnt, the accumulation starts afresh (lines that counted before may not count after).
        bearing: config.bearing === undefined ? undefined : windowDiagnosisOf(w.windowSeq, analysis, w.sampleRateHz, sampleCount, basis),
        // Stored or not by the cadence (spectrum-cadence.ts): the spectra and, when it was demodulated, each family's lines.
        evidence: {
          machine: w.machine,
          channel: w.channel,
          windowSeq: w.windowSeq,
          tsNs: w.startTimeNs,
          shaftHz: analysis.shaft.hz,
          spectra: stored.spectra,
          bands: (stored.families ?? []).map((f) =>
            evidenceRow(this.#tables, {
              machine: w.machine,
              channel: w.channel,
              windowSeq: w.windowSeq,
              startTimeNs: w.startTimeNs,
              diagnosis: analysis.bearing.diagnosis,
              shaftHz: analysis.shaft.hz,
              family: f.family,
              defectHz: f.defectHz,
              baseHz: f.baseHz,
              sidebandSpacingHz: f.sidebandSpacingHz,
              strengthDb: f.strengthDb,
              supported: f.supported,
              rank: f.rank,
              harmonics: f.harmonics,
              processedAtUs,
            }),
          ),
        },
        window: {
          machine: w.machine,
          channel: w.channel,
          windowSeq: w.windowSeq,
          tsNs: w.startTimeNs,
          features: analysis.features,
          zone: analysis.iso20816.zone,
          sensor: analysis.sensor,
          diagnosis: analysis.bearing.diagnosis,
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

  /**
   * Stop within shutdown.timeoutS: abort the write retries at once (a write already in flight may
   * still finish), let the consumer finish or give up its batch and leave the group, close the
   * dead-letter producer; what has not finished by the deadline is abandoned uncommitted (the next
   * owner of its partitions reads it again: at-least-once). Safe to call twice.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const timeoutMs = this.#config.shutdown.timeoutS * 1000;
    const deadline = Date.now() + timeoutMs;
    this.#intake.abort();
    // A write in flight on a healthy QuestDB ends within a group commit (questdb.commitIntervalMs):
    // it is let finish and its batch committed, rather than abandoned and read again by the next
    // processor (with the two-stage batches one is in flight at almost every stop). A write still
    // pending after the grace is retrying an outage: it is abandoned. A retriable reason: the write
    // ends as an outage would (never taken for a refusal of the rows, never bisected).
    const abandonWrites = () =>
      this.#abort.abort(new PdmError('PDM_ERR_QUESTDB_UNAVAILABLE', 'the processor is stopping: write retries abandoned'));
    const graceMs = Math.min(timeoutMs / 2, Math.max(2_000, 4 * this.#config.questdb.commitIntervalMs));
    const grace = setTimeout(abandonWrites, graceMs);
    clearInterval(this.#backpressureTimer);
    clearInterval(this.#alertTimer);
    clearInterval(this.#walTimer);
    const orderly = (async () => {
      // Second stages still running end: committed, or (writes abandoned by the abort) not, and
      // then their partitions' models are left out of the checkpoint below.
      await this.#pipelines.idle();
      // References being learnt are kept: the forced checkpoint below saves them with their machines.
      await this.#references?.idle();
      // Before leaving the group: once it has left, the partitions' next owner may already save newer state.
      await this.#maybeCheckpoint(true);
      await this.#consumer?.disconnect().catch(() => undefined);
      await this.#stateTopic?.close();
      await this.#deadLetters?.close().catch(() => undefined);
      await this.#alertPublisher?.close().catch(() => undefined);
      await this.#groupWriter.idle();
    })();
    if (!(await settlesWithin(orderly, timeoutMs))) {
      this.#log.warn(
        { timeoutS: this.#config.shutdown.timeoutS },
        'shutdown: in-flight work did not finish in time and is abandoned (not committed: it will be processed again)',
      );
    }
    clearTimeout(grace);
    abandonWrites();
    // A QuestDB that does not answer must not hold the exit either.
    await settlesWithin(
      this.#sink?.close().catch(() => undefined),
      Math.max(1000, deadline - Date.now()),
    );
    await this.#pool?.close().catch(() => undefined);
    await this.metrics.close();
  }
}

/** Whether `p` settles within `ms` (it keeps running either way). */
async function settlesWithin(p: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.resolve(p).then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the alert tracker needs of an analysed window. */
function alertWindow(w: WindowResult): Parameters<AlertTracker['onWindow']>[0] {
  const reasons = w.sensor?.reasons ?? [];
  return {
    machine: w.machine,
    channel: w.channel,
    tsMs: Number(w.tsNs / 1_000_000n),
    zone: w.zone,
    velocityMmS: w.features['velocity_rms_mm_s'],
    sensor: { status: w.sensor?.status ?? 'ok', reasonsText: reasons.map((r) => SENSOR_FAULT_TEXT[r]).join(', ') },
  };
}
