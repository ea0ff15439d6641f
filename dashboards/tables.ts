/**
 * The QuestDB tables the dashboards read, with the processor's `tablePrefix` applied. The names
 * of the tables the processor writes come from its own schema (so a rename there breaks the
 * build here, not a dashboard in production). For the two tables whose columns the panels rely
 * on in detail — `machine_health` (written by the processor's health model) and `ground_truth`
 * (written by the simulator, `pdm simulate`; a real plant has none) — the columns are a contract
 * below: both writers are tested against it, and the dashboard SQL test can create them from it.
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

const WRITTEN = {
  blocks: 'vibration_blocks',
  features: 'vibration_features',
  energy: 'energy',
  gaps: 'collection_gaps',
  health: 'machine_health',
} as const;

/** The columns the panels rely on, per table; the writers' DDL must contain them (tested). */
export const CONTRACT_TABLES = {
  machine_health: {
    columns:
      'ts TIMESTAMP, machine SYMBOL, anomaly_score DOUBLE, health_state SYMBOL, alarm BOOLEAN, health_index DOUBLE, rul_median_s DOUBLE, rul_lower_s DOUBLE, rul_upper_s DOUBLE, rul_basis SYMBOL, mode SYMBOL',
    dedupKeys: 'ts, machine',
  },
  ground_truth: {
    columns: 'ts TIMESTAMP, machine SYMBOL, state SYMBOL, fault_type SYMBOL, severity DOUBLE, failure_at TIMESTAMP',
    dedupKeys: 'ts, machine',
  },
} as const;

export type ContractTable = keyof typeof CONTRACT_TABLES;

/** NE 107 states of `machine_health.health_state`, in increasing severity. */
export const HEALTH_STATES = ['normal', 'maintenance_required', 'out_of_specification', 'failure'] as const;
/** `machine_health.rul_basis`. */
export const RUL_BASES = ['fleet', 'degradation'] as const;

export function contractTableDdl(table: ContractTable, prefix = ''): string {
  const t = CONTRACT_TABLES[table];
  return `CREATE TABLE IF NOT EXISTS ${prefix}${table} (${t.columns}) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(${t.dedupKeys})`;
}

export function pdmTables(prefix = ''): PdmTables {
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) {
    throw new PdmError(
      'PDM_ERR_DASHBOARD_INVALID',
      `table prefix ${JSON.stringify(prefix)} is not valid: letters, digits and _ only (as the processor's questdb.tablePrefix)`,
      { prefix },
    );
  }
  const written = new Set(tableDefinitions(prefix).map((d) => d.name));
  const name = (base: string): string => {
    const full = `${prefix}${base}`;
    if (!written.has(full))
      throw new PdmError(
        'PDM_ERR_DASHBOARD_INVALID',
        `the processor's schema (stream-processing/questdb-schema.ts) has no table ${full}; the dashboards read it`,
        { table: full },
      );
    return full;
  };
  return {
    blocks: name(WRITTEN.blocks),
    features: name(WRITTEN.features),
    energy: name(WRITTEN.energy),
    gaps: name(WRITTEN.gaps),
    health: name(WRITTEN.health),
    groundTruth: `${prefix}ground_truth`,
  };
}
