/**
 * When window evidence is stored: spectra every Nth window, on a diagnosis change, on a health
 * state change; fault-band rows every Mth window and with every stored spectrum; never twice.
 */
import { describe, expect, it } from 'vitest';
import type { WindowSpectra } from '../../../models/stored-evidence.ts';
import { SpectrumCadence } from '../../../stream-processing/spectrum-cadence.ts';

const spectra: WindowSpectra = { amplitude: { startHz: 0, stepHz: 1, values: new Float64Array(4) } };
const win = (channel: string, windowSeq: number, bands = ['bpfo', 'bpfi', 'bsf', 'ftf']) => ({
  machine: 'm',
  channel,
  windowSeq,
  tsNs: BigInt(windowSeq),
  shaftHz: 25,
  spectra,
  bands,
});

describe('SpectrumCadence', () => {
  it('stores spectra every Nth window by window_seq and at a diagnosis change; bands every Mth window and with the spectra', () => {
    const c = new SpectrumCadence<string>(5, 2);
    const now = [0, 1, 2, 3, 4, 5, 6, 7].map((seq) => c.onWindow(win('DE_X', seq), seq >= 3 && seq < 7 ? 'outer_race' : 'none'));
    expect(now.map((n) => n.spectra)).toEqual([
      'cadence',
      undefined,
      undefined,
      'diagnosis_change',
      undefined,
      'cadence',
      undefined,
      'diagnosis_change',
    ]);
    expect(now.map((n) => n.bands)).toEqual([true, false, true, true, true, true, true, true]);
  });

  it('0 stores only on changes; the first window of a channel compares with nothing; no bands without a bearing', () => {
    const c = new SpectrumCadence<string>(0, 0);
    expect(c.onWindow(win('DE_X', 0), 'outer_race')).toEqual({ bands: false });
    expect(c.onWindow(win('NDE_Y', 0, []), 'none')).toEqual({ bands: false });
    expect(c.onWindow(win('DE_X', 1), 'none')).toEqual({ spectra: 'diagnosis_change', bands: true });
    expect(c.onWindow(win('NDE_Y', 1, []), 'outer_race')).toEqual({ spectra: 'diagnosis_change', bands: false });
  });

  it("a health state change returns the machine's kept windows of that sequence not stored yet, once, with their bands when not stored", () => {
    const c = new SpectrumCadence<string>(10, 2);
    c.onWindow(win('DE_X', 12), 'none');
    expect(c.onWindow(win('DE_X', 13), 'outer_race').spectra).toBe('diagnosis_change'); // stored already
    c.onWindow(win('NDE_Y', 13), 'none'); // neither spectra nor bands due
    c.onWindow(win('NDE_X', 14), 'none'); // bands due (14 % 2), spectra not
    c.onWindow({ ...win('NDE_Y', 13), machine: 'other' }, 'none');
    expect(c.onHealthChange('m', 13).map((k) => [k.window.channel, k.bands])).toEqual([['NDE_Y', true]]);
    expect(c.onHealthChange('m', 13)).toEqual([]);
    expect(c.onHealthChange('m', 14).map((k) => [k.window.channel, k.bands])).toEqual([['NDE_X', false]]);
  });
});
