/**
 * Kafka stays away longer than the spool can hold (a 1 MiB spool): the oldest frames are
 * dropped, never silently — every dropped block is counted and becomes a gap event with its
 * machine, channel and sequence range — and when Kafka is back every block the machine published
 * is either in Kafka or inside exactly one recorded gap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicNames } from '../../../common/topics.ts';
import { decodeGapEvent, type GapEvent } from '../../../common/wire/gap-event.ts';
import { decodeVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { Collector } from '../../../ingest/collector/collector.ts';
import {
  collectorConfig,
  machineEntry,
  OPCUA_ENV,
  PrivateKafka,
  readTopic,
  startMachine,
  type TestMachine,
  tempDir,
} from '../../../tools/harness/collector-plant.ts';
import { until } from '../../../tools/harness/ports.ts';

describe('spool full: the oldest frames are dropped, each one counted and recorded as a gap', () => {
  const prefix = `sf${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('spool-full');
  const kafka = new PrivateKafka(dir);
  let machine: TestMachine;
  let collector: Collector;
  let gaps: GapEvent[] = [];
  let seqs = new Map<string, number[]>();
  let droppedRecords = 0;
  let metricsText = '';

  beforeAll(async () => {
    await kafka.start();
    machine = await startMachine(dir, 'lathe-1');
    const config = collectorConfig(dir, prefix, [machineEntry(machine)], {
      spool: { dir: `${dir}/spool`, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024, fsync: 'interval', fsyncIntervalMs: 200 },
    });
    collector = new Collector(config, { brokers: kafka.brokers, env: { ...process.env, ...OPCUA_ENV } });
    await collector.start();
    await until(() => collector.stats[0].blocksOut >= 40, 60_000, 'blocks delivered before the outage');
    await kafka.stop();
    // 2 channels x 10 blocks/s of ~4.2 kB fill 1 MiB in about 12 s; go on until plenty were dropped.
    await until(() => (collector.spool?.droppedRecords ?? 0) >= 150, 90_000, 'the full spool dropping frames');
    await kafka.start();
    await until(() => collector.forwarder!.mode === 'live' && collector.spool!.records === 0, 120_000, 'the spool drained');
    const out = collector.stats[0].blocksOut;
    await until(() => collector.stats[0].blocksOut >= out + 20, 30_000, 'live traffic after the drain');
    droppedRecords = collector.spool!.droppedRecords;
    metricsText = await collector.metrics.registry.metrics();
    await collector.stop();
    await machine.server.stop();
    gaps = (await readTopic(kafka.brokers, topics.gaps)).map((m) => decodeGapEvent(m.value));
    const frames = (await readTopic(kafka.brokers, topics.vibration)).map((m) => decodeVibrationFrame(m.value));
    seqs = new Map(
      [...machine.source.rendered.keys()].map((ch) => [
        ch,
        [...new Set(frames.filter((f) => f.channel === ch).map((f) => f.seq))].sort((a, b) => a - b),
      ]),
    );
    process.stderr.write(
      `[spool-full] dropped ${droppedRecords} records; gaps ${gaps.map((g) => `${g.channel} ${g.from_seq}..${g.to_seq}`).join(', ')}\n`,
    );
  }, 300_000);

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    await machine?.server.stop().catch(() => undefined);
    await kafka.stop().catch(() => undefined);
  });

  it('accounts for every published block: in Kafka or in exactly one gap, never both', () => {
    for (const [ch, rendered] of machine.source.rendered) {
      const sent = seqs.get(ch)!;
      const window = rendered.filter((s) => s >= sent[0] && s <= sent.at(-1)!);
      const sentSet = new Set(sent);
      const mine = gaps.filter((g) => g.channel === ch);
      for (const s of window) {
        const inGaps = mine.filter((g) => s >= g.from_seq && s <= g.to_seq).length;
        expect(Number(sentSet.has(s)) + inGaps, `block ${ch} ${s}`).toBe(1);
      }
    }
  });

  it('dropped the oldest not in flight: the gaps come before everything kept, except messages that were being sent', () => {
    for (const [ch, sent] of seqs) {
      const mine = gaps.filter((g) => g.channel === ch).sort((a, b) => a.from_seq - b.from_seq);
      const firstDropped = mine[0].from_seq;
      const lastDropped = mine.at(-1)!.to_seq;
      // Before the first dropped block and after the last one, every block went out.
      const before = sent.filter((s) => s < firstDropped);
      const after = sent.filter((s) => s > lastDropped);
      expect(before.at(-1)).toBe(firstDropped - 1);
      expect(after[0]).toBe(lastDropped + 1);
      expect(after.every((s, i) => i === 0 || s === after[i - 1] + 1)).toBe(true);
      // In between, only messages that were in flight could survive (one at a time while Kafka
      // failed; a drain batch, at most an eighth of the 1 MiB spool, once it was back): about
      // 31 blocks of 4.2 kB, two channels.
      const islands = sent.filter((s) => s > firstDropped && s < lastDropped);
      expect(islands.length).toBeLessThanOrEqual(Math.ceil((1024 * 1024) / 8 / 4200 / 2) + 1);
      // resumed_at of each gap is the start of the block right after it.
      for (const g of mine) expect(BigInt(g.resumed_at_ns)).toBe(BigInt(g.to_seq + 1) * 100_000_000n);
    }
  });

  it('counted every dropped frame: blocks in the gaps plus dropped energy readings, in the stats and the metrics', () => {
    const droppedBlocks = gaps.reduce((n, g) => n + g.to_seq - g.from_seq + 1, 0);
    expect(droppedBlocks).toBeGreaterThan(100);
    expect(droppedBlocks).toBeLessThanOrEqual(droppedRecords);
    // The rest are energy readings (about one per second for the ~10 s of blocks dropped).
    expect(droppedRecords - droppedBlocks).toBeLessThan(droppedBlocks / 10);
    expect(collector.stats[0].dropped).toBe(droppedRecords);
    expect(metricsText).toContain(`pdm_collector_dropped_total{machine="lathe-1",reason="spool_full"} ${droppedRecords}`);
    expect(collector.stats[0].missingBlocks).toBe(droppedBlocks);
    // Collected, then dropped for room: lost while the collector ran, and said so.
    expect(new Set(gaps.map((g) => g.cause))).toEqual(new Set(['spool_full']));
    expect(collector.stats[0].missingByCause).toEqual({ spool_full: droppedBlocks });
  });
});
