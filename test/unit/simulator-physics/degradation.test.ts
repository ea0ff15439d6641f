/**
 * Faults grow to failure on time under time acceleration; the machine fails, trips, is repaired
 * and starts a new life; life only accumulates while running; faults can be injected.
 *
 * Tolerance: ln s = ln s0 + ln(1/s0)·x + σ·B(x) with B a Brownian bridge pinned at x = 0 and 1.
 * The first crossing of s = 1 is at x* = 1 − d with ln(1/s0)·d = σ·B(1 − d), and Var B(1 − d) ≈ d,
 * so d ≈ (σ z / ln(1/s0))². With the defaults σ = 0.15, s0 = 0.05 and z = 4 (a 4-sigma wander),
 * d ≤ 4 %: failure lands in [0.96, 1.0] × the configured time to failure, never after it.
 */
import { describe, expect, it } from 'vitest';
import { parseFaultSpec } from '../../../ingest/simulator/fleet-config.ts';
import { DegradationPath } from '../../../ingest/simulator/physics/degradation.ts';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { machine, record, START_MS, velocityRms } from '../../../tools/harness/simulator-physics.ts';

const DAY = 86_400;
const ACCEL = 1000;
// Onset after 1 day of life, failure 14 days later: at ×1000, onset at 86.4 s and failure at 1296 s of wall time.
const ONSET_WALL_S = DAY / ACCEL;
const FAIL_WALL_S = (15 * DAY) / ACCEL;

function fanWithOuterRace(onFailure: Record<string, unknown> = {}) {
  return new MachineSimulation(
    machine({
      timeAcceleration: ACCEL,
      faults: [{ type: 'outer_race', location: 'DE', onset: '1d', growth: { timeToFailure: '14d' } }],
      onFailure,
    }),
    { startTimeMs: START_MS },
  );
}

describe('degradation paths', () => {
  it('fail within [0.96, 1.0] of the time to failure for 200 random paths', () => {
    for (let seed = 0; seed < 200; seed++) {
      const path = new DegradationPath({ initialSeverity: 0.05, noise: 0.15, timeToFailureS: 1000 }, 50, seed);
      expect(path.failureLifeS).toBeGreaterThanOrEqual(50 + 960);
      expect(path.failureLifeS).toBeLessThanOrEqual(50 + 1000);
      expect(path.severityAt(path.failureLifeS)).toBeCloseTo(1, 9);
      expect(path.severityAt(path.failureLifeS - 1)).toBeLessThan(1);
    }
  });

  it('start at the initial severity at onset, are 0 before, and follow exp growth without noise', () => {
    const path = new DegradationPath({ initialSeverity: 0.05, noise: 0, timeToFailureS: 1000 }, 100, 1);
    expect(path.severityAt(99)).toBe(0);
    expect(path.severityAt(100)).toBeCloseTo(0.05, 12);
    expect(path.severityAt(600)).toBeCloseTo(0.05 * 20 ** 0.5, 9);
    expect(path.failureLifeS).toBeCloseTo(1100, 6);
  });

  it('wander: different seeds give different paths between onset and failure', () => {
    const a = new DegradationPath({ initialSeverity: 0.05, noise: 0.3, timeToFailureS: 1000 }, 0, 1);
    const b = new DegradationPath({ initialSeverity: 0.05, noise: 0.3, timeToFailureS: 1000 }, 0, 2);
    expect(Math.abs(a.severityAt(500) - b.severityAt(500))).toBeGreaterThan(1e-3);
  });
});

describe('machine life under time acceleration', () => {
  it('reaches failure at the configured time, with the vibration at the zone C/D boundary', () => {
    const sim = fanWithOuterRace();
    const before = sim.truthAt(START_MS + (ONSET_WALL_S - 1) * 1000);
    expect(before.state).toBe('healthy');
    expect(before.faults[0].severity).toBe(0);
    const degrading = sim.truthAt(START_MS + 600_000);
    expect(degrading.state).toBe('degrading');
    expect(degrading.lifeS).toBeCloseTo(600 * ACCEL, 3);
    const predicted = degrading.faults[0].failureAtMs!;
    expect(predicted).toBeGreaterThanOrEqual(START_MS + 0.96 * FAIL_WALL_S * 1000);
    expect(predicted).toBeLessThanOrEqual(START_MS + FAIL_WALL_S * 1000 + 1);

    const failed = sim.truthAt(START_MS + FAIL_WALL_S * 1000 + 1000);
    expect(failed.state).toBe('failed');
    expect(failed.failedAtMs).toBeCloseTo(predicted, 3);

    // The worst DE axis measures the ISO 20816-3 group 2 rigid zone C/D boundary (4.5 mm/s) at failure.
    const rec = record(sim, failed.failedAtMs!, 10);
    const worst = Math.max(velocityRms(rec.DE_X, 25_600), velocityRms(rec.DE_Y, 25_600), velocityRms(rec.DE_Z, 25_600));
    expect(worst).toBeGreaterThan(4.5 * 0.85);
    expect(worst).toBeLessThan(4.5 * 1.15);
  });

  it('trips at failure, then a repair starts a healthy new life that runs again', () => {
    const sim = fanWithOuterRace({ action: 'trip' });
    const failed = sim.truthAt(START_MS + FAIL_WALL_S * 1000 + 30_000);
    expect(failed.state).toBe('failed');
    expect(failed.running).toBe(false);
    expect(sim.energyAt(START_MS + FAIL_WALL_S * 1000 + 30_000).powerKw).toBe(0);

    const repairAt = START_MS + FAIL_WALL_S * 1000 + 60_000;
    sim.repair(repairAt);
    const after = sim.truthAt(repairAt + 10_000);
    expect(after.life).toBe(1);
    expect(after.state).toBe('healthy');
    expect(after.running).toBe(true);
    expect(after.lifeS).toBeCloseTo(10 * ACCEL, 3);
    expect(after.faults[0].severity).toBe(0);
    expect(after.failedAtMs).toBeNull();
    expect(sim.energyAt(repairAt + 30_000).powerKw).toBeGreaterThan(5);
    // The configured fault returns in the new life, on a new random path, failing on time again.
    const nextFailure = after.faults[0].failureAtMs!;
    expect(nextFailure - repairAt).toBeGreaterThanOrEqual(0.96 * FAIL_WALL_S * 1000);
    expect(nextFailure - repairAt).toBeLessThanOrEqual(FAIL_WALL_S * 1000 + 1);
    const midLife = 600_000;
    const firstLife = fanWithOuterRace({ action: 'trip' }).truthAt(START_MS + midLife).faults[0].severity;
    expect(sim.truthAt(repairAt + midLife).faults[0].severity).not.toBeCloseTo(firstLife, 6);
  });

  it('repairs itself after autoRepairAfterS', () => {
    const sim = fanWithOuterRace({ action: 'trip', autoRepairAfterS: 120 });
    const failedAt = sim.truthAt(START_MS + FAIL_WALL_S * 1000 + 1000).failedAtMs!;
    expect(sim.truthAt(failedAt + 119_000).life).toBe(0);
    const t = sim.truthAt(failedAt + 121_000);
    expect(t.life).toBe(1);
    expect(t.running).toBe(true);
    expect(t.state).toBe('healthy');
  });

  it('accumulates life only while running', () => {
    const sim = fanWithOuterRace();
    sim.stop(START_MS + 100_000);
    sim.start(START_MS + 400_000);
    const t = sim.truthAt(START_MS + 500_000);
    expect(t.lifeS).toBeCloseTo((100 + 100) * ACCEL, 3);
    expect(sim.truthAt(START_MS + 200_000).state).toBe('stopped');
    // Failure moves later by the 300 s the machine stood still.
    expect(t.faults[0].failureAtMs! - START_MS).toBeGreaterThan(0.96 * FAIL_WALL_S * 1000 + 300_000 - 1);
  });

  it('stopped machines are quiet: the shaft coasts down and only the floor remains', () => {
    const sim = fanWithOuterRace();
    sim.stop(START_MS + 60_000);
    const running = record(sim, START_MS + 50_000, 5).DE_X;
    const stopped = record(sim, START_MS + 120_000, 5).DE_X;
    expect(velocityRms(stopped, 25_600)).toBeLessThan(0.2 * velocityRms(running, 25_600));
  });

  it('injects a fault at run time that starts now and fails after its time to failure', () => {
    const sim = new MachineSimulation(machine({ timeAcceleration: ACCEL }), { startTimeMs: START_MS });
    expect(sim.truthAt(START_MS + 10_000).faults).toHaveLength(0);
    const at = START_MS + 20_000;
    sim.injectFault(parseFaultSpec({ type: 'imbalance', location: 'DE', growth: { timeToFailure: '2d', noise: 0 } }, 'test'), at);
    const t = sim.truthAt(at);
    expect(t.faults).toHaveLength(1);
    expect(t.faults[0].injected).toBe(true);
    expect(t.faults[0].onsetLifeS).toBeCloseTo(20 * ACCEL, 3);
    expect(t.faults[0].severity).toBeCloseTo(0.05, 9);
    expect(t.faults[0].failureAtMs).toBeCloseTo(at + ((2 * DAY) / ACCEL) * 1000, 0);
    expect(sim.truthAt(at + ((2 * DAY) / ACCEL) * 1000 + 10).state).toBe('failed');
  });
});
