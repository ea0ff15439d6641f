/**
 * Fleet overview, row "Machines by urgency": one line per machine as of the end of the selected
 * range, sorted by remaining life (shortest first; machines without an estimate after those with
 * one), then by health state (worst first). The vibration side (worst ISO zone, bearing
 * diagnosis) comes from each channel's latest window, the health side from the latest
 * machine_health record (with the quality of the baseline it was judged against), the open
 * alerts from `alerts` (starts without their end).
 * A machine's name links to its vibration and spectra dashboards.
 */

import { openEpisodesSql } from '../alerting/open-episodes.ts';
import {
  baselineQualityMappings,
  COLOUR_CELL,
  type DashboardRow,
  HEALTH_RANK_SQL,
  healthStateMappings,
  isoZoneMappings,
  MACHINE_FILTER,
  machineLink,
  override,
  type RowContext,
  rulBasisMappings,
  stepThresholds,
  tablePanel,
  ZONE_RANK_SQL,
} from '../common.ts';
import { tableQuery } from '../datasource.ts';
import type { PdmTables } from '../tables.ts';

/** Episodes open as of the range end, of the selected machines. (QuestDB's string_agg takes a one-character delimiter.) */
export function openEpisodes(tables: PdmTables): string {
  return openEpisodesSql(tables.alerts, { asOf: '$__toTime', where: MACHINE_FILTER });
}

export function fleetSql(tables: PdmTables): string {
  const windows = `SELECT machine, channel, bearing_diagnosis, bearing_confidence, ${ZONE_RANK_SQL} AS zone_rank
    FROM ${tables.features} WHERE ts <= $__toTime AND ${MACHINE_FILTER} LATEST ON ts PARTITION BY machine, channel`;
  const health = `SELECT machine, health_state, baseline_quality, ${HEALTH_RANK_SQL} AS health_rank, rul_median_s, rul_lower_s, rul_upper_s, rul_basis
    FROM ${tables.health} WHERE ts <= $__toTime AND ${MACHINE_FILTER} LATEST ON ts PARTITION BY machine`;
  return `SELECT v.machine AS machine, h.health_state AS health_state, h.baseline_quality AS baseline_quality, v.worst_zone AS worst_zone,
      coalesce(d.diagnosis, 'none') AS diagnosis, d.confidence AS diagnosis_confidence,
      h.rul_median_s AS rul_median_s, h.rul_lower_s AS rul_lower_s, h.rul_upper_s AS rul_upper_s, h.rul_basis AS rul_basis,
      coalesce(a.open_alerts, 0) AS open_alerts, a.open_kinds AS open_kinds,
      CASE WHEN h.rul_median_s IS NULL THEN 1 ELSE 0 END AS no_estimate, coalesce(h.health_rank, -1) AS health_rank
    FROM (SELECT machine, max(zone_rank) AS worst_zone FROM (${windows}) GROUP BY machine) v
    LEFT JOIN (${health}) h ON v.machine = h.machine
    LEFT JOIN (
      SELECT machine, string_agg(channel || ' ' || bearing_diagnosis, ',') AS diagnosis, max(bearing_confidence) AS confidence
      FROM (${windows}) WHERE bearing_diagnosis != 'none' GROUP BY machine
    ) d ON v.machine = d.machine
    LEFT JOIN (
      SELECT machine, count() AS open_alerts, string_agg(kind || CASE WHEN channel = '*' THEN '' ELSE ' ' || channel END, ',') AS open_kinds
      FROM (${openEpisodes(tables)}) GROUP BY machine
    ) a ON v.machine = a.machine
    ORDER BY no_estimate, rul_median_s, health_rank DESC, worst_zone DESC, machine`;
}

export function fleetRow({ tables }: RowContext): DashboardRow {
  const fleet = tablePanel(
    'Machines by urgency',
    'One line per machine as of the end of the range, shortest remaining life first (machines without an estimate last), then worst NE 107 state (and whether the healthy baseline it is judged against is itself suspect: learnt while the machine was already faulty, see the /health detail for why): the worst ISO 20816-3 zone over its channels’ latest windows, the bearing diagnosis of channels that name a fault with the highest confidence, the median remaining life with its 90 % interval and basis, and the alert episodes open now. Click a machine for its vibration or spectra.',
    { w: 24, h: 12 },
    [tableQuery(fleetSql(tables))],
  )
    // The sort keys are for the order only.
    .withTransformation({ id: 'organize', options: { excludeByName: { no_estimate: true, health_rank: true } } })
    .overrideByName('machine', [
      override.links([machineLink('Machine vibration', 'pdm-machine-vibration'), machineLink('Machine spectra', 'pdm-machine-spectra')]),
    ])
    .overrideByName('health_state', [override.mappings(healthStateMappings()), COLOUR_CELL, override.displayName('NE 107 state')])
    .overrideByName('baseline_quality', [override.mappings(baselineQualityMappings()), COLOUR_CELL, override.displayName('baseline')])
    .overrideByName('worst_zone', [override.mappings(isoZoneMappings()), COLOUR_CELL, override.displayName('worst ISO zone')])
    .overrideByName('diagnosis_confidence', [override.unit('percentunit'), override.displayName('confidence')])
    .overrideByName('rul_basis', [override.mappings(rulBasisMappings()), override.displayName('RUL basis')])
    .overrideByName('rul_median_s', [override.displayName('remaining life (median)')])
    .overrideByName('rul_lower_s', [override.displayName('90 % lower')])
    .overrideByName('rul_upper_s', [override.displayName('90 % upper')])
    .overrideByRegexp('/^rul_(median|lower|upper)_s$/', [override.unit('dtdurations')])
    .overrideByName('open_alerts', [
      override.thresholds(
        stepThresholds([
          [null, 'ok'],
          [1, 'bad'],
        ]),
      ),
      override.colorFromThresholds(),
      COLOUR_CELL,
      override.displayName('open alerts'),
    ])
    .overrideByName('open_kinds', [override.displayName('open alert kinds')]);
  return { title: 'Machines by urgency', panels: [fleet] };
}
