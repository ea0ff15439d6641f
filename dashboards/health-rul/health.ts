/**
 * Health & RUL, row "Health": the anomaly score of the feature vector against the machine's own
 * baseline, the health index derived from it, the NAMUR NE 107 state, the alarm and the operating
 * mode whose baseline the record was measured against. When the
 * simulator's ground truth is there, the true fault severity is drawn over the health index.
 */
import {
  BY_MACHINE,
  bearingDiagnosisMappings,
  booleanAlarmMappings,
  type DashboardRow,
  FIELD_BY_MACHINE,
  groundTruthNote,
  HEALTH_RANK_SQL,
  healthStateMappings,
  MACHINE_FILTER,
  override,
  type RowContext,
  stateTimelinePanel,
  stepThresholds,
  thresholdColours,
  timeseriesPanel,
} from '../common.ts';
import { seriesQuery, tableQuery } from '../datasource.ts';
import { accumulatedDiagnosisSql } from '../machine-vibration/bearing.ts';

export function healthTrendSql(health: string, expression: string, alias: string): string {
  return `SELECT ts, machine, ${expression} AS ${alias}
    FROM ${health}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
}

export function healthRow({ tables }: RowContext): DashboardRow {
  const anomaly = timeseriesPanel(
    'Anomaly score',
    `Distance of the feature vector from the machine's healthy baseline (largest per interval).`,
    { w: 12, h: 8 },
    'none',
    [seriesQuery(healthTrendSql(tables.health, 'max(anomaly_score)', 'anomaly_score'))],
  ).displayName(BY_MACHINE);

  const truthSql = `SELECT ts, machine, avg(severity) AS true_severity
    FROM ${tables.groundTruth}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  const index = timeseriesPanel(
    'Health index (with true severity)',
    `Health index per machine; dashed, right axis: the fault severity the simulator injected (query B; shows only where ground truth exists).${groundTruthNote(tables.groundTruth)}`,
    { w: 12, h: 8 },
    'none',
    [seriesQuery(healthTrendSql(tables.health, 'avg(health_index)', 'health_index'), 'A'), seriesQuery(truthSql, 'B')],
  )
    .displayName(FIELD_BY_MACHINE)
    .overrideByQuery('B', [override.rightAxis(), override.dashed(), override.fillOpacity(0)]);

  const stateSql = `SELECT ts, machine, max(${HEALTH_RANK_SQL}) AS state
    FROM ${tables.health}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const state = stateTimelinePanel(
    'NE 107 state',
    `Worst health state per interval (NAMUR NE 107 colours).`,
    { w: 24, h: 6 },
    [tableQuery(stateSql)],
    ['machine'],
  )
    .mappings(healthStateMappings())
    .thresholds(
      stepThresholds([
        [null, 'ok'],
        [1, 'info'],
        [2, 'watch'],
        [3, 'bad'],
      ]),
    )
    .colorScheme(thresholdColours());

  const alarmSql = `SELECT ts, machine, max(CASE WHEN alarm THEN 1 ELSE 0 END) AS alarm
    FROM ${tables.health}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const alarm = stateTimelinePanel(
    'Alarm',
    `Whether the alarm was raised at any time in the interval. Alarm onsets are also dashboard annotations.`,
    { w: 24, h: 5 },
    [tableQuery(alarmSql)],
    ['machine'],
  )
    .mappings(booleanAlarmMappings())
    .thresholds(
      stepThresholds([
        [null, 'ok'],
        [1, 'bad'],
      ]),
    )
    .colorScheme(thresholdColours());

  const modeSql = `SELECT ts, machine, last(mode) AS mode
    FROM ${tables.health}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const mode = stateTimelinePanel(
    'Operating mode',
    `The operating mode each health record was computed in (the processor learns modes from steady speed and load, one healthy baseline each; named by speed and load, e.g. 1450rpm/85%). Gaps are transitions between modes, which feed no model.`,
    { w: 24, h: 5 },
    [tableQuery(modeSql)],
    ['machine'],
  );

  // The fault type behind a health state: the accumulated bearing diagnosis of each channel.
  const bearing = stateTimelinePanel(
    'Bearing diagnosis',
    'Fault type named by the evidence accumulated over each channel’s windows (MODELS.md, "Accumulated diagnosis"), last in each interval.',
    { w: 24, h: 6 },
    [tableQuery(accumulatedDiagnosisSql(tables.features, `$__timeFilter(ts) AND ${MACHINE_FILTER}`))],
    ['machine', 'channel'],
  ).mappings(bearingDiagnosisMappings());

  return { title: 'Health', panels: [anomaly, index, state, alarm, bearing, mode] };
}
