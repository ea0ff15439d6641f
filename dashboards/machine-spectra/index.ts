/**
 * Machine spectra: the evidence behind a diagnosis for one machine channel, as a vibration
 * analyst reads it: the latest stored amplitude spectrum with shaft orders, the latest squared
 * envelope spectrum with the bearing's defect frequencies, a waterfall of the amplitude spectra
 * over the time range, and each defect family's fault-band level against its threshold.
 */
import type { RowContext } from '../common.ts';
import type { DashboardSpec } from '../spec.ts';
import { faultBandsRow } from './fault-bands.ts';
import { latestSpectraRow } from './latest.ts';
import { spectrumChannelVariable, spectrumMachineVariable } from './variables.ts';
import { waterfallRow } from './waterfall.ts';

export function machineSpectra(ctx: RowContext): DashboardSpec {
  return {
    uid: 'pdm-machine-spectra',
    title: 'Machine spectra',
    description:
      'Stored spectra of one machine channel: amplitude spectrum with 1X–10X, envelope spectrum with BPFO/BPFI/BSF/FTF and harmonics, waterfall, and fault-band trends with their thresholds.',
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    variables: [spectrumMachineVariable(ctx.tables), spectrumChannelVariable(ctx.tables)],
    rows: [latestSpectraRow(ctx), waterfallRow(ctx), faultBandsRow(ctx)],
  };
}
