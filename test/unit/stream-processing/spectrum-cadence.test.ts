/** When spectra are stored: every Nth window, on a diagnosis change, on a health state change; never twice. */
import { describe, expect, it } from 'vitest';
import type { WindowSpectra } from '../../../models/stored-evidence.ts';
import { SpectrumCadence } from '../../../stream-processing/spectrum-cadence.ts';

const spectra: WindowSpectra = { amplitude: { startHz: 0, stepHz: 1, values: new Float64Array(4) } };
const win = (channel: string, windowSeq: number) => ({ machine: 'm', channel, windowSeq, tsNs: BigInt(windowSeq), shaftHz: 25, spectra });

describe('SpectrumCadence', () => {
  it('stores every Nth window by window_seq, and the window whose diagnosis changed', () => {
    const c = new SpectrumCadence(5);
    const reasons = [0, 1, 2, 3, 4, 5, 6, 7].map((seq) => c.onWindow(win('DE_X', seq), seq >= 3 && seq < 7 ? 'outer_race' : 'none'));
    expect(reasons).toEqual(['cadence', undefined, undefined, 'diagnosis_change', undefined, 'cadence', undefined, 'diagnosis_change']);
  });

  it('0 stores only on changes; the first window of a channel compares with nothing', () => {
    const c = new SpectrumCadence(0);
    expect(c.onWindow(win('DE_X', 0), 'outer_race')).toBeUndefined();
    expect(c.onWindow(win('NDE_Y', 0), 'none')).toBeUndefined();
    expect(c.onWindow(win('DE_X', 1), 'none')).toBe('diagnosis_change');
  });

  it("a health state change returns the machine's kept windows of that sequence not stored yet, once", () => {
    const c = new SpectrumCadence(10);
    c.onWindow(win('DE_X', 12), 'none');
    expect(c.onWindow(win('DE_X', 13), 'outer_race')).toBe('diagnosis_change'); // stored already
    c.onWindow(win('NDE_Y', 13), 'none');
    c.onWindow({ ...win('NDE_Y', 13), machine: 'other' }, 'none');
    expect(c.onHealthChange('m', 13).map((k) => k.channel)).toEqual(['NDE_Y']);
    expect(c.onHealthChange('m', 13)).toEqual([]);
    expect(c.onHealthChange('m', 12)).toEqual([]);
  });
});
