/**
 * System events (issue 13, section 7): a step common to every channel and location, with no
 * growth after it, raises no degradation alarm, is recorded with its reason, and the model
 * re-baselines; a real degradation (local to one bearing, growing) still alarms. Every case has
 * its control: the same history with the detector off, where the step does raise the alarm.
 */
import { describe, expect, it } from 'vitest';
import { AssetMonitor, type AssetStatus, newAssetStatus } from '../../../models/rul/asset-monitor.ts';
import { replay } from '../../../models/rul/replay.ts';
import { multiBearingHistory } from '../../../tools/harness/multi-bearing-history.ts';
import { FEMTO_STEP_INDEX, femtoStepCases } from '../../../tools/harness/system-event-cases.ts';

const DAY_S = 86400;
const firstAlarm = (statuses: readonly AssetStatus[]): number => statuses.findIndex((s) => s.alarm);

describe('a synthetic multi-bearing rig over 90 days (per-file statistics, 4 bearings x 2 channels)', () => {
  const h = multiBearingHistory();
  const run = (enabled: boolean) =>
    replay({ name: 'rig', times: h.times, rows: h.rows }, [], { systemEvent: { enabled, locations: h.locations } }).statuses;
  const on = run(true);
  const off = run(false);

  it('control: without the detector, the common step at mid-life raises the alarm', () => {
    const i = firstAlarm(off);
    expect(i).toBeGreaterThan(0);
    expect(off[i].time).toBeGreaterThanOrEqual(h.stepTime!);
    expect(off[i].time).toBeLessThan(h.lifetimeS / 2 + DAY_S);
  });

  it('records the step as a system event in all four locations, at the step, with its reason', () => {
    const events = on.filter((s) => s.systemEvent !== null).map((s) => s.systemEvent!);
    expect(events).toHaveLength(1);
    const e = events[0];
    expect(e.time).toBe(h.stepTime);
    expect(e.locations).toStrictEqual(['b1', 'b2', 'b3', 'b4']);
    expect(new Set(e.features.map((f) => f.location))).toStrictEqual(new Set(['b1', 'b2', 'b3', 'b4']));
    // The bias moved by 20 % on every channel: every mean column is among the stepped features, at +20 %.
    const means = e.features.filter((f) => f.feature.endsWith('_mean'));
    expect(means).toHaveLength(8);
    for (const f of means) expect(Math.abs(f.change - 0.2), f.feature).toBeLessThan(0.02);
    expect(e.reason).toMatch(/^common step in 4\/4 locations \(b1, b2, b3, b4\), flat for 24 windows: /);
  });

  it('no alarm and no degradation in the healthy half; the wear of one bearing alarms at least 24 h before failure', () => {
    const i = firstAlarm(on);
    expect(i).toBeGreaterThan(0);
    expect(on.filter((s) => s.time < h.lifetimeS * 0.85).some((s) => s.alarm || s.degradation)).toBe(false);
    expect(on[i].time).toBeGreaterThan(h.lifetimeS * 0.85);
    expect(h.lifetimeS - on[i].time).toBeGreaterThanOrEqual(DAY_S);
  });

  it('a restored monitor continues bit for bit, cut while the step is being confirmed and after', () => {
    const config = { systemEvent: { locations: h.locations } };
    const stepIndex = h.times.indexOf(h.stepTime!);
    for (const cut of [stepIndex + 5, stepIndex + 40]) {
      const a = new AssetMonitor(config, null, 'rig');
      const b0 = new AssetMonitor(config, null, 'rig');
      const end = Math.min(h.times.length, cut + 300);
      for (let i = 0; i < cut; i++) {
        a.update(newAssetStatus(), h.times[i], h.rows[i]);
        b0.update(newAssetStatus(), h.times[i], h.rows[i]);
      }
      const b = AssetMonitor.fromJSON(JSON.parse(JSON.stringify(b0.toJSON())), 'rig');
      for (let i = cut; i < end; i++) {
        expect(b.update(newAssetStatus(), h.times[i], h.rows[i])).toStrictEqual(a.update(newAssetStatus(), h.times[i], h.rows[i]));
      }
    }
  });
});

describe('FEMTO histories with a level step on every channel in the healthy part', () => {
  const results = femtoStepCases();
  const STEP_INDEX = FEMTO_STEP_INDEX;

  it('on the recorded histories the detector changes no first alarm and records no event', () => {
    for (const r of results) {
      expect(firstAlarm(r.original), r.bearing).toBe(firstAlarm(r.originalOff));
      expect(
        r.original.some((s) => s.systemEvent !== null),
        r.bearing,
      ).toBe(false);
    }
  });

  it('control: without the detector, the step raises the alarm before the real one on every bearing', () => {
    for (const r of results) {
      const i = firstAlarm(r.off);
      expect(i, r.bearing).toBeGreaterThanOrEqual(STEP_INDEX);
      expect(i, r.bearing).toBeLessThan(firstAlarm(r.original));
    }
  });

  // Measured: five of six recognise the step. Bearing1_2's is not entered as a candidate: only
  // one of its six features steps cleanly (its rms_v level was not flat before the step, and the
  // 4th snapshot after it is a burst of the recorded history; MODELS.md), so it alarms as without
  // the detector: the miss is stated, not hidden.
  const MISSED = 'Bearing1_2';
  // femto-loo.test.ts's criteria on the first alarm: at least 3 minutes before failure, and with at
  // least 10 % of life left on the bearings that degrade gradually (all but the abrupt Bearing3_1).
  const ABRUPT = 'Bearing3_1';
  it('with the detector, the step is a system event, no alarm comes from it, and the real alarm meets the FEMTO criteria, on every bearing but one', () => {
    for (const r of results) {
      const h = r;
      const event = r.on.find((s) => s.systemEvent !== null)?.systemEvent ?? null;
      if (r.bearing === MISSED) {
        expect(event).toBeNull();
        continue;
      }
      expect(event?.time, r.bearing).toBe(h.times[STEP_INDEX]);
      expect(event?.detectedAt, r.bearing).toBe(h.times[STEP_INDEX + 23]);
      const i = firstAlarm(r.on);
      // Not from the step: no alarm while it was confirmed, nor before the real change (the first alarm of the recorded history, or later).
      expect(i, r.bearing).toBeGreaterThanOrEqual(firstAlarm(r.original) - 24);
      expect(i, r.bearing).toBeGreaterThan(STEP_INDEX + 24);
      const lead = h.lifetimeS - h.times[i];
      expect(lead, r.bearing).toBeGreaterThanOrEqual(180);
      if (r.bearing !== ABRUPT) expect(lead / h.lifetimeS, r.bearing).toBeGreaterThanOrEqual(0.1);
    }
  });
});
