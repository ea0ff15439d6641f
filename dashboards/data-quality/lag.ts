/** Data quality, row "Processing lag": how long blocks and analysis windows take to reach QuestDB. */
import { type DashboardRow, MACHINE_FILTER, type RowContext, statPanel, timeseriesPanel } from '../common.ts';
import { seriesQuery, tableQuery } from '../datasource.ts';
import { processingLagSql } from '../plant-overview/pipeline-health.ts';

export function lagRow({ tables }: RowContext): DashboardRow {
  const name = '${__field.name} ${__field.labels.machine}';
  const blocks = timeseriesPanel(
    'Block lag',
    'Seconds from block start to the row in QuestDB (average and max per interval).',
    { w: 9, h: 8 },
    's',
    [seriesQuery(processingLagSql(tables.blocks))],
  ).displayName(name);
  const windows = timeseriesPanel(
    'Window lag',
    'Seconds from window start to the analysed row in QuestDB: includes the window length and the worker queue.',
    { w: 9, h: 8 },
    's',
    [seriesQuery(processingLagSql(tables.features))],
  ).displayName(name);
  const worstSql = `SELECT machine, max((processed_at - ts) / 1e6) AS max_window_lag_s
    FROM ${tables.features}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    GROUP BY machine ORDER BY machine`;
  const worst = statPanel(
    'Worst window lag',
    'Largest window lag per machine in the range.',
    { w: 6, h: 8 },
    [tableQuery(worstSql)],
    'max_window_lag_s',
  ).unit('s');
  return { title: 'Processing lag', panels: [blocks, windows, worst] };
}
