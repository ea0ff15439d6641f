/**
 * Machines served by a second OPC UA stack (python asyncua, test/helpers/asyncua-python.ts), laid
 * out as plants' gateways and PLCs do, each serving a recorded bearing signal (CWRU, 12 kHz) in
 * 100 ms blocks and collected by one collector into the real Kafka:
 *
 * - a plain Float array (BaseDataVariableType), a sample-rate node, no block counter, units from the config;
 * - a Double array with an XAxisDefinition and EngineeringUnits, no counter;
 * - Int16 counts with a scale and offset, a UInt16 block counter that wraps during the test;
 * - a server that samples every 200 ms (subscriptions see every other block): read by timed Reads;
 * - the same refusing Reads: nothing keeps up, the expected loss is reported, every loss is a gap;
 * - SignAndEncrypt Basic256Sha256 with a user token.
 *
 * Each server's writer is paused for a few block periods once: that must be exactly one gap of
 * that size. Every other block the server wrote while collected must be in Kafka once, with its
 * samples bit for bit (Int16: the scaled counts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicNames } from '../../../common/topics.ts';
import { decodeGapEvent } from '../../../common/wire/gap-event.ts';
import { decodeVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { Collector } from '../../../ingest/collector/collector.ts';
import { ensureOwnCertificate, trustCertificate } from '../../../ingest/opcua/pki.ts';
import { type ConsumedMessage, collectorConfig, readTopic, tempDir } from '../../../tools/harness/collector-plant.ts';
import { freePort, until } from '../../../tools/harness/ports.ts';
import { asyncuaPython } from '../../helpers/asyncua-python.ts';
import { testServices } from '../../helpers/services.ts';

const RECORDING = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'cwru', '12k_DE', '105_IR007_0_DE.f32');
const FS = 12_000;
const N = 1_200; // 100 ms blocks
const PAUSE = 5; // blocks the writer skips once
const SCALE = 0.0002;
const OFFSET = 0.01;
const USER = 'operator';
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}`;

interface Served {
  id: string;
  proc: ChildProcess;
  lines: Interface;
  endpoint: string;
  nodes: { waveform: string; sampleRate?: string; sequence?: string };
  t0Us: number;
  periodUs: number;
  blocksInRecording: number;
  served: number[];
  /** Per served block, how long it stood as the server's current value (µs). */
  heldUs: number[];
}

/** The secure servers: SignAndEncrypt with a user token, one per policy the collector supports. */
const SECURE = [
  { id: 'asy-secure', policy: 'Basic256Sha256' },
  { id: 'asy-aes128', policy: 'Aes128_Sha256_RsaOaep' },
  { id: 'asy-aes256', policy: 'Aes256_Sha256_RsaPss' },
] as const;

async function startServer(python: string, id: string, args: string[]): Promise<Served> {
  const port = await freePort();
  const proc = spawn(
    python,
    [
      join(import.meta.dirname, 'fixtures', 'asyncua_machine.py'),
      '--port',
      String(port),
      '--data',
      RECORDING,
      '--fs',
      String(FS),
      '--block',
      String(N),
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: proc.stdout! });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.once('line', (l) => resolve(JSON.parse(l) as Record<string, unknown>));
    proc.once('exit', (code) => reject(new Error(`asyncua machine ${id} exited (${code})`)));
  });
  return {
    id,
    proc,
    lines,
    endpoint: ready['endpoint'] as string,
    nodes: ready['nodes'] as Served['nodes'],
    t0Us: Number.NaN,
    periodUs: ready['period_us'] as number,
    blocksInRecording: ready['blocksInRecording'] as number,
    served: [],
    heldUs: [],
  };
}

/** Start writing blocks (once the collector is subscribed: the first block is block 0). */
async function go(s: Served): Promise<void> {
  const started = new Promise<Record<string, unknown>>((resolve) => s.lines.once('line', (l) => resolve(JSON.parse(l))));
  s.proc.stdin!.write('go\n');
  s.t0Us = (await started)['t0_us'] as number;
}

async function stopServer(s: Served): Promise<void> {
  const stopped = new Promise<Record<string, unknown>>((resolve) => s.lines.once('line', (l) => resolve(JSON.parse(l))));
  s.proc.stdin!.write('stop\n');
  const report = await stopped;
  s.served = report['served'] as number[];
  s.heldUs = report['held_us'] as number[];
}

describe('machines on another OPC UA stack (asyncua): plain arrays, no counter, sampling servers, security', () => {
  const services = testServices();
  const prefix = `asy${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('asyncua');
  const recording = new Float32Array(new Uint8Array(readFileSync(RECORDING)).buffer.slice(0));
  const servers: Record<string, Served> = {};
  let collector: Collector;
  let frames: ConsumedMessage[] = [];
  let gaps: Array<ReturnType<typeof decodeGapEvent>> = [];
  let health: ReturnType<Collector['health']>;

  beforeAll(async () => {
    const python = await asyncuaPython();
    const serverPki = join(dir, 'asyncua-pki');
    const cert = await ensureOwnCertificate(serverPki, 'server', 'urn:pdm:test:asyncua-secure', 'asyncua-secure');
    await ensureOwnCertificate(join(dir, 'collector-pki'), 'client', 'urn:pdm:collector', 'pdm-collector');
    trustCertificate(join(dir, 'collector-pki'), cert, 'asyncua-secure');
    const started = await Promise.all([
      startServer(python, 'asy-plain', ['--datatype', 'float', '--rate-node', '--no-rank']),
      startServer(python, 'asy-xaxis', ['--datatype', 'double', '--xaxis', '--eu', 'g']),
      startServer(python, 'asy-int16', [
        '--datatype',
        'int16',
        '--scale',
        String(SCALE),
        '--offset',
        String(OFFSET),
        '--counter',
        'uint16',
        '--counter-start',
        '65520',
      ]),
      startServer(python, 'asy-sampled', ['--datatype', 'float', '--rate-node', '--sample-ms', '200']),
      startServer(python, 'asy-unreadable', ['--datatype', 'float', '--rate-node', '--sample-ms', '200', '--refuse-read']),
      // One server per security policy the collector supports, each offering only that one.
      ...SECURE.map(({ id, policy }) =>
        startServer(python, id, [
          '--policy',
          policy,
          '--datatype',
          'float',
          '--rate-node',
          '--cert',
          cert,
          '--key',
          join(serverPki, 'own', 'private', 'private_key.pem'),
          '--app-uri',
          'urn:pdm:test:asyncua-secure',
          '--user',
          USER,
          '--password',
          PASSWORD,
        ]),
      ),
    ]);
    for (const s of started) servers[s.id] = s;
    // These servers run without security on purpose (the secure one is tested below): allowed only when a machine says so.
    const open = { security: { mode: 'None' }, auth: { anonymous: true }, allowInsecure: true };
    const channel = (s: Served, extra: Record<string, unknown>) => ({ channel: 'DE_accel', waveform: s.nodes.waveform, ...extra });
    const config = collectorConfig(
      dir,
      prefix,
      [
        // Asyncua grants a sampling interval equal to the publishing interval but reports every write: 100 ms keeps the subscription.
        {
          id: 'asy-plain',
          endpoint: servers['asy-plain'].endpoint,
          ...open,
          publishingIntervalMs: 100,
          nodes: { channels: [channel(servers['asy-plain'], { sampleRate: servers['asy-plain'].nodes.sampleRate, units: 'g' })] },
        },
        {
          id: 'asy-xaxis',
          endpoint: servers['asy-xaxis'].endpoint,
          ...open,
          publishingIntervalMs: 100,
          nodes: { channels: [channel(servers['asy-xaxis'], {})] },
        },
        {
          id: 'asy-int16',
          endpoint: servers['asy-int16'].endpoint,
          ...open,
          publishingIntervalMs: 100,
          nodes: {
            channels: [
              channel(servers['asy-int16'], {
                sequence: servers['asy-int16'].nodes.sequence,
                sampleRate: FS,
                units: 'g',
                scale: SCALE,
                offset: OFFSET,
              }),
            ],
          },
        },
        // Samples every 200 ms, 100 ms blocks: the collector must switch to timed Reads.
        {
          id: 'asy-sampled',
          endpoint: servers['asy-sampled'].endpoint,
          ...open,
          publishingIntervalMs: 200,
          nodes: { channels: [channel(servers['asy-sampled'], { sampleRate: servers['asy-sampled'].nodes.sampleRate, units: 'g' })] },
        },
        // Samples every 200 ms and refuses Reads: nothing can keep up; the loss is reported.
        {
          id: 'asy-unreadable',
          endpoint: servers['asy-unreadable'].endpoint,
          ...open,
          publishingIntervalMs: 200,
          nodes: { channels: [channel(servers['asy-unreadable'], { sampleRate: servers['asy-unreadable'].nodes.sampleRate, units: 'g' })] },
        },
        ...SECURE.map(({ id, policy }) => ({
          id,
          endpoint: servers[id].endpoint,
          security: { mode: 'SignAndEncrypt', policy },
          auth: { usernameEnv: 'ASY_USER', passwordEnv: 'ASY_PASSWORD' },
          publishingIntervalMs: 100,
          nodes: { channels: [channel(servers[id], { sampleRate: servers[id].nodes.sampleRate, units: 'g' })] },
        })),
        // Bad configurations stop only their machine, naming the field (the same servers, another endpoint path).
        {
          id: 'asy-noscale',
          endpoint: `${servers['asy-int16'].endpoint}-noscale`,
          ...open,
          nodes: { channels: [channel(servers['asy-int16'], { sampleRate: FS, units: 'g' })] },
        },
        {
          id: 'asy-norate',
          endpoint: `${servers['asy-plain'].endpoint}-norate`,
          ...open,
          nodes: { channels: [channel(servers['asy-plain'], { units: 'g' })] },
        },
      ],
      // A machine that has not written yet must not be rebuilt by the data watchdog meanwhile.
      {
        metrics: { port: 0, host: '127.0.0.1' },
        reconnect: { minDelayMs: 200, maxDelayMs: 2_000, noDataMs: 60_000, keepAliveTimeoutMs: 10_000 },
      },
    );
    collector = new Collector(config, { brokers: services.kafkaBrokers, env: { ...process.env, ASY_USER: USER, ASY_PASSWORD: PASSWORD } });
    await collector.start();
    const stats = (id: string) => collector.stats.find((s) => s.machine === id);
    const ids = Object.keys(servers);
    // The Int16 machine writes once it is collected, so its UInt16 counter (from 65520) wraps while
    // watched. The sampling one too: the collector decides how to read it while its value still says
    // BadWaitingForInitialData (a CI run once decided that before the first write, took it for a
    // refusal to be read, subscribed, and lost every other block). The others write from the start
    // (the plain one leaves its shape to its value: discovery waits for one).
    const goWhenConnected = ['asy-int16', 'asy-sampled'];
    await Promise.all(
      Object.values(servers)
        .filter((s) => !goWhenConnected.includes(s.id))
        .map(go),
    );
    await until(() => goWhenConnected.every((id) => stats(id)?.state === 'connected'), 45_000, 'the Int16 and sampling machines connected');
    await Promise.all(goWhenConnected.map((id) => go(servers[id])));
    await until(() => ids.every((id) => (stats(id)?.blocksIn ?? 0) >= 15), 45_000, '15 blocks from every asyncua machine');
    await until(
      () => ['asy-noscale', 'asy-norate'].every((id) => stats(id)?.state === 'failed'),
      10_000,
      'the misconfigured machines to fail',
    );
    for (const s of Object.values(servers)) s.proc.stdin!.write(`pause ${PAUSE}\n`);
    await until(
      () => ids.every((id) => (stats(id)?.gaps ?? 0) >= 1 && (stats(id)?.blocksIn ?? 0) >= 35),
      30_000,
      'the pause and 20 blocks after it',
    );
    health = (await (await fetch(`http://127.0.0.1:${collector.metricsPort}/health`)).json()) as typeof health;
    await collector.stop();
    await Promise.all(Object.values(servers).map(stopServer));
    frames = await readTopic(services.kafkaBrokers, topics.vibration);
    gaps = (await readTopic(services.kafkaBrokers, topics.gaps)).map((m) => decodeGapEvent(m.value));
  }, 150_000);

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    for (const s of Object.values(servers)) s.proc.kill('SIGKILL');
  });

  /** The samples of block k as the server wrote them (Int16: the counts scaled back, as the collector does). */
  function expectedBlock(s: Served, k: number): Float32Array {
    const first = (k % s.blocksInRecording) * N;
    const block = recording.subarray(first, first + N);
    if (s.id !== 'asy-int16') return Float32Array.from(block);
    return Float32Array.from(block, (x) => {
      const count = Math.max(-32768, Math.min(32767, Math.floor((x - OFFSET) / SCALE + 0.5)));
      return count * SCALE + OFFSET;
    });
  }

  /**
   * Every block in Kafka is one the server wrote, once, in order, bit for bit, numbered as the
   * server's clock says; every block written in the collected range and not in Kafka lies in a
   * recorded gap; the blocks the paused writer never wrote are inside one gap. `strict`: nothing
   * else is missing (the pause is the only gap, of exactly its size).
   */
  function check(id: string, strict = true): { missingServed: number; collected: number; missingStood: number; stood: number } {
    const s = servers[id];
    const stats = collector.stats.find((x) => x.machine === id)!;
    expect(stats.error).toBeUndefined();
    const decoded = frames.filter((f) => f.key === id).map((f) => decodeVibrationFrame(f.value));
    // Which block of the server each frame is: from its start time.
    const ks = decoded.map((d) => (Number(d.startTimeNs / 1000n) - s.t0Us) / s.periodUs);
    expect(ks.every(Number.isInteger)).toBe(true);
    expect(ks.length).toBeGreaterThanOrEqual(30);
    expect(ks.every((k, i) => i === 0 || k > ks[i - 1])).toBe(true);
    decoded.forEach((d, i) => {
      expect(d.samples).toEqual(expectedBlock(s, ks[i]));
      expect(d.sampleRateHz).toBe(FS);
      expect(d.units).toBe('g');
    });
    // Sequence numbers follow the server's blocks: one per block period.
    const seqs = decoded.map((d) => d.seq);
    expect(seqs.map((q) => q - seqs[0])).toEqual(ks.map((k) => k - ks[0]));
    const kOf = (seq: number) => ks[0] + (seq - seqs[0]);
    const mine = gaps.filter((g) => g.machine === id);
    const inGaps = new Set(mine.flatMap((g) => Array.from({ length: g.to_seq - g.from_seq + 1 }, (_, i) => kOf(g.from_seq + i))));
    const collected = new Set(ks);
    const range = Array.from({ length: ks.at(-1)! - ks[0] + 1 }, (_, i) => ks[0] + i);
    // Nothing missing goes unrecorded, nothing recorded missing was delivered.
    expect(range.filter((k) => !collected.has(k)).sort()).toEqual([...inGaps].sort());
    const served = new Set(s.served);
    const paused = range.filter((k) => !served.has(k));
    expect(paused).toHaveLength(PAUSE);
    expect(paused.every((k) => inGaps.has(k))).toBe(true);
    expect(mine.some((g) => kOf(g.from_seq) <= paused[0] && kOf(g.to_seq) >= paused.at(-1)!)).toBe(true);
    expect(stats.blocksIn - stats.duplicates).toBe(stats.blocksOut);
    expect(stats.blocksOut).toBe(decoded.length);
    const missingServed = range.filter((k) => served.has(k) && !collected.has(k)).length;
    // Blocks that stood as the server's value for at least three quarters of a block period: one
    // and a half of the collector's read intervals when it polls.
    const heldUs = new Map(s.served.map((k, i) => [k, s.heldUs[i]]));
    const stoodBlocks = range.filter((k) => served.has(k) && (heldUs.get(k) ?? 0) >= 0.75 * s.periodUs);
    const missingStood = stoodBlocks.filter((k) => !collected.has(k)).length;
    if (strict) {
      expect(missingServed).toBe(0);
      expect(mine).toHaveLength(1);
      expect(mine[0].to_seq - mine[0].from_seq + 1).toBe(PAUSE);
      expect(stats.gaps).toBe(1);
      expect(stats.missingBlocks).toBe(PAUSE);
    }
    return { missingServed, collected: ks.length, missingStood, stood: stoodBlocks.length };
  }

  it('plain Float array (BaseDataVariableType), sample-rate node, no counter: every block bit for bit, the pause one gap', () => {
    check('asy-plain');
    expect(health.machines.find((m) => m.machine === 'asy-plain')?.collection.mode).toBe('subscription');
  });

  it('Double array with XAxisDefinition and EngineeringUnits: rate and units from the server', () => {
    check('asy-xaxis');
  });

  it('Int16 counts with scale and offset, a UInt16 counter that wraps: the wrap is the next block', () => {
    check('asy-int16');
    // The counter started at 65520 with block 0 and wrapped after 16 blocks: sequence numbers went on past 65535.
    const seqs = frames.filter((f) => f.key === 'asy-int16').map((f) => decodeVibrationFrame(f.value).seq);
    expect(Math.max(...seqs)).toBeGreaterThan(65_535);
  });

  it('a server that samples every 200 ms with 100 ms blocks: read by timed Reads, the mode in /health', () => {
    // A subscription would see one block in two. Reads see a block for as long as the server holds
    // it: a period normally, but when the python writer stalls (this machine's 2 cores are shared)
    // it writes the late blocks back to back and those stand for milliseconds, for any reader. A
    // CI run measured 34 of ~300 missed that way. So the bound is on the blocks that stood at least
    // three quarters of a period: the collector reads those bar its own stalls (at most 10 %).
    // Every block missed, whichever, is a recorded gap, never a silent loss (check).
    const h = health.machines.find((m) => m.machine === 'asy-sampled')!;
    const { missingServed, collected, missingStood, stood } = check('asy-sampled', false);
    console.log(
      `asy-sampled: collected by ${h.collection.mode}, ${collected} blocks, ${missingServed} served but missed, ${missingStood} of them among the ${stood} that stood ≥ 0.75 of a period`,
    );
    expect(stood).toBeGreaterThanOrEqual(0.5 * (collected + missingServed));
    expect(missingStood).toBeLessThanOrEqual(Math.ceil(0.1 * stood));
    expect(h.collection).toMatchObject({ mode: 'polling', expectedLossPerS: 0 });
    expect(h.collection.reason).toMatch(/samples every 200 ms/);
  });

  it('a server that samples and refuses Reads: the expected loss (blocks/s) in /health, every loss a recorded gap', () => {
    const { missingServed, collected } = check('asy-unreadable', false);
    const h = health.machines.find((m) => m.machine === 'asy-unreadable')!;
    // 10 blocks/s written, one seen per 200 ms sampling: 5 blocks/s lost.
    expect(h.collection).toMatchObject({ mode: 'subscription', expectedLossPerS: 5 });
    expect(h.collection.reason).toMatch(/refuses Reads of the waveform: about 5\.00 blocks\/s will be lost/);
    expect(h.risks).toContain(h.collection.reason);
    expect(missingServed).toBeGreaterThan(0.3 * (collected + missingServed));
  });

  it('SignAndEncrypt Basic256Sha256 with a user token', () => {
    check('asy-secure');
  });

  it('SignAndEncrypt Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss (the one policy each server offers) with a user token', () => {
    check('asy-aes128');
    check('asy-aes256');
    // The collector connected with the policy the server offers, and says so.
    const security = (id: string) => collector.stats.find((x) => x.machine === id)?.security;
    expect([security('asy-aes128'), security('asy-aes256')]).toEqual([
      'SignAndEncrypt/Aes128_Sha256_RsaOaep',
      'SignAndEncrypt/Aes256_Sha256_RsaPss',
    ]);
  });

  it('a misconfigured machine stops alone, with a config error naming the field', () => {
    const error = (id: string) => collector.stats.find((x) => x.machine === id)?.error ?? '';
    expect(error('asy-noscale')).toMatch(
      /^PDM_ERR_CONFIG_INVALID: machine asy-noscale \(opc\.tcp:\/\/[^)]+\): channel DE_accel: the waveform holds Int16 counts: set nodes\.channels\[0\]\.scale/,
    );
    expect(error('asy-norate')).toMatch(
      /^PDM_ERR_CONFIG_INVALID: machine asy-norate \(opc\.tcp:\/\/[^)]+\): channel DE_accel: sample rate unknown: .*set nodes\.channels\[0\]\.sampleRate/,
    );
    expect(health.status).toBe('degraded');
    expect(health.machines.filter((m) => m.state === 'connected')).toHaveLength(8);
  });
});
