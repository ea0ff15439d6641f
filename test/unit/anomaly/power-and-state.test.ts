import { describe, expect, it } from 'vitest';
import { expectedPower, fitPowerLoad, PowerLoadBaseline } from '../../../models/energy/power-load.ts';
import { healthState } from '../../../models/health/ne107.ts';

describe('power against load', () => {
  it('recovers the quadratic that generated noiseless readings, and returns residuals after the baseline', () => {
    const b = new PowerLoadBaseline(50);
    for (let i = 0; i < 50; i++) {
      const load = 10 + i;
      expect(Number.isNaN(b.update(500 + 8 * load + 0.2 * load * load, load))).toBe(true);
    }
    expect(b.fit!.degree).toBe(2);
    expect(b.fit!.intercept).toBeCloseTo(500, 6);
    expect(b.fit!.slope).toBeCloseTo(8, 6);
    expect(b.fit!.curvature).toBeCloseTo(0.2, 8);
    expect(b.update(500 + 8 * 30 + 0.2 * 900 + 25, 30)).toBeCloseTo(25, 6);
    const restored = PowerLoadBaseline.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    expect(restored.update(1000, 40)).toBe(b.update(1000, 40));
  });

  it('takes power as proportional to load when the baseline saw a single load', () => {
    const fit = fitPowerLoad(
      [700, 50, 2500],
      [
        [4, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
      100,
    );
    expect(fit.degree).toBe(0);
    expect(expectedPower(fit, 50)).toBeCloseTo(700, 10);
    // 10 % more load, about 10 % more power: a constant would call 70 W a fault.
    expect(expectedPower(fit, 55)).toBeCloseTo(770, 10);
    expect(fit.residualSd).toBeCloseTo(2 * Math.sqrt(99 / 99), 10);
  });
});

describe('NE 107 health state', () => {
  const base = { alarm: false, degradation: false, logHealthIndex: 0.1, logFailureThreshold: Math.log(4), outOfSpecFraction: 0.5 };
  it.each([
    ['healthy', {}, 'normal'],
    ['anomaly alarm', { alarm: true }, 'maintenance_required'],
    ['ISO zone C', { isoZone: 'C' }, 'maintenance_required'],
    ['ISO zone D', { isoZone: 'D' }, 'out_of_specification'],
    ['degrading past half the way to the threshold', { degradation: true, logHealthIndex: 0.8 }, 'out_of_specification'],
    ['past half the way but no trend (a transient)', { logHealthIndex: 0.8 }, 'normal'],
    ['at the failure threshold', { logHealthIndex: Math.log(4) }, 'failure'],
    ['baseline still being learned', { logHealthIndex: Number.NaN, isoZone: 'B' }, 'normal'],
  ] as const)('%s', (_, evidence, expected) => {
    expect(healthState({ ...base, ...evidence })).toBe(expected);
  });
});
