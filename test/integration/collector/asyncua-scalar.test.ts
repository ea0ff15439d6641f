/**
 * A scalar vibration sensor on a second OPC UA stack (python asyncua, test/helpers/asyncua-python.ts),
 * laid out as an IO-Link master or a PLC exposes one: five plain Double scalars and no waveform,
 * the velocity with EngineeringUnits (in/s), the others without (the collector config names
 * their units: m/s², K). The collector delivers every reading the server wrote from the first it
 * saw on, once, in pdm.features.v1's canonical units (mm/s, g, °C); also from a server that samples
 * its subscriptions more slowly than the sensor updates (read by timed Reads instead). A
 * configuration whose units disagree with the server's stops that machine with an error naming the
 * setting.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicNames } from '../../../common/topics.ts';
import { decodeFeatureReading, type FeatureReadingV1 } from '../../../common/wire/feature-reading.ts';
import { Collector } from '../../../ingest/collector/collector.ts';
import { collectorConfig, readTopic, tempDir } from '../../../tools/harness/collector-plant.ts';
import { freePort, until } from '../../../tools/harness/ports.ts';
import { asyncuaPython } from '../../helpers/asyncua-python.ts';
import { testServices } from '../../helpers/services.ts';

const PERIOD_MS = 200;
const READINGS = 25;

interface ServedReading {
  k: number;
  ts_ms: number;
  values: Record<'VelocityRms' | 'AccelerationRms' | 'AccelerationPeak' | 'CrestFactor' | 'Temperature', number>;
}

interface Sensor {
  proc: ChildProcess;
  lines: Interface;
  endpoint: string;
  nodes: Record<string, string>;
  served: ServedReading[];
}

async function startSensor(python: string, extra: string[] = []): Promise<Sensor> {
  const port = await freePort();
  const script = join(import.meta.dirname, 'fixtures', 'asyncua_scalar.py');
  const proc = spawn(python, [script, '--port', String(port), '--period-ms', String(PERIOD_MS), ...extra], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout! });
  const ready = await new Promise<{ endpoint: string; nodes: Record<string, string> }>((resolve, reject) => {
    lines.once('line', (l) => resolve(JSON.parse(l)));
    proc.once('exit', (code) => reject(new Error(`asyncua scalar sensor exited (${code})`)));
  });
  return { proc, lines, endpoint: ready.endpoint, nodes: ready.nodes, served: [] };
}

async function stopSensor(s: Sensor): Promise<void> {
  const stopped = new Promise<{ served: ServedReading[] }>((resolve) => s.lines.once('line', (l) => resolve(JSON.parse(l))));
  s.proc.stdin!.write('stop\n');
  s.served = (await stopped).served;
}

describe('a scalar sensor on another OPC UA stack (asyncua): Double scalars only', () => {
  const services = testServices();
  const prefix = `asc${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('asyncua-scalar');
  let plain: Sensor;
  let sampled: Sensor;
  let collector: Collector;
  let readings: FeatureReadingV1[] = [];

  beforeAll(async () => {
    const python = await asyncuaPython();
    [plain, sampled] = await Promise.all([startSensor(python), startSensor(python, ['--sample-ms', String(3 * PERIOD_MS)])]);
    const sensor = (s: Sensor) => ({
      channel: 'DE',
      velocityRms: s.nodes['VelocityRms'],
      accelerationRms: s.nodes['AccelerationRms'],
      accelerationPeak: s.nodes['AccelerationPeak'],
      crestFactor: s.nodes['CrestFactor'],
      temperature: s.nodes['Temperature'],
      location: 'DE',
      axis: 'radial',
      periodMs: PERIOD_MS,
    });
    const units = { accelerationRms: 'm/s²', accelerationPeak: 'm/s²', temperature: 'K' };
    const open = { security: { mode: 'None' }, auth: { anonymous: true }, allowInsecure: true, publishingIntervalMs: 100 };
    collector = new Collector(
      collectorConfig(dir, prefix, [
        { id: 'iolink-7', endpoint: plain.endpoint, ...open, nodes: { scalars: [{ ...sensor(plain), units }] } },
        // Samples every 3 periods, and grants a sampling interval of its publishing interval (500 ms > 200 ms): timed Reads.
        {
          id: 'iolink-sampled',
          endpoint: sampled.endpoint,
          ...open,
          publishingIntervalMs: 500,
          nodes: { scalars: [{ ...sensor(sampled), units }] },
        },
        // The same server: the configuration claims mm/s where the server says in/s.
        {
          id: 'iolink-conflict',
          endpoint: `${plain.endpoint}-conflict`,
          ...open,
          nodes: { scalars: [{ ...sensor(plain), units: { ...units, velocityRms: 'mm/s' } }] },
        },
      ]),
      { brokers: services.kafkaBrokers },
    );
    await collector.start();
    const stats = (id: string) => collector.stats.find((s) => s.machine === id);
    await until(
      () => ['iolink-7', 'iolink-sampled'].every((id) => (stats(id)?.scalarIn ?? 0) >= READINGS),
      30_000,
      `${READINGS} readings from each asyncua sensor`,
    );
    await until(() => stats('iolink-conflict')?.state === 'failed', 10_000, 'the misconfigured machine to fail');
    await Promise.all([stopSensor(plain), stopSensor(sampled)]);
    await new Promise((r) => setTimeout(r, 500));
    await collector.stop();
    readings = (await readTopic(services.kafkaBrokers, topics.features)).map((m) => decodeFeatureReading(m.value));
  }, 120_000);

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    plain?.proc.kill();
    sampled?.proc.kill();
  });

  /** Every reading `served` wrote from the first one in Kafka on is there once, with its values converted. */
  function expectDelivered(machine: string, served: ServedReading[]): void {
    const mine = readings.filter((r) => r.machine === machine);
    expect(mine.every((r) => r.channel === 'DE' && r.location === 'DE' && r.axis === 'radial')).toBe(true);
    const ts = mine.map((r) => r.ts_ms);
    expect(new Set(ts).size).toBe(ts.length);
    expect(ts.length).toBeGreaterThanOrEqual(READINGS);
    const expected = served.filter((s) => s.ts_ms >= ts[0]);
    // The last one or two written as the server stopped may not have reached the collector.
    expect(expected.length - ts.length).toBeGreaterThanOrEqual(0);
    expect(expected.length - ts.length).toBeLessThanOrEqual(2);
    const byTs = new Map(mine.map((r) => [r.ts_ms, r]));
    for (const s of expected.slice(0, ts.length)) {
      const r = byTs.get(s.ts_ms);
      expect(r, `${machine} reading ${s.k} (${s.ts_ms})`).toBeDefined();
      const v = r!.values;
      expect(v.velocity_rms_mm_s).toBeCloseTo(s.values.VelocityRms * 25.4, 9);
      expect(v.acceleration_rms_g).toBeCloseTo(s.values.AccelerationRms / 9.80665, 9);
      expect(v.acceleration_peak_g).toBeCloseTo(s.values.AccelerationPeak / 9.80665, 9);
      expect(v.crest_factor).toBe(s.values.CrestFactor);
      expect(v.temperature_c).toBeCloseTo(s.values.Temperature - 273.15, 9);
    }
  }

  it('delivers every reading written from the first one seen, once, converted to mm/s, g and °C', () => {
    expectDelivered('iolink-7', plain.served);
    expect(collector.stats.find((s) => s.machine === 'iolink-7')!.collection).toMatchObject({ mode: 'subscription', expectedLossPerS: 0 });
  });

  it('reads a server that samples more slowly than the sensor updates, and still delivers every reading once', () => {
    const s = collector.stats.find((x) => x.machine === 'iolink-sampled')!;
    expect(s.collection).toMatchObject({ mode: 'polling', expectedLossPerS: 0 });
    expect(s.collection!.reason).toMatch(/^scalar sensors: the server samples every 500 ms/);
    expectDelivered('iolink-sampled', sampled.served);
  });

  it('stops a machine whose configured units contradict the server, naming the setting; the others run on', () => {
    const conflict = collector.stats.find((s) => s.machine === 'iolink-conflict')!;
    expect(conflict.state).toBe('failed');
    expect(conflict.error).toMatch(
      /scalar sensor DE: the server's EngineeringUnits of velocityRms say 'in\/s', nodes\.scalars\[0\]\.units\.velocityRms says 'mm\/s': correct the one that is wrong/,
    );
  });
});
