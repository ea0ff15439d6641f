/**
 * Scores of one replayed run-to-failure history, shared by the tests and `tools/rul-report.ts`:
 * when the alarm came, whether any came early in life, how often the remaining-life interval
 * contained the truth in the last third of life, how wide it was at 50/75/90 % of life, and the
 * error of the median. The truth at a row is (failure time - row time): every history ends at failure.
 */

export interface ReplayRow {
  time: number;
  health_index: number;
  alarm: boolean;
  rul_s: { median: number; lower: number; upper: number; point: number } | null;
  rul_basis: 'fleet' | 'degradation' | null;
  /** A system event confirmed at this row (pdm rul --json), null otherwise; absent in older output. */
  system_event?: unknown;
}

export interface HistoryScore {
  lifetimeS: number;
  rows: number;
  /** First alarm, seconds since the first row; null when none. */
  firstAlarmS: number | null;
  /** Seconds between the first alarm and failure. */
  alarmLeadS: number | null;
  firstAlarmFraction: number | null;
  /** First row with rul_basis 'degradation'. */
  firstDegradationFraction: number | null;
  /** Fraction of rows in the last third of life whose interval contains the truth (null intervals count as misses). */
  coverageLastThird: number;
  /** Interval width (s) at the rows nearest 50, 75 and 90 % of life; null when no interval there. */
  width50: number | null;
  width75: number | null;
  width90: number | null;
  /** Median minus truth (s) at 50, 75 and 90 % of life. */
  error50: number | null;
  error75: number | null;
  error90: number | null;
  /** Mean |median - truth| / life over the last third. */
  meanAbsErrorLastThird: number;
  /** Rows of the last third with a degradation basis. */
  degradationShareLastThird: number;
  /** Median interval width (s) over rows in [40 %, 60 %) and in [90 %, 100 %] of life (null intervals skipped). */
  medianWidthMid: number | null;
  medianWidthEnd: number | null;
}

function medianWidth(rows: readonly ReplayRow[], t0: number, life: number, from: number, to: number): number | null {
  const w = rows
    .filter((r) => r.rul_s !== null && r.time - t0 >= from * life && r.time - t0 <= to * life)
    .map((r) => r.rul_s!.upper - r.rul_s!.lower)
    .sort((a, b) => a - b);
  return w.length === 0 ? null : w[w.length >> 1];
}

export function scoreHistory(rows: readonly ReplayRow[]): HistoryScore {
  const t0 = rows[0].time;
  const life = rows[rows.length - 1].time - t0;
  let firstAlarmS: number | null = null;
  let firstDeg: number | null = null;
  let inThird = 0;
  let covered = 0;
  let absErr = 0;
  let errRows = 0;
  let degRows = 0;
  for (const r of rows) {
    const age = r.time - t0;
    const truth = life - age;
    if (r.alarm && firstAlarmS === null) firstAlarmS = age;
    if (r.rul_basis === 'degradation' && firstDeg === null) firstDeg = age / life;
    if (age >= (2 * life) / 3) {
      inThird += 1;
      if (r.rul_basis === 'degradation') degRows += 1;
      if (r.rul_s !== null) {
        if (r.rul_s.lower <= truth && truth <= r.rul_s.upper) covered += 1;
        absErr += Math.abs(r.rul_s.median - truth) / life;
        errRows += 1;
      }
    }
  }
  const at = (fraction: number): ReplayRow => {
    let best = rows[0];
    for (const r of rows) if (Math.abs(r.time - t0 - fraction * life) < Math.abs(best.time - t0 - fraction * life)) best = r;
    return best;
  };
  const width = (f: number): number | null => {
    const r = at(f);
    return r.rul_s === null ? null : r.rul_s.upper - r.rul_s.lower;
  };
  const error = (f: number): number | null => {
    const r = at(f);
    return r.rul_s === null ? null : r.rul_s.median - (life - (r.time - t0));
  };
  return {
    lifetimeS: life,
    rows: rows.length,
    firstAlarmS,
    alarmLeadS: firstAlarmS === null ? null : life - firstAlarmS,
    firstAlarmFraction: firstAlarmS === null ? null : firstAlarmS / life,
    firstDegradationFraction: firstDeg,
    coverageLastThird: inThird === 0 ? 0 : covered / inThird,
    width50: width(0.5),
    width75: width(0.75),
    width90: width(0.9),
    error50: error(0.5),
    error75: error(0.75),
    error90: error(0.9),
    meanAbsErrorLastThird: errRows === 0 ? Number.NaN : absErr / errRows,
    degradationShareLastThird: inThird === 0 ? 0 : degRows / inThird,
    medianWidthMid: medianWidth(rows, t0, life, 0.4, 0.6),
    medianWidthEnd: medianWidth(rows, t0, life, 0.9, 1),
  };
}
