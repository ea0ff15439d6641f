/**
 * A simulated machine is switched off mid-run and on again (a new server process on the same
 * port, its clock-aligned sequence numbers continuing at the clock's block): the collector picks
 * it up again by itself, and the gap it records per channel is exactly the run of blocks Kafka
 * lacks: the blocks the clock advanced while the machine was off (its server never published
 * them), plus the few the server still had queued when it went down and published before the
 * collector had subscribed again. The other machines flow on untouched, and the gap reaches
 * QuestDB's collection_gaps through the processor, with its cause (disconnected: the collector ran).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicNames } from '../../../common/topics.ts';
import { decodeGapEvent, type GapEvent } from '../../../common/wire/gap-event.ts';
import { decodeVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { Collector } from '../../../ingest/collector/collector.ts';
import { StreamProcessor } from '../../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import {
  collectorConfig,
  machineEntry,
  OPCUA_ENV,
  RecordingSource,
  readTopic,
  sineSource,
  startMachine,
  type TestMachine,
  tempDir,
} from '../../../tools/harness/collector-plant.ts';
import { until } from '../../../tools/harness/ports.ts';
import { questdbAuth, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const DOWNTIME_MS = 4_000;

describe('machine restart: collection resumes by itself, the gap is exactly the downtime', () => {
  const services = testServices();
  const prefix = `mr${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('machine-restart');
  let target: TestMachine;
  const others: TestMachine[] = [];
  let collector: Collector;
  let processor: StreamProcessor;
  const lastBefore = new Map<string, number>();
  const firstAfter = new Map<string, number>();
  let stoppedAtMs = 0;
  let restartedAtMs = 0;
  let resumedAfterMs = 0;
  let gaps: GapEvent[] = [];
  let frames: Array<ReturnType<typeof decodeVibrationFrame>> = [];

  beforeAll(async () => {
    target = await startMachine(dir, 'press-7', { source: new RecordingSource(sineSource(7, 2)) });
    others.push(await startMachine(dir, 'fan-1', { source: new RecordingSource(sineSource(1, 1)) }));
    others.push(await startMachine(dir, 'fan-2', { source: new RecordingSource(sineSource(2, 1)) }));
    processor = new StreamProcessor(
      ProcessorConfigSpec.parse({
        kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions: 3 },
        questdb: { tablePrefix: prefix },
        windowBlocks: 4,
        workers: 1,
      }),
      {
        brokers: services.kafkaBrokers,
        questdbHttp: services.questdbHttp,
        questdbIlpConfig: services.questdbIlpConfig,
        questdbAuth: questdbAuth(services),
      },
    );
    await processor.start();
    collector = new Collector(collectorConfig(dir, prefix, [target, ...others].map(machineEntry)), {
      brokers: services.kafkaBrokers,
      env: { ...process.env, ...OPCUA_ENV },
    });
    await collector.start();
    const stats = (id: string) => collector.stats.find((s) => s.machine === id)!;
    await until(() => stats('press-7').blocksIn >= 40, 60_000, '20 blocks per channel before the restart');

    await target.server.stop();
    stoppedAtMs = Date.now();
    for (const [ch, seqs] of target.source.rendered) lastBefore.set(ch, seqs.at(-1)!);
    await new Promise((r) => setTimeout(r, DOWNTIME_MS));
    const renderedBefore = new Map([...target.source.rendered].map(([ch, s]) => [ch, s.length]));
    target = await startMachine(dir, 'press-7', { port: target.port, source: target.source, trust: false });
    restartedAtMs = Date.now();
    for (const [ch, seqs] of target.source.rendered) firstAfter.set(ch, seqs[renderedBefore.get(ch)!]);
    const outBefore = stats('press-7').blocksOut;
    await until(() => stats('press-7').blocksOut > outBefore, 60_000, 'press-7 collected again after its restart');
    resumedAfterMs = Date.now() - restartedAtMs;
    const inAfter = stats('press-7').blocksIn;
    await until(() => stats('press-7').blocksIn >= inAfter + 40, 60_000, '20 more blocks per channel after the restart');

    await collector.stop();
    await Promise.all([target, ...others].map((m) => m.server.stop()));
    gaps = (await readTopic(services.kafkaBrokers, topics.gaps)).map((m) => decodeGapEvent(m.value));
    frames = (await readTopic(services.kafkaBrokers, topics.vibration)).map((m) => decodeVibrationFrame(m.value));
    process.stderr.write(
      `[machine-restart] down ${restartedAtMs - stoppedAtMs} ms; collected again ${resumedAfterMs} ms after the restart\n`,
    );
  });

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    await Promise.all([target, ...others].map((m) => m?.server.stop().catch(() => undefined)));
    await processor?.stop().catch(() => undefined);
  });

  it('records one gap per channel: exactly the blocks Kafka lacks, covering the whole downtime', () => {
    const mine = gaps.filter((g) => g.machine === 'press-7');
    expect(mine.map((g) => g.channel).sort()).toEqual(['DE_X', 'DE_Y']);
    for (const g of mine) {
      const seqs = frames.filter((f) => f.machine === 'press-7' && f.channel === g.channel).map((f) => f.seq);
      const lastCollected = seqs.filter((x) => x < g.from_seq).at(-1)!;
      const firstCollected = seqs.find((x) => x > g.to_seq)!;
      // Exact: the gap is the run between the last block sent before and the first sent after,
      // and resumed_at is the start of that first block.
      expect(g.from_seq).toBe(lastCollected + 1);
      expect(g.to_seq).toBe(firstCollected - 1);
      expect(seqs.filter((x) => x >= g.from_seq && x <= g.to_seq)).toEqual([]);
      expect(BigInt(g.resumed_at_ns)).toBe(BigInt(firstCollected) * 100_000_000n);
      // The blocks the clock advanced while the machine was off (its server published none of
      // them) all lie inside the gap; so does the number of 100 ms blocks the downtime lasted.
      const off = firstAfter.get(g.channel)! - lastBefore.get(g.channel)! - 1;
      expect(
        target.source.rendered.get(g.channel)!.filter((x) => x > lastBefore.get(g.channel)! && x < firstAfter.get(g.channel)!),
      ).toEqual([]);
      expect(g.from_seq).toBeLessThanOrEqual(lastBefore.get(g.channel)! + 1);
      expect(g.to_seq).toBeGreaterThanOrEqual(firstAfter.get(g.channel)! - 1);
      expect(Math.abs(off - (restartedAtMs - stoppedAtMs) / 100)).toBeLessThanOrEqual(5);
      // Around it: blocks still queued in the server when it went down, and blocks it published
      // before the collector had subscribed again. Both are missing in Kafka, and both are counted here.
      const queuedAtStop = lastBefore.get(g.channel)! - g.from_seq + 1;
      const beforeResubscribe = g.to_seq - firstAfter.get(g.channel)! + 1;
      process.stderr.write(
        `[machine-restart] ${g.channel}: gap ${g.from_seq}..${g.to_seq} (${g.to_seq - g.from_seq + 1}) = ${queuedAtStop} queued at the stop + ${off} while off + ${beforeResubscribe} before re-subscription\n`,
      );
    }
    const s = collector.stats.find((x) => x.machine === 'press-7')!;
    expect(s.gaps).toBe(2);
    expect(s.missingBlocks).toBe(mine.reduce((n, g) => n + g.to_seq - g.from_seq + 1, 0));
    // The collector ran all along: lost across the lost connection, not its own downtime.
    expect(mine.map((g) => g.cause)).toEqual(['disconnected', 'disconnected']);
    expect(s.missingByCause).toEqual({ disconnected: s.missingBlocks });
    expect(s.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('sends every published block of the restarted machine once, before and after the gap', () => {
    for (const [ch, rendered] of target.source.rendered) {
      const seqs = frames.filter((f) => f.machine === 'press-7' && f.channel === ch).map((f) => f.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      const gap = gaps.find((g) => g.machine === 'press-7' && g.channel === ch)!;
      expect(seqs).toEqual(rendered.filter((x) => x >= seqs[0] && x <= seqs.at(-1)! && !(x >= gap.from_seq && x <= gap.to_seq)));
    }
  });

  it('leaves the other machines untouched: no gap, every block in order', () => {
    expect(gaps.filter((g) => g.machine !== 'press-7')).toEqual([]);
    for (const m of others) {
      const seqs = frames.filter((f) => f.machine === m.id).map((f) => f.seq);
      expect(seqs.length).toBeGreaterThan(80);
      expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1)).toBe(true);
      expect(collector.stats.find((x) => x.machine === m.id)!.reconnects).toBe(0);
    }
  });

  it('lands the gap in QuestDB collection_gaps through the processor', async () => {
    const rows = await waitForRows(
      services,
      `select channel, from_seq, to_seq, missing_blocks, cause from ${prefix}collection_gaps where machine = 'press-7' order by channel`,
      (r) => r.length === 2,
    );
    const mine = gaps.filter((g) => g.machine === 'press-7').sort((a, b) => a.channel.localeCompare(b.channel));
    expect(rows.map((r) => [r.channel, Number(r.from_seq), Number(r.to_seq), Number(r.missing_blocks), r.cause])).toEqual(
      mine.map((g) => [g.channel, g.from_seq, g.to_seq, g.to_seq - g.from_seq + 1, 'disconnected']),
    );
  });
});
