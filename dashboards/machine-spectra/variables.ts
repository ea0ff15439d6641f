/**
 * One machine and one channel at a time: a spectrum is read line by line, and two channels'
 * spectra drawn over each other hide each other's lines. Only machines and channels with stored
 * spectra are offered.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE } from '../common.ts';
import type { PdmTables } from '../tables.ts';

/** The selection as the panels' SQL filters it (single values: `=`, quoted by sqlstring). */
export const SPECTRUM_SELECTION = 'machine = ${machine:sqlstring} AND channel = ${channel:sqlstring}';

function singleVariable(name: string, label: string, sql: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(sql)
    .definition(sql)
    .multi(false)
    .includeAll(false)
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

export function spectrumMachineVariable(tables: PdmTables): dashboard.QueryVariableBuilder {
  return singleVariable('machine', 'Machine', `SELECT DISTINCT machine FROM ${tables.spectra} ORDER BY machine`);
}

export function spectrumChannelVariable(tables: PdmTables): dashboard.QueryVariableBuilder {
  return singleVariable(
    'channel',
    'Channel',
    `SELECT DISTINCT channel FROM ${tables.spectra} WHERE machine = \${machine:sqlstring} ORDER BY channel`,
  );
}
