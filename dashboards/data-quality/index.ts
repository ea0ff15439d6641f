/** Data quality: is the data complete, continuous and timely? */
import { machineVariable, type RowContext } from '../common.ts';
import type { DashboardSpec } from '../spec.ts';
import { blocksRow } from './blocks.ts';
import { gapsRow } from './gaps.ts';
import { lagRow } from './lag.ts';

export function dataQuality(ctx: RowContext): DashboardSpec {
  return {
    uid: 'pdm-data-quality',
    title: 'Data quality',
    description: 'Gaps ledger, completeness, blocks per channel and processing lag.',
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    variables: [machineVariable(ctx.tables)],
    rows: [gapsRow(ctx), blocksRow(ctx), lagRow(ctx)],
  };
}
