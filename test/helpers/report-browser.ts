/**
 * The browser side of the HTML report tests (`pdm analyze --report`, `pdm report`): open a report
 * file in headless Chromium with every request routed and recorded (and CSP violations too), and
 * measure what each uPlot plot drew on its canvas.
 */
import { existsSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Debian's chromium lives (the report tests require it; .ci/run installs it). */
const CHROMIUM = '/usr/bin/chromium';
/** Debian's chromium binary, resources and libraries (/usr/bin/chromium is a launcher script). */
const CHROMIUM_FILES = '/usr/lib/chromium';

/**
 * Read Chromium's files once, front to back. On a cold page cache (a fresh CI machine, or a box
 * whose cache other work evicted) a first launch faults its 300 MB binary in page by page: measured
 * here 8-22 s of waiting on the disk with under 1 s of CPU, once over a 60 s hook timeout. Reading
 * the same files sequentially takes about 1.5 s cold and 0.1 s warm, and the launch then takes 0.3 s.
 */
async function readChromiumFiles(dir = CHROMIUM_FILES): Promise<void> {
  if (!existsSync(dir)) return;
  const buffer = Buffer.allocUnsafe(4 << 20);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = await open(join(entry.parentPath, entry.name), 'r').catch(() => undefined);
    if (!file) continue; // unreadable (e.g. a private directory): the launch reads it itself if it needs it
    try {
      while ((await file.read(buffer, 0, buffer.length, null)).bytesRead > 0);
    } finally {
      await file.close();
    }
  }
}

/** Headless Chromium; required, not optional: without it the test fails and says how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: these tests render the HTML reports in Debian's headless Chromium. Install it with 'apt-get install -y chromium' (.ci/run does).`,
    );
  await readChromiumFiles();
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface Opened {
  page: Page;
  /** Every request other than the report itself, and every CSP violation. */
  network: string[];
  errors: string[];
}

export async function openReport(browser: Browser, file: string, height = 900): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height }, deviceScaleFactor: 1 });
  const url = pathToFileURL(file).href;
  const network: string[] = [];
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  // Every request is routed: the report's own URL loads, anything else is recorded and refused.
  await page.route('**/*', async (route) => {
    if (route.request().url() === url) return route.continue();
    network.push(route.request().url());
    return route.abort();
  });
  // Requests the page's CSP blocks never reach the router: record those too.
  await page.addInitScript(() => {
    // biome-ignore lint/suspicious/noExplicitAny: the page's globals (the type checker here has no DOM library)
    const w = globalThis as any;
    w.__violations = [];
    w.document.addEventListener('securitypolicyviolation', (e: { violatedDirective: string; blockedURI: string }) =>
      w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  network.push(...(await page.evaluate(() => (globalThis as unknown as { __violations: string[] }).__violations)));
  return { page, network, errors };
}

/**
 * Per plot: pixels of its first series' colour inside the plot area (`series`), of the most drawn
 * series' colour (`anySeries`: series drawn over each other hide the first), pixels painted, and
 * the area's size (canvas pixels).
 */
export async function drawn(page: Page): Promise<Record<string, { series: number; anySeries: number; painted: number; area: number }>> {
  return page.evaluate(() => {
    // biome-ignore lint/suspicious/noExplicitAny: uPlot instances, read through their documented API
    const plots = (globalThis as any).pdmReport.plots as Record<string, any>;
    const out: Record<string, { series: number; anySeries: number; painted: number; area: number }> = {};
    for (const [name, u] of Object.entries(plots)) {
      const { left, top, width, height } = u.bbox;
      const img = u.ctx.getImageData(Math.round(left), Math.round(top), Math.round(width), Math.round(height)).data as Uint8ClampedArray;
      const colours = (u.series as Array<{ stroke?: () => unknown }>)
        .slice(1)
        .map((s) => s.stroke?.())
        .map((stroke) =>
          typeof stroke === 'string' && stroke.startsWith('#')
            ? [1, 3, 5].map((i) => Number.parseInt(stroke.slice(i, i + 2), 16))
            : undefined,
        );
      const counts = colours.map(() => 0);
      let painted = 0;
      for (let i = 0; i < img.length; i += 4) {
        if (img[i + 3] === 0) continue;
        const [r, g, b] = [img[i], img[i + 1], img[i + 2]];
        if (r < 245 || g < 245 || b < 245) painted++;
        for (const [k, rgb] of colours.entries())
          if (rgb !== undefined && Math.abs(r - rgb[0]) < 40 && Math.abs(g - rgb[1]) < 40 && Math.abs(b - rgb[2]) < 40) counts[k]++;
      }
      out[name] = { series: counts[0] ?? 0, anySeries: Math.max(0, ...counts), painted, area: (img.length / 4) | 0 };
    }
    return out;
  });
}
