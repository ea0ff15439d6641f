/**
 * uPlot's browser build and stylesheet, read from the installed package when a report is made,
 * so that each report carries them inline and opens without any network.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ChartAssets } from './report-page.ts';

let cached: Promise<ChartAssets> | undefined;

export function loadChartAssets(): Promise<ChartAssets> {
  cached ??= (async () => {
    const require = createRequire(import.meta.url);
    const [js, css] = await Promise.all([
      readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    ]);
    return { js, css };
  })();
  return cached;
}
