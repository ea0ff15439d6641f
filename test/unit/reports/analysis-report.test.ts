/**
 * The report builder without a browser: escaping (text, the embedded JSON, the inlined library)
 * and the reduction of long records (waveform min/max pairs, full-band max-hold) that keeps
 * every extreme and every line's peak.
 */
import { describe, expect, it } from 'vitest';
import { type AnalysisReportInput, evidenceInWords, renderAnalysisReport, reportData } from '../../../cli/report/analysis-report.ts';
import { html, scriptJson } from '../../../cli/report/report-page.ts';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { analyzeRecord, analyzeRecordDetail } from '../../../models/window-analysis.ts';

function input(samples: Float32Array, fs: number, file = 'rec.f32', bearing = true): AnalysisReportInput {
  const config = {
    sampleRateHz: fs,
    shaftHz: 25,
    bearing: bearing ? lookupBearing('6205-2RS') : undefined,
    iso: { group: 2, foundation: 'rigid' } as const,
  };
  const analysis = analyzeRecord(samples, config);
  return {
    file,
    format: 'f32',
    sampleRateHz: fs,
    samples,
    rpm: 1500,
    bearing: config.bearing,
    iso: config.iso,
    analysis,
    detail: analyzeRecordDetail(samples, config, analysis),
  };
}

/** 25 Hz shaft with harmonics, a 3 kHz resonance and noise (deterministic). */
function machine(n: number, fs: number): Float32Array {
  const s = new Float32Array(n);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    seed = (seed * 16807) % 2147483647;
    const t = i / fs;
    s[i] =
      0.3 * Math.sin(2 * Math.PI * 25 * t) +
      0.1 * Math.sin(2 * Math.PI * 50 * t) +
      0.05 * Math.sin(2 * Math.PI * 3000 * t) +
      0.02 * (seed / 2147483647 - 0.5);
  }
  return s;
}

describe('analysis report', () => {
  it('escapes text, JSON and inlined code', () => {
    expect(html(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(scriptJson({ f: '</script><script>alert(1)</script>\u2028' })).not.toMatch(/<|\u2028/);
    expect(JSON.parse(scriptJson({ f: '</script>\u2028' }))).toEqual({ f: '</script>\u2028' });
    const page = renderAnalysisReport(input(machine(48000, 12000), 12000, 'a<b>"c\'.f32'), {
      js: 'var uPlot = function () {}; // </script><script>alert(1)',
      css: '.x{} </style><script>alert(2)</script>',
    });
    expect(page).not.toContain('a<b>');
    expect(page).toContain('a&lt;b&gt;&quot;c&#39;.f32');
    expect(page).not.toContain('</script><script>alert(1)');
    expect(page).not.toContain('</style><script>alert(2)');
    // The library's end tags are escaped: only the page's own two style elements end.
    expect(page.split('</style').length - 1).toBe(2);
    expect(page).toContain('<\\/script><script>alert(1)');
    expect(page).not.toMatch(/\b(src|href)=/);
  });

  it('reduces a long record to min/max pairs and the spectrum to max-hold, keeping the extremes and the peaks', () => {
    const fs = 48000;
    const samples = machine(600_000, fs);
    samples[123_457] = 5; // one impact: must survive the reduction
    const d = reportData(input(samples, fs, 'long.f32', false)) as {
      waveform: { t: number[]; y: number[]; decimated: number };
      spectrum: { x: number[]; y: number[]; bucket: number };
      envelope: unknown;
    };
    expect(d.waveform.decimated).toBeGreaterThan(1);
    expect(d.waveform.y.length).toBeLessThanOrEqual(1 << 18);
    expect(d.waveform.y.reduce((a, b) => Math.max(a, b))).toBe(5);
    expect(d.waveform.t[d.waveform.y.indexOf(5)]).toBeCloseTo(123_457 / fs, 4);
    expect(d.spectrum.bucket).toBeGreaterThan(1);
    expect(d.spectrum.x.length).toBeLessThanOrEqual(1 << 14);
    // The 3 kHz line is still its own peak, at 3 kHz.
    const near = d.spectrum.x.map((x, i) => [x, d.spectrum.y[i]]).filter(([x]) => Math.abs(x - 3000) < 50);
    const peak = near.reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(peak[0]).toBeCloseTo(3000, 0);
    expect(peak[1]).toBeCloseTo(0.05, 2);
    expect(d.envelope).toBeNull();
  });

  it('a none from a record shorter than the bearing needs is not shown as an all-clear', () => {
    const assets = { js: '', css: '' };
    // 0.4 s at 25 Hz: 10 revolutions of the 32 a 6205 needs; 4 s: 100.
    const short = input(machine(4800, 12000), 12000);
    const long = input(machine(48000, 12000), 12000);
    expect([short.analysis.bearing.diagnosis, long.analysis.bearing.diagnosis]).toStrictEqual(['none', 'none']);
    expect(evidenceInWords(short).join(' ')).toContain(
      'too short to call this bearing healthy: its segments span 10.0 revolutions where this bearing needs 32',
    );
    expect(evidenceInWords(long).join(' ')).not.toContain('too short');
    const card = (page: string) => page.match(/Bearing diagnosis<\/div><div class="v ([a-z]*)">[^<]*<\/div><div class="d">([^<]*)</)!;
    const [, shortClass, shortDetail] = card(renderAnalysisReport(short, assets));
    const [, longClass, longDetail] = card(renderAnalysisReport(long, assets));
    expect([shortClass, longClass]).toStrictEqual(['', 'ok']);
    expect(shortDetail).toContain('record too short to call it healthy');
    expect(longDetail).not.toContain('too short');
  });
});
