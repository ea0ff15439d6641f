/**
 * The collector: one OPC UA input per machine, one Kafka producer for all. Each machine runs on
 * its own: a machine that cannot be reached retries with backoff, one whose configuration or
 * security is wrong is stopped with a clear error — neither affects the others. Every block is
 * counted in and out, and every jump in a channel's sequence numbers is a recorded gap.
 */
import { encodeVibrationFrame } from '../../common/wire/vibration-frame.ts';
import { encodeEnergyReading } from '../../common/wire/energy-reading.ts';
import { encodeGapEvent } from '../../common/wire/gap-event.ts';
import { PdmError, describeError, isRetriable } from '../../common/errors.ts';
import { createKafka, ensureTopics } from '../../common/kafka.ts';
import { logger } from '../../common/log.ts';
import { topicNames } from '../../common/topics.ts';
import type { CollectorConfig, MachineEndpoint } from './collector-config.ts';
import { KafkaOutput } from './kafka-output.ts';
import { OpcuaMachineInput, type CollectedBlock } from './opcua-machine-input.ts';

export interface MachineStats {
  endpoint: string;
  machine: string | undefined;
  state: 'starting' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'stopped';
  error?: string;
  blocksIn: number;
  blocksOut: number;
  duplicates: number;
  gaps: number;
  missingBlocks: number;
  energyIn: number;
  lastSeq: Record<string, number>;
}

export interface CollectorOptions {
  brokers: string[];
  env?: NodeJS.ProcessEnv;
  clientId?: string;
}

export class Collector {
  readonly #config: CollectorConfig;
  readonly #opts: CollectorOptions;
  readonly #log = logger('collector');
  readonly #topics;
  readonly #output: KafkaOutput;
  readonly #inputs: OpcuaMachineInput[] = [];
  readonly stats: MachineStats[] = [];
  #stopped = false;

  constructor(config: CollectorConfig, opts: CollectorOptions) {
    this.#config = config;
    this.#opts = opts;
    this.#topics = topicNames(config.kafka.topicPrefix);
    this.#output = new KafkaOutput({ brokers: opts.brokers, clientId: opts.clientId ?? 'pdm-collector', compression: config.kafka.compression });
  }

  async start(): Promise<void> {
    const kafka = createKafka(this.#opts.brokers, `${this.#opts.clientId ?? 'pdm-collector'}-admin`);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { partitions, replicationFactor } = this.#config.kafka;
      await ensureTopics(admin, [this.#topics.vibration, this.#topics.energy, this.#topics.gaps].map((topic) => ({ topic, numPartitions: partitions, replicationFactor })));
    } finally {
      await admin.disconnect();
    }
    await this.#output.connect();
    this.#config.machines.forEach((m, index) => {
      this.stats.push({ endpoint: m.endpoint, machine: m.id, state: 'starting', blocksIn: 0, blocksOut: 0, duplicates: 0, gaps: 0, missingBlocks: 0, energyIn: 0, lastSeq: {} });
      void this.#runMachine(m, index);
    });
  }

  async #runMachine(m: MachineEndpoint, index: number): Promise<void> {
    const stats = this.stats[index];
    let credentials: { username: string; password: string } | null = null;
    const env = this.#opts.env ?? process.env;
    if ('usernameEnv' in m.auth) {
      const username = env[m.auth.usernameEnv];
      const password = env[m.auth.passwordEnv];
      if (!username || !password) {
        this.#fail(stats, new PdmError('PDM_ERR_CONFIG_INVALID', `machines[${index}] (${m.endpoint}): environment variable ${!username ? m.auth.usernameEnv : m.auth.passwordEnv} is not set; set the OPC UA credentials in the environment`));
        return;
      }
      credentials = { username, password };
    }
    for (let attempt = 0; !this.#stopped; attempt++) {
      const input = new OpcuaMachineInput(
        { endpoint: m.endpoint, security: m.security, credentials, pkiDir: this.#config.pkiDir, publishingIntervalMs: m.publishingIntervalMs },
        {
          block: (b) => this.#onBlock(index, b),
          energy: (e) => {
            stats.energyIn++;
            this.#output.send({ topic: this.#topics.energy, key: e.machine, value: encodeEnergyReading({ machine: e.machine, ts_ms: e.timeMs, values: e.values }) });
          },
          state: (state, detail) => {
            stats.state = state;
            this.#log.info({ endpoint: m.endpoint, machine: stats.machine, state, detail }, 'machine connection state');
          },
        },
      );
      try {
        await input.start();
        if (m.id && input.machineId !== m.id) {
          await input.stop();
          throw new PdmError('PDM_ERR_OPCUA_NODE', `machines[${index}] (${m.endpoint}): server serves machine '${input.machineId}', configured id is '${m.id}'`);
        }
        stats.machine = input.machineId;
        this.#inputs.push(input);
        return;
      } catch (err) {
        await input.stop().catch(() => undefined);
        if (!isRetriable(err)) {
          this.#fail(stats, err);
          return;
        }
        const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
        stats.state = 'connecting';
        stats.error = describeError(err);
        this.#log.warn({ endpoint: m.endpoint, err: describeError(err), retryInMs: delay }, 'machine not reachable; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  #fail(stats: MachineStats, err: unknown): void {
    stats.state = 'failed';
    stats.error = describeError(err);
    this.#log.error({ endpoint: stats.endpoint, machine: stats.machine, err: stats.error }, 'machine stopped: fix the cause and restart the collector');
  }

  #onBlock(index: number, b: CollectedBlock): void {
    const stats = this.stats[index];
    stats.blocksIn++;
    const last = stats.lastSeq[b.channel];
    if (last !== undefined) {
      if (b.seq <= last) {
        // Re-delivered after a reconnection (republish / initial value of a new subscription).
        stats.duplicates++;
        return;
      }
      if (b.seq > last + 1) {
        stats.gaps++;
        stats.missingBlocks += b.seq - last - 1;
        const gap = { machine: b.machine, channel: b.channel, from_seq: last + 1, to_seq: b.seq - 1, detected_at_ms: Date.now(), resumed_at_ns: b.startTimeNs.toString() };
        this.#log.warn(gap, 'sequence gap: blocks missing');
        this.#output.send({ topic: this.#topics.gaps, key: b.machine, value: encodeGapEvent(gap) });
      }
    }
    stats.lastSeq[b.channel] = b.seq;
    this.#output.send({
      topic: this.#topics.vibration,
      key: b.machine,
      value: encodeVibrationFrame({ machine: b.machine, channel: b.channel, units: b.units, seq: b.seq, startTimeNs: b.startTimeNs, sampleRateHz: b.sampleRateHz, samples: b.samples }),
      onAck: () => stats.blocksOut++,
    });
  }

  get output(): KafkaOutput {
    return this.#output;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#inputs.map((i) => i.stop().catch(() => undefined)));
    await this.#output.disconnect();
    for (const s of this.stats) s.state = s.state === 'failed' ? 'failed' : 'stopped';
  }
}
