/**
 * Channels as data, end to end through the real services: version 2 frames on the real Kafka,
 * the processor's workers, rows in the real QuestDB. One machine with
 *   - DE_A: an accelerometer at DE (g),
 *   - DE_V: a velocity sensor at DE (mm/s) on the same motion,
 *   - gb1:  an accelerometer in m/s² at a third location, `gearbox` (the id says nothing: the
 *           frame does), where the only configured bearing sits, with an outer race fault,
 *   - legacy_v: a version 1 frame that says "g" (old collectors' default) from a velocity sensor,
 *           mapped in the processor config (NDE, velocity, mm/s),
 * and two bad frames: unknown units, units that do not fit the declared quantity. The velocity
 * sensor reads the same velocity RMS and ISO zone as the accelerometer; the bearing diagnosis
 * runs on the gearbox channel only and names the fault; the bad frames are dead-lettered with
 * their reason.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STANDARD_GRAVITY_M_S2 } from '../../../common/channels.ts';
import { createKafka } from '../../../common/kafka.ts';
import { topicNames } from '../../../common/topics.ts';
import { encodeVibrationFrame, type VibrationFrame } from '../../../common/wire/vibration-frame.ts';
import * as v1 from '../../../common/wire/vibration-frame-v1.ts';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { defectFrequencies } from '../../../models/bearing/geometry.ts';
import { mulberry32 } from '../../../models/dsp/seeded-random.ts';
import { StreamProcessor } from '../../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import { until } from '../../../tools/harness/ports.ts';
import { questdbAuth, sql, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';
import { addImpacts, machineBackground } from '../../unit/bearing/helpers/synthetic.ts';

const FS = 12_000;
const BLOCK = 1_200; // 100 ms
const WINDOW_BLOCKS = 14; // 1.4 s, 42 revolutions: what the bearing diagnosis needs at this speed
const WINDOWS = 3;
const SHAFT_HZ = 29.95;
const MACHINE = 'gear-1';
/** The DE motion, as velocity peaks (mm/s) at 1X and 2X: RMS 3.09 mm/s, zone C of group 2 rigid (2.8-4.5). */
const TONES = [
  { order: 1, peakMmS: 4.2, phase: 0.4 },
  { order: 2, peakMmS: 1.2, phase: 1.3 },
];
const EXPECTED_VELOCITY_RMS = Math.sqrt(TONES.reduce((s, t) => s + t.peakMmS ** 2 / 2, 0));

/**
 * Each sensor's self-noise (seeded, white): a real chain always has one, and a noiseless tone is
 * below any sensor's floor (the sensor checks would flag it). 1.5 mg RMS for the accelerometer
 * (20 µg/√Hz), 0.5 µm/s RMS for the velocity sensor (its derivative is blue: 8 mg RMS at 5 µm/s would move the acceleration RMS by 1 %): both far below the tones' levels.
 */
const NOISE = { accelerationG: 1.5e-3, velocityMmS: 5e-4 } as const;
const noiseRng = mulberry32(11);
const WHITE = Float32Array.from(
  { length: 1 << 17 },
  () => Math.sqrt(-2 * Math.log(noiseRng() || 1e-12)) * Math.cos(2 * Math.PI * noiseRng()),
);
const white = (i: number, channel: number) => WHITE[(i * 2 + channel) % WHITE.length];

function velocityMmS(i: number): number {
  let v = NOISE.velocityMmS * white(i, 1);
  for (const t of TONES) v += t.peakMmS * Math.sin((2 * Math.PI * t.order * SHAFT_HZ * i) / FS + t.phase);
  return v;
}

function accelerationG(i: number): number {
  let a = 0;
  for (const t of TONES) {
    const w = 2 * Math.PI * t.order * SHAFT_HZ;
    a += (t.peakMmS / 1000) * w * Math.cos((w * i) / FS + t.phase);
  }
  return a / STANDARD_GRAVITY_M_S2 + NOISE.accelerationG * white(i, 0);
}

describe('channels as data: a velocity sensor and a third location, end to end', () => {
  const services = testServices();
  const prefix = `ch${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const features = `${prefix}vibration_features`;
  let processor: StreamProcessor;
  let producer: Producer;
  let dlq: Consumer;
  const deadLetters: Array<{ code: string; reason: string }> = [];

  beforeAll(async () => {
    processor = new StreamProcessor(
      ProcessorConfigSpec.parse({
        kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions: 2 },
        questdb: { tablePrefix: prefix },
        windowBlocks: WINDOW_BLOCKS,
        workers: 1,
        health: { enabled: false, stateDir: mkdtempSync(join(tmpdir(), 'pdm-channels-')) },
        machines: {
          [MACHINE]: {
            shaftRpm: SHAFT_HZ * 60,
            // The one bearing, attached by location name: only channels at `gearbox` are diagnosed.
            bearings: { gearbox: '6205-2RS' },
            channels: { legacy_v: { location: 'NDE', axis: 'Y', quantity: 'velocity', units: 'mm/s' } },
          },
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

    const kafka = createKafka(services.kafkaBrokers, `${prefix}test`);
    dlq = kafka.consumer({ groupId: `${prefix}dlq-reader` });
    await dlq.connect();
    await dlq.subscribe({ topic: topics.deadLetter, fromBeginning: true });
    await dlq.run({
      eachMessage: async ({ message }) => {
        deadLetters.push({ code: String(message.headers?.['pdm-dlq-code']), reason: String(message.headers?.['pdm-dlq-reason']) });
      },
    });

    // The gearbox: background plus an outer race fault of its 6205 (impacts at BPFO ringing a 2 kHz resonance).
    const seconds = (WINDOWS * WINDOW_BLOCKS * BLOCK) / FS;
    const bpfo = defectFrequencies(lookupBearing('6205-2RS'), SHAFT_HZ).bpfo;
    const gearbox = addImpacts(machineBackground(FS, SHAFT_HZ, seconds, 3), FS, {
      rateHz: bpfo,
      resonanceHz: 2000,
      amplitude: 0.3,
      jitter: 0.01,
      seed: 6,
    });

    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const messages: Array<{ key: string; value: Buffer }> = [];
    const send = (bytes: Uint8Array) => messages.push({ key: MACHINE, value: Buffer.from(bytes) });
    for (let seq = 0; seq < WINDOWS * WINDOW_BLOCKS; seq++) {
      const at = seq * BLOCK;
      const frame = (channel: string, units: string, sample: (i: number) => number): Omit<VibrationFrame, 'version'> => ({
        machine: MACHINE,
        channel,
        units,
        seq,
        startTimeNs: t0 + (BigInt(at) * 1_000_000_000n) / BigInt(FS),
        sampleRateHz: FS,
        samples: Float32Array.from({ length: BLOCK }, (_, i) => sample(at + i)),
      });
      send(encodeVibrationFrame({ ...frame('DE_A', 'g', accelerationG), location: 'DE', axis: 'X', quantity: 'acceleration' }));
      send(encodeVibrationFrame({ ...frame('DE_V', 'mm/s', velocityMmS), location: 'DE', axis: 'X', quantity: 'velocity' }));
      send(
        encodeVibrationFrame({
          ...frame('gb1', 'm/s²', (i) => gearbox[i] * STANDARD_GRAVITY_M_S2),
          location: 'gearbox',
          axis: 'radial',
          quantity: 'acceleration',
        }),
      );
      send(v1.encode({ ...frame('legacy_v', 'g', velocityMmS), version: 1 }));
    }
    const bad = (units: string, quantity: string) =>
      encodeVibrationFrame({
        machine: MACHINE,
        channel: 'DE_Z',
        units,
        location: 'DE',
        axis: 'Z',
        quantity,
        seq: 0,
        startTimeNs: t0,
        sampleRateHz: FS,
        samples: new Float32Array(BLOCK),
      });
    send(bad('furlong/s', 'velocity'));
    send(bad('g', 'velocity'));
    await producer.send({ topic: topics.vibration, messages });
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await dlq?.disconnect().catch(() => undefined);
    await processor?.stop();
  });

  async function rowsOf(): Promise<Map<string, Array<Record<string, unknown>>>> {
    const rows = await waitForRows(
      services,
      `SELECT channel, window_seq, velocity_rms_mm_s, x1, rms, iso_zone, bearing_diagnosis, bearing_confidence FROM ${features} ORDER BY channel, window_seq`,
      (r) => r.length >= 4 * WINDOWS,
      90_000,
    );
    const by = new Map<string, Array<Record<string, unknown>>>();
    for (const r of rows) by.set(String(r.channel), [...(by.get(String(r.channel)) ?? []), r]);
    return by;
  }

  it('the velocity sensor reads the same velocity RMS, 1X and ISO zone as the accelerometer on the same motion', async () => {
    const by = await rowsOf();
    expect([...by.keys()].sort()).toEqual(['DE_A', 'DE_V', 'gb1', 'legacy_v']);
    for (const ch of ['DE_A', 'DE_V', 'legacy_v']) expect(by.get(ch)!.length, ch).toBe(WINDOWS);
    for (let w = 0; w < WINDOWS; w++) {
      const a = by.get('DE_A')![w];
      for (const ch of ['DE_V', 'legacy_v']) {
        const v = by.get(ch)![w];
        expect(Number(v.velocity_rms_mm_s), `${ch} window ${w}`).toBeCloseTo(Number(a.velocity_rms_mm_s), 2);
        expect(Math.abs(Number(v.x1) / Number(a.x1) - 1), `${ch} x1 window ${w}`).toBeLessThan(2e-3);
        expect(Math.abs(Number(v.rms) / Number(a.rms) - 1), `${ch} rms window ${w}`).toBeLessThan(5e-3);
        expect(v.iso_zone).toBe('C');
      }
      expect(Math.abs(Number(a.velocity_rms_mm_s) / EXPECTED_VELOCITY_RMS - 1)).toBeLessThan(0.01);
      expect(a.iso_zone).toBe('C');
    }
  });

  it('diagnoses the bearing at the third location by name, and no bearing where none is configured', async () => {
    const by = await rowsOf();
    const gb = by.get('gb1')!;
    expect(gb.length).toBe(WINDOWS);
    expect(gb.map((r) => r.bearing_diagnosis)).toEqual(gb.map(() => 'outer_race'));
    for (const ch of ['DE_A', 'DE_V', 'legacy_v'])
      for (const r of by.get(ch)!) {
        expect(r.bearing_diagnosis, ch).toBe('none');
        expect(r.bearing_confidence, ch).toBe(0);
      }
  });

  it('dead-letters unknown and inconsistent units with the reason', async () => {
    await until(() => deadLetters.length >= 2, 30_000, 'two dead letters');
    expect(processor.stats.deadLettered).toBe(2);
    expect(deadLetters.map((d) => d.code)).toEqual(['PDM_ERR_FRAME_INVALID', 'PDM_ERR_FRAME_INVALID']);
    expect(deadLetters[0].reason).toMatch(/gear-1\/DE_Z seq 0: channel DE_Z: units 'furlong\/s' are not known/);
    expect(deadLetters[1].reason).toMatch(/channel DE_Z: units 'g' measure acceleration, not velocity/);
    const stored = await sql(services, `SELECT count() n FROM ${features} WHERE channel = 'DE_Z'`);
    expect(Number(stored[0]?.n ?? 0)).toBe(0);
  });
});
