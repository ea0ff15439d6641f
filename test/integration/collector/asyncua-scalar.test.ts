/**
 * A scalar vibration sensor on a second OPC UA stack (python asyncua, test/helpers/asyncua-python.ts),
 * laid out as an IO-Link master or a PLC exposes one: five plain Double scalars and no waveform,
 * the velocity with EngineeringUnits (in/s), the others without (the collector config names
 * their units: m/s², K). The collector delivers every reading the server wrote from the first it
 * saw on, once, in pdm.features.v1's canonical units (mm/s, g, °C). A configuration whose units
 * disagree with the server's stops that machine with an error naming the setting.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { topicNames } from '../../../common/topics.ts';
import { decodeFeatureReading, type FeatureReadingV1 } from '../../../common/wire/feature-reading.ts';
import { Collector } from '../../../ingest/collector/collector.ts';
import { collectorConfig, readTopic, tempDir } from '../../../tools/harness/collector-plant.ts';
import { freePort, until } from '../../../tools/harness/ports.ts';
import { asyncuaPython } from '../../helpers/asyncua-python.ts';

const PERIOD_MS = 200;
const READINGS = 25;

interface ServedReading {
  k: number;
  ts_ms: number;
  values: Record<'VelocityRms' | 'AccelerationRms' | 'AccelerationPeak' | 'CrestFactor' | 'Temperature', number>;
}

describe('a scalar sensor on another OPC UA stack (asyncua): Double scalars only', () => {
  const services = inject('services');
  const prefix = `asc${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('asyncua-scalar');
  let proc: ChildProcess;
  let lines: Interface;
  let collector: Collector;
  let served: ServedReading[] = [];
  let readings: FeatureReadingV1[] = [];

  beforeAll(async () => {
    const python = await asyncuaPython();
    const port = await freePort();
    proc = spawn(
      python,
      [join(import.meta.dirname, 'fixtures', 'asyncua_scalar.py'), '--port', String(port), '--period-ms', String(PERIOD_MS)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    lines = createInterface({ input: proc.stdout! });
    const ready = await new Promise<{ endpoint: string; nodes: Record<string, string> }>((resolve, reject) => {
      lines.once('line', (l) => resolve(JSON.parse(l)));
      proc.once('exit', (code) => reject(new Error(`asyncua scalar sensor exited (${code})`)));
    });
    const n = ready.nodes;
    const sensor = {
      channel: 'DE',
      velocityRms: n['VelocityRms'],
      accelerationRms: n['AccelerationRms'],
      accelerationPeak: n['AccelerationPeak'],
      crestFactor: n['CrestFactor'],
      temperature: n['Temperature'],
      location: 'DE',
      axis: 'radial',
      periodMs: PERIOD_MS,
    };
    const open = { security: { mode: 'None' }, auth: { anonymous: true }, allowInsecure: true, publishingIntervalMs: 100 };
    collector = new Collector(
      collectorConfig(dir, prefix, [
        {
          id: 'iolink-7',
          endpoint: ready.endpoint,
          ...open,
          nodes: { scalars: [{ ...sensor, units: { accelerationRms: 'm/s²', accelerationPeak: 'm/s²', temperature: 'K' } }] },
        },
        // The same server: the configuration claims mm/s where the server says in/s.
        {
          id: 'iolink-conflict',
          endpoint: `${ready.endpoint}-conflict`,
          ...open,
          nodes: {
            scalars: [{ ...sensor, units: { velocityRms: 'mm/s', accelerationRms: 'm/s²', accelerationPeak: 'm/s²', temperature: 'K' } }],
          },
        },
      ]),
      { brokers: services.kafkaBrokers },
    );
    await collector.start();
    const stats = (id: string) => collector.stats.find((s) => s.machine === id);
    await until(() => (stats('iolink-7')?.scalarIn ?? 0) >= READINGS, 30_000, `${READINGS} readings from the asyncua sensor`);
    await until(() => stats('iolink-conflict')?.state === 'failed', 10_000, 'the misconfigured machine to fail');
    const stopped = new Promise<{ served: ServedReading[] }>((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
    proc.stdin!.write('stop\n');
    served = (await stopped).served;
    await new Promise((r) => setTimeout(r, 500));
    await collector.stop();
    readings = (await readTopic(services.kafkaBrokers, topics.features)).map((m) => decodeFeatureReading(m.value));
  }, 120_000);

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    proc?.kill();
  });

  it('delivers every reading written from the first one seen, once, converted to mm/s, g and °C', () => {
    expect(readings.every((r) => r.machine === 'iolink-7' && r.channel === 'DE' && r.location === 'DE' && r.axis === 'radial')).toBe(true);
    const ts = readings.map((r) => r.ts_ms);
    expect(new Set(ts).size).toBe(ts.length);
    expect(ts.length).toBeGreaterThanOrEqual(READINGS);
    const expected = served.filter((s) => s.ts_ms >= ts[0]);
    // The last one or two written as the server stopped may not have been published to the collector.
    expect(expected.length - ts.length).toBeGreaterThanOrEqual(0);
    expect(expected.length - ts.length).toBeLessThanOrEqual(2);
    const byTs = new Map(readings.map((r) => [r.ts_ms, r]));
    for (const s of expected.slice(0, ts.length)) {
      const r = byTs.get(s.ts_ms);
      expect(r, `reading ${s.k} (${s.ts_ms})`).toBeDefined();
      const v = r!.values;
      expect(v.velocity_rms_mm_s).toBeCloseTo(s.values.VelocityRms * 25.4, 9);
      expect(v.acceleration_rms_g).toBeCloseTo(s.values.AccelerationRms / 9.80665, 9);
      expect(v.acceleration_peak_g).toBeCloseTo(s.values.AccelerationPeak / 9.80665, 9);
      expect(v.crest_factor).toBe(s.values.CrestFactor);
      expect(v.temperature_c).toBeCloseTo(s.values.Temperature - 273.15, 9);
    }
  });

  it('stops a machine whose configured units contradict the server, naming the setting; the other runs on', () => {
    const conflict = collector.stats.find((s) => s.machine === 'iolink-conflict')!;
    expect(conflict.error).toMatch(
      /scalar sensor DE: the server's EngineeringUnits of velocityRms say 'in\/s', nodes\.scalars\[0\]\.units\.velocityRms says 'mm\/s': correct the one that is wrong/,
    );
    const ok = collector.stats.find((s) => s.machine === 'iolink-7')!;
    expect(ok.collection).toMatchObject({ mode: 'subscription', expectedLossPerS: 0 });
  });
});
