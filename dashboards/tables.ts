/**
 * The QuestDB tables the dashboards read, with the processor's `tablePrefix` applied. The names
 * of the tables the processor writes today come from its own schema (so a rename there breaks
 * the build here, not a dashboard in production). `machine_health` and `ground_truth` are not
 * written yet: their schema below is the documented one the panels are designed against, and the
 * integration test creates them from it.
 */
import { PdmError } from '../common/errors.ts';
import { tableDefinitions } from '../stream-processing/questdb-schema.ts';

export interface PdmTables {
  blocks: string;
  features: string;
  energy: string;
  gaps: string;
  health: string;
  groundTruth: string;
}

const WRITTEN = { blocks: 'vibration_blocks', features: 'vibration_features', energy: 'energy', gaps: 'collection_gaps' } as const;

/** Tables the processor does not write yet, with the columns the panels rely on. */
export const COMING_TABLES = {
  machine_health: {
    columns: 'ts TIMESTAMP, machine SYMBOL, anomaly_score DOUBLE, health_state SYMBOL, alarm BOOLEAN, health_index DOUBLE, rul_median_s DOUBLE, rul_lower_s DOUBLE, rul_upper_s DOUBLE, rul_basis SYMBOL',
    dedupKeys: 'ts, machine',
  },
  ground_truth: {
    columns: 'ts TIMESTAMP, machine SYMBOL, state SYMBOL, fault_type SYMBOL, severity DOUBLE, failure_at TIMESTAMP',
    dedupKeys: 'ts, machine',
  },
} as const;

export type ComingTable = keyof typeof COMING_TABLES;

/** NE 107 states of `machine_health.health_state`, in increasing severity. */
export const HEALTH_STATES = ['normal', 'maintenance_required', 'out_of_specification', 'failure'] as const;
/** `machine_health.rul_basis`. */
export const RUL_BASES = ['fleet', 'degradation'] as const;

export function comingTableDdl(table: ComingTable, prefix = ''): string {
  const t = COMING_TABLES[table];
  return `CREATE TABLE IF NOT EXISTS ${prefix}${table} (${t.columns}) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(${t.dedupKeys})`;
}

export function pdmTables(prefix = ''): PdmTables {
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) {
    throw new PdmError('PDM_ERR_DASHBOARD_INVALID', `table prefix ${JSON.stringify(prefix)} is not valid: letters, digits and _ only (as the processor's questdb.tablePrefix)`, { prefix });
  }
  const written = new Set(tableDefinitions(prefix).map((d) => d.name));
  const name = (base: string): string => {
    const full = `${prefix}${base}`;
    if (!written.has(full)) throw new PdmError('PDM_ERR_DASHBOARD_INVALID', `the processor's schema (stream-processing/questdb-schema.ts) has no table ${full}; the dashboards read it`, { table: full });
    return full;
  };
  return {
    blocks: name(WRITTEN.blocks),
    features: name(WRITTEN.features),
    energy: name(WRITTEN.energy),
    gaps: name(WRITTEN.gaps),
    health: `${prefix}machine_health`,
    groundTruth: `${prefix}ground_truth`,
  };
}
