/**
 * Machine vibration, row "Shaft orders": the velocity at 1X, 2X and 3X shaft speed (unbalance
 * shows at 1X, misalignment at 2X, looseness as a series of harmonics), the dominant spectral
 * line and the shaft speed the analysis used.
 */
import { type DashboardRow, FIELD_BY_MACHINE_CHANNEL, type RowContext, timeseriesPanel } from '../common.ts';
import { seriesQuery } from '../datasource.ts';
import { featureFilter } from './velocity.ts';

export function ordersRow({ tables }: RowContext): DashboardRow {
  const ordersSql = `SELECT ts, machine, channel, avg(x1) AS x1, avg(x2) AS x2, avg(x3) AS x3
    FROM ${tables.features}
    WHERE ${featureFilter()}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  const orders = timeseriesPanel(
    '1X / 2X / 3X',
    'Velocity RMS of the lines at 1, 2 and 3 times shaft speed, mm/s.',
    { w: 12, h: 8 },
    'suffix: mm/s',
    [seriesQuery(ordersSql)],
  ).displayName(FIELD_BY_MACHINE_CHANNEL);

  const frequencySql = `SELECT ts, machine, channel, avg(dominant_hz) AS dominant_hz, avg(shaft_hz) AS shaft_hz
    FROM ${tables.features}
    WHERE ${featureFilter()}
    SAMPLE BY $__sampleByInterval FILL(NULL) ALIGN TO CALENDAR`;
  const frequency = timeseriesPanel(
    'Dominant frequency and shaft speed',
    'Strongest spectral line, and the shaft frequency (measured speed, configured, or estimated from the spectrum).',
    { w: 12, h: 8 },
    'hertz',
    [seriesQuery(frequencySql)],
  ).displayName(FIELD_BY_MACHINE_CHANNEL);
  return { title: 'Shaft orders', panels: [orders, frequency] };
}
