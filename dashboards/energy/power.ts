/**
 * Energy, row "Electrical": power, current, power factor and voltage per machine. A bearing or
 * alignment fault costs energy before it costs a machine: rising current at the same load is an
 * early sign.
 */

import * as common from '@grafana/grafana-foundation-sdk/common';
import { BY_MACHINE, type DashboardRow, MACHINE_FILTER, type RowContext, stepThresholds, timeseriesPanel } from '../common.ts';
import { seriesQuery } from '../datasource.ts';

export function energyTrendSql(energy: string, column: string): string {
  return `SELECT ts, machine, avg(${column}) AS ${column}
    FROM ${energy}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
}

export function powerRow({ tables }: RowContext): DashboardRow {
  const size = { w: 12, h: 8 };
  const power = timeseriesPanel('Active power', 'Active power per machine, kW.', size, 'kwatt', [
    seriesQuery(energyTrendSql(tables.energy, 'power_kw')),
  ]).displayName(BY_MACHINE);
  const current = timeseriesPanel('Current', 'Motor current per machine, A.', size, 'amp', [
    seriesQuery(energyTrendSql(tables.energy, 'current_a')),
  ]).displayName(BY_MACHINE);
  const powerFactor = timeseriesPanel(
    'Power factor',
    'cos φ per machine; below 0.85 (dashed) usually means a lightly loaded or faulty motor.',
    size,
    'none',
    [seriesQuery(energyTrendSql(tables.energy, 'power_factor'))],
  )
    .displayName(BY_MACHINE)
    .min(0)
    .max(1)
    .thresholds(
      stepThresholds([
        [null, 'warn'],
        [0.85, 'ok'],
      ]),
    )
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  const voltage = timeseriesPanel('Voltage', 'Supply voltage per machine, V.', size, 'volt', [
    seriesQuery(energyTrendSql(tables.energy, 'voltage_v')),
  ]).displayName(BY_MACHINE);
  return { title: 'Electrical', panels: [power, current, powerFactor, voltage] };
}
