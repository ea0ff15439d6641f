/**
 * Health without a load reading, end to end through the real Kafka and QuestDB: a machine whose
 * meter publishes active power but no load gets machine_health rows (its power is the operating
 * mode's load proxy, its model runs on vibration alone), a machine that publishes no energy at all
 * gets them too after waiting for a reading, and /health lists both with their model state.
 *
 * Frames and readings are produced straight to Kafka (as a collector would from a server whose
 * meter has no Load node), with signal time stamps, so the run is short and exact.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../common/kafka.ts';
import { topicNames } from '../../../common/topics.ts';
import { encodeEnergyReading } from '../../../common/wire/energy-reading.ts';
import { encodeVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { mulberry32 } from '../../../models/dsp/seeded-random.ts';
import { StreamProcessor } from '../../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import { until } from '../../../tools/harness/ports.ts';
import { questdbAuth, sql, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const FS = 20_480;
const BLOCK = 2_048; // 100 ms
const WINDOW_BLOCKS = 2; // 0.2 s windows
const BASELINE_WINDOWS = 10;
const SECONDS = 16;
const WAIT_WINDOWS = 10;

describe('health without energy or load, through the real services', () => {
  const services = testServices();
  const prefix = `nl${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  let processor: StreamProcessor;
  let producer: Producer;

  beforeAll(async () => {
    processor = new StreamProcessor(
      ProcessorConfigSpec.parse({
        kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions: 2 },
        questdb: { tablePrefix: prefix },
        windowBlocks: WINDOW_BLOCKS,
        workers: 1,
        health: {
          stateDir: mkdtempSync(join(tmpdir(), 'pdm-no-load-')),
          energyWaitWindows: WAIT_WINDOWS,
          monitor: { anomaly: { baseline: { windows: BASELINE_WINDOWS } } },
          reference: { enabled: false },
        },
      }),
      {
        brokers: services.kafkaBrokers,
        questdbHttp: services.questdbHttp,
        questdbIlpConfig: services.questdbIlpConfig,
        questdbAuth: questdbAuth(services),
      },
    );
    await processor.start();
    producer = createKafka(services.kafkaBrokers, `${prefix}test`).producer({ allowAutoTopicCreation: false });
    await producer.connect();

    const t0Ms = Date.now() - SECONDS * 1000;
    // The meter of `power-only`: active power, voltage and current once a second; no load, no speed.
    await producer.send({
      topic: topics.energy,
      messages: Array.from({ length: SECONDS }, (_, k) => ({
        key: 'power-only',
        value: encodeEnergyReading({
          machine: 'power-only',
          ts_ms: t0Ms + k * 1000,
          values: { power_kw: 7.5, voltage_v: 400, current_a: 13 },
        }),
      })),
    });
    // Both machines: a 37 Hz line (1.2 mm/s, ISO zone A) over broadband noise, on two channels.
    const messages: Array<{ key: string; value: Buffer }> = [];
    for (const [m, machine] of ['power-only', 'no-energy'].entries()) {
      for (const [c, channel] of ['DE_X', 'DE_Y'].entries()) {
        const rand = mulberry32(1 + 10 * m + c);
        for (let seq = 0; seq < (SECONDS * FS) / BLOCK; seq++) {
          const samples = Float32Array.from({ length: BLOCK }, (_, i) => {
            const n = seq * BLOCK + i;
            const g = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
            return 0.04 * Math.sin((2 * Math.PI * 37 * n) / FS) + 0.05 * g;
          });
          const frame = encodeVibrationFrame({
            machine,
            channel,
            units: 'g',
            location: 'DE',
            axis: channel.slice(3),
            quantity: 'acceleration',
            seq,
            startTimeNs: BigInt(t0Ms) * 1_000_000n + (BigInt(seq * BLOCK) * 1_000_000_000n) / BigInt(FS),
            sampleRateHz: FS,
            samples,
          });
          messages.push({ key: machine, value: Buffer.from(frame) });
        }
      }
    }
    // In requests well under the broker's message size limit.
    for (let i = 0; i < messages.length; i += 40) await producer.send({ topic: topics.vibration, messages: messages.slice(i, i + 40) });
    const health = (m: string) => processor.stats.latestHealth.get(m);
    await until(
      () => health('power-only')?.phase === 'monitoring' && health('no-energy')?.phase === 'monitoring',
      120_000,
      'both machines past their baseline',
    );
  }, 180_000);

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await processor?.stop();
  });

  it('a machine that publishes power but no load gets health rows, in a mode named by its power', async () => {
    const rows = await waitForRows(
      services,
      `SELECT machine, health_state, phase, mode FROM ${prefix}machine_health WHERE machine = 'power-only' ORDER BY ts`,
      (r) => r.some((x) => x.phase === 'monitoring'),
    );
    expect(rows.length).toBeGreaterThan(BASELINE_WINDOWS);
    expect(new Set(rows.map((r) => r.mode))).toEqual(new Set(['7.5kW']));
    expect(rows.map((r) => r.health_state)).not.toContain('check_function');
    expect(rows.at(-1)!.health_state).toBe('normal');
    const energy = await sql(services, `SELECT count() n, count(load_pct) loads FROM ${prefix}energy WHERE machine = 'power-only'`);
    expect(Number(energy[0].n)).toBe(SECONDS);
    expect(Number(energy[0].loads)).toBe(0);
  });

  it('a machine that publishes no energy gets health rows after its wait, and /health says what each model does', async () => {
    const rows = await waitForRows(
      services,
      `SELECT count() n, min(window_seq) first FROM ${prefix}machine_health WHERE machine = 'no-energy'`,
      (r) => Number(r[0]?.n) > BASELINE_WINDOWS,
    );
    // The channel set is fixed after 3 window sequences, then the wait: its first row comes after both.
    expect(Number(rows[0].first)).toBeGreaterThanOrEqual(3 + WAIT_WINDOWS);
    expect(processor.health!.counters.waitingEnergy).toBe(WAIT_WINDOWS);
    const report = processor.metrics.health();
    const by = Object.fromEntries(report.machines.map((m) => [m.machine, m]));
    expect(by['power-only']).toMatchObject({
      model: 'running',
      energy: 'power_as_load_proxy',
      detail: 'running (vibration only: no load reading; power is the load proxy)',
      phase: 'monitoring',
      state: 'normal',
    });
    expect(by['no-energy']).toMatchObject({
      model: 'running',
      energy: 'none',
      detail: 'running (vibration only: no energy readings)',
      phase: 'monitoring',
    });
  });
});
