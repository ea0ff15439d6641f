/**
 * Machine spectra, row "Fault bands": per defect family (BPFO, BPFI, BSF, FTF), the level of its
 * fundamental and 2nd harmonic over the local floor of the envelope spectrum, against the
 * presence threshold the diagnosis applies (bearing_evidence, every demodulated window): a
 * harmonic above its threshold is "present", and a family is supported once its fundamental and
 * a second line (harmonic or sideband) are. The last panel is each family's evidence strength,
 * the score the decision compares between families.
 */
import type * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { type DashboardRow, override, type RowContext, timeseriesPanel } from '../common.ts';
import { seriesQuery } from '../datasource.ts';
import { DEFECT_FAMILIES } from './latest.ts';
import { SPECTRUM_SELECTION } from './variables.ts';

const FAMILY_TITLES: Record<(typeof DEFECT_FAMILIES)[number], string> = {
  bpfo: 'BPFO (outer race)',
  bpfi: 'BPFI (inner race)',
  bsf: 'BSF (rolling element)',
  ftf: 'FTF (cage)',
};

function familyPanel(table: string, family: (typeof DEFECT_FAMILIES)[number]): timeseries.PanelBuilder {
  const sql = `SELECT ts, avg(h1_db) AS h1_over_floor_db, avg(h2_db) AS h2_over_floor_db, avg(h1_threshold_db) AS threshold_db
    FROM ${table}
    WHERE ${SPECTRUM_SELECTION} AND family = '${family}' AND $__timeFilter(ts)
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  return (
    timeseriesPanel(
      `${FAMILY_TITLES[family]}: level over floor`,
      `The ${family.toUpperCase()} fundamental (h1) and 2nd harmonic (h2) in the envelope spectrum, dB over the local floor, and the presence threshold (dashed): above it a line is more than noise would make (false-alarm rate 0.1 % per search window).`,
      { w: 6, h: 8 },
      'dB',
      [seriesQuery(sql)],
    )
      // The threshold as a dashed red line.
      .overrideByName('threshold_db', [
        { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
        override.dashed(),
        override.fillOpacity(0),
      ])
  );
}

export function faultBandsRow({ tables }: RowContext): DashboardRow {
  const strengthSql = `SELECT ts, family, avg(strength_db) AS strength_db
    FROM ${tables.evidence}
    WHERE ${SPECTRUM_SELECTION} AND $__timeFilter(ts)
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  const strength = timeseriesPanel(
    'Evidence strength per family',
    'Summed dB by which each family’s present harmonics and sidebands pass their thresholds: the score the diagnosis compares (a fault is named when its family is supported and at least 2 × the runner-up).',
    { w: 24, h: 8 },
    'dB',
    [seriesQuery(strengthSql)],
  ).displayName('${__field.labels.family}');
  return { title: 'Fault bands', panels: [...DEFECT_FAMILIES.map((f) => familyPanel(tables.evidence, f)), strength] };
}
