/**
 * Energy, row "Temperature and load": temperature should follow load; temperature rising at the
 * same load (points drifting up in the scatter) points at friction, lubrication or cooling.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as xychart from '@grafana/grafana-foundation-sdk/xychart';
import { BY_MACHINE, DATASOURCE, type DashboardRow, MACHINE_FILTER, type RowContext, timeseriesPanel } from '../common.ts';
import { seriesQuery, tableQuery } from '../datasource.ts';
import { energyTrendSql } from './power.ts';

export function thermalRow({ tables }: RowContext): DashboardRow {
  const temperature = timeseriesPanel('Temperature', 'Motor / bearing temperature per machine, °C.', { w: 8, h: 9 }, 'celsius', [
    seriesQuery(energyTrendSql(tables.energy, 'temperature_c')),
  ]).displayName(BY_MACHINE);
  const speed = timeseriesPanel('Speed and load', 'Shaft speed (rpm, left) and load (%, right) per machine.', { w: 8, h: 9 }, 'rpm', [
    seriesQuery(energyTrendSql(tables.energy, 'speed_rpm'), 'A'),
    seriesQuery(energyTrendSql(tables.energy, 'load_pct'), 'B'),
  ])
    .displayName('${__field.name} ${__field.labels.machine}')
    .overrideByQuery('B', [
      { id: 'unit', value: 'percent' },
      { id: 'custom.axisPlacement', value: 'right' },
    ]);

  // One point per interval and machine: averages, so a long range stays a readable cloud.
  const scatterSql = `SELECT ts, machine, avg(load_pct) AS load_pct, avg(temperature_c) AS temperature_c
    FROM ${tables.energy}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const scatter = new xychart.PanelBuilder()
    .title('Temperature vs load')
    .description('Each point: one machine over one interval (average load, average temperature).')
    .datasource(DATASOURCE)
    .targets([tableQuery(scatterSql)])
    .span(8)
    .height(9)
    .interval('10s')
    // Auto mapping: per machine frame, the first numeric column (load_pct) is x, the next (temperature_c) y.
    .mapping(xychart.SeriesMapping.Auto)
    .withTransformation({ id: 'partitionByValues', options: { fields: ['machine'], keepFields: false, naming: { asLabels: false } } })
    .show(xychart.XYShowMode.Points)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .unit('celsius');
  return { title: 'Temperature and load', panels: [temperature, speed, scatter] };
}
