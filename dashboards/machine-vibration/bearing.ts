/**
 * Machine vibration, row "Bearing diagnosis": which bearing fault (if any) the envelope analysis
 * points at, per channel over time, and how confident it is. The accumulated diagnosis (a
 * sequential test over the channel's windows, MODELS.md "Accumulated diagnosis") leads: it is
 * what an engineer acts on; the single windows' diagnosis is shown under it for the evidence.
 */

import {
  BY_MACHINE_CHANNEL,
  bearingDiagnosisMappings,
  type DashboardRow,
  type RowContext,
  stateTimelinePanel,
  timeseriesPanel,
} from '../common.ts';
import { seriesQuery, tableQuery } from '../datasource.ts';
import { NO_WAVEFORM } from '../tables.ts';
import { featureFilter } from './velocity.ts';

/**
 * The diagnosis over the channel's windows so far (a bearing's channels only; others have none),
 * under `filter` (the dashboard's time, machine and, where it has one, channel filter).
 */
export function accumulatedDiagnosisSql(features: string, filter = featureFilter()): string {
  // A scalar sensor accumulates nothing: its rows say no_waveform in the window's own column.
  return `SELECT ts, machine, channel, last(coalesce(accumulated_diagnosis, bearing_diagnosis)) AS diagnosis
    FROM ${features}
    WHERE ${filter} AND (accumulated_diagnosis IS NOT NULL OR bearing_diagnosis = '${NO_WAVEFORM}')
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
}

export function bearingRow({ tables }: RowContext): DashboardRow {
  const accumulated = stateTimelinePanel(
    'Bearing diagnosis',
    'Fault type named by the evidence accumulated over the channel’s windows (a sequential test; it starts afresh on a change of speed or acquisition), last in each interval: outer race, inner race, rolling element, cage, or none; "no waveform" for a scalar sensor (overall values only: nothing to diagnose from).',
    { w: 12, h: 8 },
    [tableQuery(accumulatedDiagnosisSql(tables.features))],
    ['machine', 'channel'],
  ).mappings(bearingDiagnosisMappings());

  const confidenceSql = `SELECT ts, machine, channel, avg(accumulated_confidence) AS accumulated_confidence
    FROM ${tables.features}
    WHERE ${featureFilter()}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  const confidence = timeseriesPanel(
    'Diagnosis confidence',
    'Posterior probability of the accumulated diagnosis (of `none`: that no fault type is present), 0–100 %.',
    { w: 12, h: 8 },
    'percentunit',
    [seriesQuery(confidenceSql)],
  )
    .displayName(BY_MACHINE_CHANNEL)
    .min(0)
    .max(1);

  const windowSql = `SELECT ts, machine, channel, last(bearing_diagnosis) AS diagnosis
    FROM ${tables.features}
    WHERE ${featureFilter()}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const perWindow = stateTimelinePanel(
    'Single-window diagnosis',
    'Fault type of the last single window in each interval (the evidence the accumulated diagnosis is built from; one window may not hold a weak fault’s lines).',
    { w: 24, h: 6 },
    [tableQuery(windowSql)],
    ['machine', 'channel'],
  ).mappings(bearingDiagnosisMappings());
  return { title: 'Bearing diagnosis', panels: [accumulated, confidence, perWindow] };
}
