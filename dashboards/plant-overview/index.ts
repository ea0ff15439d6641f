/** Plant overview: the state of every machine at a glance, and whether the pipeline is keeping up. */
import { machineVariable, type RowContext } from '../common.ts';
import type { DashboardSpec } from '../spec.ts';
import { machineStateRow } from './machine-state.ts';
import { pipelineHealthRow } from './pipeline-health.ts';

export function plantOverview(ctx: RowContext): DashboardSpec {
  return {
    uid: 'pdm-plant-overview',
    title: 'Plant overview',
    description: "Every machine's ISO 20816-3 zone, NE 107 health state, remaining life and alarms; pipeline throughput, gaps and lag.",
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    variables: [machineVariable(ctx.tables)],
    rows: [machineStateRow(ctx), pipelineHealthRow(ctx)],
  };
}
