/**
 * What the processor stores of a window (WindowAnalyzer.storedEvidence) on the shared CWRU
 * outer-race record 130 (6205-2RS drive end, 1796 r/min): the stored envelope spectrum's BPFO
 * line lands on the BPFO marker (the defect frequency at the window's measured speed, which the
 * dashboard draws) within one line and keeps the SES's full peak; the families' lines are the
 * ones the diagnosis measured; the axes are as documented (0..fs/2.56, 0..10 x the highest
 * defect frequency).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { WindowAnalyzer } from '../../../models/window-analysis.ts';
import { expectClose } from '../models-dsp/helpers/tolerance.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OR = join(ROOT, '..', 'shared', 'data', 'cwru', '12k_DE', '130_OR007at6_0_DE.f32');
const FS = 12000;
const WINDOW = 24000; // 2 s, as a processor window of 10 blocks of 2400 samples would be
const LINES = 800;

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('stored evidence of a CWRU outer-race record', () => {
  const samples = f32(OR);
  const analyzer = new WindowAnalyzer({ sampleRateHz: FS, windowSize: WINDOW, shaftHz: 1796 / 60, bearing: lookupBearing('6205-2RS') });
  const windows = [0, 1, 2, 3].map((i) => {
    const { analysis, detail } = analyzer.analyzeDetailed(samples.subarray(i * WINDOW, (i + 1) * WINDOW));
    return { analysis, detail, stored: analyzer.storedEvidence(LINES) };
  });

  it('each window is diagnosed outer race (the premise of the marker test)', () => {
    for (const w of windows) expect(w.analysis.bearing.diagnosis).toBe('outer_race');
  });

  it("the stored envelope spectrum's BPFO peak sits on the BPFO marker within one line, at the SES's full height", () => {
    for (const [i, w] of windows.entries()) {
      const env = w.stored.spectra.envelope;
      const bpfo = w.stored.families?.find((f) => f.family === 'bpfo');
      if (!env || !bpfo || !w.detail.envelope) throw new Error(`window ${i}: no envelope spectrum or BPFO evidence`);
      expectClose(bpfo.defectHz, w.analysis.bearing.frequencies_hz!.bpfo, { abs: 0 }, 'marker = the analysis frequency');
      // The tallest stored line within +/- 10 % of the marker.
      const lo = Math.ceil((0.9 * bpfo.defectHz - env.startHz) / env.stepHz);
      const hi = Math.floor((1.1 * bpfo.defectHz - env.startHz) / env.stepHz);
      let j = lo;
      for (let x = lo; x <= hi; x++) if (env.values[x] > env.values[j]) j = x;
      const lineHz = env.startHz + j * env.stepHz;
      expect(
        Math.abs(lineHz - bpfo.defectHz),
        `window ${i}: line ${lineHz} Hz vs BPFO ${bpfo.defectHz} Hz (step ${env.stepHz})`,
      ).toBeLessThanOrEqual(env.stepHz);
      // Peak-hold: the stored value is the SES's own maximum in that neighbourhood, not an average.
      const ses = w.detail.envelope.power;
      const binHz = w.detail.envelope.binHz;
      let sesMax = 0;
      for (let k = Math.ceil((lineHz - env.stepHz / 2) / binHz); k * binHz < lineHz + env.stepHz / 2; k++)
        sesMax = Math.max(sesMax, ses[k]);
      expect(env.values[j]).toBe(sesMax);
      // ... and it is the line the fault evidence found (its level stored in bearing_evidence).
      expect(bpfo.harmonics[0].present).toBe(true);
      expect(Math.abs(bpfo.harmonics[0].hz - lineHz)).toBeLessThanOrEqual(env.stepHz / 2 + binHz);
      expect(bpfo.harmonics[0].level).toBe(ses[Math.round(bpfo.harmonics[0].hz / binHz)]);
    }
  });

  it('axes: amplitude 0..fs/2.56 and envelope 0..10 x the highest defect frequency, each at most the configured lines', () => {
    for (const w of windows) {
      const { amplitude, envelope } = w.stored.spectra;
      expect(amplitude.values.length).toBe(LINES);
      expectClose(amplitude.stepHz * (LINES - 1), FS / 2.56, { rel: 1e-12 }, 'amplitude top');
      const f = w.analysis.bearing.frequencies_hz!;
      const top = 10 * Math.max(f.bpfo, f.bpfi, f.bsf, f.ftf);
      expect(envelope!.values.length).toBeLessThanOrEqual(LINES);
      expect(envelope!.stepHz).toBeGreaterThanOrEqual(w.detail.envelope!.binHz);
      expectClose(envelope!.stepHz * (envelope!.values.length - 1), top, { abs: envelope!.stepHz }, 'envelope top');
    }
  });

  it('families: every defect type with its frequency at the measured speed and the decision support', () => {
    const w = windows[0];
    const f = w.analysis.bearing.frequencies_hz!;
    expect(w.stored.families?.map((x) => [x.family, x.defectHz])).toEqual([
      ['bpfo', f.bpfo],
      ['bpfi', f.bpfi],
      ['bsf', f.bsf],
      ['ftf', f.ftf],
    ]);
    const bpfo = w.stored.families!.find((x) => x.family === 'bpfo')!;
    expect(bpfo.supported).toBe(true);
    expect(bpfo.strengthDb).toBe(w.analysis.features.bpfo_score);
    expect(bpfo.harmonics.map((h) => h.overFloorDb)).toEqual([1, 2, 3].map((h) => w.analysis.bearing.evidence![`bpfo_h${h}_snr_db`]));
    expect(w.stored.families!.find((x) => x.family === 'bpfi')!.sidebandSpacingHz).toBe(w.analysis.shaft.hz);
  });

  it('without a bearing: the amplitude spectrum only', () => {
    const plain = new WindowAnalyzer({ sampleRateHz: FS, windowSize: WINDOW, shaftHz: 1796 / 60 });
    plain.analyze(samples.subarray(0, WINDOW));
    const s = plain.storedEvidence(LINES);
    expect(s.spectra.envelope).toBeUndefined();
    expect(s.families).toBeUndefined();
    expect(s.spectra.amplitude.values.length).toBe(LINES);
  });
});
