/**
 * Machine spectra, row "Waterfall": every stored amplitude spectrum of the channel in the time
 * range as a heatmap (time across, frequency up, amplitude as colour). The heatmap panel takes
 * rows of (time, one numeric field per bucket): the query returns (ts, band_hz, amplitude) in the
 * time-series format, which the plugin turns into one field per band (band_hz a label). Each
 * spectrum's lines are pooled into WATERFALL_BANDS bands by their maximum (peak-hold again,
 * so a line shows in its band), so the panel draws 64 rows, not 800 fields per spectrum; spectra
 * within one interval of the panel are pooled the same way. Band
 * labels are the band's lower edge in Hz, zero-padded so that their text order is their
 * frequency order (the heatmap's buckets are ordinal, in field order).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import { DATASOURCE, type DashboardRow, type RowContext } from '../common.ts';
import { seriesQuery } from '../datasource.ts';
import { MAX_LINES } from './sql.ts';
import { SPECTRUM_SELECTION } from './variables.ts';

export const WATERFALL_BANDS = 64;

export function waterfallRow({ tables }: RowContext): DashboardRow {
  const n = WATERFALL_BANDS;
  // SAMPLE BY the panel's interval: over a long range the spectra within one pixel column are
  // pooled (by their maximum, as the bands are), so Grafana gets ~width x 64 cells, not every spectrum.
  const sql = `SELECT ts, band_hz, max(v) AS amplitude_g
  FROM (
    SELECT ts, lpad(cast(cast(round(start_hz + ((x - 1) * ${n} / lines) * (lines / ${n}.0) * step_hz) AS int) AS string), 5, '0') AS band_hz,
      spectrum[x] AS v
    FROM (SELECT ts, start_hz, step_hz, lines, spectrum FROM ${tables.spectra} WHERE ${SPECTRUM_SELECTION} AND kind = 'amplitude' AND $__timeFilter(ts))
    CROSS JOIN long_sequence(${MAX_LINES})
    WHERE x <= lines
    ORDER BY ts
  ) timestamp(ts)
  SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR
  ORDER BY ts, band_hz`;
  const waterfall = new heatmap.PanelBuilder()
    .title('Waterfall: amplitude spectra over time')
    .description(
      `Every stored amplitude spectrum of the channel in the time range (the processor stores one every spectra.everyWindows windows and at every diagnosis or health change), ${n} frequency bands (the band's largest line), colour = amplitude (g peak, exponential scale so small lines stay visible). A line that grows or a new family of lines shows as a brightening row.`,
    )
    .datasource(DATASOURCE)
    .targets([seriesQuery(sql)])
    .span(24)
    .height(12)
    .interval('1s')
    .calculate(false)
    .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().value('amplitude_g').layout(common.HeatmapCellLayout.Ge))
    .color(
      new heatmap.HeatmapColorOptionsBuilder()
        .mode(heatmap.HeatmapColorMode.Scheme)
        .scheme('Turbo')
        .scale(heatmap.HeatmapColorScale.Exponential)
        .exponent(0.3)
        .steps(64)
        .reverse(false)
        .fill('dark-orange'),
    )
    .yAxis(new heatmap.YAxisConfigBuilder().unit('hertz').axisLabel('Hz (band lower edge)'))
    .cellGap(0)
    .showLegend()
    .unit('accG')
    // One bucket per band, named by its lower edge only.
    .displayName('${__field.labels.band_hz}');
  return { title: 'Waterfall', panels: [waterfall] };
}
