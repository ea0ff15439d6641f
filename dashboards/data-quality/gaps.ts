/**
 * Data quality, row "Completeness": the gaps ledger (every gap the collector reported, with its
 * cause) and how much of the expected data arrived in the selected range. Missing blocks are
 * shown in two parts: those not collected while the collector was stopped (cause collector_down:
 * a maintenance window or a crash of the collector, nothing wrong in the plant) and those lost
 * while it ran (disconnections, server queue overflow, full spool), which are worth a look.
 */
import { type DashboardRow, MACHINE_FILTER, type RowContext, statPanel, stepThresholds, tablePanel, thresholdColours } from '../common.ts';
import { tableQuery } from '../datasource.ts';

export function gapsRow({ tables }: RowContext): DashboardRow {
  const ledgerSql = `SELECT ts AS resumed_at, machine, channel, cause, from_seq, to_seq, missing_blocks, detected_at
    FROM ${tables.gaps}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    ORDER BY ts DESC
    LIMIT 1000`;
  const ledger = tablePanel(
    'Gaps ledger',
    'Every sequence gap the collector detected (newest first, at most 1000): which blocks are missing, why (collector_down: not collected while the collector was stopped; not_running: the machine was stopped, nothing acquired; disconnected, lost_in_flight, spool_full, too_large: lost while it ran; unknown: an older collector) and when collection resumed.',
    { w: 24, h: 8 },
    [tableQuery(ledgerSql)],
  );

  const receivedSql = `SELECT count() AS blocks_received FROM ${tables.blocks} WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}`;
  const received = statPanel(
    'Blocks received',
    'Vibration blocks written in the selected range.',
    { w: 6, h: 5 },
    [tableQuery(receivedSql)],
    'blocks_received',
  );

  // A null cause (rows written before causes existed) counts as lost while running: nothing says otherwise.
  const lostSql = `SELECT coalesce(sum(missing_blocks), 0) AS blocks_lost FROM ${tables.gaps}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER} AND (cause IS NULL OR cause NOT IN ('collector_down', 'not_running'))`;
  const missing = statPanel(
    'Blocks lost while collecting',
    'Blocks reported missing while the collector ran (disconnections, server queue overflow, full spool, too large) in the selected range.',
    { w: 6, h: 5 },
    [tableQuery(lostSql)],
    'blocks_lost',
  )
    .thresholds(
      stepThresholds([
        [null, 'ok'],
        [1, 'warn'],
      ]),
    )
    .colorScheme(thresholdColours());

  const downSql = `SELECT coalesce(sum(missing_blocks), 0) AS blocks_not_collected FROM ${tables.gaps}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER} AND cause = 'collector_down'`;
  const notCollected = statPanel(
    'Not collected: collector stopped',
    'Blocks the machines produced while the collector was not running (stopped or crashed), in the selected range: a gap in the record, not a fault of the plant or the network.',
    { w: 6, h: 5 },
    [tableQuery(downSql)],
    'blocks_not_collected',
  )
    .thresholds(stepThresholds([[null, 'info']]))
    .colorScheme(thresholdColours());

  const completenessSql = `SELECT cast(r.n AS double) / (r.n + coalesce(g.m, 0)) AS completeness
    FROM (SELECT count() AS n FROM ${tables.blocks} WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}) r
    CROSS JOIN (SELECT sum(missing_blocks) AS m FROM ${tables.gaps} WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}) g`;
  const completeness = statPanel(
    'Completeness',
    'Received / (received + reported missing, whatever the cause).',
    { w: 6, h: 5 },
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

  return { title: 'Completeness', panels: [received, missing, notCollected, completeness, ledger] };
}
