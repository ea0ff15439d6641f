/**
 * Plant overview, row "Pipeline health": is data flowing? Blocks and analysis windows per second
 * reaching QuestDB, collection gaps, and how far processing runs behind the signal.
 *
 * Rates divide each bucket's count by `$__interval_ms`, which is the bucket length: Grafana's
 * intervals are whole milliseconds, seconds, minutes or hours, which `$__sampleByInterval`
 * renders without truncation.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import { BY_MACHINE, type DashboardRow, MACHINE_FILTER, type RowContext, timeseriesPanel } from '../common.ts';
import { seriesQuery } from '../datasource.ts';

/** Per-machine rate of rows per second in a table, for the selected range. */
export function rowsPerSecondSql(table: string, alias: string): string {
  return `SELECT ts, machine, count() * 1000.0 / $__interval_ms AS ${alias}
    FROM ${table}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval FILL(0) ALIGN TO CALENDAR`;
}

/** Seconds from a row's own time (start of block or window) to when the processor wrote it. */
export function processingLagSql(table: string): string {
  return `SELECT ts, machine, avg((processed_at - ts) / 1e6) AS avg_lag_s, max((processed_at - ts) / 1e6) AS max_lag_s
    FROM ${table}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
}

export function pipelineHealthRow({ tables }: RowContext): DashboardRow {
  const blocks = timeseriesPanel(
    'Vibration blocks in per second',
    'Blocks per second written to QuestDB, per machine (all channels).',
    { w: 12, h: 8 },
    'short',
    [seriesQuery(rowsPerSecondSql(tables.blocks, 'blocks_per_s'))],
  ).displayName(BY_MACHINE);

  const windows = timeseriesPanel(
    'Analysis windows per second',
    'Windows analysed by the worker pool and written, per machine (all channels).',
    { w: 12, h: 8 },
    'short',
    [seriesQuery(rowsPerSecondSql(tables.features, 'windows_per_s'))],
  ).displayName(BY_MACHINE);

  const gapsSql = `SELECT ts, machine, sum(missing_blocks) AS missing_blocks
    FROM ${tables.gaps}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const gaps = timeseriesPanel(
    'Collection gaps (missing blocks)',
    'Blocks the collector found missing (sequence jumps), by when collection resumed.',
    { w: 12, h: 8 },
    'short',
    [seriesQuery(gapsSql)],
  )
    .displayName(BY_MACHINE)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(80);

  const lag = timeseriesPanel(
    'Processing lag',
    "Seconds from the start of a block to when the processor wrote it (includes the block's own duration and Kafka transit); the max shows stalls.",
    { w: 12, h: 8 },
    's',
    [seriesQuery(processingLagSql(tables.blocks))],
  ).displayName('${__field.name} ${__field.labels.machine}');

  return { title: 'Pipeline health', panels: [blocks, windows, gaps, lag] };
}
