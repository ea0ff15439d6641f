/**
 * Fleet overview, row "Alerts": the alert episodes open at the end of the range (one line per
 * episode, with what the processor said when it started), and every episode start and end in
 * the range (the processor's `alerts` table: one row per start and one per end, never one per window).
 */
import { type DashboardRow, MACHINE_FILTER, machineLink, override, type RowContext, tablePanel } from '../common.ts';
import { tableQuery } from '../datasource.ts';
import { openEpisodes } from './fleet.ts';

export function alertsRow({ tables }: RowContext): DashboardRow {
  const open = tablePanel(
    'Open alert episodes',
    'Episodes open at the end of the range, newest first: kind (health_state, iso_zone, remaining_life, silence, sensor), channel (* = the whole machine), since when, severity and what the processor said. Grafana alert rules (provisioned, folder PdM) notify on the same episodes.',
    { w: 24, h: 8 },
    [
      tableQuery(
        `SELECT started_at, machine, kind, channel, severity, value, detail FROM (${openEpisodes(tables)}) ORDER BY started_at DESC, machine, kind, channel`,
      ),
    ],
  ).overrideByName('machine', [
    override.links([machineLink('Machine vibration', 'pdm-machine-vibration'), machineLink('Machine spectra', 'pdm-machine-spectra')]),
  ]);

  const history = tablePanel(
    'Episode starts and ends in range',
    'Every episode start and end in the range, newest first; an end says how long the episode lasted and the worst severity it reached.',
    { w: 24, h: 8 },
    [
      tableQuery(
        `SELECT ts, machine, kind, channel, event, severity, started_at, duration_s, detail FROM ${tables.alerts}
        WHERE $__timeFilter(ts) AND ${MACHINE_FILTER} ORDER BY ts DESC, machine, kind, channel, event`,
      ),
    ],
  ).overrideByName('duration_s', [override.unit('dtdurations'), override.displayName('duration')]);

  return { title: 'Alerts', panels: [open, history] };
}
