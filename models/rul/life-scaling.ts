/**
 * Run-to-failure histories of "similar machines" are rarely run at the asset's own load and
 * speed, and a bearing's life depends steeply on both. ISO 281's basic rating life gives the
 * dependence: L10 = (C/P)^p million revolutions, p = 3 for ball bearings and 10/3 for roller
 * bearings, so at the same bearing a history run at load P_h and speed n_h lasts, at the asset's
 * P_a and n_a,
 *
 *     t_a = t_h · (P_h / P_a)^p · (n_h / n_a)
 *
 * (the life in revolutions scales with the load ratio to the p-th power; in time, also inversely
 * with speed). This is the inverse-power-law acceleration model of accelerated life testing
 * (Nelson 1990) with the exponent the bearing standard gives; nothing in it is fitted to data.
 * Every duration of the history is scaled by the same factor - its lifetime, the time from onset
 * to failure and the degradation rate - so the fleet's life distribution and the degradation prior
 * both speak of the asset's operating condition.
 */
import { PdmError } from '../../common/errors.ts';

export interface OperatingCondition {
  /** Radial load on the bearing, N (any unit works if every condition uses the same). */
  loadN?: number;
  /** Shaft speed, rev/min. */
  speedRpm?: number;
}

/** ISO 281 life exponents. */
export const BALL_BEARING_LIFE_EXPONENT = 3;
export const ROLLER_BEARING_LIFE_EXPONENT = 10 / 3;

function checkPositive(value: number | undefined, what: string): void {
  if (value !== undefined && !(value > 0 && Number.isFinite(value))) {
    throw new PdmError('PDM_ERR_INPUT_VALUE', `${what} must be a positive number, got ${value}`);
  }
}

/**
 * Factor by which durations of a history run at `history` are multiplied to be equivalent at
 * `asset`. A quantity given for one side must be given for the other: scaling by a load the
 * asset does not state would be a guess, so it is an error naming what is missing.
 */
export function equivalentLifeFactor(
  history: OperatingCondition,
  asset: OperatingCondition,
  exponent: number,
  historyName = 'training history',
): number {
  checkPositive(exponent, 'life exponent');
  checkPositive(history.loadN, `${historyName}: load`);
  checkPositive(history.speedRpm, `${historyName}: speed`);
  checkPositive(asset.loadN, 'series load');
  checkPositive(asset.speedRpm, 'series speed');
  let factor = 1;
  if ((history.loadN === undefined) !== (asset.loadN === undefined)) {
    throw new PdmError(
      'PDM_ERR_INPUT_VALUE',
      `${historyName}: a load is given for ${history.loadN === undefined ? 'the series but not for this history' : 'this history but not for the series'}; give both or neither`,
      {
        history: historyName,
      },
    );
  }
  if ((history.speedRpm === undefined) !== (asset.speedRpm === undefined)) {
    throw new PdmError(
      'PDM_ERR_INPUT_VALUE',
      `${historyName}: a speed is given for ${history.speedRpm === undefined ? 'the series but not for this history' : 'this history but not for the series'}; give both or neither`,
      {
        history: historyName,
      },
    );
  }
  if (history.loadN !== undefined && asset.loadN !== undefined) factor *= (history.loadN / asset.loadN) ** exponent;
  if (history.speedRpm !== undefined && asset.speedRpm !== undefined) factor *= history.speedRpm / asset.speedRpm;
  return factor;
}

/** The history's times stretched about its first time by `factor` (rows unchanged). */
export function stretchTimes(times: readonly number[], factor: number): number[] {
  if (factor === 1 || times.length === 0) return [...times];
  const t0 = times[0];
  return times.map((t) => t0 + (t - t0) * factor);
}
