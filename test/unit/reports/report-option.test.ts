/**
 * `pdm analyze --report`'s contract with the command line: where the reports go (one file: OUT;
 * several: OUT-<name>.html; a directory: DIR/<name>.html), that it only adds files (stdout and
 * exit code as without it), and its errors (two files of one name: usage, exit 2; a missing
 * directory: exit 1 before anything is printed). The reports' content is html-report.test.ts's.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DATA = join(ROOT, '..', 'shared', 'data', 'cwru');
const OR = join(DATA, '12k_DE', '130_OR007at6_0_DE.f32');
const OR_FE = join(DATA, '12k_DE', '130_OR007at6_0_FE.f32');
const OPTIONS = ['--fs', '12000', '--rpm', '1797', '--bearing', '6205-2RS'];

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

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pdm-report-option-'));
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('pdm analyze --report', () => {
  it('adds a report and changes nothing else: the same JSON Lines, exit 0', async () => {
    const [plain, reported] = await Promise.all([
      pdm(OR, ...OPTIONS, '--json'),
      pdm(OR, ...OPTIONS, '--json', '--report', join(dir, 'one.html')),
    ]);
    expect(reported.code).toBe(0);
    expect(reported.stdout).toBe(plain.stdout);
    expect(reported.stderr).toBe(`pdm analyze: report ${join(dir, 'one.html')}\n`);
    const html = await readFile(join(dir, 'one.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Self-contained: no URL the browser would fetch (the CSP forbids it anyway).
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toContain("default-src 'none'");
  });

  it('several files: OUT-<name>.html each; a directory: DIR/<name>.html each', async () => {
    const run = await pdm(OR, OR_FE, ...OPTIONS, '--report', join(dir, 'route.html'));
    expect(run.code, run.stderr).toBe(0);
    const files = (await readdir(dir)).filter((f) => f.startsWith('route'));
    expect(files.sort()).toEqual(['route-130_OR007at6_0_DE.html', 'route-130_OR007at6_0_FE.html']);
    const into = join(dir, 'reports');
    await mkdir(into);
    const one = await pdm(OR, ...OPTIONS, '--report', into);
    expect(one.code, one.stderr).toBe(0);
    expect(await readdir(into)).toEqual(['130_OR007at6_0_DE.html']);
  });

  it('two files of one name: a usage error (exit 2), nothing analysed', async () => {
    const run = await pdm(OR, `${DATA}/12k_DE/./130_OR007at6_0_DE.f32`, ...OPTIONS, '--report', join(dir, 'twice.html'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--report: .* would both write the report '130_OR007at6_0_DE'/);
    expect(run.stdout).toBe('');
  });

  it('a missing directory: exit 1 before anything is printed', async () => {
    const run = await pdm(OR, ...OPTIONS, '--json', '--report', join(dir, 'nowhere', 'r.html'));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--report: cannot write .*r\.html: directory .*nowhere does not exist/);
  });
});
