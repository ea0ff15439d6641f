/**
 * The collector is stopped for a few seconds while its machine goes on (a maintenance window, an
 * upgrade), then started again with the same configuration: the blocks the machine published
 * meanwhile are one gap per channel with cause `collector_down` ("not collected while the
 * collector was stopped", not a loss while running), exactly the run of blocks Kafka lacks, and
 * the event says how long the collector was down (from the heartbeat its ledger persisted).
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
  RecordingSource,
  readTopic,
  sineSource,
  startMachine,
  type TestMachine,
  tempDir,
} from '../../../tools/harness/collector-plant.ts';
import { until } from '../../../tools/harness/ports.ts';
import { testServices } from '../../helpers/services.ts';

const DOWNTIME_MS = 3_000;
const BLOCK_MS = 100; // the harness machines' blocks: 1024 samples at 10,240 Hz

describe('collector stopped for a few seconds: one collector_down gap per channel, of the downtime', () => {
  const services = testServices();
  const prefix = `cd${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('collector-downtime');
  let machine: TestMachine;
  let collector: Collector | undefined;
  let stoppedAtMs = 0;
  let startedAgainAtMs = 0;
  const lastBefore = new Map<string, number>();
  let gaps: GapEvent[] = [];
  let frames: Array<ReturnType<typeof decodeVibrationFrame>> = [];

  const newCollector = () =>
    new Collector(collectorConfig(dir, prefix, [machineEntry(machine)]), {
      brokers: services.kafkaBrokers,
      env: { ...process.env, ...OPCUA_ENV },
    });

  beforeAll(async () => {
    machine = await startMachine(dir, 'lathe-3', { source: new RecordingSource(sineSource(3, 2)) });
    collector = newCollector();
    await collector.start();
    await until(() => collector!.stats[0].blocksOut >= 30, 60_000, 'blocks flowing before the stop');
    await collector.stop();
    stoppedAtMs = Date.now();
    for (const [ch, seq] of Object.entries(collector.stats[0].lastSeq)) lastBefore.set(ch, seq);
    expect(collector.stats[0].missingBlocks).toBe(0);

    await new Promise((r) => setTimeout(r, DOWNTIME_MS)); // the machine goes on, nobody collects
    startedAgainAtMs = Date.now();
    collector = newCollector();
    await collector.start();
    await until(() => collector!.stats[0].blocksOut >= 30, 60_000, 'blocks flowing after the restart');
    await collector.stop();
    await machine.server.stop();
    gaps = (await readTopic(services.kafkaBrokers, topics.gaps)).map((m) => decodeGapEvent(m.value));
    frames = (await readTopic(services.kafkaBrokers, topics.vibration)).map((m) => decodeVibrationFrame(m.value));
    process.stderr.write(
      `[collector-downtime] stopped ${startedAgainAtMs - stoppedAtMs} ms; gaps ${gaps.map((g) => `${g.channel} ${g.from_seq}..${g.to_seq} (${g.to_seq - g.from_seq + 1} blocks, ${g.cause}, down ${g.collector_down_ms} ms)`).join('; ')}\n`,
    );
  }, 240_000);

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    await machine?.server.stop().catch(() => undefined);
  });

  it('records exactly one gap per channel, cause collector_down, with how long the collector was down', () => {
    expect(gaps.map((g) => `${g.channel} ${g.cause}`).sort()).toEqual(['DE_X collector_down', 'DE_Y collector_down']);
    for (const g of gaps) {
      expect(g.collector_down_ms, g.channel).toBeGreaterThanOrEqual(DOWNTIME_MS);
      expect(g.collector_down_ms, g.channel).toBeLessThan(startedAgainAtMs - stoppedAtMs + 2_000);
    }
    // The second run's counters say the same, by cause.
    expect(collector!.stats[0].missingByCause).toEqual({ collector_down: gaps.reduce((n, g) => n + g.to_seq - g.from_seq + 1, 0) });
  });

  it('each gap is exactly the blocks Kafka lacks, the ones published while the collector was stopped', () => {
    for (const g of gaps) {
      const seqs = [...new Set(frames.filter((f) => f.channel === g.channel).map((f) => f.seq))].sort((a, b) => a - b);
      // Right after the last block the first run delivered, up to the first one the second run got.
      expect(g.from_seq, g.channel).toBe(lastBefore.get(g.channel)! + 1);
      expect(seqs.filter((s) => s >= g.from_seq && s <= g.to_seq)).toEqual([]);
      expect(seqs).toContain(g.to_seq + 1);
      // Nothing else missing: the frames and the gap cover every block from the first to the last.
      expect(seqs.length + (g.to_seq - g.from_seq + 1)).toBe(seqs.at(-1)! - seqs[0] + 1);
      // Its size is the downtime in blocks: at least the pause, at most the time from the stop to
      // the restart's first block (start-up and connection included), at 10 blocks a second.
      const missing = g.to_seq - g.from_seq + 1;
      expect(missing, g.channel).toBeGreaterThanOrEqual(DOWNTIME_MS / BLOCK_MS);
      const firstAfterStartMs = Number(BigInt(g.resumed_at_ns) / 1_000_000n);
      const lastBeforeEndMs = g.from_seq * BLOCK_MS;
      expect(missing, g.channel).toBe(Math.round((firstAfterStartMs - lastBeforeEndMs) / BLOCK_MS));
      expect(missing * BLOCK_MS, g.channel).toBeLessThan(firstAfterStartMs - stoppedAtMs + 2 * BLOCK_MS + 5_000);
    }
  });
});
