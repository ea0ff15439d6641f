/**
 * Machine vibration, row "Band energies": acceleration RMS in the frequency bands the processor
 * is configured with. The models add one `band_<name>` column per band, so the bands are not
 * known here: the `band` variable lists those columns and the panel repeats once per band.
 */

import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { BY_MACHINE_CHANNEL, type DashboardRow, multiVariable, type RowContext, timeseriesPanel } from '../common.ts';
import { seriesQuery } from '../datasource.ts';
import type { PdmTables } from '../tables.ts';
import { featureFilter } from './velocity.ts';

/** `band`: the band columns present in the features table (refreshed with the time range, as columns appear when models add bands). */
export function bandVariable(tables: PdmTables): dashboard.QueryVariableBuilder {
  const sql = `SELECT "column" FROM table_columns('${tables.features}') WHERE "column" ~ '^band_' ORDER BY "column"`;
  return multiVariable('band', 'Band', sql, dashboard.VariableRefresh.OnTimeRangeChanged);
}

export function bandsRow({ tables }: RowContext): DashboardRow {
  // Inside a repeated panel the variable holds one value; `raw` inserts it as the column name.
  const bandSql = `SELECT ts, machine, channel, avg(\${band:raw}) AS band_rms
    FROM ${tables.features}
    WHERE ${featureFilter()}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  const band = timeseriesPanel(
    '${band}',
    'Acceleration RMS in this band, g. One panel per band column the processor writes (none until bands are configured).',
    { w: 12, h: 8 },
    'suffix: g',
    [seriesQuery(bandSql)],
  )
    .displayName(BY_MACHINE_CHANNEL)
    .repeat('band')
    .repeatDirection('h')
    .maxPerRow(2);
  return { title: 'Band energies', panels: [band] };
}
