/**
 * A system event on the simulator's physics (issue 13, section 7): half-way through one window
 * every channel of a pump starts reporting with a 30 % higher gain and a 1 g bias (an acquisition
 * change, the simulator's `acquisitionChanges`), and an outer race fault starts later. Driven
 * in-process through the same WindowAnalyzer and MachineHealthTracker the stream runs
 * (tools/harness/system-event-cases.ts): the change is recorded as a system event with its reason
 * and raises no alarm; the real fault still alarms before it fails. The control is the same run
 * with the detector off.
 */
import { describe, expect, it } from 'vitest';
import { START_MS } from '../../../tools/harness/simulated-pump.ts';
import { SIM_AXES, SIM_STEP_K, simulatedAcquisitionChange } from '../../../tools/harness/system-event-cases.ts';

describe('an acquisition change on every channel of a simulated pump, then a real fault', () => {
  const on = simulatedAcquisitionChange(true);
  const off = simulatedAcquisitionChange(false);

  it('control: without the detector, the change raises the alarm before the fault has started', () => {
    const first = off.ups.find((u) => u.status.alarm);
    expect(first).toBeDefined();
    expect(first!.k).toBeGreaterThanOrEqual(SIM_STEP_K);
    expect(first!.severity).toBe(0);
  });

  it('the change is recorded as a system event from the first window after it, with its reason, beside the sensor checks of the window that holds the jump', () => {
    const events = on.ups.filter((u) => u.status.systemEvent !== null);
    expect(events).toHaveLength(1);
    const e = events[0].status.systemEvent!;
    expect(e.time * 1000 - START_MS).toBe((SIM_STEP_K + 1) * 1000);
    expect(e.locations).toStrictEqual(SIM_AXES);
    expect(e.reason).toMatch(/^common step in 3\/3 locations \(DE_X, DE_Y, DE_Z\), flat for 24 windows: /);
    for (const axis of SIM_AXES)
      expect(e.features.some((f) => f.location === axis && f.feature === `${axis}_rms` && f.change > 0.1)).toBe(true);
    // The window holding the 1 g jump fails its sensor check on every channel (offset_step): check function, not modelled.
    expect([...on.sensor.keys()]).toStrictEqual([SIM_STEP_K]);
    expect(on.sensor.get(SIM_STEP_K)!.every((r) => r.includes('offset_step'))).toBe(true);
  });

  it('no alarm nor degradation before the fault; the fault alarms before it fails', () => {
    expect(on.ups.filter((u) => u.severity === 0 && (u.status.alarm || u.status.degradation))).toEqual([]);
    const first = on.ups.find((u) => u.status.alarm);
    expect(first).toBeDefined();
    expect(first!.severity).toBeGreaterThan(0);
    expect(first!.k).toBeLessThan(on.failureK);
  });
});
