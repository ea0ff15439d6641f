import { describe, expect, it } from 'vitest';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { buildReference } from '../../../models/bearing/reference.ts';
import { type HealthUpdate, MachineHealthTracker } from '../../../stream-processing/machine-health.ts';
import { DEFAULT_OPERATING_MODES } from '../../../stream-processing/operating-mode.ts';
import { CHANNELS, rng, run, windows } from './health-windows.ts';

const config = { features: ['rms', 'kurtosis', 'crest_factor'], monitor: {}, energy: false, fleet: null };

describe('MachineHealthTracker', () => {
  it('fuses all channels of a window sequence into one health update, in time order', () => {
    const t = new MachineHealthTracker(config);
    const ups = run(t, windows(200, 1000));
    // The channel set is fixed after three sequences; the last sequence stays open.
    expect(ups.length).toBe(200 - 4);
    expect(ups.every((u) => u.channels === 2)).toBe(true);
    expect(ups.map((u) => u.windowSeq)).toEqual(ups.map((u) => u.windowSeq).sort((a, b) => a - b));
    expect(ups.slice(-50).every((u) => u.status.phase === 'monitoring' && !u.status.alarm)).toBe(true);
  });

  it('raises the alarm and detects degradation when the features grow', () => {
    const t = new MachineHealthTracker(config);
    const ups = run(t, windows(400, 150));
    const before = ups.filter((u) => u.windowSeq < 1150);
    const after = ups.filter((u) => u.windowSeq > 1300);
    expect(before.some((u) => u.status.alarm)).toBe(false);
    expect(after.every((u) => u.status.alarm)).toBe(true);
    expect(after.at(-1)!.status.degradation).toBe(true);
    expect(after.at(-1)!.status.rulBasis).toBe('degradation');
    expect(after.at(-1)!.status.state).not.toBe('normal');
  });

  it('skips a window sequence with a missing channel instead of feeding a partial record', () => {
    const t = new MachineHealthTracker(config);
    const ws = windows(100, 1000).filter((w) => !(w.windowSeq === 1050 && w.channel === 'DE_Y'));
    const ups = run(t, ws);
    expect(ups.some((u) => u.windowSeq === 1050)).toBe(false);
    expect(t.counters.skippedIncomplete).toBe(1);
  });

  it('resumes from a checkpoint with identical outputs, skipping windows it already holds', () => {
    const ws = windows(300, 120);
    const whole = run(new MachineHealthTracker(config), ws);
    const first = new MachineHealthTracker(config);
    const cut = 2 * 180;
    const a = run(first, ws.slice(0, cut));
    const cp = JSON.parse(JSON.stringify(first.checkpoint('m1')));
    const second = new MachineHealthTracker(config);
    second.restore('m1', cp);
    // A restarted processor replays from its committed offsets: some windows come again.
    const b = run(second, ws.slice(cut - 2 * 30));
    const combined = [...a, ...b];
    expect(combined.map((u) => u.windowSeq)).toEqual(whole.map((u) => u.windowSeq));
    expect(combined.map((u) => u.status)).toEqual(whole.map((u) => u.status));
    expect(second.counters.skippedReplayed).toBe(29);
  });

  it('says when a machine leaves its baseline, and keeps its learnt references through a checkpoint', () => {
    const t = new MachineHealthTracker(config);
    expect(t.inBaseline('m1')).toBe(true);
    const ws = windows(100, 1000);
    const ups = run(t, ws);
    const firstMonitoring = ups.findIndex((u) => u.status.phase === 'monitoring');
    expect(firstMonitoring).toBeGreaterThan(0);
    expect(t.inBaseline('m1')).toBe(false);

    const g = rng(3);
    const noise = () => ({ samples: Float32Array.from({ length: 8192 }, () => 0.1 * g()), sampleRateHz: 12_000, shaftHz: 29.95 });
    const reference = buildReference([noise(), noise()], { bearing: lookupBearing('6205-2RS') });
    const learnt = t.setReference('m1', 'DE_X', reference);
    expect(t.reference('m1', 'DE_X')).toBe(learnt);
    expect(t.reference('m1', 'DE_Y')).toBeUndefined();

    const cp = JSON.parse(JSON.stringify(t.checkpoint('m1')));
    const restored = new MachineHealthTracker(config);
    restored.restore('m1', cp);
    expect(restored.reference('m1', 'DE_X')?.reference).toEqual(reference);
    // Same reference, same id: workers keep their analyzer across a restart.
    expect(restored.reference('m1', 'DE_X')?.id).toBe(learnt.id);
    expect(restored.inBaseline('m1')).toBe(false);

    // A checkpoint written before references existed restores without any.
    const old = { ...cp };
    delete old.references;
    const fromOld = new MachineHealthTracker(config);
    fromOld.restore('m1', old);
    expect(fromOld.reference('m1', 'DE_X')).toBeUndefined();

    // A damaged reference is refused with the machine and channel named.
    const bad = { ...cp, references: { DE_X: { ...reference, binHz: -1 } } };
    expect(() => new MachineHealthTracker(config).restore('m1', bad)).toThrow(/machine m1 channel DE_X: reference/);
  });

  describe('operating modes', () => {
    const DAY = { speed: 1450, load: 85, rms: 0.1, kurtosis: 3 };
    const NIGHT = { speed: 1100, load: 40, rms: 0.045, kurtosis: 3.4 };
    /** A fan switching between day and night duty every `period` windows, healthy throughout. */
    function dayAndNight(tracker: MachineHealthTracker, n: number, period: number, from = 0, seed = 5): HealthUpdate[] {
      const g = rng(seed);
      const ups: HealthUpdate[] = [];
      for (let k = 0; k < from + n; k++) {
        const m = Math.floor(k / period) % 2 === 0 ? DAY : NIGHT;
        const noise = [g(), g(), g(), g(), g(), g()];
        if (k < from) continue;
        tracker.onEnergy('m1', undefined, m.load, m.speed);
        for (const [c, channel] of CHANNELS.entries()) {
          const u = tracker.onWindow({
            machine: 'm1',
            channel,
            windowSeq: 1000 + k,
            tsNs: BigInt(1_800_000_000 + k) * 1_000_000_000n,
            features: {
              rms: m.rms * (1 + 0.05 * noise[3 * c]),
              kurtosis: m.kurtosis * (1 + 0.05 * noise[3 * c + 1]),
              crest_factor: 3.5 * (1 + 0.03 * noise[3 * c + 2]),
            },
            zone: 'A',
          });
          if (u) ups.push(u);
        }
      }
      return ups;
    }
    const modes = DEFAULT_OPERATING_MODES;

    it('with one model per machine, a change of duty is an alarm; with one per mode, it is not', () => {
      const single = dayAndNight(new MachineHealthTracker(config), 800, 200);
      expect(
        single.some((u) => u.status.alarm),
        'one baseline for both duties alarms at night',
      ).toBe(true);

      const perMode = dayAndNight(new MachineHealthTracker({ ...config, modes }), 800, 200);
      expect(perMode.filter((u) => u.status.alarm)).toEqual([]);
      const names = [...new Set(perMode.map((u) => u.mode))];
      expect(names).toHaveLength(2);
      // Each mode learns its own baseline: the first night windows are a baseline, not an anomaly.
      const firstNight = perMode.find((u) => u.mode !== perMode[0].mode)!;
      expect(firstNight.status.phase).toBe('baseline');
      expect(perMode.filter((u) => u.windowSeq >= 1000 + 400).every((u) => u.status.phase === 'monitoring')).toBe(true);
    });

    it('resumes every mode from a checkpoint with identical outputs', () => {
      const whole = dayAndNight(new MachineHealthTracker({ ...config, modes }), 600, 150);
      const first = new MachineHealthTracker({ ...config, modes });
      const a = dayAndNight(first, 420, 150);
      const cp = JSON.parse(JSON.stringify(first.checkpoint('m1')));
      expect(cp.version).toBe(2);
      expect(Object.keys(cp.monitors)).toHaveLength(2);
      const second = new MachineHealthTracker({ ...config, modes });
      second.restore('m1', cp);
      // Replayed from a committed offset a little earlier: those windows are skipped.
      const b = dayAndNight(second, 600 - 400, 150, 400);
      const combined = [...a, ...b];
      expect(combined.map((u) => [u.windowSeq, u.mode])).toEqual(whole.map((u) => [u.windowSeq, u.mode]));
      expect(combined.map((u) => u.status)).toEqual(whole.map((u) => u.status));
    });

    it('reads a checkpoint from before operating modes: its model serves the first mode seen', () => {
      const legacy = new MachineHealthTracker(config);
      run(legacy, windows(100, 1000));
      const v2 = legacy.checkpoint('m1')!;
      const monitor = Object.values((v2 as { monitors: Record<string, unknown> }).monitors)[0];
      const v1 = { version: 1, channels: v2.channels, monitor };
      const t = new MachineHealthTracker({ ...config, modes });
      t.restore('m1', JSON.parse(JSON.stringify(v1)));
      expect(t.inBaseline('m1')).toBe(false);
      const later = windows(130, 1000).slice(2 * 100);
      for (let i = 0; i < DEFAULT_OPERATING_MODES.confirmReadings; i++) t.onEnergy('m1', undefined, 85, 1450);
      const ups = run(t, later);
      expect(ups.length).toBeGreaterThan(0);
      expect(ups.every((u) => u.status.phase === 'monitoring')).toBe(true);
    });

    it('gives each window the mode of its own time when the energy stream is read ahead of the vibration', () => {
      const t = new MachineHealthTracker({ ...config, modes });
      const t0Ms = 1_800_000_000 * 1000;
      // The whole energy backlog first: day for 100 s, then night.
      for (let k = 0; k < 200; k++) {
        const m = k < 100 ? DAY : NIGHT;
        t.onEnergy('m1', undefined, m.load, m.speed, t0Ms + k * 1000);
      }
      const ups = run(t, windows(200, 1000));
      const dayMode = ups.find((u) => u.windowSeq === 1000 + 50)?.mode;
      const nightMode = ups.find((u) => u.windowSeq === 1000 + 150)?.mode;
      expect(dayMode).toBeDefined();
      expect(nightMode).toBeDefined();
      expect(dayMode).not.toBe(nightMode);
      expect(ups.filter((u) => u.windowSeq < 1000 + 100).every((u) => u.mode === dayMode)).toBe(true);
      // The change of duty: the readings before the new state is steady are a transition; those windows feed no model.
      expect(ups.filter((u) => u.windowSeq >= 1000 + 100).every((u) => u.mode === nightMode)).toBe(true);
      const confirm = DEFAULT_OPERATING_MODES.confirmReadings;
      for (let k = 100; k < 100 + confirm - 1; k++)
        expect(
          ups.some((u) => u.windowSeq === 1000 + k),
          `window ${k}`,
        ).toBe(false);
      expect(ups.some((u) => u.windowSeq === 1000 + 100 + confirm - 1)).toBe(true);
      expect(t.counters.skippedTransition).toBeGreaterThanOrEqual(confirm - 1);
    });
  });
});
