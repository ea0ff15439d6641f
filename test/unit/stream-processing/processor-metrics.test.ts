import { describe, expect, it } from 'vitest';
import { PdmError } from '../../../common/errors.ts';
import { MachineHealthTracker } from '../../../stream-processing/machine-health.ts';
import { ProcessorMetrics } from '../../../stream-processing/processor-metrics.ts';
import { newProcessorStats, type ProcessorStats, recordDeadLetter } from '../../../stream-processing/processor-stats.ts';
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

  it('turns degraded, then down (HTTP 503 from the server), with the reason and the age of the last commit', async () => {
    const now = Date.now();
    let retryingSinceMs: number | null = null;
    const metrics = new ProcessorMetrics({
      stats: stats(),
      healthCounters: () => undefined,
      healthErrors: () => undefined,
      lastCommitMs: () => now - 50_000,
      progress: () => ({
        nowMs: Date.now(),
        lastCommitMs: now - 50_000,
        oldestPendingMs: now - 50_000,
        pendingPartitions: 1,
        retryingSinceMs,
        failedAttempts: 3,
        lastWriteError: 'PDM_ERR_QUESTDB_UNAVAILABLE: connection refused',
      }),
      stall: { degradedS: 30, downS: 60 },
    });
    const degraded = metrics.health();
    expect(degraded.status).toBe('degraded');
    expect(degraded.lastCommitAgeS).toBeGreaterThanOrEqual(50);
    expect(degraded.reasons).toEqual([expect.stringMatching(/^no commit for 50(\.\d)? s while 1 partition has messages pending/)]);
    retryingSinceMs = now - 70_000;
    const down = metrics.health();
    expect(down.status).toBe('down');
    expect(down.reasons[0]).toMatch(
      /QuestDB write failing for 70(\.\d)? s \(3 failed attempts, retrying\); last error: PDM_ERR_QUESTDB_UNAVAILABLE/,
    );
    const port = await metrics.listen(0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { status: string }).status).toBe('down');
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/pdm_processor_status 2/);
    } finally {
      await metrics.close();
    }
  });

  it('counts dead letters by code and rule', async () => {
    const s = stats();
    recordDeadLetter(s, new PdmError('PDM_ERR_FRAME_INVALID', 'ts_ms 1e300', { rule: 'time' }));
    recordDeadLetter(s, new PdmError('PDM_ERR_FRAME_INVALID', 'year 2262', { rule: 'time' }));
    recordDeadLetter(s, new PdmError('PDM_ERR_FRAME_DECODE', 'not JSON'));
    recordDeadLetter(s, new TypeError('boom'));
    const metrics = new ProcessorMetrics({
      stats: s,
      healthCounters: () => undefined,
      healthErrors: () => undefined,
      lastCommitMs: () => null,
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('pdm_processor_dead_letters_total{code="PDM_ERR_FRAME_INVALID",rule="time"} 2');
    expect(text).toContain('pdm_processor_dead_letters_total{code="PDM_ERR_FRAME_DECODE",rule="none"} 1');
    expect(text).toContain('pdm_processor_dead_letters_total{code="UNEXPECTED",rule="none"} 1');
    expect(text).toMatch(/pdm_processor_dead_lettered_total 4/);
  });
});

describe('processor backpressure and assignment on /health and /metrics', () => {
  it('lists the partitions owned and paused, and exports the bytes in flight', async () => {
    const s = stats();
    s.pauses = 2;
    const metrics = new ProcessorMetrics({
      stats: s,
      healthCounters: () => undefined,
      healthErrors: () => undefined,
      lastCommitMs: () => null,
      assignment: () => ({ 'pdm.vibration.v1': [0, 2] }),
      backpressure: () => ({
        paused: true,
        reason: 'QuestDB write running for 12 s',
        pausedPartitions: ['pdm.vibration.v1/0', 'pdm.vibration.v1/2'],
        inFlightBytes: 123_456,
        maxInFlightBytes: 1_000_000,
      }),
    });
    const report = metrics.health();
    expect(report.assignment).toEqual({ 'pdm.vibration.v1': [0, 2] });
    expect(report.backpressure).toMatchObject({ paused: true, pausedPartitions: ['pdm.vibration.v1/0', 'pdm.vibration.v1/2'] });
    const page = await metrics.registry.metrics();
    expect(page).toMatch(/^pdm_processor_in_flight_bytes 123456$/m);
    expect(page).toMatch(/^pdm_processor_paused_partitions 2$/m);
    expect(page).toMatch(/^pdm_processor_backpressure_pauses_total 2$/m);
  });

  it('says not paused, owning nothing, without a source', () => {
    const metrics = new ProcessorMetrics({
      stats: stats(),
      healthCounters: () => undefined,
      healthErrors: () => undefined,
      lastCommitMs: () => null,
    });
    expect(metrics.health().assignment).toEqual({});
    expect(metrics.health().backpressure.paused).toBe(false);
  });
});
