/**
 * Machine vibration, row "Acceleration": time-domain statistics of each analysis window. RMS and
 * peak track overall level; crest factor and kurtosis rise early with impacting (bearing
 * defects) before the RMS does, and fall again as damage spreads.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import { BY_MACHINE_CHANNEL, type DashboardRow, type RowContext, stepThresholds, timeseriesPanel } from '../common.ts';
import { seriesQuery } from '../datasource.ts';
import { featureFilter } from './velocity.ts';

function featureTrendSql(features: string, aggregate: 'avg' | 'max', column: string): string {
  return `SELECT ts, machine, channel, ${aggregate}(${column}) AS ${column}
    FROM ${features}
    WHERE ${featureFilter()}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
}

export function accelerationRow({ tables }: RowContext): DashboardRow {
  const size = { w: 12, h: 8 };
  const rms = timeseriesPanel('Acceleration RMS', 'RMS of each window, g (average per interval).', size, 'suffix: g', [
    seriesQuery(featureTrendSql(tables.features, 'avg', 'rms')),
  ]).displayName(BY_MACHINE_CHANNEL);
  const peak = timeseriesPanel('Acceleration peak', 'Absolute peak of each window, g (largest per interval).', size, 'suffix: g', [
    seriesQuery(featureTrendSql(tables.features, 'max', 'peak')),
  ]).displayName(BY_MACHINE_CHANNEL);
  const crest = timeseriesPanel('Crest factor', 'Peak / RMS. A pure sine is 1.41; impacting raises it.', size, 'none', [
    seriesQuery(featureTrendSql(tables.features, 'avg', 'crest_factor')),
  ]).displayName(BY_MACHINE_CHANNEL);
  const kurtosis = timeseriesPanel(
    'Kurtosis',
    'Fourth standardised moment. Gaussian noise is 3 (dashed line); well above 3 means impacts.',
    size,
    'none',
    [seriesQuery(featureTrendSql(tables.features, 'avg', 'kurtosis'))],
  )
    .displayName(BY_MACHINE_CHANNEL)
    .thresholds(
      stepThresholds([
        [null, 'ok'],
        [3, 'watch'],
      ]),
    )
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  return { title: 'Acceleration', panels: [rms, peak, crest, kurtosis] };
}
