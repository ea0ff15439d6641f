/**
 * A system event on the simulator's physics (issue 13, section 7): at one instant every channel
 * of a pump reports with a 30 % higher gain and a 1 g DC offset (an acquisition change, the
 * simulator's `acquisitionChanges`), and an outer race fault starts later. Driven in-process
 * through the same WindowAnalyzer and MachineHealthTracker the stream runs: the change is
 * recorded as a system event with its reason and raises no alarm; the real fault still alarms
 * before it fails. The control is the same run with the detector off.
 */
import { describe, expect, it } from 'vitest';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { type HealthUpdate, MachineHealthTracker } from '../../../stream-processing/machine-health.ts';
import { analyzer, HEALTH_FEATURES, machineWith, START_MS, window } from '../../../tools/harness/simulated-pump.ts';

const STEP_K = 75;
const AXES = ['DE_X', 'DE_Y', 'DE_Z'];

function run(enabled: boolean) {
  // 3 h of life per wall second; the fault starts at 15 days of life (120 s) and fails 12 days later (216 s).
  const sim = new MachineSimulation(
    machineWith([{ type: 'outer_race', location: 'DE', onset: '15d', growth: { timeToFailure: '12d' } }], {
      timeAcceleration: 3 * 3600,
      // Half-way through window STEP_K: that window holds the jump, the next ones are all after it.
      acquisitionChanges: [{ atS: START_MS / 1000 + STEP_K + 0.5, gain: 1.3, offsetG: 1 }],
    }),
    { startTimeMs: START_MS },
  );
  const a = analyzer(sim);
  const tracker = new MachineHealthTracker({
    features: HEALTH_FEATURES,
    monitor: { systemEvent: { enabled } },
    energy: false,
    fleet: null,
  });
  const ups: Array<HealthUpdate & { k: number; severity: number; sensor: string[] }> = [];
  const sensor = new Map<number, string[]>();
  for (let k = 0; k < 240; k++) {
    const atMs = START_MS + k * 1000;
    for (const channel of AXES) {
      const r = a.analyze(window(sim, channel, atMs));
      if (r.sensor.status !== 'ok') sensor.set(k, [...(sensor.get(k) ?? []), `${channel} ${r.sensor.reasons.join(',')}`]);
      const u = tracker.onWindow({
        machine: 'sim-1',
        channel,
        windowSeq: k,
        tsNs: BigInt(atMs) * 1_000_000n,
        features: r.features,
        zone: r.iso20816.zone,
        sensor: r.sensor,
      });
      if (u) {
        const uk = Number(u.tsNs / 1_000_000n - BigInt(START_MS)) / 1000;
        ups.push({
          ...u,
          k: uk,
          severity: Math.max(0, ...sim.truthAt(Number(u.tsNs / 1_000_000n)).faults.map((f) => f.severity)),
          sensor: [],
        });
      }
    }
  }
  return { ups, sensor, failureK: ups.find((u) => u.severity >= 1)?.k ?? Number.NaN, tracker };
}

describe('an acquisition change on every channel of a simulated pump, then a real fault', () => {
  const on = run(true);
  const off = run(false);

  it('control: without the detector, the change raises the alarm before the fault has started', () => {
    const first = off.ups.find((u) => u.status.alarm);
    expect(first).toBeDefined();
    expect(first!.k).toBeGreaterThanOrEqual(STEP_K);
    expect(first!.severity).toBe(0);
  });

  it('the change is recorded as a system event at its window, with its reason, beside the sensor checks of the window that holds the offset', () => {
    const events = on.ups.filter((u) => u.status.systemEvent !== null);
    expect(events).toHaveLength(1);
    const e = events[0].status.systemEvent!;
    expect(e.time * 1000 - START_MS).toBe((STEP_K + 1) * 1000);
    expect(e.locations).toStrictEqual(AXES);
    expect(e.reason).toMatch(/^common step in 3\/3 locations \(DE_X, DE_Y, DE_Z\), flat for 24 windows: /);
    for (const axis of AXES)
      expect(e.features.some((f) => f.location === axis && f.feature === `${axis}_rms` && f.change > 0.1)).toBe(true);
    // The window holding the offset jump fails its sensor check on every channel (offset_step).
    expect([...on.sensor.keys()]).toStrictEqual([STEP_K]);
  });

  it('no alarm nor degradation before the fault; the fault alarms before it fails', () => {
    expect(on.ups.filter((u) => u.severity === 0 && (u.status.alarm || u.status.degradation))).toEqual([]);
    const first = on.ups.find((u) => u.status.alarm);
    expect(first).toBeDefined();
    expect(first!.severity).toBeGreaterThan(0);
    expect(first!.k).toBeLessThan(on.failureK);
  });
});
