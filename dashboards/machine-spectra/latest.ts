/**
 * Machine spectra, row "Latest spectra": the last stored amplitude spectrum with markers at
 * 1X..10X of the shaft speed measured in that window, and the last stored squared envelope
 * spectrum with markers at the first three harmonics of each defect frequency (BPFO, BPFI, BSF,
 * FTF) of the bearing at the channel's location, at that window's speed (bearing_evidence of
 * the same window). XY charts: the first query is the spectrum (lines), the second the markers
 * (points on the spectrum's lines, one series per family).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as xychart from '@grafana/grafana-foundation-sdk/xychart';
import { DATASOURCE, type DashboardRow, type RowContext } from '../common.ts';
import { tableQuery } from '../datasource.ts';
import { latestSpectrumCte, lineAt, unrollSpectrum } from './sql.ts';
import { SPECTRUM_SELECTION } from './variables.ts';

/** Shaft orders marked on the amplitude spectrum. */
export const SHAFT_ORDERS = 10;
/** Harmonics marked per defect family on the envelope spectrum. */
export const DEFECT_HARMONICS = 3;
export const DEFECT_FAMILIES = ['bpfo', 'bpfi', 'bsf', 'ftf'] as const;

function xyPanel(title: string, description: string, unit: string, spectrumSql: string, markerSql: string): xychart.PanelBuilder {
  return (
    new xychart.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(DATASOURCE)
      .targets([tableQuery(spectrumSql, 'A'), tableQuery(markerSql, 'B')])
      .span(12)
      .height(10)
      .unit(unit)
      .mapping(xychart.SeriesMapping.Auto)
      .show(xychart.XYShowMode.Lines)
      .lineWidth(1)
      .legend(
        new common.VizLegendOptionsBuilder()
          .showLegend(true)
          .displayMode(common.LegendDisplayMode.List)
          .placement(common.LegendPlacement.Bottom),
      )
      .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Single))
      // The markers: points only, large, over the line.
      .overrideByQuery('B', [
        { id: 'custom.show', value: xychart.XYShowMode.Points },
        { id: 'custom.pointSize', value: { fixed: 8 } },
      ])
      .overrideByName('frequency_hz', [{ id: 'unit', value: 'hertz' }])
  );
}

export function latestSpectraRow({ tables }: RowContext): DashboardRow {
  const amplitudeCte = latestSpectrumCte(tables, 'amplitude');
  const orders = `WITH ${amplitudeCte}
  SELECT x * s.shaft_hz AS frequency_hz, ${lineAt('x * s.shaft_hz')} AS shaft_orders_g, concat(x, 'X') AS shaft_order
  FROM s CROSS JOIN long_sequence(${SHAFT_ORDERS})
  WHERE s.shaft_hz > 0 AND x * s.shaft_hz <= s.start_hz + (s.lines - 1) * s.step_hz
  ORDER BY frequency_hz`;
  const amplitude = xyPanel(
    'Amplitude spectrum (latest) with 1X–10X',
    'The last stored Hann amplitude spectrum (g peak, up to fs/2.56, peak-hold per line so no line is averaged away); points mark 1X–10X of the shaft speed measured in that window.',
    'accG',
    unrollSpectrum(amplitudeCte, 'amplitude_g'),
    orders,
  );

  const envelopeCte = latestSpectrumCte(tables, 'envelope');
  const familyColumns = DEFECT_FAMILIES.map((f) => `CASE WHEN family = '${f}' THEN level END AS ${f}`).join(', ');
  const defects = `WITH ${envelopeCte},
  e AS (SELECT ts, family, defect_hz FROM ${tables.evidence} WHERE ${SPECTRUM_SELECTION} AND $__timeFilter(ts)),
  m AS (
    SELECT e.family, x * e.defect_hz AS frequency_hz, ${lineAt('x * e.defect_hz')} AS level
    FROM s JOIN e ON e.ts = s.ts CROSS JOIN long_sequence(${DEFECT_HARMONICS})
    WHERE x * e.defect_hz <= s.start_hz + (s.lines - 1) * s.step_hz
  )
  SELECT frequency_hz, ${familyColumns} FROM m ORDER BY frequency_hz`;
  const envelope = xyPanel(
    'Envelope spectrum (latest) with bearing defect frequencies',
    "The last stored squared envelope spectrum (g², band chosen by the kurtogram, up to 10 × the bearing's highest defect frequency); points mark BPFO, BPFI, BSF and FTF and their 2nd and 3rd harmonics for the bearing at this channel's location, at the speed measured in that window. A fault shows as a family whose points sit on peaks.",
    'suffix: g²',
    unrollSpectrum(envelopeCte, 'envelope_g2'),
    defects,
  );
  return { title: 'Latest spectra', panels: [amplitude, envelope] };
}
