/**
 * Plant overview, row "Machine state": one line per machine with its state as of the end of the
 * selected range (so scrolling back in time shows the plant as it was then): the worst ISO zone
 * over its channels' latest windows, the NE 107 health state, remaining life and alarms.
 */
import {
  booleanAlarmMappings,
  COLOUR_CELL,
  type DashboardRow,
  HEALTH_RANK_SQL,
  healthStateMappings,
  isoZoneMappings,
  MACHINE_FILTER,
  override,
  type RowContext,
  rulBasisMappings,
  statPanel,
  stepThresholds,
  tablePanel,
  thresholdColours,
  ZONE_RANK_SQL,
} from '../common.ts';
import { tableQuery } from '../datasource.ts';
import { NO_WAVEFORM } from '../tables.ts';

/** Latest analysis window of every channel of the selected machines, as of the range end. */
function latestWindows(features: string): string {
  // The accumulated diagnosis where the channel has one (a bearing's channels), else the window's.
  return `SELECT ts, machine, channel, velocity_rms_mm_s, coalesce(accumulated_diagnosis, bearing_diagnosis) AS bearing_diagnosis, ${ZONE_RANK_SQL} AS zone_rank
    FROM ${features}
    WHERE ts <= $__toTime AND ${MACHINE_FILTER}
    LATEST ON ts PARTITION BY machine, channel`;
}

function latestHealth(health: string): string {
  return `SELECT ts, machine, health_state, ${HEALTH_RANK_SQL} AS health_rank, anomaly_score, health_index, alarm, rul_median_s, rul_lower_s, rul_upper_s, rul_basis
    FROM ${health}
    WHERE ts <= $__toTime AND ${MACHINE_FILTER}
    LATEST ON ts PARTITION BY machine`;
}

export function machineStateRow({ tables }: RowContext): DashboardRow {
  const zoneByMachine = `SELECT machine, max(zone_rank) AS zone
    FROM (${latestWindows(tables.features)})
    GROUP BY machine ORDER BY machine`;
  const zone = statPanel(
    'ISO 20816-3 zone (worst channel)',
    "Zone of the broadband velocity RMS in each machine's latest analysis window, worst over its channels: A new, B unrestricted, C restricted operation, D damage likely.",
    { w: 6, h: 6 },
    [tableQuery(zoneByMachine)],
    'zone',
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

  const healthByMachine = `SELECT machine, health_rank AS state FROM (${latestHealth(tables.health)}) ORDER BY machine`;
  const health = statPanel(
    'NE 107 health state',
    `Latest health state per machine (NAMUR NE 107 colours).`,
    { w: 6, h: 6 },
    [tableQuery(healthByMachine)],
    'state',
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

  const rulByMachine = `SELECT machine, rul_median_s FROM (${latestHealth(tables.health)}) ORDER BY machine`;
  const rul = statPanel(
    'Remaining useful life (median)',
    `Median remaining life per machine; the 90 % interval is in the table below.`,
    { w: 6, h: 6 },
    [tableQuery(rulByMachine)],
    'rul_median_s',
  )
    .unit('dtdurations')
    .thresholds(
      stepThresholds([
        [null, 'bad'],
        [86_400, 'warn'],
        [7 * 86_400, 'ok'],
      ]),
    )
    .colorScheme(thresholdColours());

  const alarmCount = `SELECT count() AS machines_in_alarm FROM (${latestHealth(tables.health)}) WHERE alarm`;
  const alarms = statPanel(
    'Machines in alarm',
    `Machines whose latest health record raises the alarm.`,
    { w: 6, h: 6 },
    [tableQuery(alarmCount)],
    'machines_in_alarm',
  )
    .thresholds(
      stepThresholds([
        [null, 'ok'],
        [1, 'bad'],
      ]),
    )
    .colorScheme(thresholdColours());

  const vibrationSummary = `SELECT machine, max(ts) AS last_window, max(zone_rank) AS iso_zone, max(velocity_rms_mm_s) AS velocity_rms_mm_s,
      sum(CASE WHEN bearing_diagnosis NOT IN ('none', '${NO_WAVEFORM}') THEN 1 ELSE 0 END) AS channels_with_bearing_fault,
      sum(CASE WHEN bearing_diagnosis = '${NO_WAVEFORM}' THEN 1 ELSE 0 END) AS channels_without_waveform
    FROM (${latestWindows(tables.features)})
    GROUP BY machine ORDER BY machine`;
  const healthSummary = `SELECT machine, ts AS health_at, health_state, anomaly_score, health_index, alarm, rul_median_s, rul_lower_s, rul_upper_s, rul_basis
    FROM (${latestHealth(tables.health)}) ORDER BY machine`;
  const stateTable = tablePanel(
    'Machine state',
    `One line per machine: vibration (latest window of each channel, worst over channels) joined with the latest health record.`,
    { w: 24, h: 8 },
    [tableQuery(vibrationSummary, 'A'), tableQuery(healthSummary, 'B')],
  )
    // Two queries, one table: each machine's vibration and health side by side.
    .withTransformation({ id: 'joinByField', options: { byField: 'machine', mode: 'outerTabular' } })
    .overrideByName('iso_zone', [override.mappings(isoZoneMappings()), COLOUR_CELL])
    .overrideByName('health_state', [override.mappings(healthStateMappings()), COLOUR_CELL])
    .overrideByName('alarm', [override.mappings(booleanAlarmMappings()), COLOUR_CELL])
    .overrideByName('rul_basis', [override.mappings(rulBasisMappings())])
    .overrideByName('velocity_rms_mm_s', [override.unit('suffix: mm/s'), override.displayName('velocity RMS')])
    .overrideByName('anomaly_score', [override.unit('none')])
    .overrideByRegexp('/^rul_(median|lower|upper)_s$/', [override.unit('dtdurations')]);

  return { title: 'Machine state', panels: [zone, health, rul, alarms, stateTable] };
}
