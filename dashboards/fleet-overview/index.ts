/** Fleet overview: every machine on one line, the most urgent first, with its open alerts and a way into its details. */
import { machineVariable, type RowContext } from '../common.ts';
import type { DashboardSpec } from '../spec.ts';
import { alertsRow } from './alerts.ts';
import { fleetRow } from './fleet.ts';

export function fleetOverview(ctx: RowContext): DashboardSpec {
  return {
    uid: 'pdm-fleet',
    title: 'Fleet overview',
    description:
      'Machines sorted by urgency (remaining life, then health state): NE 107 state, worst ISO zone, bearing diagnosis, remaining life with its interval, open alerts; links to each machine.',
    time: { from: 'now-24h', to: 'now' },
    refresh: '30s',
    variables: [machineVariable(ctx.tables)],
    rows: [fleetRow(ctx), alertsRow(ctx)],
  };
}
