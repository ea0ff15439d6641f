/**
 * Kafka goes away for 30 s mid-run (a broker of this test's own, stopped and started again):
 * the collector spools to disk meanwhile, drains the spool in order when Kafka is back, and no
 * block is lost; after de-duplication by (machine, channel, seq) none is there twice, and in
 * each partition the blocks of a channel appear in sequence order across live traffic, spool and
 * drain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicNames } from '../../../common/topics.ts';
import { decodeVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { Collector } from '../../../ingest/collector/collector.ts';
import type { HealthReport } from '../../../ingest/collector/collector-metrics.ts';
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

const OUTAGE_MS = 15_000;

describe('Kafka outage: spooled, drained in order, nothing lost', () => {
  const prefix = `ko${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('kafka-outage');
  const kafka = new PrivateKafka(dir);
  const machines: TestMachine[] = [];
  let collector: Collector;
  let during: HealthReport;
  let spooledAtRestart = 0;
  let drainMs = 0;
  let frames: Array<{ partition: number; offset: number; machine: string; channel: string; seq: number }> = [];
  let gapCount = -1;

  beforeAll(async () => {
    await kafka.start();
    for (const id of ['mill-1', 'mill-2', 'mill-3']) machines.push(await startMachine(dir, id));
    collector = new Collector(collectorConfig(dir, prefix, machines.map(machineEntry)), {
      brokers: kafka.brokers,
      env: { ...process.env, ...OPCUA_ENV },
    });
    await collector.start();
    await until(() => collector.stats.every((s) => s.blocksOut >= 40), 60_000, '20 blocks per channel delivered before the outage');

    await kafka.stop();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    during = collector.health();
    spooledAtRestart = collector.spool!.records;
    await kafka.start();
    const t0 = Date.now();
    await until(
      () => collector.forwarder!.mode === 'live' && collector.spool!.records === 0,
      120_000,
      'the spool drained after Kafka came back',
    );
    drainMs = Date.now() - t0;
    const out = collector.stats.map((s) => s.blocksOut);
    await until(() => collector.stats.every((s, i) => s.blocksOut >= out[i] + 20), 30_000, 'live traffic after the drain');
    await collector.stop();
    await Promise.all(machines.map((m) => m.server.stop()));
    frames = (await readTopic(kafka.brokers, topics.vibration)).map((m) => {
      const f = decodeVibrationFrame(m.value);
      return { partition: m.partition, offset: m.offset, machine: f.machine, channel: f.channel, seq: f.seq };
    });
    gapCount = (await readTopic(kafka.brokers, topics.gaps)).length;
    process.stderr.write(
      `[kafka-outage] spool held ${spooledAtRestart} messages after ${OUTAGE_MS / 1000} s; drained ${drainMs} ms after Kafka was healthy; ${frames.length} frames in Kafka\n`,
    );
  }, 300_000);

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    await Promise.all(machines.map((m) => m.server.stop().catch(() => undefined)));
    await kafka.stop().catch(() => undefined);
  });

  it('spooled to disk while Kafka was away, and said so on /health', () => {
    expect(during.kafka.mode).toBe('spooling');
    expect(during.kafka.up).toBe(false);
    expect(during.spool.oldestAgeS!).toBeGreaterThan(OUTAGE_MS / 1000 - 5);
    // ~30 s of 3 machines x 2 channels x 10 blocks/s, plus energy readings.
    expect(spooledAtRestart).toBeGreaterThan(0.8 * (OUTAGE_MS / 100) * 6);
    expect(during.status).toBe('ok'); // the machines were fine all along
  });

  it('lost no block: every block published while collected is in Kafka', () => {
    for (const m of machines) {
      for (const [ch, rendered] of m.source.rendered) {
        const seqs = [...new Set(frames.filter((f) => f.machine === m.id && f.channel === ch).map((f) => f.seq))].sort((a, b) => a - b);
        expect(seqs).toEqual(rendered.filter((x) => x >= seqs[0] && x <= seqs.at(-1)!));
        // The outage lies inside: more than 30 s of blocks in one unbroken run.
        expect(seqs.length).toBeGreaterThan(OUTAGE_MS / 100 + 60);
      }
    }
    expect(gapCount).toBe(0);
    for (const s of collector.stats) {
      expect(s.gaps).toBe(0);
      expect(s.dropped).toBe(0);
      expect(s.blocksOut).toBe(s.blocksIn - s.duplicates);
    }
  });

  it('kept the order per machine across live traffic, spool and drain; duplicates only re-sends', () => {
    let duplicates = 0;
    for (const m of machines) {
      const mine = frames.filter((f) => f.machine === m.id);
      expect(new Set(mine.map((f) => f.partition)).size).toBe(1);
      for (const ch of m.source.rendered.keys()) {
        const seqs = mine
          .filter((f) => f.channel === ch)
          .sort((a, b) => a.offset - b.offset)
          .map((f) => f.seq);
        // In offset order each block is either the next one or a repeat of one already there.
        let high = -1;
        for (const seq of seqs) {
          if (seq <= high) {
            duplicates++;
            expect(seqs.indexOf(seq)).toBeLessThan(seqs.lastIndexOf(seq));
          } else {
            if (high >= 0) expect(seq).toBe(high + 1);
            high = seq;
          }
        }
      }
    }
    process.stderr.write(`[kafka-outage] duplicates in Kafka (removed downstream by DEDUP): ${duplicates}\n`);
  });
});
