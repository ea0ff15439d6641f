/**
 * The QuestDB tables the dashboards read, with the processor's `tablePrefix` applied. Names,
 * DDL and the column contracts the panels rely on (`machine_health`, `ground_truth`) belong to
 * the storage module; the dashboards take them from there, so a rename there changes every panel.
 */
import { type TableNames, tableNames } from '../storage/tables.ts';

export { BASELINE_QUALITIES, HEALTH_STATES, NO_WAVEFORM, RUL_BASES } from '../storage/schema.ts';

export type PdmTables = TableNames;

/** Every table name with the prefix; throws PDM_ERR_CONFIG_INVALID, naming it, for a prefix QuestDB names cannot carry. */
export function pdmTables(prefix = ''): PdmTables {
  return tableNames(prefix);
}
