import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { BALL_BEARING_LIFE_EXPONENT, equivalentLifeFactor, stretchTimes } from '../../../models/rul/life-scaling.ts';
import { replay } from '../../../models/rul/replay.ts';
import { thrown } from '../../helpers/thrown.ts';
import { runToFailure } from './synthetic-runs.ts';

describe('ISO 281 life scaling between operating conditions', () => {
  it('follows L10 = (C/P)^p revolutions: twice the load, an eighth of the life (ball); twice the speed, half the time', () => {
    expect(equivalentLifeFactor({ loadN: 2000 }, { loadN: 4000 }, BALL_BEARING_LIFE_EXPONENT)).toBeCloseTo(1 / 8, 12);
    expect(equivalentLifeFactor({ speedRpm: 1500 }, { speedRpm: 3000 }, 3)).toBeCloseTo(0.5, 12);
    expect(equivalentLifeFactor({ loadN: 3000, speedRpm: 1000 }, { loadN: 3000, speedRpm: 1000 }, 3)).toBe(1);
    // Roller bearings: p = 10/3, so 2x load is 2^-(10/3) of the life.
    expect(equivalentLifeFactor({ loadN: 1 }, { loadN: 2 }, 10 / 3)).toBeCloseTo(2 ** (-10 / 3), 12);
    // FEMTO: a history at 4000 N / 1800 rpm seen from 5000 N / 1500 rpm.
    expect(equivalentLifeFactor({ loadN: 4000, speedRpm: 1800 }, { loadN: 5000, speedRpm: 1500 }, 3)).toBeCloseTo(0.8 ** 3 * 1.2, 12);
  });

  it('refuses a quantity given on one side only, and non-positive values, naming the history', () => {
    const oneSided = thrown(() => equivalentLifeFactor({ loadN: 4000 }, {}, 3, 'B1.csv'));
    expect(isPdmError(oneSided) && oneSided.code).toBe('PDM_ERR_INPUT_VALUE');
    expect(oneSided.message).toMatch(/B1\.csv: a load is given for this history but not for the series/);
    expect(thrown(() => equivalentLifeFactor({}, { speedRpm: 1500 }, 3, 'B2.csv')).message).toMatch(
      /B2\.csv: a speed is given for the series but not for this history/,
    );
    expect(thrown(() => equivalentLifeFactor({ loadN: -1 }, { loadN: 1 }, 3, 'B3.csv')).message).toMatch(
      /B3\.csv: load must be a positive number/,
    );
    expect(thrown(() => equivalentLifeFactor({}, {}, 0)).message).toMatch(/life exponent must be a positive number/);
  });

  it('stretches times about the first one', () => {
    expect(stretchTimes([100, 110, 130], 2)).toStrictEqual([100, 120, 160]);
    expect(stretchTimes([], 2)).toStrictEqual([]);
  });
});

describe("training histories at another load, replayed at the asset's", () => {
  // The same degradation law at two loads: at 5000 N a bearing lasts (4000/5000)^3 = 0.512 of
  // its life at 4000 N. The fleet was run at 4000 N, the asset runs at 5000 N.
  const heavy = 0.512;
  const training = [11, 12, 13, 14].map((seed) => ({ ...runToFailure(seed, 8000), condition: { loadN: 4000 } }));
  const asset = runToFailure(21, 8000, heavy);
  const config = { anomaly: { features: ['rms', 'peak', 'kurtosis'] } };

  it("the fleet learns the histories' lives as they would be at the asset's load", () => {
    const scaled = replay({ ...asset, condition: { loadN: 5000 } }, training, config);
    const plain = replay(
      asset,
      training.map(({ condition: _, ...h }) => h),
      config,
    );
    expect(scaled.lifeFactors.every((f) => Math.abs(f - heavy) < 1e-12)).toBe(true);
    expect(plain.lifeFactors).toStrictEqual([1, 1, 1, 1]);
    scaled.fleet!.lifetimesS.forEach((t, i) => {
      expect(t).toBeCloseTo(plain.fleet!.lifetimesS[i] * heavy, 6);
    });
    // The degradation rate per second is faster by the same factor.
    expect(scaled.fleet!.prior!.meanBeta).toBeCloseTo(plain.fleet!.prior!.meanBeta / heavy, 10);
  });

  it("before degradation, the fleet median at the asset's load is nearer its true life than one from unscaled lives", () => {
    const scaled = replay({ ...asset, condition: { loadN: 5000 } }, training, config);
    const plain = replay(
      asset,
      training.map(({ condition: _, ...h }) => h),
      config,
    );
    const i = scaled.statuses.findIndex((s) => s.rulBasis === 'fleet');
    expect(i).toBeGreaterThanOrEqual(0);
    const truth = asset.lifetimeS - asset.times[i];
    const errScaled = Math.abs(scaled.statuses[i].rul.median - truth);
    const errPlain = Math.abs(plain.statuses[i].rul.median - truth);
    expect(errScaled).toBeLessThan(errPlain);
    expect(plain.statuses[i].rul.median).toBeGreaterThan(scaled.statuses[i].rul.median);
  });

  it('at the same load and speed nothing changes; alarms never depend on the conditions', () => {
    const same = replay({ ...asset, condition: { loadN: 4000 } }, training, config);
    const plain = replay(
      asset,
      training.map(({ condition: _, ...h }) => h),
      config,
    );
    expect(same.rows).toStrictEqual(plain.rows);
    const scaled = replay({ ...asset, condition: { loadN: 5000 } }, training, config);
    expect(scaled.rows.map((r) => r.alarm)).toStrictEqual(plain.rows.map((r) => r.alarm));
  });
});
