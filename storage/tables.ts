/**
 * The QuestDB table names, the one place they are spelled. Every writer (processor, simulator's
 * truth recorder), reader (dashboards, `pdm history`) and test takes them from `tableNames`, so a
 * rename is one edit and a prefix is applied everywhere alike.
 */
import { PdmError } from '../common/errors.ts';

/** Base names (without the prefix), by role. */
export const TABLES = {
  blocks: 'vibration_blocks',
  features: 'vibration_features',
  energy: 'energy',
  gaps: 'collection_gaps',
  health: 'machine_health',
  /** Downsampled amplitude and envelope spectra of some windows (DOUBLE[] with their axis). */
  spectra: 'vibration_spectra',
  /** Per window, channel and defect family: the fault-band lines the bearing diagnosis measured. */
  evidence: 'bearing_evidence',
  /** One row per alert episode start and end (the processor's alert tracker). */
  alerts: 'alerts',
  /** Written by the simulator only (`pdm simulate`); a real plant has none. */
  groundTruth: 'ground_truth',
} as const;

export type TableRole = keyof typeof TABLES;
export type TableNames = Record<TableRole, string>;

/** The prefix ends up in SQL unquoted: only characters a QuestDB identifier takes without quotes. */
const PREFIX = /^[A-Za-z0-9_]*$/;

/** Every table's full name with `prefix` (the processor's `questdb.tablePrefix`). */
export function tableNames(prefix = ''): TableNames {
  if (!PREFIX.test(prefix)) {
    throw new PdmError(
      'PDM_ERR_CONFIG_INVALID',
      `table prefix ${JSON.stringify(prefix)} is not valid: letters, digits and _ only (as the processor's questdb.tablePrefix)`,
      { prefix },
    );
  }
  const names = {} as TableNames;
  for (const role of Object.keys(TABLES) as TableRole[]) names[role] = `${prefix}${TABLES[role]}`;
  return names;
}
