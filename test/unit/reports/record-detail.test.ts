/**
 * The arrays behind an analysis (WindowAnalyzer.analyzeDetailed, analyzeRecordDetail) on a shared
 * CWRU outer-race record: asking for them must not change the analysis, and they must be the
 * arrays the analysis read (the chosen kurtogram band is the map's best eligible band; the SES
 * peaks where the evidence found BPFO).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evidenceInWords } from '../../../cli/report/analysis-report.ts';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { analyzeRecord, analyzeRecordDetail, WindowAnalyzer } from '../../../models/window-analysis.ts';
import { REPO_ROOT } from '../../../tools/harness/femto-histories.ts';
import { unseenCases } from '../../../tools/harness/unseen-set.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OR = join(ROOT, '..', 'shared', 'data', 'cwru', '12k_DE', '130_OR007at6_0_DE.f32');

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

const samples = f32(OR);
const config = { sampleRateHz: 12000, shaftHz: 1797 / 60, bearing: lookupBearing('6205-2RS') };

describe('WindowAnalyzer.analyzeDetailed', () => {
  it('returns what analyze returns, window after window, plus the arrays', () => {
    const plain = new WindowAnalyzer({ ...config, windowSize: 12000 });
    const detailed = new WindowAnalyzer({ ...config, windowSize: 12000 });
    for (let start = 0; start + 12000 <= 48000; start += 12000) {
      const w = samples.subarray(start, start + 12000);
      const { analysis, detail } = detailed.analyzeDetailed(w);
      expect(analysis).toEqual(plain.analyze(w));
      expect(detail.spectrum.amplitude.length).toBe(plain.fftSize / 2 + 1);
      expect(detail.envelope?.band_hz).toEqual(analysis.bearing.band_hz);
      const k = detail.kurtogram;
      if (k === undefined) throw new Error('no kurtogram detail');
      // The chosen band is the map's best among the bands wide enough to be chosen.
      const eligible = k.bands.filter((b) => b.level === 0 || b.highHz - b.lowHz + 12000 / plain.fftSize >= k.minBandwidthHz - 1e-9);
      const best = eligible.reduce((a, b) => (b.kurtosis > a.kurtosis ? b : a));
      expect(k.chosen.kurtosis).toBeCloseTo(best.kurtosis, 12);
      expect(k.chosen.lowHz).toBe(best.lowHz);
    }
  });

  it('has no envelope arrays without a bearing', () => {
    const { detail } = new WindowAnalyzer({ sampleRateHz: 12000, windowSize: 4096 }).analyzeDetailed(samples.subarray(0, 4096));
    expect(detail.envelope).toBeUndefined();
    expect(detail.kurtogram).toBeUndefined();
  });
});

describe('analyzeRecordDetail', () => {
  const record = analyzeRecord(samples, config);
  const detail = analyzeRecordDetail(samples, config, record);

  it('leaves the record analysis as it was', () => {
    expect(analyzeRecord(samples, config)).toEqual(record);
  });

  it('gives the whole record spectrum and a representative segment that names the record diagnosis', () => {
    expect(record.bearing.diagnosis).toBe('outer_race');
    expect(detail.spectrum.whole).toBe(true);
    expect(detail.spectrum.samples).toBe(samples.length);
    const s = detail.segment;
    if (s === undefined) throw new Error('no segment');
    expect(s.samples).toBe(record.segments.samples);
    expect(s.index).toBeGreaterThanOrEqual(0);
    expect(s.index).toBeLessThan(record.segments.count);
    expect(s.start).toBe(s.index * Math.floor(s.samples / 2));
    expect(s.analysis.bearing.diagnosis).toBe('outer_race');
  });

  it("has the envelope spectrum's peak near BPFO where the evidence measured it", () => {
    const s = detail.segment;
    if (s === undefined) throw new Error('no segment');
    const { power, binHz } = s.envelope;
    const bpfo = record.bearing.frequencies_hz?.bpfo ?? 0;
    const from = Math.floor((0.95 * bpfo) / binHz);
    const to = Math.ceil((1.05 * bpfo) / binHz);
    let peak = from;
    for (let k = from; k <= to; k++) if (power[k] > power[peak]) peak = k;
    expect(Math.abs(peak * binHz - bpfo)).toBeLessThanOrEqual(binHz);
    expect(peak * binHz).toBeCloseTo(s.analysis.bearing.evidence?.bpfo_h1_hz ?? 0, 6);
  });
});

describe('analyzeRecordDetail after the prewhitened second look', () => {
  it('shows a segment of the pass that named the fault, and the report says it was the prewhitened signal', async () => {
    for await (const c of unseenCases({ root: REPO_ROOT, parts: ['simulated'], machines: 1, faults: ['inner_race'] })) {
      if (!c.id.includes('inner_race DE at NDE_Y')) continue;
      const cfg = { sampleRateHz: c.sampleRateHz, shaftHz: c.shaftHz, bearing: lookupBearing(c.bearing) };
      const record = analyzeRecord(c.samples, cfg);
      expect(record.segments.prewhitened).toBe(true);
      const detail = analyzeRecordDetail(c.samples, cfg, record);
      // The representative segment is one of the second look's: its length, and it names the fault.
      expect(detail.segment?.samples).toBe(record.segments.samples);
      expect(detail.segment?.analysis.bearing.diagnosis).toBe('inner_race');
      const words = evidenceInWords({
        file: c.id,
        format: 'f32',
        sampleRateHz: c.sampleRateHz,
        samples: c.samples,
        bearing: cfg.bearing,
        iso: { group: 2, foundation: 'rigid' },
        analysis: record,
        detail,
      }).join(' ');
      expect(words).toMatch(/named by \d+ of \d+ half-overlapping segments .* of the prewhitened signal/);
      expect(words).toMatch(/named no fault in the shorter segments: (inner race \d+|no fault) in \d+/);
      return;
    }
    throw new Error('the far-end inner race case was not generated');
  });
});
