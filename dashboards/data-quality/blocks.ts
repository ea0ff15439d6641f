/**
 * Data quality, row "Blocks per channel": arrival per channel over time, and per channel in the
 * range: count, sequence span and holes in it (blocks missing inside the span whether or not a
 * gap event reported them), sample rate.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  BY_MACHINE_CHANNEL,
  COLOUR_CELL,
  type DashboardRow,
  MACHINE_FILTER,
  override,
  type RowContext,
  stepThresholds,
  tablePanel,
  timeseriesPanel,
} from '../common.ts';
import { seriesQuery, tableQuery } from '../datasource.ts';

export function blocksRow({ tables }: RowContext): DashboardRow {
  const perIntervalSql = `SELECT ts, machine, channel, count() AS blocks
    FROM ${tables.blocks}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval FILL(0) ALIGN TO CALENDAR`;
  const perInterval = timeseriesPanel(
    'Blocks per channel',
    'Blocks written per interval and channel; a dip is a gap or a stall.',
    { w: 12, h: 9 },
    'short',
    [seriesQuery(perIntervalSql)],
  )
    .displayName(BY_MACHINE_CHANNEL)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(60);

  const perChannelSql = `SELECT machine, channel, count() AS blocks, min(seq) AS first_seq, max(seq) AS last_seq,
      max(seq) - min(seq) + 1 - count() AS seq_holes, first(sample_rate_hz) AS sample_rate_hz, max(ts) AS last_block
    FROM ${tables.blocks}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    GROUP BY machine, channel
    ORDER BY machine, channel`;
  const perChannel = tablePanel(
    'Per channel in range',
    'Blocks per channel; seq_holes counts sequence numbers missing between the first and last block received.',
    { w: 12, h: 9 },
    [tableQuery(perChannelSql)],
  )
    .overrideByName('seq_holes', [
      override.thresholds(
        stepThresholds([
          [null, 'ok'],
          [1, 'bad'],
        ]),
      ),
      override.colorFromThresholds(),
      COLOUR_CELL,
    ])
    .overrideByName('sample_rate_hz', [override.unit('hertz')]);

  return { title: 'Blocks per channel', panels: [perInterval, perChannel] };
}
