/**
 * `pdm analyze --report` reports rendered in a real browser: headless Chromium from Debian's
 * `chromium` package, driven by playwright-core. For each report: every plot is drawn (its
 * series' colour is on its canvas, inside the plot area), the page asks for nothing over the
 * network (every request is routed and recorded, CSP violations too), and on the shared CWRU
 * outer-race record the BPFO marker sits on the envelope spectrum's peak within one line.
 * Screenshots go to .pdm/test-output/reports/ (gitignored); look at them.
 *
 * Chromium is required, not optional: without /usr/bin/chromium the test fails and says how to
 * install it (.ci/run installs it).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawn, launchChromium, type Opened, openReport } from '../../helpers/report-browser.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DATA = join(ROOT, '..', 'shared', 'data', 'cwru');
const OR = join(DATA, '12k_DE', '130_OR007at6_0_DE.f32');
const IR = join(DATA, '12k_DE', '105_IR007_0_DE.f32');
const OR_FE = join(DATA, '12k_DE', '130_OR007at6_0_FE.f32');
/** Sampled at 48 kHz, like all of CWRU's healthy records. */
const NORMAL = join(DATA, 'normal', '97_Normal_0_DE.f32');
const OUT = join(ROOT, '.pdm', 'test-output', 'reports');

function pdm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'cli', 'pdm.ts'), 'analyze', ...args],
      { cwd: ROOT, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
      },
    );
  });
}

let browser: Browser;
let dir = '';

const open = (file: string, height = 900): Promise<Opened> => openReport(browser, file, height);

// Chromium's first launch on a cold page cache waited for the disk (22 s idle, over 60 s in a CI
// run); launchChromium now reads its files first (this whole file took 28 s in a cold CI run),
// and the hook keeps room for a slow disk.
beforeAll(async () => {
  browser = await launchChromium();
  dir = await mkdtemp(join(tmpdir(), 'pdm-report-'));
  await mkdir(OUT, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('pdm analyze --report in Chromium', () => {
  it('outer race: every plot drawn, no request, the BPFO marker on the envelope peak', async () => {
    const report = join(OUT, 'outer-race.html');
    const run = await pdm(OR, '--fs', '12000', '--rpm', '1797', '--bearing', '6205-2RS', '--report', report, '--json');
    expect(run.code, run.stderr).toBe(0);
    const { page, network, errors } = await open(report);
    expect(errors).toEqual([]);
    const plots = await drawn(page);
    expect(Object.keys(plots).sort()).toEqual(['envelope', 'kurtogram', 'orders', 'spectrum', 'waveform']);
    for (const [name, p] of Object.entries(plots)) {
      if (name === 'kurtogram') expect(p.painted, name).toBeGreaterThan(0.9 * p.area);
      else expect(p.series, name).toBeGreaterThan(200);
    }
    const bpfo = await page.evaluate(() => {
      // biome-ignore lint/suspicious/noExplicitAny: uPlot and the report's data, through their API
      const w = globalThis as any;
      const u = w.pdmReport.plots.envelope;
      const marker = w.pdmReport.envelopeMarkers.find((m: { family: string; strong: boolean }) => m.family === 'bpfo' && m.strong);
      const x = u.data[0] as number[];
      const y = u.data[1] as number[];
      const line = x[1] - x[0];
      // The envelope spectrum's peak near the marker (within 5 %: well inside BPFO's neighbours).
      let peak = -1;
      for (let i = 0; i < x.length; i++) if (Math.abs(x[i] - marker.hz) <= 0.05 * marker.hz && (peak < 0 || y[i] > y[peak])) peak = i;
      const px = (hz: number) => u.valToPos(hz, 'x', true);
      // The marker as drawn: BPFO's red in the canvas column at the marker's position.
      const col = Math.round(px(marker.hz));
      const { top, height } = u.bbox;
      const img = u.ctx.getImageData(col, Math.round(top), 1, Math.round(height)).data as Uint8ClampedArray;
      let red = 0;
      for (let i = 0; i < img.length; i += 4) if (img[i] > 180 && img[i + 1] < 110 && img[i + 2] < 110) red++;
      return {
        markerHz: marker.hz,
        peakHz: x[peak],
        line,
        markerPx: px(marker.hz),
        peakPx: px(x[peak]),
        linePx: px(line) - px(0),
        redPixels: red,
        expectedHz: w.pdmReport.data.envelope.families[0].hz,
      };
    });
    expect(bpfo.markerHz).toBeCloseTo(bpfo.expectedHz, 6);
    expect(Math.abs(bpfo.peakHz - bpfo.markerHz)).toBeLessThanOrEqual(bpfo.line);
    expect(Math.abs(bpfo.peakPx - bpfo.markerPx)).toBeLessThanOrEqual(bpfo.linePx);
    expect(bpfo.redPixels).toBeGreaterThan(20);
    // The verdict and its evidence, in words.
    const text = await page.locator('main').textContent();
    expect(text).toContain('Outer race fault');
    expect(text).toMatch(/named by \d+ of \d+ half-overlapping segments/);
    expect(network).toEqual([]);
    await page.screenshot({ path: join(OUT, 'outer-race-top.png') });
    await page.screenshot({ path: join(OUT, 'outer-race.png'), fullPage: true });
    await page.locator('section', { has: page.locator('#plot-envelope') }).screenshot({ path: join(OUT, 'outer-race-envelope.png') });
    await page.locator('section', { has: page.locator('#plot-kurtogram') }).screenshot({ path: join(OUT, 'outer-race-kurtogram.png') });
    // The envelope spectrum and the kurtogram together (docs/report-outer-race-envelope.png), in page coordinates.
    const clip = await page.evaluate(() => {
      // biome-ignore lint/suspicious/noExplicitAny: the page's DOM (no DOM library in the type checker here)
      const w = globalThis as any;
      const box = (id: string) => w.document.getElementById(id).closest('section').getBoundingClientRect();
      const [a, b] = [box('plot-envelope'), box('plot-kurtogram')];
      return { x: a.left - 8, y: a.top + w.scrollY - 8, width: a.width + 16, height: b.bottom - a.top + 16 };
    });
    await page.screenshot({ path: join(OUT, 'outer-race-envelope-kurtogram.png'), fullPage: true, clip });
    // The envelope spectrum on a logarithmic axis (the floor shows): drawn again, the same markers.
    await page.locator('#envelope-log').check();
    const log = await drawn(page);
    expect(log.envelope.series).toBeGreaterThan(200);
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { pdmReport: { plots: { envelope: { scales: { y: { distr: number } } } } } }).pdmReport.plots.envelope
            .scales.y.distr,
      ),
    ).toBe(3);
    await page.locator('section', { has: page.locator('#plot-envelope') }).screenshot({ path: join(OUT, 'outer-race-envelope-log.png') });
    await page.close();
  });

  /** Opens a report, checks every plot is drawn and nothing is requested, saves a screenshot; returns the verdict card's text. */
  async function drawnReport(name: string, plotCount: number): Promise<string | null> {
    const { page, network, errors } = await open(join(OUT, `${name}.html`));
    expect(errors).toEqual([]);
    const plots = await drawn(page);
    expect(Object.keys(plots).length, name).toBe(plotCount);
    for (const [plot, p] of Object.entries(plots))
      expect(plot === 'kurtogram' ? p.painted : p.series, `${name} ${plot}`).toBeGreaterThan(200);
    expect(network).toEqual([]);
    const verdict = await page.locator('.card .v').first().textContent();
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    if (plots.envelope !== undefined)
      await page.locator('section', { has: page.locator('#plot-envelope') }).screenshot({ path: join(OUT, `${name}-envelope.png`) });
    await page.close();
    return verdict;
  }

  it('several files: one report each, all drawn', async () => {
    const run = await pdm(IR, OR_FE, '--fs', '12000', '--rpm', '1797', '--bearing', '6205-2RS', '--report', join(OUT, 'several.html'));
    expect(run.code, run.stderr).toBe(0);
    expect(await drawnReport('several-105_IR007_0_DE', 5)).toBe('Inner race fault');
    await drawnReport('several-130_OR007at6_0_FE', 5);
  });

  it('a healthy record (48 kHz): drawn, "no bearing fault named"', async () => {
    const run = await pdm(NORMAL, '--fs', '48000', '--rpm', '1797', '--bearing', '6205-2RS', '--report', join(OUT, 'healthy.html'));
    expect(run.code, run.stderr).toBe(0);
    expect(await drawnReport('healthy', 5)).toBe('No bearing fault named');
  });

  it('without a bearing: waveform and spectra drawn, the envelope analysis said to be absent', async () => {
    const report = join(OUT, 'no-bearing.html');
    const run = await pdm(OR, '--fs', '12000', '--report', report);
    expect(run.code, run.stderr).toBe(0);
    const { page, network, errors } = await open(report);
    expect(errors).toEqual([]);
    const plots = await drawn(page);
    expect(Object.keys(plots).sort()).toEqual(['orders', 'spectrum', 'waveform']);
    for (const [name, p] of Object.entries(plots)) expect(p.series, name).toBeGreaterThan(200);
    expect(await page.locator('main').textContent()).toContain('No bearing given');
    expect(await page.locator('.card .v').first().textContent()).toBe('Not assessed');
    expect(network).toEqual([]);
    await page.screenshot({ path: join(OUT, 'no-bearing.png'), fullPage: true });
    await page.close();
  });

  it('a file name with markup is shown as text: no element, no request, no script', async () => {
    const name = `x<img src=y onerror="document.title='pwned'">&'.f32`;
    const file = join(dir, name);
    await copyFile(OR, file);
    const report = join(dir, 'markup.html');
    const run = await pdm(file, '--fs', '12000', '--rpm', '1797', '--bearing', '6205-2RS', '--report', report);
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(report, 'utf8')).not.toContain('<img src=y');
    const { page, network, errors } = await open(report);
    expect(errors).toEqual([]);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.title()).toBe(`${name} — pdm vibration analysis`);
    expect(await page.locator('h1').textContent()).toBe(`Vibration analysis: ${name}`);
    expect(await page.evaluate(() => (globalThis as unknown as { pdmReport: { data: { file: string } } }).pdmReport.data.file)).toBe(file);
    expect(network).toEqual([]);
    await page.close();
  });
});
