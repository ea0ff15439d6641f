/**
 * Health state in NAMUR NE 107 terms (the status signals of field devices, applied here to the
 * monitored machine): `normal`, `maintenance_required` (still fine, act at the next
 * opportunity), `out_of_specification` (running outside its healthy envelope) and `failure`.
 * NE 107's fifth state, "function check" (`check_function`: the output is temporarily invalid),
 * describes the measurement, not the machine: it is not produced from this evidence but set by the
 * stream when no channel of a machine passes its sensor checks (sensor/sensor-check.ts). It ranks
 * below `failure` and above the others, as NE 107 orders its signals (F, C, S, M): a machine whose
 * every sensor is invalid may be failing unseen.
 *
 * Evidence, worst wins:
 *  - ISO 20816 evaluation zone when the caller knows it: C (unsatisfactory for long-term
 *    operation) -> maintenance required, D (severe enough to cause damage) -> out of specification;
 *  - the anomaly alarm or a detected degradation trend -> maintenance required;
 *  - the health index against the failure threshold, in log terms: past `outOfSpecFraction` of the
 *    way from the baseline to the threshold during degradation -> out of specification; at or past
 *    the threshold -> failure;
 *  - a feature limit (e.g. the velocity at the ISO zone C/D boundary, when it is the configured
 *    failure criterion) reached -> failure.
 */

export const HEALTH_STATES = ['normal', 'maintenance_required', 'out_of_specification', 'check_function', 'failure'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];
export type IsoZone = 'A' | 'B' | 'C' | 'D';

export interface HealthEvidence {
  alarm: boolean;
  degradation: boolean;
  /** Smoothed log health index (nepers above the baseline); NaN while the baseline is learned. */
  logHealthIndex: number;
  /** Log failure threshold (nepers); NaN when unknown. */
  logFailureThreshold: number;
  isoZone?: IsoZone | undefined;
  /** Fraction of the log threshold beyond which a degrading machine is out of specification. */
  outOfSpecFraction: number;
  /** A configured feature limit (a second failure criterion) is reached. */
  limitReached?: boolean | undefined;
}

function rank(s: HealthState): number {
  return HEALTH_STATES.indexOf(s);
}

function worst(a: HealthState, b: HealthState): HealthState {
  return rank(a) >= rank(b) ? a : b;
}

export function healthState(e: HealthEvidence): HealthState {
  let s: HealthState = 'normal';
  if (e.isoZone === 'C') s = worst(s, 'maintenance_required');
  if (e.isoZone === 'D') s = worst(s, 'out_of_specification');
  if (e.limitReached === true) s = worst(s, 'failure');
  if (e.alarm || e.degradation) s = worst(s, 'maintenance_required');
  if (Number.isFinite(e.logHealthIndex) && e.logFailureThreshold > 0) {
    if (e.logHealthIndex >= e.logFailureThreshold) s = worst(s, 'failure');
    else if (e.degradation && e.logHealthIndex >= e.outOfSpecFraction * e.logFailureThreshold) s = worst(s, 'out_of_specification');
  }
  return s;
}
