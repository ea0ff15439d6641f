/**
 * What an operator watches: Prometheus metrics (prom-client, one registry per collector so
 * several can live in one process) and a /health JSON with each machine's state and the age of
 * its last block, both on one small HTTP server.
 *
 * Counters move when things happen (a block in, a block acknowledged...); gauges about the spool
 * and the machines are read when scraped.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { MetricsServer } from '../../common/metrics-server.ts';

export interface MachineHealth {
  machine: string;
  endpoint: string;
  state: string;
  error?: string;
  /** Seconds since the last block (null: none yet). */
  lastBlockAgeS: number | null;
  blocksIn: number;
  blocksOut: number;
  gaps: number;
  missingBlocks: number;
  /** missingBlocks by cause (common/wire/gap-event.ts GAP_CAUSES): collector_down is the collector's own downtime. */
  missingByCause: Record<string, number>;
  dropped: number;
  reconnects: number;
  /** Last block sequence number received per channel. */
  lastSeq: Record<string, number>;
  risks: string[];
  /** Security of the connection in use (mode/policy). */
  security?: string;
  /**
   * How the waveforms are collected: `subscription` (the server reports every block), or `polling`
   * (timed Read calls, for a server that samples more slowly than blocks come); expectedLossPerS
   * is the blocks per second that will be lost when nothing can keep up (0: none expected).
   */
  collection: { mode: 'subscription' | 'polling'; expectedLossPerS: number; reason: string };
  /** Blocks without a counter whose start time was off the block grid. */
  offGridBlocks: number;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  collector: string;
  kafka: { mode: 'live' | 'spooling'; up: boolean; lastError?: string };
  spool: {
    records: number;
    bytes: number;
    oldestAgeS: number | null;
    dropped: number;
    /** Appends that found the spool's disk full before spool.maxBytes. */
    diskFullEvents: number;
    /** Gap events the full spool could not take yet (offered again every second). */
    gapEventsWaiting: number;
  };
  machines: MachineHealth[];
}

export interface MetricsSource {
  health(): HealthReport;
}

export class CollectorMetrics {
  readonly registry = new Registry();
  readonly blocksIn: Counter<'machine' | 'channel'>;
  readonly blocksOut: Counter<'machine'>;
  readonly bytesOut: Counter;
  readonly gaps: Counter<'machine' | 'channel'>;
  readonly missingBlocks: Counter<'machine' | 'channel'>;
  readonly duplicates: Counter<'machine'>;
  readonly reconnects: Counter<'machine'>;
  readonly dropped: Counter<'machine' | 'reason'>;
  readonly energyIn: Counter<'machine'>;
  readonly scalarIn: Counter<'machine' | 'channel'>;
  readonly sequenceResets: Counter<'machine' | 'channel'>;
  readonly expectedLoss: Gauge<'machine'>;
  #server: MetricsServer | undefined;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    const c = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers });
    this.blocksIn = c('pdm_collector_blocks_in_total', 'vibration blocks received from OPC UA', ['machine', 'channel']);
    this.blocksOut = c('pdm_collector_blocks_out_total', 'vibration blocks acknowledged by Kafka', ['machine']);
    this.bytesOut = new Counter({
      name: 'pdm_collector_bytes_out_total',
      help: 'message bytes acknowledged by Kafka (all topics)',
      registers,
    });
    this.gaps = c('pdm_collector_gaps_total', 'jumps in a channel sequence (each a gap event)', ['machine', 'channel']);
    this.missingBlocks = c('pdm_collector_missing_blocks_total', 'blocks missing in those jumps', ['machine', 'channel']);
    this.duplicates = c('pdm_collector_duplicates_total', 'blocks received twice (after a reconnection) and not sent again', ['machine']);
    this.reconnects = c('pdm_collector_reconnects_total', 'connections re-established or rebuilt', ['machine']);
    this.dropped = c('pdm_collector_dropped_total', 'messages dropped: spool full (oldest first) or frame too large', [
      'machine',
      'reason',
    ]);
    this.energyIn = c('pdm_collector_energy_readings_in_total', 'energy readings received', ['machine']);
    this.scalarIn = c('pdm_collector_scalar_readings_in_total', "scalar sensors' readings (overall values) received", [
      'machine',
      'channel',
    ]);
    this.sequenceResets = c('pdm_collector_sequence_resets_total', 'sequence counters that restarted lower', ['machine', 'channel']);
    this.expectedLoss = new Gauge({
      name: 'pdm_collector_expected_loss_blocks_per_second',
      help: 'blocks per second a machine will lose because its server samples more slowly than blocks come and nothing can keep up',
      labelNames: ['machine'],
      registers,
    });
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect(this: Gauge) {
          collect(this);
        },
      });
    gauge('pdm_collector_spool_records', 'messages waiting in the spool', [], (g) => g.set(source.health().spool.records));
    gauge('pdm_collector_spool_bytes', 'bytes waiting in the spool', [], (g) => g.set(source.health().spool.bytes));
    gauge('pdm_collector_spool_oldest_age_seconds', 'age of the oldest message in the spool (0 when empty)', [], (g) =>
      g.set(source.health().spool.oldestAgeS ?? 0),
    );
    gauge('pdm_collector_kafka_up', '1 while Kafka acknowledges, 0 while spooling because it does not', [], (g) =>
      g.set(source.health().kafka.up ? 1 : 0),
    );
    gauge('pdm_collector_machine_up', '1 when the machine is connected', ['machine'], (g) => {
      g.reset();
      for (const m of source.health().machines) g.set({ machine: m.machine }, m.state === 'connected' ? 1 : 0);
    });
    gauge('pdm_collector_last_block_age_seconds', 'seconds since the last block of the machine', ['machine'], (g) => {
      g.reset();
      for (const m of source.health().machines) if (m.lastBlockAgeS !== null) g.set({ machine: m.machine }, m.lastBlockAgeS);
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'pdm_collector_' });
    this.#source = source;
  }

  readonly #source: MetricsSource;

  /** Serve /metrics and /health; resolves with the port. */
  async listen(port: number, host: string): Promise<number> {
    this.#server = new MetricsServer(this.registry, {
      health: () => {
        const report = this.#source.health();
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
