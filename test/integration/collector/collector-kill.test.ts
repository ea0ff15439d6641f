/**
 * The collector runs as its own process (`node cli/pdm.ts collect --config ...`). Kafka is taken
 * away so frames pile up in the spool, then the collector is SIGKILLed. Kafka comes back, the
 * collector is started again with the same configuration: its spool drains, nothing it had
 * received is lost, and the blocks published while it was dead are one recorded gap per channel.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { topicNames } from '../../../common/topics.ts';
import { decodeGapEvent, type GapEvent } from '../../../common/wire/gap-event.ts';
import { decodeVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { findRepoRoot } from '../../../deploy/local/paths.ts';
import type { HealthReport } from '../../../ingest/collector/collector-metrics.ts';
import { spoolDiskBytes } from '../../../ingest/collector/spool.ts';
import {
  AUTH,
  OPCUA_ENV,
  PrivateKafka,
  readTopic,
  startMachine,
  type TestMachine,
  tempDir,
} from '../../../tools/harness/collector-plant.ts';
import { freePort } from '../../../tools/harness/ports.ts';

async function waitFor<T>(
  what: string,
  get: () => Promise<T | undefined>,
  ok: (v: T) => boolean,
  timeoutMs: number,
  log: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await get().catch(() => undefined);
    if (last !== undefined && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = readFileSync(log, 'utf8').split('\n').slice(-15).join('\n');
  throw new Error(`timed out waiting for ${what}; last health ${JSON.stringify(last)?.slice(0, 500)}\ncollector log tail:\n${tail}`);
}

describe('collector SIGKILL with frames in the spool: restart drains it, nothing lost', () => {
  const prefix = `ck${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('collector-kill');
  const kafka = new PrivateKafka(dir);
  const machines: TestMachine[] = [];
  const logFile = join(dir, 'collector.log');
  let child: ChildProcess | undefined;
  let metricsPort = 0;
  let atKill: HealthReport;
  let afterRestart: HealthReport;
  let gaps: GapEvent[] = [];
  let frames: Array<{ machine: string; channel: string; seq: number }> = [];
  let exitCode: number | null = null;

  const health = async (): Promise<HealthReport | undefined> => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/health`);
    return (await res.json()) as HealthReport;
  };

  const startCollector = (configFile: string) => {
    const fd = openSync(logFile, 'a');
    const proc = spawn(process.execPath, [join(findRepoRoot(), 'cli', 'pdm.ts'), 'collect', '--config', configFile], {
      cwd: dir,
      env: { ...process.env, ...OPCUA_ENV },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    return proc;
  };

  beforeAll(async () => {
    await kafka.start();
    for (const id of ['saw-1', 'saw-2']) machines.push(await startMachine(dir, id));
    metricsPort = await freePort();
    const configFile = join(dir, 'collector.yaml');
    writeFileSync(
      configFile,
      stringify({
        id: 'kill-test',
        kafka: { brokers: kafka.brokers, topicPrefix: prefix, partitions: 2 },
        pkiDir: join(dir, 'collector-pki'),
        spool: { dir: join(dir, 'spool'), segmentBytes: 1024 * 1024 },
        metrics: { port: metricsPort, host: '127.0.0.1' },
        reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
        machines: machines.map((m) => ({ id: m.id, endpoint: m.server.endpointUrl, auth: AUTH })),
      }),
    );
    child = startCollector(configFile);
    await waitFor('30 blocks per machine delivered', health, (h) => h.machines.every((m) => m.blocksOut >= 30), 60_000, logFile);

    await kafka.stop();
    await waitFor('frames piling up in the spool', health, (h) => h.kafka.mode === 'spooling' && h.spool.records >= 100, 60_000, logFile);
    atKill = (await health())!;
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    await kafka.start();
    await new Promise((r) => setTimeout(r, 1_000)); // the collector stays dead a little longer: a gap
    child = startCollector(configFile);
    const restartedBlocks = new Map<string, number>();
    afterRestart = await waitFor(
      'the spool drained and live traffic after the restart',
      health,
      (h) => {
        for (const m of h.machines) if (!restartedBlocks.has(m.machine) && m.blocksOut > 0) restartedBlocks.set(m.machine, m.blocksOut);
        return (
          h.kafka.mode === 'live' &&
          h.spool.records === 0 &&
          h.machines.every((m) => m.blocksOut >= (restartedBlocks.get(m.machine) ?? Infinity) + 20)
        );
      },
      90_000,
      logFile,
    );
    child.kill('SIGTERM');
    exitCode = await new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child = undefined;
    await Promise.all(machines.map((m) => m.server.stop()));
    gaps = (await readTopic(kafka.brokers, topics.gaps)).map((m) => decodeGapEvent(m.value));
    frames = (await readTopic(kafka.brokers, topics.vibration)).map((m) => decodeVibrationFrame(m.value));
    process.stderr.write(
      `[collector-kill] killed with ${atKill.spool.records} messages (${atKill.spool.bytes} bytes) in the spool; after restart ${afterRestart.machines.map((m) => `${m.machine} out ${m.blocksOut}`).join(', ')}\n`,
    );
  }, 300_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await Promise.all(machines.map((m) => m.server.stop().catch(() => undefined)));
    await kafka.stop().catch(() => undefined);
  });

  it('delivers every block received before the kill, spooled ones included', () => {
    for (const m of machines) {
      for (const [ch, rendered] of m.source.rendered) {
        const seqs = [...new Set(frames.filter((f) => f.machine === m.id && f.channel === ch).map((f) => f.seq))].sort((a, b) => a - b);
        const gap = gaps.find((g) => g.machine === m.id && g.channel === ch)!;
        expect(gap).toBeDefined();
        // Everything the killed collector had received (at least what /health showed just before the kill) is in Kafka...
        expect(gap.from_seq - 1).toBeGreaterThanOrEqual(atKill.machines.find((x) => x.machine === m.id)!.lastSeq[ch]);
        expect(seqs.filter((s) => s < gap.from_seq)).toEqual(rendered.filter((s) => s >= seqs[0] && s < gap.from_seq));
        // ...and after the gap every block again up to the clean stop.
        expect(seqs.filter((s) => s > gap.to_seq)).toEqual(rendered.filter((s) => s > gap.to_seq && s <= seqs.at(-1)!));
      }
    }
  });

  it('records the blocks published while the collector was dead as one gap per channel, exactly what Kafka lacks', () => {
    expect(gaps).toHaveLength(4); // 2 machines x 2 channels
    for (const g of gaps) {
      const seqs = frames.filter((f) => f.machine === g.machine && f.channel === g.channel).map((f) => f.seq);
      expect(seqs.filter((s) => s >= g.from_seq && s <= g.to_seq)).toEqual([]);
      expect(seqs).toContain(g.from_seq - 1);
      expect(seqs).toContain(g.to_seq + 1);
      expect(BigInt(g.resumed_at_ns)).toBe(BigInt(g.to_seq + 1) * 100_000_000n);
      // Not collected while the collector was dead (its ledger's heartbeat says for how long).
      expect(g.cause).toBe('collector_down');
      expect(g.collector_down_ms).toBeGreaterThanOrEqual(1_000);
    }
    for (const m of afterRestart.machines) {
      expect(m.gaps).toBe(2);
      expect(m.dropped).toBe(0);
    }
  });

  it('stops cleanly on SIGTERM with an empty spool', () => {
    expect(exitCode).toBe(0);
    expect(spoolDiskBytes(join(dir, 'spool'))).toBe(0);
  });
});
