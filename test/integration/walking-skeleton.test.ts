/**
 * The walking skeleton, real at every hop: a simulated machine (node-opcua server, SignAndEncrypt
 * with a user token) emits a known signal; the collector publishes each block to the real Kafka;
 * the processor analyses windows in worker threads and writes to the real QuestDB. We check the
 * numbers that come out against the signal that went in, and that blocks in = rows out.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../ingest/collector/collector.ts';
import { CollectorConfigSpec } from '../../ingest/collector/collector-config.ts';
import { MachineServer } from '../../ingest/simulator/opcua/machine-server.ts';
import { SineSource } from '../../ingest/simulator/test-signals.ts';
import { StreamProcessor } from '../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../stream-processing/processor-config.ts';
import { trustEachOther } from '../../tools/harness/opcua-trust.ts';
import { freePort, until } from '../../tools/harness/ports.ts';
import { questdbAuth, sql, waitForRows } from '../helpers/questdb.ts';
import { testServices } from '../helpers/services.ts';

const FS = 20_480;
const BLOCK = 2_048; // 100 ms blocks
const WINDOW_BLOCKS = 4; // 8192-sample windows: FFT bin = 2.5 Hz
// Not 50 or 60 Hz: a pure tone at the grid frequency is what mains hum looks like, and the
// sensor checks would call the channel `check_function` (models/sensor/sensor-check.ts).
const SINE_HZ = 45;
const AMPLITUDE_G = 2;
const NOISE_RMS_G = 0.05;
const EXPECTED_RMS = Math.sqrt((AMPLITUDE_G * AMPLITUDE_G) / 2 + NOISE_RMS_G * NOISE_RMS_G);
const BLOCKS_TO_COLLECT = 60;

describe('walking skeleton: OPC UA -> Kafka -> workers -> QuestDB', () => {
  const services = testServices();
  const prefix = `ws${Date.now().toString(36)}_`;
  const dir = mkdtempSync(join(tmpdir(), 'pdm-skeleton-'));
  let server: MachineServer;
  let collector: Collector;
  let processor: StreamProcessor;

  beforeAll(async () => {
    const port = await freePort();
    const env = { ...process.env, SKELETON_OPCUA_USER: 'operator', SKELETON_OPCUA_PASSWORD: `pw-${Math.random().toString(36).slice(2)}` };
    await trustEachOther(join(dir, 'server-pki'), 'sine-1', join(dir, 'collector-pki'));
    server = new MachineServer({
      machineId: 'sine-1',
      port,
      source: new SineSource({
        frequencyHz: SINE_HZ,
        amplitudeG: AMPLITUDE_G,
        noiseRmsG: NOISE_RMS_G,
        sampleRateHz: FS,
        blockSize: BLOCK,
        seed: 42,
      }),
      security: { mode: 'SignAndEncrypt', policy: 'Basic256Sha256', allowAnonymous: false },
      users: [{ username: env.SKELETON_OPCUA_USER, password: env.SKELETON_OPCUA_PASSWORD }],
      pkiDir: join(dir, 'server-pki'),
    });
    await server.start();

    processor = new StreamProcessor(
      ProcessorConfigSpec.parse({
        kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions: 2 },
        questdb: { tablePrefix: prefix },
        windowBlocks: WINDOW_BLOCKS,
        workers: 1,
        health: { stateDir: join(dir, 'state') },
      }),
      {
        brokers: services.kafkaBrokers,
        questdbHttp: services.questdbHttp,
        questdbIlpConfig: services.questdbIlpConfig,
        questdbAuth: questdbAuth(services),
      },
    );
    await processor.start();

    collector = new Collector(
      CollectorConfigSpec.parse({
        kafka: { topicPrefix: prefix, partitions: 2 },
        pkiDir: join(dir, 'collector-pki'),
        spool: { dir: join(dir, 'spool') },
        machines: [
          {
            id: 'sine-1',
            endpoint: server.endpointUrl,
            auth: { usernameEnv: 'SKELETON_OPCUA_USER', passwordEnv: 'SKELETON_OPCUA_PASSWORD' },
          },
        ],
      }),
      { brokers: services.kafkaBrokers, env },
    );
    await collector.start();
    await until(() => collector.stats[0].blocksIn >= BLOCKS_TO_COLLECT, 60_000, `${BLOCKS_TO_COLLECT} blocks collected`);
    // A fixed run: stop collecting, then let everything sent drain through.
    await collector.stop();
    await server.stop();
  });

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await processor?.stop();
  });

  it('collects every block over a secure session, in sequence', () => {
    const s = collector.stats[0];
    expect(s.machine).toBe('sine-1');
    expect(s.gaps).toBe(0);
    expect(s.blocksOut).toBe(s.blocksIn - s.duplicates);
  });

  it('writes exactly one QuestDB row per block sent, with the sine RMS', async () => {
    const sent = collector.stats[0].blocksOut;
    const rows = await waitForRows(
      services,
      `select count() n, count_distinct(seq) seqs, min(seq) lo, max(seq) hi, avg(rms_g) rms from ${prefix}vibration_blocks`,
      (r) => Number(r[0]?.n) === sent,
    );
    expect(Number(rows[0].n)).toBe(sent);
    expect(Number(rows[0].seqs)).toBe(sent);
    expect(Number(rows[0].hi) - Number(rows[0].lo) + 1).toBe(sent); // contiguous
    expect(Math.abs(Number(rows[0].rms) - EXPECTED_RMS) / EXPECTED_RMS).toBeLessThan(0.01);
    // Counted in and out: the processor consumed each block once (no re-fetch loop, no loss).
    expect(processor.stats.blocksIn).toBe(sent);
    expect(processor.stats.rowsOut[`${prefix}vibration_blocks`]).toBe(sent);
  });

  it('analyses every complete window in a worker: RMS within 1 %, dominant frequency within one FFT bin', async () => {
    const blocks = await sql(services, `select seq from ${prefix}vibration_blocks order by seq`);
    const seqs = new Set(blocks.map((b) => Number(b.seq)));
    const windows = new Set([...seqs].map((s) => Math.floor(s / WINDOW_BLOCKS)));
    const complete = [...windows].filter((w) =>
      Array.from({ length: WINDOW_BLOCKS }, (_, i) => w * WINDOW_BLOCKS + i).every((s) => seqs.has(s)),
    );
    expect(complete.length).toBeGreaterThanOrEqual(Math.floor(BLOCKS_TO_COLLECT / WINDOW_BLOCKS) - 2);
    const features = await waitForRows(
      services,
      `select window_seq, rms, dominant_hz, samples from ${prefix}vibration_features order by window_seq`,
      (r) => r.length === complete.length,
    );
    expect(features.map((f) => Number(f.window_seq))).toEqual(complete.sort((a, b) => a - b));
    const bin = FS / (BLOCK * WINDOW_BLOCKS);
    for (const f of features) {
      expect(Number(f.samples)).toBe(BLOCK * WINDOW_BLOCKS);
      expect(Math.abs(Number(f.rms) - EXPECTED_RMS) / EXPECTED_RMS).toBeLessThan(0.01);
      expect(Math.abs(Number(f.dominant_hz) - SINE_HZ)).toBeLessThanOrEqual(bin);
    }
    expect(processor.stats.deadLettered).toBe(0);
    expect(processor.stats.windowsFailed).toBe(0);
  });
});
