/**
 * Health & RUL, row "Remaining useful life": the median estimate with its 90 % interval as a
 * band, one panel per machine (a band per series does not read well with several machines on one
 * chart), with the true remaining life from the simulator's ground truth where it exists; and
 * what the estimate is based on (fleet life distribution, or the machine's own degradation).
 */
import {
  type DashboardRow,
  groundTruthNote,
  MACHINE_FILTER,
  override,
  REPEATED_MACHINE_FILTER,
  type RowContext,
  rulBasisMappings,
  stateTimelinePanel,
  timeseriesPanel,
} from '../common.ts';
import { seriesQuery, tableQuery } from '../datasource.ts';

export function rulRow({ tables }: RowContext): DashboardRow {
  const rulSql = `SELECT ts, avg(rul_lower_s) AS rul_lower_s, avg(rul_median_s) AS rul_median_s, avg(rul_upper_s) AS rul_upper_s
    FROM ${tables.health}
    WHERE $__timeFilter(ts) AND ${REPEATED_MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  const trueRulSql = `SELECT ts, avg((failure_at - ts) / 1e6) AS true_rul_s
    FROM ${tables.groundTruth}
    WHERE $__timeFilter(ts) AND ${REPEATED_MACHINE_FILTER} AND failure_at IS NOT NULL
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  const rul = timeseriesPanel(
    'Remaining useful life: ${machine}',
    `Median remaining life with the 90 % interval (shaded between lower and upper). Dashed: the true remaining life from the simulator's ground truth (query B), where it exists.${groundTruthNote(tables.groundTruth)}`,
    { w: 12, h: 9 },
    'dtdurations',
    [seriesQuery(rulSql, 'A'), seriesQuery(trueRulSql, 'B')],
    '10s',
  )
    .repeat('machine')
    .repeatDirection('h')
    .maxPerRow(2)
    .min(0)
    .overrideByName('rul_upper_s', [override.fillBelowTo('rul_lower_s'), override.fillOpacity(20), override.displayName('90 % upper')])
    .overrideByName('rul_lower_s', [override.fillOpacity(0), override.displayName('90 % lower')])
    .overrideByName('rul_median_s', [override.displayName('median')])
    .overrideByQuery('B', [override.dashed(), override.fillOpacity(0), override.displayName('true remaining life')]);

  const basisSql = `SELECT ts, machine, last(rul_basis) AS rul_basis
    FROM ${tables.health}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const basis = stateTimelinePanel(
    'RUL basis',
    `What the estimate rests on: the fleet's life distribution (before degradation is detected) or the machine's own degradation trend.`,
    { w: 24, h: 5 },
    [tableQuery(basisSql)],
    ['machine'],
  ).mappings(rulBasisMappings());

  return { title: 'Remaining useful life', panels: [rul, basis] };
}
