/**
 * Machine vibration, row "Velocity (ISO 20816-3)": broadband velocity RMS with the zone
 * boundaries of the configured machine class drawn as thresholds, and the zone the processor
 * assigned per window (which uses each machine's own class, so it is the authority when machines
 * of different classes are shown together).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  BY_MACHINE_CHANNEL,
  CHANNEL_FILTER,
  type DashboardRow,
  isoVelocityThresholds,
  isoZoneMappings,
  MACHINE_FILTER,
  type RowContext,
  stateTimelinePanel,
  stepThresholds,
  thresholdColours,
  timeseriesPanel,
  ZONE_RANK_SQL,
} from '../common.ts';
import { seriesQuery, tableQuery } from '../datasource.ts';

/** The feature filter shared by this dashboard's panels. */
export function featureFilter(): string {
  return `$__timeFilter(ts) AND ${MACHINE_FILTER} AND ${CHANNEL_FILTER}`;
}

export function velocityRow({ tables, options }: RowContext): DashboardRow {
  const velocitySql = `SELECT ts, machine, channel, avg(velocity_rms_mm_s) AS velocity_rms_mm_s
    FROM ${tables.features}
    WHERE ${featureFilter()}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  const { group, foundation } = options.iso;
  const velocity = timeseriesPanel(
    'Velocity RMS (ISO 20816-3 band)',
    `Broadband velocity RMS per channel, mm/s. Background bands: zones A/B/C/D of group ${group}, ${foundation} foundation (the processor's default class).`,
    { w: 16, h: 9 },
    'suffix: mm/s',
    [seriesQuery(velocitySql)],
  )
    .displayName(BY_MACHINE_CHANNEL)
    .thresholds(isoVelocityThresholds(options.iso))
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.DashedAndArea))
    .min(0);

  const zoneSql = `SELECT ts, machine, channel, max(${ZONE_RANK_SQL}) AS zone
    FROM ${tables.features}
    WHERE ${featureFilter()}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const zone = stateTimelinePanel(
    'ISO zone per channel',
    "Worst zone per interval as the processor evaluated it, with each machine's own ISO class.",
    { w: 8, h: 9 },
    [tableQuery(zoneSql)],
    ['machine', 'channel'],
  )
    .mappings(isoZoneMappings())
    .thresholds(
      stepThresholds([
        [null, 'ok'],
        [2, 'watch'],
        [3, 'warn'],
        [4, 'bad'],
      ]),
    )
    .colorScheme(thresholdColours());

  return { title: 'Velocity (ISO 20816-3)', panels: [velocity, zone] };
}
