/**
 * Health & RUL annotations: alarm onsets (the first record of each alarm, not every record while
 * it lasts) and the simulator's failure times. Grafana reads the `time`, `text` and `tags` columns.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE, MACHINE_FILTER, type RowContext } from '../common.ts';
import { tableQuery } from '../datasource.ts';

export function healthAnnotations({ tables }: RowContext): dashboard.AnnotationQueryBuilder[] {
  // lag() has no BOOLEAN overload in QuestDB, hence the 0/1 column.
  const onsetsSql = `SELECT ts AS time, concat(machine, ': alarm raised (', health_state, ')') AS text, machine AS tags
    FROM (
      SELECT ts, machine, health_state, alarm_on, lag(alarm_on) OVER (PARTITION BY machine ORDER BY ts) AS was_on
      FROM (SELECT ts, machine, health_state, CASE WHEN alarm THEN 1 ELSE 0 END AS alarm_on FROM ${tables.health} WHERE $__timeFilter(ts) AND ${MACHINE_FILTER})
    )
    WHERE alarm_on = 1 AND (was_on IS NULL OR was_on = 0)`;
  const failuresSql = `SELECT DISTINCT failure_at AS time, concat(machine, ': simulated failure (', fault_type, ')') AS text, machine AS tags
    FROM ${tables.groundTruth}
    WHERE failure_at >= $__fromTime AND failure_at <= $__toTime AND ${MACHINE_FILTER}`;
  return [
    new dashboard.AnnotationQueryBuilder()
      .name('Alarm raised')
      .datasource(DATASOURCE)
      .enable(true)
      .iconColor('red')
      .target(tableQuery(onsetsSql)),
    new dashboard.AnnotationQueryBuilder()
      .name('Simulated failure')
      .datasource(DATASOURCE)
      .enable(true)
      .iconColor('purple')
      .target(tableQuery(failuresSql)),
  ];
}
