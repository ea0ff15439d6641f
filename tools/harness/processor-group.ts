/**
 * Scenario tests and benches of processors sharing a consumer group: real `pdm process` child processes (each
 * with its own data directory and metrics port, as on separate hosts) and a small publisher that
 * writes vibration blocks and energy readings keyed by machine, counting what it sent so the test
 * can count rows by key against it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Producer } from 'kafkajs';
import { createKafka } from '../../common/kafka.ts';
import { topicNames } from '../../common/topics.ts';
import { encodeEnergyReading } from '../../common/wire/energy-reading.ts';
import { encodeVibrationFrame } from '../../common/wire/vibration-frame.ts';
import type { ServiceEndpoints } from '../../deploy/local/endpoints.ts';
import { questdbTarget } from '../../deploy/local/services.ts';
import { questdbExec } from '../../storage/sql.ts';
import type { ProcessorHealthReport } from '../../stream-processing/processor-metrics.ts';
import { freePort } from './ports.ts';

const root = resolve(import.meta.dirname, '../..');

export interface ProcessorChild {
  name: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote on stderr (its warnings and errors). */
  stderr(): string;
  health(): Promise<ProcessorHealthReport | undefined>;
  metrics(): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A processor config for these scenarios: a small model (one channel, no energy feature, one
 * operating mode, a 10-window baseline) so learning ends within a test, frequent checkpoints, and
 * a short Kafka session.
 */
export function scenarioConfig(prefix: string, partitions: number, windowBlocks: number) {
  return {
    // A killed processor's partitions move after the session timeout: 10 s here, not 30.
    kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions, sessionTimeoutS: 10 },
    questdb: { tablePrefix: prefix },
    windowBlocks,
    workers: 1,
    health: {
      energy: false,
      modes: { enabled: false },
      reference: { enabled: false },
      checkpointIntervalS: 1,
      monitor: { anomaly: { baseline: { windows: 10 } } },
    },
    shutdown: { timeoutS: 5 },
  };
}

/** Start `pdm process` with this config in its own data directory (config file and local state there). */
export async function spawnProcessor(
  services: ServiceEndpoints,
  name: string,
  dataDir: string,
  config: Record<string, unknown>,
): Promise<ProcessorChild> {
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const file = join(dataDir, 'processor.json');
  const health = (config['health'] ?? {}) as Record<string, unknown>;
  writeFileSync(
    file,
    JSON.stringify({ ...config, health: { ...health, stateDir: join(dataDir, 'state') }, metrics: { port, host: '127.0.0.1' } }),
  );
  const child = spawn(process.execPath, [join(root, 'cli', 'pdm.ts'), 'process', '--config', file], {
    cwd: root,
    env: {
      ...process.env,
      PDM_KAFKA_BROKERS: services.kafkaBrokers.join(','),
      PDM_QUESTDB_HTTP: services.questdbHttp,
      ...(services.questdbUser ? { PDM_QUESTDB_USER: services.questdbUser, PDM_QUESTDB_PASSWORD: services.questdbPassword } : {}),
      PDM_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  const base = `http://127.0.0.1:${port}`;
  return {
    name,
    port,
    child,
    stderr: () => err,
    exited,
    async health() {
      try {
        return (await (await fetch(`${base}/health`)).json()) as ProcessorHealthReport;
      } catch {
        return undefined;
      }
    },
    async metrics() {
      return (await fetch(`${base}/metrics`)).text();
    },
  };
}

/** Poll a processor's /health until `cond`; the error says what it last said. */
export async function waitHealth(
  p: ProcessorChild,
  cond: (h: ProcessorHealthReport) => boolean,
  timeoutMs: number,
  what: string,
): Promise<ProcessorHealthReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await p.health();
    if (h && cond(h)) return h;
    if (Date.now() > deadline || p.child.exitCode !== null)
      throw new Error(`${p.name}: timed out waiting for ${what}; last /health: ${JSON.stringify(h)}; stderr: ${p.stderr().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Rows per machine of each table, polled until they are the expected counts (or the deadline):
 * QuestDB applies each table's WAL on its own, so one table complete says nothing of another.
 * Returns the last counts, for the test to compare.
 */
export async function waitForCounts(
  services: ServiceEndpoints,
  expected: Record<string, Record<string, number>>,
  timeoutMs: number,
): Promise<Record<string, Record<string, number>>> {
  const deadline = Date.now() + timeoutMs;
  let counts: Record<string, Record<string, number>> = {};
  for (;;) {
    try {
      counts = {};
      for (const table of Object.keys(expected))
        counts[table] = Object.fromEntries(
          (await questdbExec(questdbTarget(services), `SELECT machine, count() n FROM ${table} ORDER BY machine`)).dataset.map((r) => [
            String(r[0]),
            Number(r[1]),
          ]),
        );
      if (JSON.stringify(counts) === JSON.stringify(expected)) return counts;
    } catch {
      /* a table not created yet */
    }
    if (Date.now() > deadline) return counts;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A metric's value from a Prometheus text page (the first line starting with `name`). */
export function metricValue(page: string, name: string): number {
  const line = page.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.split(' ').at(-1));
}

/** Stop a child: the signal, then wait for it to exit. */
export async function stopChild(p: ProcessorChild, signal: NodeJS.Signals): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  await p.exited;
}

export interface PublisherOptions {
  prefix: string;
  machines: readonly string[];
  sampleRateHz: number;
  blockSize: number;
  /** Block times start here (ms); blocks follow each other without a gap. */
  t0Ms: number;
  /** Amplitude of the machine's line, per machine (a healthy steady machine); asked at every send, so a test may change it. */
  amplitude?: (machine: string) => number;
  /** Frequency of that line (default 29.5 Hz: not on a mains harmonic, see send()). */
  lineHz?: number;
}

/**
 * Writes one channel (DE_X, acceleration in g) of blocks per machine, in sequence from 0, and an
 * energy reading every 10 blocks; counts what was sent per machine.
 */
export class FramePublisher {
  readonly #opts: PublisherOptions;
  readonly #producer: Producer;
  readonly #topics;
  readonly blocksSent = new Map<string, number>();
  readonly readingsSent = new Map<string, number>();

  constructor(services: ServiceEndpoints, opts: PublisherOptions) {
    this.#opts = opts;
    this.#topics = topicNames(opts.prefix);
    this.#producer = createKafka(services.kafkaBrokers, `${opts.prefix}publisher`).producer({ idempotent: true, maxInFlightRequests: 1 });
    for (const m of opts.machines) {
      this.blocksSent.set(m, 0);
      this.readingsSent.set(m, 0);
    }
  }

  /** Connect once the processor has created the topics (it creates them with the partition count it is configured with). */
  async connect(services: ServiceEndpoints): Promise<void> {
    const admin = createKafka(services.kafkaBrokers, `${this.#opts.prefix}publisher-admin`).admin();
    await admin.connect();
    try {
      const wanted = [this.#topics.vibration, this.#topics.energy, this.#topics.modelState];
      const deadline = Date.now() + 60_000;
      while (!wanted.every((t) => this.#topicsSeen.has(t))) {
        if (Date.now() > deadline) throw new Error(`topics ${wanted.join(', ')} not created by the processor within 60 s`);
        for (const t of await admin.listTopics()) this.#topicsSeen.add(t);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await admin.disconnect();
    }
    await this.#producer.connect();
  }

  readonly #topicsSeen = new Set<string>();

  /** Send the next `blocks` blocks of every machine (and their energy readings). */
  async send(blocks: number): Promise<void> {
    const { machines, sampleRateHz: fs, blockSize, t0Ms, lineHz = 29.5 } = this.#opts;
    const frames: Array<{ key: string; value: Buffer }> = [];
    const readings: Array<{ key: string; value: Buffer }> = [];
    for (const machine of machines) {
      const amp = this.#opts.amplitude?.(machine) ?? 0.5;
      const first = this.blocksSent.get(machine)!;
      for (let seq = first; seq < first + blocks; seq++) {
        const startNs = BigInt(t0Ms) * 1_000_000n + (BigInt(seq * blockSize) * 1_000_000_000n) / BigInt(fs);
        const samples = Float32Array.from({ length: blockSize }, (_, i) => {
          const n = seq * blockSize + i;
          // A steady 1X line plus seeded noise: a healthy machine whose features vary a little, as real
          // ones do. 29.5 Hz by default (a 1770 rpm shaft), not 50: a lone line on a mains harmonic is what the
          // sensor checks call mains hum (check_function), and such a model never learns.
          return amp * Math.sin((2 * Math.PI * lineHz * n) / fs) + 0.1 * (noise(n, machine) - 0.5);
        });
        frames.push({
          key: machine,
          value: Buffer.from(
            encodeVibrationFrame({
              machine,
              channel: 'DE_X',
              units: 'g',
              location: 'DE',
              axis: 'X',
              quantity: 'acceleration',
              seq,
              startTimeNs: startNs,
              sampleRateHz: fs,
              samples,
            }),
          ),
        });
        if (seq % 10 === 0) {
          const tsMs = t0Ms + Math.round((seq * blockSize * 1000) / fs);
          readings.push({
            key: machine,
            value: Buffer.from(encodeEnergyReading({ machine, ts_ms: tsMs, values: { power_kw: 11, load_pct: 80, speed_rpm: 1480 } })),
          });
          this.readingsSent.set(machine, this.readingsSent.get(machine)! + 1);
        }
      }
      this.blocksSent.set(machine, first + blocks);
    }
    await this.#producer.send({ topic: this.#topics.vibration, messages: frames });
    if (readings.length > 0) await this.#producer.send({ topic: this.#topics.energy, messages: readings });
  }

  /**
   * Send `total` blocks per machine in steps of `step`, one step every `everyMs` (a steady stream).
   * Paced by the clock, not by sleeping after each send: on a slow machine a send's own time must
   * not lower the rate (a step that overruns its slot is followed at once by the next).
   */
  async stream(total: number, step: number, everyMs: number, stop?: () => boolean): Promise<void> {
    const start = Date.now();
    for (let sent = 0, i = 1; sent < total && !stop?.(); sent += step, i++) {
      await this.send(Math.min(step, total - sent));
      await new Promise((r) => setTimeout(r, Math.max(0, start + i * everyMs - Date.now())));
    }
  }

  /** Bytes of samples sent so far over all machines (4 bytes a sample). */
  samplesBytesSent(): number {
    return [...this.blocksSent.values()].reduce((a, b) => a + b, 0) * this.#opts.blockSize * 4;
  }

  async close(): Promise<void> {
    await this.#producer.disconnect().catch(() => undefined);
  }
}

/** Uniform noise in [0, 1), a function of the sample index and the machine (replays are identical). */
function noise(n: number, machine: string): number {
  let h = n ^ (machine.length * 0x9e3779b9);
  for (let i = 0; i < machine.length; i++) h = Math.imul(h ^ machine.charCodeAt(i), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
