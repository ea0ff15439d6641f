/**
 * Data quality, row "Completeness": the gaps ledger (every gap the collector reported) and how
 * much of the expected data arrived in the selected range.
 */
import { type DashboardRow, MACHINE_FILTER, type RowContext, statPanel, stepThresholds, tablePanel, thresholdColours } from '../common.ts';
import { tableQuery } from '../datasource.ts';

export function gapsRow({ tables }: RowContext): DashboardRow {
  const ledgerSql = `SELECT ts AS resumed_at, machine, channel, from_seq, to_seq, missing_blocks, detected_at
    FROM ${tables.gaps}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    ORDER BY ts DESC
    LIMIT 1000`;
  const ledger = tablePanel(
    'Gaps ledger',
    'Every sequence gap the collector detected (newest first, at most 1000): which blocks are missing and when collection resumed.',
    { w: 24, h: 8 },
    [tableQuery(ledgerSql)],
  );

  const receivedSql = `SELECT count() AS blocks_received FROM ${tables.blocks} WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}`;
  const received = statPanel(
    'Blocks received',
    'Vibration blocks written in the selected range.',
    { w: 8, h: 5 },
    [tableQuery(receivedSql)],
    'blocks_received',
  );

  const missingSql = `SELECT coalesce(sum(missing_blocks), 0) AS blocks_missing FROM ${tables.gaps} WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}`;
  const missing = statPanel(
    'Blocks missing',
    'Blocks reported missing by the collector in the selected range.',
    { w: 8, h: 5 },
    [tableQuery(missingSql)],
    'blocks_missing',
  )
    .thresholds(
      stepThresholds([
        [null, 'ok'],
        [1, 'warn'],
      ]),
    )
    .colorScheme(thresholdColours());

  const completenessSql = `SELECT cast(r.n AS double) / (r.n + coalesce(g.m, 0)) AS completeness
    FROM (SELECT count() AS n FROM ${tables.blocks} WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}) r
    CROSS JOIN (SELECT sum(missing_blocks) AS m FROM ${tables.gaps} WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}) g`;
  const completeness = statPanel(
    'Completeness',
    'Received / (received + reported missing).',
    { w: 8, h: 5 },
    [tableQuery(completenessSql)],
    'completeness',
  )
    .unit('percentunit')
    .decimals(2)
    .thresholds(
      stepThresholds([
        [null, 'bad'],
        [0.99, 'warn'],
        [0.999, 'ok'],
      ]),
    )
    .colorScheme(thresholdColours());

  return { title: 'Completeness', panels: [received, missing, completeness, ledger] };
}
