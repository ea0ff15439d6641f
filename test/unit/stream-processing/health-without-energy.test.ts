/**
 * Health without energy or load (vibration-only models, power as the load proxy), sensors that
 * fail their checks kept out of the model, and /health listing every machine with its model state.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENERGY_WAIT_WINDOWS, MachineHealthTracker, type WindowResult } from '../../../stream-processing/machine-health.ts';
import { DEFAULT_OPERATING_MODES } from '../../../stream-processing/operating-mode.ts';
import { ProcessorMetrics } from '../../../stream-processing/processor-metrics.ts';
import { newProcessorStats, recordHealth } from '../../../stream-processing/processor-stats.ts';
import { run, windows } from './health-windows.ts';

const features = ['rms', 'kurtosis', 'crest_factor'];
const withEnergy = { features, monitor: {}, energy: true, fleet: null };

/** Channel `channel`'s windows from `fromSeq` on fail their sensor checks with `reason` (features of a dead sensor). */
function deadFrom(ws: WindowResult[], channel: string, fromSeq: number, reason: 'flat_line' | 'clipping' = 'flat_line'): WindowResult[] {
  return ws.map((w) =>
    w.channel === channel && w.windowSeq >= fromSeq
      ? {
          ...w,
          features: { rms: 0, kurtosis: 0, crest_factor: 0 },
          zone: 'unknown',
          sensor: { status: 'check_function', reasons: [reason] },
        }
      : w,
  );
}

describe('health without energy or load', () => {
  it('a machine with no energy readings waits for them, then runs on vibration alone', () => {
    const t = new MachineHealthTracker(withEnergy);
    const ups = run(t, windows(200, 1000));
    // Windows 0-3 fix the channel set; then the wait; then the model learns and runs.
    expect(t.counters.waitingEnergy).toBe(DEFAULT_ENERGY_WAIT_WINDOWS);
    expect(ups.length).toBeGreaterThan(100);
    expect(ups.at(-1)!.status.phase).toBe('monitoring');
    expect(ups.every((u) => u.status.state === 'normal')).toBe(true);
    const d = t.describe().get('m1')!;
    expect(d).toEqual({
      state: 'running',
      detail: 'running (vibration only: no energy readings)',
      energy: 'none',
      baselineQuality: { all: 'good' },
    });
  });

  it('says it is waiting for energy while it waits, and learning n/60 windows after', () => {
    const t = new MachineHealthTracker({ ...withEnergy, energyWaitWindows: 10 });
    run(t, windows(10, 1000));
    expect(t.describe().get('m1')).toMatchObject({ state: 'waiting_for_energy', detail: 'waiting for energy (6/10 windows)' });
    run(t, windows(30, 1000).slice(2 * 10));
    expect(t.describe().get('m1')).toMatchObject({
      state: 'learning',
      detail: 'learning 16/60 windows (vibration only: no energy readings)',
    });
  });

  it('a machine that publishes power but no load gets health rows at once, power as the load proxy of its modes', () => {
    const t = new MachineHealthTracker({ ...withEnergy, modes: DEFAULT_OPERATING_MODES });
    const ws = windows(150, 1000);
    const ups = [];
    for (const w of ws) {
      if (w.channel === 'DE_X') t.onEnergy('m1', 12.3, undefined, undefined, Number(w.tsNs / 1_000_000n));
      const u = t.onWindow(w);
      if (u) ups.push(u);
    }
    expect(t.counters.waitingEnergy).toBe(0);
    // The first readings are a transition until steady (confirmReadings), then one mode named by its power.
    expect(ups.length).toBeGreaterThan(140);
    expect(new Set(ups.map((u) => u.mode))).toEqual(new Set(['12.3kW']));
    expect(ups.at(-1)!.status.phase).toBe('monitoring');
    expect(t.describe().get('m1')).toEqual({
      state: 'running',
      detail: 'running (vibration only: no load reading; power is the load proxy)',
      energy: 'power_as_load_proxy',
      baselineQuality: { '12.3kW': 'good' },
    });
  });

  it('a machine with power and load still fuses the power residual (unchanged)', () => {
    const t = new MachineHealthTracker(withEnergy);
    const ws = windows(120, 1000);
    let k = 0;
    for (const w of ws) if (w.channel === 'DE_X') t.onEnergy('m1', 10 + 0.01 * (k++ % 7), 80, undefined);
    const ups = run(t, ws);
    expect(t.counters.waitingEnergy).toBe(0);
    expect(ups.at(-1)!.status.phase).toBe('monitoring');
    expect(t.describe().get('m1')).toEqual({
      state: 'running',
      detail: 'running',
      energy: 'power_and_load',
      baselineQuality: { all: 'good' },
    });
  });
});

describe('sensors that fail their checks', () => {
  const config = { features, monitor: {}, energy: false, fleet: null };

  it('a machine with no valid channel left is check_function with the reasons, and its model is not fed', () => {
    const t = new MachineHealthTracker(config);
    const ws = deadFrom(deadFrom(windows(200, 1000), 'DE_X', 1150), 'DE_Y', 1150);
    const ups = run(t, ws);
    const after = ups.filter((u) => u.windowSeq >= 1150);
    expect(after.length).toBeGreaterThan(40);
    for (const u of after) {
      expect(u.status.state).toBe('check_function');
      expect(u.sensorReason).toBe('DE_X flat line; DE_Y flat line');
      expect(u.status.score).toBeNaN();
    }
    expect(ups.filter((u) => u.windowSeq < 1150).every((u) => u.status.state === 'normal')).toBe(true);
    expect(t.describe().get('m1')).toMatchObject({ state: 'check_function', detail: 'check_function: DE_X flat line; DE_Y flat line' });
    // The model did not see those windows: its last window is the last valid one.
    const cp = t.checkpoint('m1') as { monitors: Record<string, { lastTime: number }> };
    expect(Object.values(cp.monitors)[0].lastTime).toBe(1_800_000_000 + 149);
  });

  it('one failed channel of two: the machine is judged on the other, the row says which was left out', () => {
    const t = new MachineHealthTracker(config);
    const ups = run(t, deadFrom(windows(200, 1000), 'DE_X', 1100, 'clipping'));
    const after = ups.filter((u) => u.windowSeq >= 1100);
    expect(after.length).toBeGreaterThan(90);
    expect(after.every((u) => u.status.state === 'normal' && u.sensorReason === 'DE_X clipping')).toBe(true);
    // No false alarm from a dead channel's zeros: its last valid features stand in.
    expect(after.every((u) => !u.status.alarm)).toBe(true);
    expect(t.describe().get('m1')).toMatchObject({ state: 'running', detail: 'running; left out: DE_X clipping' });
  });

  it('a failed channel during the baseline: those windows are not learnt', () => {
    const t = new MachineHealthTracker(config);
    const ws = windows(120, 1000).map((w) =>
      w.channel === 'DE_X' && w.windowSeq >= 1020 && w.windowSeq < 1030
        ? {
            ...w,
            features: { rms: 0, kurtosis: 0, crest_factor: 0 },
            zone: 'unknown' as const,
            sensor: { status: 'check_function' as const, reasons: ['flat_line' as const] },
          }
        : w,
    );
    const ups = run(t, ws);
    expect(ups.some((u) => u.windowSeq >= 1020 && u.windowSeq < 1030)).toBe(false);
    expect(t.counters.sensorFaults).toBe(10);
    expect(ups.at(-1)!.status.phase).toBe('monitoring');
  });
});

describe('processor /health lists every machine with its model state', () => {
  it('learning, waiting for energy, running, check_function and stopped machines, each with why', () => {
    const stopped = new Map([['m5', 'its run-to-failure histories cannot be used: runs/a.csv (ENOENT)']]);
    const t = new MachineHealthTracker({ ...withEnergy, stopped, energyWaitWindows: 10 });
    const stats = newProcessorStats();
    const feed = (ws: WindowResult[]) => {
      for (const u of run(t, ws)) recordHealth(stats, u.machine, u.status, u.mode);
    };
    for (let k = 0; k < 100; k++) t.onEnergy('m2', 10, 80);
    feed(windows(40, 1000, 1, 'm1')); // no energy: waits 10 windows, then learns
    feed(windows(5, 1000, 2, 'm2')); // power and load, just started
    feed(windows(8, 1000, 3, 'm3')); // no energy yet: waiting
    feed(deadFrom(deadFrom(windows(20, 1000, 4, 'm4'), 'DE_X', 1000), 'DE_Y', 1000));
    feed(windows(10, 1000, 5, 'm5'));
    const metrics = new ProcessorMetrics({
      stats,
      healthCounters: () => t.counters,
      healthErrors: () => t.errors,
      machineStates: () => t.describe(),
      lastCommitMs: () => null,
    });
    const report = metrics.health();
    const by = Object.fromEntries(report.machines.map((m) => [m.machine, m]));
    expect(report.machines.map((m) => m.machine)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(by.m1).toMatchObject({
      model: 'learning',
      detail: 'learning 26/60 windows (vibration only: no energy readings)',
      phase: 'baseline',
    });
    expect(by.m2).toMatchObject({ model: 'learning', detail: 'learning 1/60 windows', energy: 'power_and_load' });
    expect(by.m3).toMatchObject({ model: 'waiting_for_energy', detail: 'waiting for energy (4/10 windows)' });
    expect(by.m3.state).toBeUndefined();
    expect(by.m4).toMatchObject({
      model: 'check_function',
      detail: 'check_function: DE_X flat line; DE_Y flat line',
      state: 'check_function',
    });
    expect(by.m5).toMatchObject({ model: 'stopped', detail: `stopped: ${stopped.get('m5')}` });
    expect(report.healthErrors).toEqual({ m5: stopped.get('m5') });
  });
});
