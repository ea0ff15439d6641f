/**
 * processor-rebalance: machines move between real `pdm process` processes and keep their models.
 * Two processors share the partitions (co-partitioned: each owns partition p of every topic);
 * one is stopped (SIGTERM), the other takes its partitions; then a third starts on a data
 * directory of its own (standing in for another host: no shared local state) and takes some of
 * them. Blocks stream throughout. Every block, window and energy reading is in QuestDB exactly
 * once (counted by key against what was sent); every machine learnt its baseline once (no
 * machine_health row in the baseline phase after its first monitoring row, and the frozen
 * baseline on the model-state topic at the end is the one learnt before the moves); the
 * processors that received machines restored them from the topic.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../common/kafka.ts';
import { logger } from '../../../common/log.ts';
import { topicNames } from '../../../common/topics.ts';
import { tableNames } from '../../../storage/tables.ts';
import { ModelStateTopic, partitionOf } from '../../../stream-processing/model-state-topic.ts';
import {
  FramePublisher,
  metricValue,
  type ProcessorChild,
  scenarioConfig,
  spawnProcessor,
  stopChild,
  waitForCounts,
  waitHealth,
} from '../../../tools/harness/processor-group.ts';
import { sql, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const FS = 10_240;
const BLOCK = 1_024; // 100 ms
const WINDOW_BLOCKS = 4;
const PARTITIONS = 4;

/** Machine ids until every partition has at least one machine (so every processor has some). */
function machinesCoveringPartitions(): string[] {
  const ids: string[] = [];
  const covered = new Set<number>();
  for (let i = 0; covered.size < PARTITIONS || ids.length < 6; i++) {
    const id = `reb-${i}`;
    ids.push(id);
    covered.add(partitionOf(id, PARTITIONS));
  }
  return ids.sort();
}

describe('processor-rebalance: two processors, one stopped, a third on another data directory: exactly once, no relearning', () => {
  const services = testServices();
  const prefix = `preb${Date.now().toString(36)}_`;
  const tables = tableNames(prefix);
  const machines = machinesCoveringPartitions();
  const config = scenarioConfig(prefix, PARTITIONS, WINDOW_BLOCKS);
  const dirs = [1, 2, 3].map((i) => mkdtempSync(join(tmpdir(), `pdm-rebalance-host${i}-`)));
  const children: ProcessorChild[] = [];
  let publisher: FramePublisher;
  let state: ModelStateTopic;

  const owned = (h: { assignment: Record<string, number[]> }) => h.assignment[topicNames(prefix).vibration] ?? [];
  /** Each machine's frozen baseline(s) on the model-state topic, as JSON. */
  const baselines = async () => {
    const records = await state.load(
      Array.from({ length: PARTITIONS }, (_, i) => i),
      30_000,
    );
    return Object.fromEntries(
      [...records].map(([m, e]) => {
        const monitors = e.state.version === 2 ? Object.values(e.state.monitors) : [];
        return [m, JSON.stringify(monitors.map((s) => s.detector.baseline))];
      }),
    );
  };

  beforeAll(async () => {
    publisher = new FramePublisher(services, { prefix, machines, sampleRateHz: FS, blockSize: BLOCK, t0Ms: Date.now() - 300_000 });
    const kafka = createKafka(services.kafkaBrokers, `${prefix}state-reader`);
    state = new ModelStateTopic(kafka, topicNames(prefix).modelState, `${prefix}test`, logger('test'));
  });

  afterAll(async () => {
    for (const c of children) await stopChild(c, 'SIGKILL');
    await publisher?.close();
    await state?.close();
  });

  it('keeps every window once and every machine its learnt baseline across the moves', async () => {
    const [p1, p2] = await Promise.all([spawnProcessor(services, 'p1', dirs[0], config), spawnProcessor(services, 'p2', dirs[1], config)]);
    children.push(p1, p2);
    await publisher.connect(services);
    await state.connect();
    // Co-partitioned and shared: each owns half the partition numbers, the same ones of every topic.
    const [h1, h2] = await Promise.all([
      waitHealth(p1, (h) => owned(h).length === PARTITIONS / 2, 60_000, 'half the partitions'),
      waitHealth(p2, (h) => owned(h).length === PARTITIONS / 2, 60_000, 'half the partitions'),
    ]);
    for (const h of [h1, h2]) for (const ps of Object.values(h.assignment)) expect(ps).toEqual(owned(h));
    expect([...owned(h1), ...owned(h2)].sort()).toEqual([0, 1, 2, 3]);

    // Learning on both processors, past every machine's baseline.
    await publisher.stream(24 * WINDOW_BLOCKS, 8, 150);
    await waitForRows(
      services,
      `SELECT machine, count() n FROM ${tables.health} WHERE phase = 'monitoring' ORDER BY machine`,
      (r) => r.length === machines.length && r.every((x) => Number(x.n) >= 3),
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const learnt = await baselines();
    expect(Object.keys(learnt).sort()).toEqual(machines);
    for (const m of machines) expect(learnt[m], `${m} has a frozen baseline`).not.toBe('[null]');

    // Stop one while blocks stream: the other takes its partitions and their machines' models.
    const streaming = publisher.stream(40 * WINDOW_BLOCKS, 4, 150);
    await new Promise((r) => setTimeout(r, 2_000));
    await stopChild(p2, 'SIGTERM');
    expect((await p2.exited).code, p2.stderr().slice(-2000)).toBe(0);
    // QuestDB healthy: the writes in flight at the SIGTERM finished and were committed, none abandoned.
    expect(p2.stderr()).not.toMatch(/write abandoned at shutdown/);
    await waitHealth(p1, (h) => owned(h).length === PARTITIONS, 60_000, 'all partitions after p2 left');

    // A third, on another data directory: some partitions move to it, their models from the topic only.
    const p3 = await spawnProcessor(services, 'p3', dirs[2], config);
    children.push(p3);
    await waitHealth(p3, (h) => owned(h).length === PARTITIONS / 2, 60_000, 'half the partitions');
    await streaming;
    await publisher.stream(8 * WINDOW_BLOCKS, 4, 100);

    const blocks = Object.fromEntries([...publisher.blocksSent]);
    const windows = Object.fromEntries([...publisher.blocksSent].map(([m, n]) => [m, n / WINDOW_BLOCKS]));
    const expected = {
      [tables.blocks]: blocks,
      [tables.features]: windows,
      [tables.energy]: Object.fromEntries([...publisher.readingsSent]),
    };
    expect(await waitForCounts(services, expected, 90_000)).toEqual(expected);

    // No relearning: no baseline row after a machine's first monitoring row, and the same frozen baseline.
    const phases = await sql(
      services,
      `SELECT machine, phase, min(ts) first, max(ts) last, count() n FROM ${tables.health} GROUP BY machine, phase ORDER BY machine, phase`,
    );
    for (const m of machines) {
      const baseline = phases.find((r) => r.machine === m && r.phase === 'baseline');
      const monitoring = phases.find((r) => r.machine === m && r.phase === 'monitoring');
      expect(monitoring, `${m} monitored`).toBeDefined();
      if (baseline) expect(String(baseline.last) < String(monitoring!.first), `${m}: baseline rows only before monitoring`).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await baselines()).toEqual(learnt);
    // Alert episodes move with the model state: one zone episode start per machine (zone D from the start), not one per owner.
    const starts = await sql(
      services,
      `SELECT machine, kind, channel, count() n FROM ${tables.alerts} WHERE event = 'start' GROUP BY machine, kind, channel ORDER BY machine, kind`,
    );
    expect(starts.filter((r) => r.kind === 'iso_zone').map((r) => r.machine)).toEqual([...machines].sort());
    for (const r of starts) expect(Number(r.n), `${r.machine} ${r.kind} ${r.channel}: one start`).toBe(1);

    // The machines that moved were restored from the topic by the processors that received them.
    const h3 = await waitHealth(p3, () => true, 5_000, '/health');
    const p3Machines = machines.filter((m) => owned(h3).includes(partitionOf(m, PARTITIONS)));
    expect(p3Machines.length).toBeGreaterThan(0);
    expect(metricValue(await p3.metrics(), 'pdm_processor_model_states_restored_total')).toBe(p3Machines.length);
    expect(metricValue(await p1.metrics(), 'pdm_processor_model_states_restored_total')).toBeGreaterThanOrEqual(machines.length);
    expect(p3.stderr()).not.toMatch(/fromLocalCopy":\["/);
  }, 170_000);
});
