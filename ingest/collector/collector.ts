/**
 * The collector: one supervised OPC UA input per machine (machine-supervisor.ts), one
 * store-and-forward path to Kafka for all (store-and-forward.ts over spool.ts and
 * kafka-output.ts), a sequence ledger that turns every jump into a recorded gap and every repeat
 * into a dropped duplicate (sequence-ledger.ts), and metrics with a health endpoint.
 *
 * Each machine runs on its own: one that cannot be reached retries with backoff, one whose
 * configuration or security is wrong stops with one clear error line; neither affects the
 * others. Every block is counted in and out; every missing block is counted, logged and sent as
 * a gap event (`pdm.gaps.v1`, which the processor writes to `collection_gaps`): jumps seen while
 * running, the collector's own downtime (found through the persisted ledger), and blocks dropped
 * from a full spool.
 */
import { join } from 'node:path';
import { describeError, PdmError } from '../../common/errors.ts';
import { type KafkaSecurity, resolveKafkaSecurity } from '../../common/kafka.ts';
import { logger } from '../../common/log.ts';
import { topicNames } from '../../common/topics.ts';
import { encodeEnergyReading } from '../../common/wire/energy-reading.ts';
import { encodeFeatureReading } from '../../common/wire/feature-reading.ts';
import { encodeGapEvent, type GapCause } from '../../common/wire/gap-event.ts';
import { encodeVibrationFrame } from '../../common/wire/vibration-frame.ts';
import { unwrapCounter } from './block-continuity.ts';
import type { ModeDecision } from './collection-mode.ts';
import { type CollectorConfig, collectorId, insecureSettings, type MachineEndpoint, spoolDir } from './collector-config.ts';
import { CollectorMetrics, type HealthReport } from './collector-metrics.ts';
import { KafkaOutput } from './kafka-output.ts';
import { type MachineState, MachineSupervisor } from './machine-supervisor.ts';
import type { CollectedBlock, EnergyReadingMessage, ScalarReadingMessage } from './opcua-machine-input.ts';
import { OpcuaSessionPool } from './opcua-session-pool.ts';
import { RunStateSpans } from './run-state-spans.ts';
import { SequenceLedger, type SequenceVerdict } from './sequence-ledger.ts';
import { selectMachines } from './sharding.ts';
import { type DroppedRange, Spool } from './spool.ts';
import type { SpoolMessage } from './spool-record.ts';
import { type ForwarderOptions, StoreAndForward } from './store-and-forward.ts';

export interface MachineStats {
  endpoint: string;
  machine: string | undefined;
  /** Index in the configuration's machines list. */
  configIndex: number;
  state: MachineState;
  error?: string;
  blocksIn: number;
  /** Blocks acknowledged by Kafka. */
  blocksOut: number;
  duplicates: number;
  gaps: number;
  missingBlocks: number;
  /** Messages of this machine dropped (spool full, frame too large). */
  dropped: number;
  energyIn: number;
  /** Readings of scalar sensors (overall values, pdm.features.v1). */
  scalarIn: number;
  reconnects: number;
  lastBlockAtMs?: number;
  lastSeq: Record<string, number>;
  /** Risks found in what the server granted (sampling interval, queue size), an insecure connection, a certificate mismatch. */
  risks: string[];
  /** Security of the connection in use, e.g. SignAndEncrypt/Aes256_Sha256_RsaPss. */
  security?: string;
  /** How the waveforms are collected (subscription, or timed Reads for a server that samples) and the loss expected. */
  collection?: ModeDecision;
  /** Blocks (without counter) whose start was off the block grid. */
  offGrid: number;
  /** Blocks missing by cause (the sum is missingBlocks): the collector's downtime apart from losses while running. */
  missingByCause: Partial<Record<GapCause, number>>;
  /** When the connection to the machine was last lost (ms; 0: never in this run). */
  connectionLostAtMs: number;
  /** When each channel's last block arrived (ms), to tell a gap across a lost connection. */
  lastBlockAtMsByChannel: Map<string, number>;
  /** When the machine was not running (its Machinery state), to tell a stop from a loss. */
  runState: RunStateSpans;
}

export interface CollectorOptions {
  brokers: string[];
  /** TLS / SASL towards Kafka; default: the config's kafka.security, else PDM_KAFKA_SECURITY_PROTOCOL and friends. */
  security?: KafkaSecurity;
  env?: NodeJS.ProcessEnv;
  /** Overrides the Kafka client id (default: the collector id). */
  clientId?: string;
  /** Tuning of the path to Kafka (tests use short timeouts). */
  forwarder?: Partial<ForwarderOptions>;
}

/** Gap events held while the full spool cannot take them (each a few hundred bytes). */
const MAX_UNSENT_GAPS = 10_000;
/** How often they are offered again. */
const UNSENT_GAP_RETRY_MS = 1_000;

export class Collector {
  readonly id: string;
  readonly stats: MachineStats[] = [];
  readonly metrics: CollectorMetrics;
  readonly #config: CollectorConfig;
  /** Sessions shared by the machines of one server (a gateway). */
  readonly #sessions: OpcuaSessionPool;
  readonly #opts: CollectorOptions;
  readonly #log;
  readonly #topics;
  readonly #byMachine = new Map<string, MachineStats>();
  readonly #supervisors: MachineSupervisor[] = [];
  #spool: Spool | undefined;
  #ledger: SequenceLedger | undefined;
  #forwarder: StoreAndForward | undefined;
  #output: KafkaOutput | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** OPC UA sessions open now (machines of one gateway share one; for logs and tests). */
  get opcuaSessions(): number {
    return this.#sessions.openSessions;
  }

  /** Port of the metrics endpoint once listening. */
  metricsPort: number | undefined;

  constructor(config: CollectorConfig, opts: CollectorOptions) {
    this.#sessions = new OpcuaSessionPool(config.machinesPerSession);
    this.#config = config;
    this.#opts = opts;
    this.id = collectorId(config);
    this.#topics = topicNames(config.kafka.topicPrefix);
    this.#log = logger('collector', { collector: this.id });
    this.metrics = new CollectorMetrics({ health: () => this.health() });
    for (const { machine, index } of selectMachines(config.machines, config.shard)) {
      const stats: MachineStats = {
        endpoint: machine.endpoint,
        machine: machine.id,
        configIndex: index,
        state: 'starting',
        blocksIn: 0,
        blocksOut: 0,
        duplicates: 0,
        gaps: 0,
        missingBlocks: 0,
        dropped: 0,
        energyIn: 0,
        scalarIn: 0,
        reconnects: 0,
        lastSeq: {},
        risks: [],
        offGrid: 0,
        missingByCause: {},
        connectionLostAtMs: 0,
        lastBlockAtMsByChannel: new Map(),
        runState: new RunStateSpans(),
      };
      this.stats.push(stats);
      // Known ids count their spooled frames delivered before the machine is connected again.
      if (machine.id) this.#byMachine.set(machine.id, stats);
    }
  }

  /** The spool directory in use. */
  get spoolDir(): string {
    return spoolDir(this.#config);
  }

  get spool(): Spool | undefined {
    return this.#spool;
  }

  get forwarder(): StoreAndForward | undefined {
    return this.#forwarder;
  }

  get output(): KafkaOutput | undefined {
    return this.#output;
  }

  /**
   * Open the spool (throws PDM_ERR_SPOOL if another collector holds it), start sending (Kafka may
   * be down: everything waits in the spool), and start every machine of this shard.
   */
  async start(): Promise<void> {
    const dir = this.spoolDir;
    const { spool: sc } = this.#config;
    const ledger = new SequenceLedger(join(dir, 'sequences.json'));
    this.#ledger = ledger;
    const spool = Spool.open(
      // Gap events say what was lost: never dropped for room (they are tiny).
      {
        dir,
        maxBytes: sc.maxBytes,
        segmentBytes: sc.segmentBytes,
        fsync: sc.fsync,
        fsyncIntervalMs: sc.fsyncIntervalMs,
        keep: (r) => r.topic === this.#topics.gaps,
      },
      {
        onDrop: (ranges) => setImmediate(() => this.#onDropped(ranges)),
        // Gap events the full disk would not let the spool keep: held here and offered again.
        onKeepRefused: (records) => {
          for (const r of records) this.#holdGap(r);
        },
        beforeDelete: () => ledger.persist(),
      },
    );
    this.#spool = spool;
    ledger.mergeRecovered(spool.recovery.lastSeq, spool.recovery.lastEndMs);
    const { kafka } = this.#config;
    this.#output = new KafkaOutput({
      brokers: this.#opts.brokers,
      clientId: this.#opts.clientId ?? this.id,
      security: this.#opts.security ?? resolveKafkaSecurity(kafka.security, this.#opts.env),
      env: this.#opts.env,
      compression: kafka.compression,
      partitions: kafka.partitions,
      replicationFactor: kafka.replicationFactor,
      topics: [this.#topics.vibration, this.#topics.energy, this.#topics.features, this.#topics.gaps],
    });
    this.#forwarder = new StoreAndForward(
      spool,
      this.#output,
      {
        delivered: (m) => this.#onDelivered(m),
        spooled: (m) => this.#onDurable(m),
        // A gap event the full spool refused while moving memory to disk: held like one send() refused.
        refused: (m) => {
          if (m.topic === this.#topics.gaps) this.#holdGap(m);
        },
      },
      this.#opts.forwarder,
    );
    this.#forwarder.start();
    this.#checkpointTimer = setInterval(() => this.#checkpoint(), 250);
    this.#checkpointTimer.unref();
    if (this.#config.metrics) {
      this.metricsPort = await this.metrics.listen(this.#config.metrics.port, this.#config.metrics.host);
      this.#log.info({ port: this.metricsPort }, 'metrics on /metrics, health on /health');
    }
    this.#log.info(
      {
        spool: dir,
        recovered: spool.recovery.records,
        machines: this.stats.map((s) => s.machine ?? s.endpoint),
        shard: this.#config.shard,
      },
      'collector started',
    );
    for (const stats of this.stats) this.#startMachine(this.#config.machines[stats.configIndex], stats);
  }

  #checkpoint(): void {
    this.#retryUnsentGaps();
    try {
      this.#ledger?.persist();
      this.#spool?.checkpoint();
    } catch (err) {
      this.#log.error({ err: describeError(err) }, 'cannot write the collector state (spool checkpoint or sequence ledger)');
    }
  }

  #label(m: MachineEndpoint, stats: MachineStats): string {
    return `machines[${stats.configIndex}] ${stats.machine ?? m.id ?? ''} (${m.endpoint})`.replace('  ', ' ');
  }

  #startMachine(m: MachineEndpoint, stats: MachineStats): void {
    // Insecure settings stop this machine unless it says allowInsecure: true; accepted ones are
    // said at every start, so nobody forgets a test setting left in a plant's config.
    const insecure = insecureSettings(m);
    if (insecure.length > 0 && !m.allowInsecure) {
      this.#fail(
        stats,
        new PdmError(
          'PDM_ERR_CONFIG_INVALID',
          `${this.#label(m, stats)}: ${insecure.join(' and ')} refused: set machines[${stats.configIndex}].allowInsecure: true to accept it for this machine, or use security.mode SignAndEncrypt with a user (auth.usernameEnv / passwordEnv)`,
          { endpoint: m.endpoint, field: `machines[${stats.configIndex}].allowInsecure` },
        ),
      );
      return;
    }
    if (insecure.length > 0) {
      this.#log.warn(
        { endpoint: m.endpoint, machine: stats.machine, insecure },
        `INSECURE: ${this.#label(m, stats)} is collected with ${insecure.join(' and ')} (allowInsecure: true)`,
      );
      stats.risks.push(`insecure connection allowed by allowInsecure: ${insecure.join(' and ')}`);
    }
    let credentials: { username: string; password: string } | null = null;
    const env = this.#opts.env ?? process.env;
    if ('usernameEnv' in m.auth) {
      const username = env[m.auth.usernameEnv];
      const password = env[m.auth.passwordEnv];
      if (!username || !password) {
        this.#fail(
          stats,
          new PdmError(
            'PDM_ERR_CONFIG_INVALID',
            `${this.#label(m, stats)}: environment variable ${!username ? m.auth.usernameEnv : m.auth.passwordEnv} is not set; set the OPC UA credentials in the environment`,
          ),
        );
        return;
      }
      credentials = { username, password };
    }
    const { reconnect } = this.#config;
    const supervisor = new MachineSupervisor(
      {
        endpoint: m.endpoint,
        machineId: m.id,
        security: m.security,
        credentials,
        pkiDir: this.#config.pkiDir,
        sessions: this.#sessions,
        publishingIntervalMs: m.publishingIntervalMs,
        reconnectMaxDelayMs: Math.min(500, reconnect.maxDelayMs),
        nodes: m.nodes,
      },
      {
        block: (b) => this.#onBlock(stats, b),
        energy: (e) => this.#onEnergy(stats, e),
        runState: (state, atMs) => stats.runState.observe(state, atMs),
        scalar: (r) => this.#onScalar(stats, r),
        risk: (message) => {
          if (!stats.risks.includes(message)) stats.risks.push(message);
        },
        mode: (decision) => {
          stats.collection = decision;
          // A loss that will happen is a risk too, where operators look for them.
          if (decision.expectedLossPerS > 0 && !stats.risks.includes(decision.reason)) stats.risks.push(decision.reason);
          this.metrics.expectedLoss.set({ machine: stats.machine ?? m.endpoint }, decision.expectedLossPerS);
        },
      },
      {
        state: (state, detail) => {
          if (this.#stopped) return;
          // Blocks the server makes from now until the connection is back are not received: a
          // gap measured across this moment is "disconnected", not lost while connected.
          if (state === 'reconnecting' || state === 'connecting') stats.connectionLostAtMs = Date.now();
          stats.state = state;
          if (state === 'connected') stats.error = undefined;
          else if (detail && state === 'connecting') stats.error = detail;
          this.#log.info({ endpoint: m.endpoint, machine: stats.machine, state, detail }, 'machine connection state');
        },
        connected: (machineId, input) => {
          stats.security = input.security;
          const other = this.#byMachine.get(machineId);
          if (other && other !== stats) {
            throw new PdmError(
              'PDM_ERR_CONFIG_INVALID',
              `${this.#label(m, stats)}: serves machine '${machineId}', which machines[${other.configIndex}] (${other.endpoint}) already collects; each machine once`,
            );
          }
          stats.machine = machineId;
          this.#byMachine.set(machineId, stats);
        },
        reconnected: (how) => {
          stats.reconnects++;
          this.metrics.reconnects.inc({ machine: stats.machine ?? m.endpoint });
          this.#log.info({ endpoint: m.endpoint, machine: stats.machine, how }, 'machine collected again');
        },
        failed: (err) => this.#fail(stats, err),
      },
      reconnect,
    );
    this.#supervisors.push(supervisor);
    supervisor.start();
  }

  #fail(stats: MachineStats, err: unknown): void {
    stats.state = 'failed';
    stats.error = describeError(err);
    this.#log.error(
      { endpoint: stats.endpoint, machine: stats.machine, err: stats.error },
      'machine stopped: fix the cause and restart the collector; the other machines go on',
    );
  }

  #send(message: SpoolMessage): boolean {
    return this.#forwarder!.send(message);
  }

  /**
   * Gap events the full spool could not take (its disk full, nothing older left to drop): kept
   * here, few and small, and offered again until the spool or Kafka takes them. Without this the
   * gap that reports a spool's losses was lost with them (found by the fault suite: a spool disk
   * filled while Kafka was down, 200 blocks per channel gone and none reported).
   */
  readonly #unsentGaps: SpoolMessage[] = [];
  #unsentGapsRetryAtMs = 0;

  #sendGap(message: SpoolMessage): void {
    if (this.#unsentGaps.length > 0 || !this.#send(message)) this.#holdGap(message);
  }

  #holdGap(message: SpoolMessage): void {
    if (this.#unsentGaps.length >= MAX_UNSENT_GAPS) {
      this.#log.error({ gap: message.value.toString() }, 'gap event lost: too many gap events wait for room in the full spool');
      return;
    }
    this.#unsentGaps.push(message);
  }

  #retryUnsentGaps(): void {
    if (this.#unsentGaps.length === 0 || Date.now() < this.#unsentGapsRetryAtMs) return;
    this.#unsentGapsRetryAtMs = Date.now() + UNSENT_GAP_RETRY_MS;
    while (this.#unsentGaps.length > 0 && this.#send(this.#unsentGaps[0])) this.#unsentGaps.shift();
  }

  #onBlock(stats: MachineStats, b: CollectedBlock): void {
    if (this.#stopped) return;
    stats.blocksIn++;
    const previousBlockAtMs = stats.lastBlockAtMsByChannel.get(b.channel) ?? 0;
    stats.lastBlockAtMs = Date.now();
    stats.lastBlockAtMsByChannel.set(b.channel, stats.lastBlockAtMs);
    this.metrics.blocksIn.inc({ machine: b.machine, channel: b.channel });
    const { seq, verdict } = this.#sequence(stats, b);
    if (verdict.kind === 'duplicate') {
      // Offered again after a reconnection (initial value of a new subscription, republish): already sent.
      stats.duplicates++;
      this.metrics.duplicates.inc({ machine: b.machine });
      return;
    }
    if (verdict.kind === 'reset') {
      this.metrics.sequenceResets.inc({ machine: b.machine, channel: b.channel });
      if (b.seq === undefined)
        this.#log.warn(
          { machine: b.machine, channel: b.channel, seq, startMs: b.startMs },
          "block starts before the previous one: the server's clock went back; numbering goes on",
        );
      else
        this.#log.warn(
          { machine: b.machine, channel: b.channel, seq: b.seq, last: verdict.last },
          'sequence number went far back: the server counter restarted; counting from here',
        );
    }
    if (verdict.kind === 'gap') {
      const missingFromMs = b.startMs - (verdict.toSeq - verdict.fromSeq + 1) * b.blockMs;
      const cause: GapCause = verdict.acrossRestart
        ? 'collector_down'
        : previousBlockAtMs < stats.connectionLostAtMs
          ? 'disconnected'
          : stats.runState.notRunningDuring(missingFromMs, b.startMs)
            ? 'not_running'
            : 'lost_in_flight';
      this.#recordGap(
        stats,
        b.machine,
        b.channel,
        verdict.fromSeq,
        verdict.toSeq,
        b.startTimeNs,
        b.seq === undefined ? 'timestamp jump' : 'sequence jump',
        cause,
      );
    }
    stats.lastSeq[b.channel] = seq;
    const value = encodeVibrationFrame({
      machine: b.machine,
      channel: b.channel,
      units: b.units,
      location: b.meaning.location,
      axis: b.meaning.axis,
      quantity: b.meaning.quantity,
      seq,
      startTimeNs: b.startTimeNs,
      sampleRateHz: b.sampleRateHz,
      samples: b.samples,
    });
    if (value.byteLength > this.#config.kafka.maxMessageBytes) {
      stats.dropped++;
      this.metrics.dropped.inc({ machine: b.machine, reason: 'too_large' });
      this.#log.error(
        { machine: b.machine, channel: b.channel, seq, bytes: value.byteLength, max: this.#config.kafka.maxMessageBytes },
        'block larger than kafka.maxMessageBytes: dropped (raise the broker and config limit, or use smaller blocks)',
      );
      this.#recordGap(stats, b.machine, b.channel, seq, seq, BigInt(Math.round(b.endTimeMs)) * 1_000_000n, 'frame too large', 'too_large');
      return;
    }
    this.#send({
      topic: this.#topics.vibration,
      key: b.machine,
      value,
      machine: b.machine,
      channel: b.channel,
      seq,
      endTimeMs: b.endTimeMs,
    });
  }

  /**
   * The block's sequence number and verdict: the server's counter (unwrapped when it wraps), or,
   * for a channel without one, numbered by its start time. Blocks whose start is off the grid
   * (the server does not stamp the sample clock) are counted on the machine's risks once.
   */
  #sequence(stats: MachineStats, b: CollectedBlock): { seq: number; verdict: SequenceVerdict } {
    const ledger = this.#ledger!;
    const time = { startMs: b.startMs, endMs: b.endTimeMs };
    if (b.seq !== undefined) {
      const seq = b.counterBits ? unwrapCounter(ledger.lastReceived(b.machine, b.channel), b.seq, b.counterBits) : b.seq;
      return { seq, verdict: ledger.accept(b.machine, b.channel, seq, time) };
    }
    const timed = ledger.acceptTimed(b.machine, b.channel, b.startMs, b.blockMs, b.toleranceMs);
    if (timed.offGridMs !== 0) {
      stats.offGrid++;
      const risk = `channel ${b.channel}: block start times are off the block grid (by ${timed.offGridMs.toFixed(1)} ms, tolerance ${b.toleranceMs.toFixed(2)} ms): the SourceTimestamp is not the sample clock's, so gaps are counted by rounding to whole blocks`;
      if (!stats.risks.some((r) => r.startsWith(`channel ${b.channel}: block start times are off`))) {
        stats.risks.push(risk);
        this.#log.warn({ machine: b.machine, channel: b.channel, offGridMs: timed.offGridMs }, risk);
      }
    }
    return timed;
  }

  #recordGap(
    stats: MachineStats | undefined,
    machine: string,
    channel: string,
    fromSeq: number,
    toSeq: number,
    resumedAtNs: bigint,
    reason: string,
    cause: GapCause,
  ): void {
    const missing = toSeq - fromSeq + 1;
    if (stats) {
      stats.gaps++;
      stats.missingBlocks += missing;
      stats.missingByCause[cause] = (stats.missingByCause[cause] ?? 0) + missing;
    }
    this.metrics.gaps.inc({ machine, channel });
    this.metrics.missingBlocks.inc({ machine, channel }, missing);
    // How long the collector was not running, when its last run left a heartbeat.
    const down = this.#ledger?.downtime;
    const downMs = cause === 'collector_down' && down?.fromMs !== undefined ? Math.max(0, down.toMs - down.fromMs) : undefined;
    const gap = {
      machine,
      channel,
      from_seq: fromSeq,
      to_seq: toSeq,
      detected_at_ms: Date.now(),
      resumed_at_ns: resumedAtNs.toString(),
      cause,
      ...(downMs !== undefined ? { collector_down_ms: downMs } : {}),
    };
    this.#log.warn(
      { ...gap, missing, reason },
      cause === 'collector_down' ? 'blocks not collected while the collector was stopped: gap recorded' : 'blocks missing: gap recorded',
    );
    this.#sendGap({ topic: this.#topics.gaps, key: machine, value: encodeGapEvent(gap), machine, channel: '', seq: -1, endTimeMs: 0 });
  }

  #onEnergy(stats: MachineStats, e: EnergyReadingMessage): void {
    if (this.#stopped) return;
    stats.energyIn++;
    this.metrics.energyIn.inc({ machine: e.machine });
    this.#send({
      topic: this.#topics.energy,
      key: e.machine,
      value: encodeEnergyReading({ machine: e.machine, ts_ms: e.timeMs, values: e.values }),
      machine: e.machine,
      channel: '',
      seq: -1,
      endTimeMs: 0,
    });
  }

  /**
   * A scalar sensor's reading: spooled and sent like an energy reading (no sequence number: its
   * SourceTimestamp is its identity, and QuestDB's DEDUP on (ts, machine, channel) makes a reading
   * sent twice one row).
   */
  #onScalar(stats: MachineStats, r: ScalarReadingMessage): void {
    if (this.#stopped) return;
    stats.scalarIn++;
    stats.lastBlockAtMs = Date.now();
    this.metrics.scalarIn.inc({ machine: r.machine, channel: r.channel });
    this.#send({
      topic: this.#topics.features,
      key: r.machine,
      value: encodeFeatureReading({
        machine: r.machine,
        channel: r.channel,
        ts_ms: r.timeMs,
        location: r.location,
        axis: r.axis,
        values: r.values,
      }),
      machine: r.machine,
      channel: r.channel,
      seq: -1,
      endTimeMs: 0,
    });
  }

  #onDurable(m: SpoolMessage): void {
    if (m.seq >= 0 && m.topic === this.#topics.vibration) this.#ledger?.durable(m.machine, m.channel, m.seq, m.endTimeMs);
  }

  #onDelivered(messages: readonly SpoolMessage[]): void {
    let bytes = 0;
    for (const m of messages) {
      bytes += m.value.byteLength;
      if (m.seq < 0 || m.topic !== this.#topics.vibration) continue;
      this.#ledger?.durable(m.machine, m.channel, m.seq, m.endTimeMs);
      const stats = this.#byMachine.get(m.machine);
      if (stats) stats.blocksOut++;
      this.metrics.blocksOut.inc({ machine: m.machine });
    }
    this.metrics.bytesOut.inc(bytes);
  }

  #onDropped(ranges: DroppedRange[]): void {
    for (const r of ranges) {
      const stats = this.#byMachine.get(r.machine);
      if (stats) stats.dropped += r.records;
      this.metrics.dropped.inc({ machine: r.machine, reason: 'spool_full' }, r.records);
      this.#log.error(
        {
          topic: r.topic,
          machine: r.machine,
          channel: r.channel || undefined,
          fromSeq: r.fromSeq >= 0 ? r.fromSeq : undefined,
          toSeq: r.toSeq >= 0 ? r.toSeq : undefined,
          records: r.records,
          bytes: r.bytes,
        },
        'spool full: oldest messages dropped',
      );
      // Dropped blocks are missing downstream: record them as a gap like any other.
      if (r.topic === this.#topics.vibration && r.fromSeq >= 0 && !this.#stopped) {
        this.#recordGap(
          stats,
          r.machine,
          r.channel,
          r.fromSeq,
          r.toSeq,
          BigInt(Math.round(r.lastEndTimeMs)) * 1_000_000n,
          'dropped from the full spool',
          'spool_full',
        );
      }
    }
  }

  health(): HealthReport {
    const now = Date.now();
    const spool = this.#spool;
    const oldest = spool?.oldestAppendedAtMs;
    const machines = this.stats.map((s) => ({
      machine: s.machine ?? s.endpoint,
      endpoint: s.endpoint,
      state: s.state,
      ...(s.error ? { error: s.error } : {}),
      lastBlockAgeS: s.lastBlockAtMs === undefined ? null : (now - s.lastBlockAtMs) / 1000,
      blocksIn: s.blocksIn,
      blocksOut: s.blocksOut,
      gaps: s.gaps,
      missingBlocks: s.missingBlocks,
      missingByCause: { ...s.missingByCause },
      dropped: s.dropped,
      reconnects: s.reconnects,
      lastSeq: s.lastSeq,
      risks: s.risks,
      ...(s.security ? { security: s.security } : {}),
      collection: s.collection
        ? { mode: s.collection.mode, expectedLossPerS: s.collection.expectedLossPerS, reason: s.collection.reason }
        : { mode: 'subscription' as const, expectedLossPerS: 0, reason: 'not connected yet' },
      offGridBlocks: s.offGrid,
    }));
    const flowing = machines.filter((m) => m.state === 'connected').length;
    return {
      status: flowing === machines.length ? 'ok' : flowing === 0 ? 'down' : 'degraded',
      collector: this.id,
      kafka: {
        mode: this.#forwarder?.mode ?? 'live',
        up: this.#forwarder?.kafkaUp ?? false,
        ...(this.#forwarder?.lastError ? { lastError: this.#forwarder.lastError } : {}),
      },
      spool: {
        records: spool?.records ?? 0,
        bytes: spool?.bytes ?? 0,
        oldestAgeS: oldest === undefined ? null : (now - oldest) / 1000,
        dropped: spool?.droppedRecords ?? 0,
        diskFullEvents: spool?.diskFullEvents ?? 0,
        gapEventsWaiting: this.#unsentGaps.length,
      },
      machines,
    };
  }

  /**
   * Stop collecting, send what waits (for at most `drainTimeoutMs`; the rest stays in the spool
   * for the next start), persist the state.
   */
  async stop(drainTimeoutMs = 10_000): Promise<void> {
    if (this.#stopped) return;
    await Promise.all(this.#supervisors.map((s) => s.stop()));
    this.#stopped = true;
    // Last chance for gap events the full spool refused: they go before the forwarder drains.
    this.#unsentGapsRetryAtMs = 0;
    this.#retryUnsentGaps();
    if (this.#unsentGaps.length > 0)
      this.#log.error(
        { gaps: this.#unsentGaps.map((m) => m.value.toString()) },
        'stopping with gap events the full spool never took: these losses are not reported downstream',
      );
    await this.#forwarder?.close(drainTimeoutMs);
    clearInterval(this.#checkpointTimer);
    // Forced: the file then says when this run ended, which the next run's downtime starts from.
    this.#ledger?.persist(true);
    this.#spool?.close();
    await this.metrics.close();
    for (const s of this.stats) s.state = s.state === 'failed' ? 'failed' : 'stopped';
    this.#log.info(
      {
        blocksIn: this.stats.reduce((n, s) => n + s.blocksIn, 0),
        blocksOut: this.stats.reduce((n, s) => n + s.blocksOut, 0),
        spoolLeft: this.#spool?.records ?? 0,
      },
      'collector stopped',
    );
  }
}
