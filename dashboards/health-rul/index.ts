/** Health & RUL: anomaly, health state, alarms and remaining useful life, with the simulator's ground truth when there is one. */
import { machineVariable, type RowContext } from '../common.ts';
import type { DashboardSpec } from '../spec.ts';
import { healthAnnotations } from './annotations.ts';
import { groundTruthRow } from './ground-truth.ts';
import { healthRow } from './health.ts';
import { rulRow } from './rul.ts';

export function healthRul(ctx: RowContext): DashboardSpec {
  return {
    uid: 'pdm-health-rul',
    title: 'Health & RUL',
    description:
      'Anomaly score, health index, NE 107 state, alarms and remaining useful life with its 90 % interval; simulator ground truth overlaid where present.',
    time: { from: 'now-7d', to: 'now' },
    refresh: '5m',
    variables: [machineVariable(ctx.tables)],
    annotations: healthAnnotations(ctx),
    rows: [healthRow(ctx), rulRow(ctx), groundTruthRow(ctx)],
  };
}
