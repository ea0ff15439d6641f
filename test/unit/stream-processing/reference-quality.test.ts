/**
 * A healthy envelope reference is judged before it is used (issue 13 part 3): learnt in a real
 * worker pool from a simulated pump's baseline windows, it is used when the pump is healthy, and
 * not used (the channel is diagnosed without one, /health and the model state say why) when the
 * pump has an outer race fault from its first second.
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
import { fromStart, GROUP2_RIGID } from '../../../tools/harness/baseline-quality-runs.ts';
import { analysisConfig, machineWith, START_MS, window } from '../../../tools/harness/simulated-pump.ts';

const WINDOWS = 4;
const pool = new WorkerPool({ threads: 1 });
afterAll(() => pool.close());

/** The reference learning of one simulated machine's DE_X over its first WINDOWS one-second windows. */
async function learnOn(machine: string, faults: unknown[]) {
  const sim = new MachineSimulation(machineWith(faults, { timeAcceleration: 60 }), { startTimeMs: START_MS });
  const ch = sim.channels[0];
  const config = analysisConfig(sim, sim.energyAt(START_MS).speedRpm / 60);
  const analyzer = new WindowAnalyzer(config);
  const health = new MachineHealthTracker({ features: ['rms', 'kurtosis'], monitor: {}, energy: false, fleet: null });
  const stats = newProcessorStats();
  const learning = new ReferenceLearning(
    { windows: WINDOWS, baselineWindows: WINDOWS, isoClass: () => GROUP2_RIGID },
    health,
    stats,
    logger('test'),
  );
  for (let k = 0; k < WINDOWS; k++) {
    const atMs = START_MS + k * 1000;
    const w: CompletedWindow = {
      machine,
      channel: 'DE_X',
      windowSeq: k,
      startTimeNs: BigInt(atMs) * 1_000_000n,
      sampleRateHz: ch.sampleRateHz,
      units: 'g',
      meaning: { location: 'DE', axis: 'X', quantity: 'acceleration', units: 'g' },
      blockSize: ch.blockSize,
      samples: window(sim, 'DE_X', atMs),
    };
    const kept = learning.offerWindow(w, config);
    expect(kept, `window ${k} kept`).toBeDefined();
    learning.judgeWindow(w, kept!, analyzer.analyze(w.samples));
  }
  learning.schedule(machine, pool);
  await learning.idle();
  return { health, stats };
}

describe('healthy envelope reference judged before it is used', () => {
  it('a healthy pump: the reference is learnt and used', async () => {
    const { health, stats } = await learnOn('healthy', []);
    expect(stats.referencesLearnt).toBe(1);
    expect(stats.referencesSuspect).toBe(0);
    expect(health.reference('healthy', 'DE_X')).toBeDefined();
    expect(health.checkpoint('healthy')).not.toHaveProperty('rejectedReferences');
    expect(health.describe().get('healthy')?.detail).not.toMatch(/reference not used/);
  }, 60_000);

  it('a pump with an outer race fault from its first second: the reference is not used, and /health and the model state say why', async () => {
    const { health, stats } = await learnOn('faulty', fromStart('outer_race', 0.2));
    expect(stats.referencesLearnt).toBe(0);
    expect(stats.referencesSuspect).toBe(1);
    expect(health.reference('faulty', 'DE_X')).toBeUndefined();
    const detail = health.describe().get('faulty')!.detail;
    expect(detail).toMatch(/reference not used: DE_X \(suspect: DE_X outer race fault named with impacts \(4\/4 windows\)/);
    // Kept across a restart: the reference is not learnt again (the baseline is over), the reason stays shown.
    const cp = JSON.parse(JSON.stringify(health.checkpoint('faulty')));
    expect(Object.keys(cp.rejectedReferences)).toEqual(['DE_X']);
    const restored = new MachineHealthTracker({ features: ['rms', 'kurtosis'], monitor: {}, energy: false, fleet: null });
    restored.restore('faulty', cp);
    expect(restored.describe().get('faulty')!.detail).toBe(detail);
  }, 60_000);
});
