/** Machine vibration: everything the window analysis says about the selected machines and channels. */
import { channelVariable, machineVariable, type RowContext } from '../common.ts';
import type { DashboardSpec } from '../spec.ts';
import { accelerationRow } from './acceleration.ts';
import { bandsRow, bandVariable } from './bands.ts';
import { bearingRow } from './bearing.ts';
import { ordersRow } from './orders.ts';
import { velocityRow } from './velocity.ts';

export function machineVibration(ctx: RowContext): DashboardSpec {
  return {
    uid: 'pdm-machine-vibration',
    title: 'Machine vibration',
    description:
      'Velocity against ISO 20816-3 zones, acceleration statistics, shaft orders, bearing diagnosis and band energies per channel.',
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    variables: [machineVariable(ctx.tables), channelVariable(ctx.tables), bandVariable(ctx.tables)],
    rows: [velocityRow(ctx), accelerationRow(ctx), ordersRow(ctx), bearingRow(ctx), bandsRow(ctx)],
  };
}
