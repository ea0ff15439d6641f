/** Energy: electrical and thermal behaviour of the selected machines. */
import { machineVariable, type RowContext } from '../common.ts';
import type { DashboardSpec } from '../spec.ts';
import { powerRow } from './power.ts';
import { thermalRow } from './thermal.ts';

export function energy(ctx: RowContext): DashboardSpec {
  return {
    uid: 'pdm-energy',
    title: 'Energy',
    description: 'Power, current, power factor and voltage; temperature against load.',
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    variables: [machineVariable(ctx.tables)],
    rows: [powerRow(ctx), thermalRow(ctx)],
  };
}
