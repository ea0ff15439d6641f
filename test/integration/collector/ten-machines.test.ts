/**
 * Ten simulated machines (two waveform channels each, SignAndEncrypt, user token; in a process
 * of their own, as in a plant) collected by one collector into the real Kafka: every block the servers published while collected arrives
 * exactly once, in order per machine, with its samples intact, and the counters, metrics and
 * health endpoint say the same.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicNames } from '../../../common/topics.ts';
import { decodeVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { Collector } from '../../../ingest/collector/collector.ts';
import {
  AUTH,
  BLOCK,
  type ConsumedMessage,
  collectorConfig,
  OPCUA_ENV,
  readTopic,
  sineSource,
  tempDir,
} from '../../../tools/harness/collector-plant.ts';
import { until } from '../../../tools/harness/ports.ts';
import { testServices } from '../../helpers/services.ts';

const MACHINES = 10;
const BLOCKS_PER_CHANNEL = 60; // 6 s at 10 blocks/s

describe('ten machines: every block exactly once, in order per machine', () => {
  const services = testServices();
  const prefix = `ten${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('ten-machines');
  // The machines run in a process of their own, as in a plant: the collector's event loop is its own.
  let machineProcess: ChildProcess | undefined;
  let machines: Array<{ id: string; port: number; endpoint: string; rendered: Map<string, number[]> }> = [];
  let collector: Collector;
  let frames: ConsumedMessage[] = [];
  let gapMessages: ConsumedMessage[] = [];
  let healthDuringRun: { status: string; machines: Array<{ state: string; lastBlockAgeS: number | null }> };
  let metricsText = '';

  beforeAll(async () => {
    const ids = Array.from({ length: MACHINES }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const proc = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'machines-process.ts'), dir, ...ids], {
      env: { ...process.env, ...OPCUA_ENV },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    machineProcess = proc;
    const lines = createInterface({ input: proc.stdout });
    const next = () =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        lines.once('line', (l) => resolve(JSON.parse(l) as Record<string, unknown>));
        proc.once('exit', (code) => reject(new Error(`machine process exited (${code})`)));
      });
    const started = (await next()) as { machines: Array<{ id: string; port: number; endpoint: string }> };
    collector = new Collector(
      collectorConfig(
        dir,
        prefix,
        started.machines.map((m) => ({ id: m.id, endpoint: m.endpoint, auth: AUTH })),
        { metrics: { port: 0, host: '127.0.0.1' } },
      ),
      { brokers: services.kafkaBrokers, env: { ...process.env, ...OPCUA_ENV } },
    );
    await collector.start();
    await until(
      () => collector.stats.every((s) => s.blocksIn >= 2 * BLOCKS_PER_CHANNEL),
      90_000,
      `${BLOCKS_PER_CHANNEL} blocks per channel from every machine`,
    );
    const base = `http://127.0.0.1:${collector.metricsPort}`;
    healthDuringRun = (await (await fetch(`${base}/health`)).json()) as typeof healthDuringRun;
    await collector.stop();
    metricsText = await collector.metrics.registry.metrics();
    proc.stdin.write('stop\n');
    const { rendered } = (await next()) as { rendered: Record<string, Record<string, number[]>> };
    machineProcess = undefined;
    machines = started.machines.map((m) => ({ ...m, rendered: new Map(Object.entries(rendered[m.id])) }));
    frames = await readTopic(services.kafkaBrokers, topics.vibration);
    gapMessages = await readTopic(services.kafkaBrokers, topics.gaps);
  });

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    machineProcess?.kill('SIGKILL');
  });

  it('delivers each published block once, consecutive and in offset order per channel, with the samples the server rendered', () => {
    const expected = new Float32Array(BLOCK);
    let checked = 0;
    for (const m of machines) {
      const mine = frames.filter((f) => f.key === m.id);
      // Keyed by machine: one partition, so Kafka's order is the machine's order.
      expect(new Set(mine.map((f) => f.partition)).size).toBe(1);
      const decoded = mine.map((f) => decodeVibrationFrame(f.value));
      // Version 2: what discovery found (EngineeringUnits g, the <location>_<axis> id) rides on every frame.
      for (const d of decoded) {
        const [location, axis] = d.channel.split('_');
        expect({ version: d.version, units: d.units, location: d.location, axis: d.axis, quantity: d.quantity }).toEqual({
          version: 2,
          units: 'g',
          location,
          axis,
          quantity: 'acceleration',
        });
      }
      for (const [channel, rendered] of m.rendered) {
        const seqs = decoded.filter((d) => d.channel === channel).map((d) => d.seq);
        expect(seqs.length).toBeGreaterThanOrEqual(BLOCKS_PER_CHANNEL - 5);
        // Exactly the blocks the server published between the first and the last one collected.
        const published = rendered.filter((s) => s >= seqs[0] && s <= seqs.at(-1)!);
        expect(seqs).toEqual(published);
        expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1)).toBe(true);
      }
      // Payload integrity: every frame equals the block rendered again from the same seeded source.
      const source = sineSource(m.id.length + (m.port % 7));
      for (const d of decoded) {
        source.renderBlock(d.channel, d.seq, expected);
        expect(d.samples).toEqual(expected);
        expect(d.sampleRateHz).toBe(10_240);
        checked++;
      }
    }
    expect(checked).toBe(frames.length);
  });

  it('counts agree: blocks in = out + duplicates, out = messages in Kafka, no gap recorded', () => {
    for (const s of collector.stats) {
      const inKafka = frames.filter((f) => f.key === s.machine).length;
      expect(s.blocksOut).toBe(inKafka);
      expect(s.blocksIn - s.duplicates).toBe(s.blocksOut);
      expect(s.gaps).toBe(0);
      expect(s.missingBlocks).toBe(0);
      expect(s.dropped).toBe(0);
      expect(s.error).toBeUndefined();
    }
    expect(gapMessages).toEqual([]);
    expect(collector.spool?.records ?? 0).toBe(0);
  });

  it('reports every machine connected and fresh on /health, and the counts on /metrics', () => {
    expect(healthDuringRun.status).toBe('ok');
    expect(healthDuringRun.machines).toHaveLength(MACHINES);
    for (const m of healthDuringRun.machines) {
      expect(m.state).toBe('connected');
      expect(m.lastBlockAgeS).not.toBeNull();
      expect(m.lastBlockAgeS!).toBeLessThan(5);
    }
    const total = collector.stats.reduce((n, s) => n + s.blocksOut, 0);
    const out = [...metricsText.matchAll(/^pdm_collector_blocks_out_total\{machine="[^"]+"\} (\d+)$/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    expect(out).toBe(total);
    expect(metricsText).toMatch(/^pdm_collector_spool_records 0$/m);
  });
});
