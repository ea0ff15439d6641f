/**
 * processor-kill: a real `pdm process` is SIGKILLed mid-run (no shutdown, no final checkpoint)
 * while blocks keep arriving, and started again. Every block, window and energy reading is in
 * QuestDB exactly once (rows counted by key against what the publisher sent: replays after the
 * kill are rewritten under the same DEDUP keys, nothing is missing), and the model restored from
 * the model-state topic continues where it was: the machine_health rows written after the
 * restart are all in the monitoring phase (no new learning period) with the alarm state the
 * machine had before the kill.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../../storage/tables.ts';
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
const MACHINES = ['kill-a', 'kill-b', 'kill-c'];

describe('processor-kill: SIGKILL mid-run and restart: every window exactly once, the restored model continues', () => {
  const services = testServices();
  const prefix = `pkill${Date.now().toString(36)}_`;
  const tables = tableNames(prefix);
  const dataDir = mkdtempSync(join(tmpdir(), 'pdm-kill-'));
  const config = scenarioConfig(prefix, 2, WINDOW_BLOCKS);
  let publisher: FramePublisher;
  const children: ProcessorChild[] = [];

  beforeAll(async () => {
    publisher = new FramePublisher(services, {
      prefix,
      machines: MACHINES,
      sampleRateHz: FS,
      blockSize: BLOCK,
      t0Ms: Date.now() - 300_000,
    });
  });

  afterAll(async () => {
    for (const c of children) await stopChild(c, 'SIGKILL');
    await publisher?.close();
  });

  it('stores every window once and resumes the model in monitoring after the kill', async () => {
    const first = await spawnProcessor(services, 'first', dataDir, config);
    children.push(first);
    await waitHealth(first, (h) => h.status === 'starting' || h.status === 'ok', 60_000, '/health');
    await publisher.connect(services);

    // Learning: past the baseline on every machine.
    await publisher.stream(24 * WINDOW_BLOCKS, 8, 100);
    const learnt = await waitForRows(
      services,
      `SELECT machine, count() n FROM ${tables.health} WHERE phase = 'monitoring' ORDER BY machine`,
      (r) => r.length === MACHINES.length && r.every((x) => Number(x.n) >= 3),
      60_000,
    );
    expect(learnt.map((r) => r.machine)).toEqual(MACHINES);
    await new Promise((r) => setTimeout(r, 1_500)); // a checkpoint interval: the state on the topic is past the baseline
    const alarmBefore = Object.fromEntries(
      (await sql(services, `SELECT machine, last(alarm) alarm FROM ${tables.health} ORDER BY machine`)).map((r) => [r.machine, r.alarm]),
    );

    // Mid-run: blocks keep coming while the processor is killed and started again.
    const streaming = publisher.stream(40 * WINDOW_BLOCKS, 4, 150);
    await new Promise((r) => setTimeout(r, 3_000));
    await stopChild(first, 'SIGKILL');
    const restartAtMs = Date.now();
    await new Promise((r) => setTimeout(r, 1_000));
    const second = await spawnProcessor(services, 'second', dataDir, config);
    children.push(second);
    await streaming;

    // Exactly once, by key: every block, every window (all complete: continuous from seq 0), every reading.
    const blocks = Object.fromEntries([...publisher.blocksSent]);
    const windows = Object.fromEntries([...publisher.blocksSent].map(([m, n]) => [m, n / WINDOW_BLOCKS]));
    const readings = Object.fromEntries([...publisher.readingsSent]);
    const expected = { [tables.blocks]: blocks, [tables.features]: windows, [tables.energy]: readings };
    expect(await waitForCounts(services, expected, 90_000)).toEqual(expected);

    // The restored model continues: rows written after the restart are monitoring, with the alarm it had.
    const after = await sql(
      services,
      `SELECT machine, phase, alarm, count() n FROM ${tables.health} WHERE processed_at > ${restartAtMs * 1000} GROUP BY machine, phase, alarm ORDER BY machine`,
    );
    expect(after.map((r) => r.machine)).toEqual(MACHINES);
    for (const r of after) {
      expect(r.phase, `${r.machine}: no new learning period`).toBe('monitoring');
      expect(r.alarm, `${r.machine}: same alarm state`).toBe(alarmBefore[String(r.machine)]);
    }
    // Alert episodes follow the model state: the machines' lines are in ISO zone D from the start, and
    // the zone episode opened before the kill is not started again by the restored model.
    const starts = await sql(
      services,
      `SELECT machine, kind, channel, count() n FROM ${tables.alerts} WHERE event = 'start' GROUP BY machine, kind, channel ORDER BY machine, kind`,
    );
    expect(starts.filter((r) => r.kind === 'iso_zone').map((r) => r.machine)).toEqual(MACHINES);
    for (const r of starts) expect(Number(r.n), `${r.machine} ${r.kind} ${r.channel}: one start`).toBe(1);
    const page = await second.metrics();
    expect(metricValue(page, 'pdm_processor_model_states_restored_total')).toBe(MACHINES.length);
    expect(second.stderr()).toMatch(/model state restored for the partitions received/);
    await stopChild(second, 'SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 150_000);
});
