/**
 * The induction-motor energy model: power rises with load and with bearing degradation,
 * P = √3·V·I·PF holds for the published values, the power factor falls at light load, a
 * direct-on-line motor slows as load rises, and temperature follows losses with a first-order lag.
 */
import { describe, expect, it } from 'vitest';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { WINDING_TIME_CONSTANT_S } from '../../../ingest/simulator/physics/motor.ts';
import { machine, START_MS } from '../../../tools/harness/simulator-physics.ts';

const STEPS = [
  { mode: 'quarter', durationS: 600, loadPct: 25 },
  { mode: 'half', durationS: 600, loadPct: 50 },
  { mode: 'three-quarter', durationS: 600, loadPct: 75 },
  { mode: 'full', durationS: 600, loadPct: 100 },
];

describe('motor energy', () => {
  const sim = new MachineSimulation(machine({ operatingModes: STEPS }), { startTimeMs: START_MS });
  // Middle of each mode (ramps last 10 s).
  const readings = STEPS.map((_, i) => sim.energyAt(START_MS + (i * 600 + 300) * 1000));

  it('power, current and power factor rise with load; a direct-on-line motor slows as load rises', () => {
    for (let i = 1; i < readings.length; i++) {
      expect(readings[i].powerKw).toBeGreaterThan(readings[i - 1].powerKw);
      expect(readings[i].currentA).toBeGreaterThan(readings[i - 1].currentA);
      expect(readings[i].powerFactor).toBeGreaterThan(readings[i - 1].powerFactor);
      expect(readings[i].speedRpm).toBeLessThan(readings[i - 1].speedRpm);
    }
    for (const r of readings) expect(r.speedRpm).toBeLessThan(1500);
    // Full load: rated output 11 kW over an efficiency near 92 % (IE3), speed at the nameplate 1465 rpm.
    expect(readings[3].powerKw).toBeGreaterThan(11 / 0.95);
    expect(readings[3].powerKw).toBeLessThan(11 / 0.88);
    expect(readings[3].speedRpm).toBeCloseTo(1465, 0);
    expect(readings[3].powerFactor).toBeCloseTo(0.85, 1);
    // Light load: poor power factor and lower efficiency.
    expect(readings[0].powerFactor).toBeLessThan(0.6);
    expect(readings[0].efficiency).toBeLessThan(readings[2].efficiency);
  });

  it('publishes values consistent with P = √3·V·I·PF', () => {
    for (const r of readings) {
      const p = (Math.sqrt(3) * r.voltageV * r.currentA * r.powerFactor) / 1000;
      expect(Math.abs(p - r.powerKw) / r.powerKw).toBeLessThan(1e-12);
      expect(r.voltageV).toBeGreaterThan(400 * 0.98);
      expect(r.voltageV).toBeLessThan(400 * 1.02);
    }
  });

  it('power and bearing temperature rise as a bearing degrades, at the same load', () => {
    const build = () =>
      new MachineSimulation(
        machine({
          operatingModes: [{ mode: 'full', durationS: 3600, loadPct: 80 }],
          faults: [{ type: 'outer_race', location: 'DE', onset: 1000, growth: { timeToFailure: 1000, noise: 0 } }],
        }),
        { startTimeMs: START_MS },
      );
    const healthy = build().energyAt(START_MS + 500_000); // before onset
    const failing = build().energyAt(START_MS + 1_990_000); // severity ≈ 0.97
    // Extra friction is 2 % of rated power (0.22 kW) at severity 1.
    expect(failing.powerKw - healthy.powerKw).toBeGreaterThan(0.15);
    expect(failing.powerKw - healthy.powerKw).toBeLessThan(0.4);
    expect(failing.bearingTemperatureC.DE - healthy.bearingTemperatureC.DE).toBeGreaterThan(30);
    expect(failing.bearingTemperatureC.NDE).toBeCloseTo(healthy.bearingTemperatureC.NDE, 0);
  });

  it('winding temperature follows a load step with the thermal time constant', () => {
    const s = new MachineSimulation(
      machine({
        operatingModes: [
          { mode: 'light', durationS: 3600, loadPct: 25 },
          { mode: 'full', durationS: 20_000, loadPct: 100 },
        ],
      }),
      { startTimeMs: START_MS },
    );
    const cold = s.energyAt(START_MS + 3_000_000).temperatureC; // steady at 25 %
    const stepAt = START_MS + 3_600_000 + 10_000; // after the 10 s ramp
    s.energyAt(stepAt);
    const hotSteady = new MachineSimulation(machine({ operatingModes: [{ mode: 'full', durationS: 3600, loadPct: 100 }] }), {
      startTimeMs: START_MS,
    }).energyAt(START_MS + 1000).temperatureC;
    for (let t = 1; t <= WINDING_TIME_CONSTANT_S; t += 1) s.energyAt(stepAt + t * 1000);
    const oneTau = s.energyAt(stepAt + WINDING_TIME_CONSTANT_S * 1000).temperatureC;
    const fraction = (oneTau - cold) / (hotSteady - cold);
    expect(hotSteady - cold).toBeGreaterThan(30);
    expect(fraction).toBeGreaterThan(0.6);
    expect(fraction).toBeLessThan(0.66);
  });

  it('a stopped motor draws nothing', () => {
    const s = new MachineSimulation(machine(), { startTimeMs: START_MS });
    s.stop(START_MS + 1000);
    const r = s.energyAt(START_MS + 60_000);
    expect(r.powerKw).toBe(0);
    expect(r.currentA).toBe(0);
    expect(r.speedRpm).toBe(0);
  });
});
