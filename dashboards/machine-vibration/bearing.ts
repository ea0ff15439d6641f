/**
 * Machine vibration, row "Bearing diagnosis": which bearing fault (if any) the envelope analysis
 * points at, per channel over time, and how confident it is.
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
import { featureFilter } from './velocity.ts';

export function bearingRow({ tables }: RowContext): DashboardRow {
  const diagnosisSql = `SELECT ts, machine, channel, last(bearing_diagnosis) AS diagnosis
    FROM ${tables.features}
    WHERE ${featureFilter()}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const diagnosis = stateTimelinePanel(
    'Bearing diagnosis',
    'Fault type of the last window in each interval: outer race, inner race, rolling element, cage, or none; "no waveform" for a scalar sensor (overall values only: nothing to diagnose from).',
    { w: 12, h: 8 },
    [tableQuery(diagnosisSql)],
    ['machine', 'channel'],
  ).mappings(bearingDiagnosisMappings());

  const confidenceSql = `SELECT ts, machine, channel, avg(bearing_confidence) AS bearing_confidence
    FROM ${tables.features}
    WHERE ${featureFilter()}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  const confidence = timeseriesPanel('Diagnosis confidence', 'Confidence of the diagnosis, 0–100 %.', { w: 12, h: 8 }, 'percentunit', [
    seriesQuery(confidenceSql),
  ])
    .displayName(BY_MACHINE_CHANNEL)
    .min(0)
    .max(1);
  return { title: 'Bearing diagnosis', panels: [diagnosis, confidence] };
}
