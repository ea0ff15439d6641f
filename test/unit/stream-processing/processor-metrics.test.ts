import { describe, expect, it } from 'vitest';
import { MachineHealthTracker } from '../../../stream-processing/machine-health.ts';
import { ProcessorMetrics } from '../../../stream-processing/processor-metrics.ts';
import { newProcessorStats, type ProcessorStats } from '../../../stream-processing/processor-stats.ts';
import { run, windows } from './health-windows.ts';

function stats(): ProcessorStats {
  return newProcessorStats();
}

describe('processor /health', () => {
  it('names the machines whose health model is stopped, with why', () => {
    const stopped = new Map([
      ['m1', 'its run-to-failure histories cannot be used: PDM_ERR_INPUT_FILE: runs/a.csv: cannot be read (ENOENT)'],
    ]);
    const tracker = new MachineHealthTracker({
      features: ['rms', 'kurtosis', 'crest_factor'],
      monitor: {},
      energy: false,
      fleet: null,
      stopped,
    });
    run(tracker, [...windows(20, 1000, 1, 'm1'), ...windows(20, 1000, 2, 'm2')]);
    const metrics = new ProcessorMetrics({
      stats: stats(),
      healthCounters: () => tracker.counters,
      healthErrors: () => tracker.errors,
      lastCommitMs: () => null,
    });
    const report = metrics.health();
    expect(report.healthErrors).toEqual({ m1: stopped.get('m1') });
    expect(report.status).toBe('starting');
    const none = new ProcessorMetrics({
      stats: stats(),
      healthCounters: () => undefined,
      healthErrors: () => undefined,
      lastCommitMs: () => null,
    });
    expect(none.health().healthErrors).toEqual({});
  });
});
