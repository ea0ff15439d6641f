/**
 * Healthy references are learnt in the background, one channel at a time (issue 16: awaited in
 * the batch that completed a plant's baselines, they held every partition's fetch for seconds),
 * and a machine restored past its baseline without its reference (the processor stopped or lost
 * the partition before it was saved) learns it again from the windows that follow. Learnt in a
 * real worker pool from a simulated pump's windows.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { logger } from '../../../common/log.ts';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { WindowAnalyzer } from '../../../models/window-analysis.ts';
import { MachineHealthTracker } from '../../../stream-processing/machine-health.ts';
import { newProcessorStats } from '../../../stream-processing/processor-stats.ts';
import { ReferenceLearning } from '../../../stream-processing/reference-learning.ts';
import type { CompletedWindow } from '../../../stream-processing/windowing.ts';
import { WorkerPool } from '../../../stream-processing/worker-pool.ts';
import { GROUP2_RIGID } from '../../../tools/harness/baseline-quality-runs.ts';
import { analysisConfig, machineWith, START_MS, window } from '../../../tools/harness/simulated-pump.ts';
import { run, windows } from './health-windows.ts';

const pool = new WorkerPool({ threads: 1 });
afterAll(() => pool.close());

const sim = new MachineSimulation(machineWith([], { timeAcceleration: 60 }), { startTimeMs: START_MS });
const ch = sim.channels[0];
const config = analysisConfig(sim, sim.energyAt(START_MS).speedRpm / 60);
const analyzer = new WindowAnalyzer(config);
const healthConfig = { features: ['rms', 'kurtosis', 'crest_factor'], monitor: {}, energy: false, fleet: null };
/** The pump's channels whose references are learnt (the simulation's DE_X and DE_Y). */
const CHANNELS = ['DE_X', 'DE_Y'];

function completedWindow(machine: string, channel: string, k: number): CompletedWindow {
  const atMs = START_MS + k * 1000;
  return {
    machine,
    channel,
    windowSeq: k,
    startTimeNs: BigInt(atMs) * 1_000_000n,
    sampleRateHz: ch.sampleRateHz,
    units: 'g',
    meaning: { location: 'DE', axis: channel.slice(3), quantity: 'acceleration', units: 'g' },
    blockSize: ch.blockSize,
    samples: window(sim, channel, atMs),
  };
}

/** Offers window k of each channel, as the processor does before its analysis; returns the channels that kept it. */
function offer(learning: ReferenceLearning, machine: string, k: number): string[] {
  const kept: string[] = [];
  for (const channel of CHANNELS) {
    const w = completedWindow(machine, channel, k);
    const copy = learning.offerWindow(w, config);
    if (!copy) continue;
    learning.judgeWindow(w, copy, analyzer.analyze(w.samples));
    kept.push(channel);
  }
  return kept;
}

/** The real pool, counting how many learning jobs it runs at once. */
function countingPool() {
  let running = 0;
  let most = 0;
  const counted = {
    learnReference: async (req: Parameters<WorkerPool['learnReference']>[0]) => {
      running++;
      most = Math.max(most, running);
      try {
        return await pool.learnReference(req);
      } finally {
        running--;
      }
    },
  } as unknown as WorkerPool;
  return { pool: counted, most: () => most };
}

function learningFor(health: MachineHealthTracker, stats = newProcessorStats()) {
  const learning = new ReferenceLearning({ windows: 2, baselineWindows: 2, isoClass: () => GROUP2_RIGID }, health, stats, logger('test'));
  return { learning, stats };
}

describe('healthy references learnt in the background', () => {
  it('learns once the baseline is complete, one channel at a time, without holding the caller', async () => {
    const health = new MachineHealthTracker(healthConfig);
    const { learning, stats } = learningFor(health);
    expect(offer(learning, 'm1', 0)).toEqual(CHANNELS);
    expect(offer(learning, 'm1', 1)).toEqual(CHANNELS);
    // Kept, but not due while the machine's baseline runs.
    expect(learning.due('m1')).toBe(false);
    run(health, windows(100, 1000));
    expect(health.inBaseline('m1')).toBe(false);
    expect(learning.due('m1')).toBe(true);

    const counting = countingPool();
    learning.schedule('m1', counting.pool);
    // Returned at once: nothing is learnt yet, and the windows were handed over.
    expect(health.reference('m1', 'DE_X')).toBeUndefined();
    expect(learning.has('m1')).toBe(false);
    await learning.idle();
    expect(stats.referencesLearnt).toBe(2);
    for (const channel of CHANNELS) expect(health.reference('m1', channel), channel).toBeDefined();
    expect(counting.most()).toBe(1);
    // Past its baseline, with its references: nothing more is kept.
    expect(offer(learning, 'm1', 2)).toEqual([]);
  }, 60_000);

  it('a machine restored past its baseline without its reference learns it again from its next windows; a rejected channel does not', async () => {
    const before = new MachineHealthTracker(healthConfig);
    run(before, windows(100, 1000));
    before.rejectReference('m1', 'DE_Y', 'suspect: impacts');
    // Saved while DE_X's reference was still being learnt.
    const cp = JSON.parse(JSON.stringify(before.checkpoint('m1')));

    const health = new MachineHealthTracker(healthConfig);
    health.restore('m1', cp);
    const { learning, stats } = learningFor(health);
    // Past its baseline: windows are kept only once the restored machine is rearmed.
    expect(offer(learning, 'm1', 200)).toEqual([]);
    learning.rearm('m1');
    expect(offer(learning, 'm1', 201)).toEqual(['DE_X']);
    expect(learning.due('m1')).toBe(false);
    expect(offer(learning, 'm1', 202)).toEqual(['DE_X']);
    expect(learning.due('m1')).toBe(true);
    learning.schedule('m1', pool);
    await learning.idle();
    expect(stats.referencesLearnt).toBe(1);
    expect(health.reference('m1', 'DE_X')).toBeDefined();
    expect(health.reference('m1', 'DE_Y')).toBeUndefined();
    expect(health.referenceRejected('m1', 'DE_Y')).toBe(true);
    expect(offer(learning, 'm1', 203)).toEqual([]);

    // A machine restored inside its baseline is not rearmed: its baseline windows are collected as usual.
    const fresh = new MachineHealthTracker(healthConfig);
    const other = learningFor(fresh).learning;
    other.rearm('m2');
    expect(offer(other, 'm2', 0)).toEqual(CHANNELS);
    expect(other.due('m2')).toBe(false);
  }, 60_000);

  it('drops what was queued or in flight when the partitions move (clear)', async () => {
    const health = new MachineHealthTracker(healthConfig);
    const { learning, stats } = learningFor(health);
    offer(learning, 'm1', 0);
    offer(learning, 'm1', 1);
    run(health, windows(100, 1000));
    learning.schedule('m1', pool);
    learning.clear();
    await learning.idle();
    expect(stats.referencesLearnt).toBe(0);
    for (const channel of CHANNELS) expect(health.reference('m1', channel), channel).toBeUndefined();
  }, 60_000);
});
