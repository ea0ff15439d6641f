/**
 * Health & RUL, row "Ground truth (simulation)": what the simulator actually did to each machine,
 * to judge the models against. Empty for real plants, which have no such table.
 */
import { type DashboardRow, groundTruthNote, MACHINE_FILTER, type RowContext, stateTimelinePanel } from '../common.ts';
import { tableQuery } from '../datasource.ts';

export function groundTruthRow({ tables }: RowContext): DashboardRow {
  const note = groundTruthNote(tables.groundTruth);
  const stateSql = `SELECT ts, machine, last(state) AS state
    FROM ${tables.groundTruth}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const faultSql = `SELECT ts, machine, last(fault_type) AS fault_type
    FROM ${tables.groundTruth}
    WHERE $__timeFilter(ts) AND ${MACHINE_FILTER}
    SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;
  const state = stateTimelinePanel(
    'Simulated machine state',
    `The machine's true state in the simulation.${note}`,
    { w: 12, h: 6 },
    [tableQuery(stateSql)],
    ['machine'],
  );
  const fault = stateTimelinePanel(
    'Injected fault',
    `The fault the simulator injected.${note}`,
    { w: 12, h: 6 },
    [tableQuery(faultSql)],
    ['machine'],
  );
  return { title: 'Ground truth (simulation)', panels: [state, fault] };
}
