/**
 * `npm run bench`: runs every `bench/*.bench.ts` one after the other (each in its own Node
 * process, so one cannot warm or slow another), shows progress, and writes BENCHMARKS.md: the
 * machine, the command, the median and the ratio against a reference measured in the same run.
 * Python references (numpy/scipy) run in `.cache/pyenv`, created here on first use.
 *
 *   npm run bench                   # all
 *   npm run bench -- fft collector  # only benches whose name contains one of these words
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existingMarkedSection, MARKED_SECTIONS } from '../tools/benchmarks-section.ts';
import { type HeadlineDocument, type HeadlineFigures, headlineFigures, mergeHeadline } from './headline.ts';
import { type BenchSection, formatters, keptSections, sectionTitles } from './report.ts';
import { writeTargetsSection } from './targets.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function ensurePython(): string | undefined {
  const py = join(root, '.cache/pyenv/bin/python');
  try {
    if (!existsSync(py)) {
      say('creating .cache/pyenv with numpy and scipy for the Python references (first run only)...');
      execFileSync('python3', ['-m', 'venv', join(root, '.cache/pyenv')], { stdio: 'inherit' });
    }
    execFileSync(py, ['-c', 'import numpy, scipy'], { stdio: 'ignore' });
  } catch {
    try {
      say('installing numpy and scipy into .cache/pyenv...');
      execFileSync(py, ['-m', 'pip', 'install', '--quiet', 'numpy', 'scipy'], { stdio: 'inherit' });
    } catch (err) {
      say(`no Python reference available (${(err as Error).message.split('\n')[0]}); benches report their own numbers only`);
      return undefined;
    }
  }
  return py;
}

/** The last JSON object a bench printed (one line, or pretty-printed over several). */
function lastJsonDocument(stdout: string): Record<string, unknown> | undefined {
  const text = stdout.trim();
  for (let at = text.lastIndexOf('{'); at >= 0; at = at > 0 ? text.lastIndexOf('{', at - 1) : -1) {
    if (at > 0 && text[at - 1] !== '\n') continue;
    try {
      return JSON.parse(text.slice(at)) as Record<string, unknown>;
    } catch {
      /* not the start of the last document: keep looking */
    }
  }
  return undefined;
}

function runBench(file: string): Promise<{ json?: Record<string, unknown>; error?: string; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [file], { cwd: root, maxBuffer: 64 << 20, timeout: 20 * 60_000 }, (err, stdout) => {
      const seconds = Math.round((Date.now() - t0) / 100) / 10;
      const json = lastJsonDocument(stdout);
      if (json) resolve({ json, seconds, error: err ? err.message.split('\n')[0] : undefined });
      else resolve({ seconds, error: err ? err.message.split('\n')[0] : `no JSON summary in its output: ${stdout.trim().slice(-300)}` });
    });
    const tick = setInterval(() => say(`  ${file} running for ${Math.round((Date.now() - t0) / 1000)} s...`), 30_000);
    child.on('exit', () => clearInterval(tick));
  });
}

const allFiles = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const files = allFiles.filter((f) => only.length === 0 || only.some((w) => f.includes(w)));
if (files.length === 0) {
  say(`no bench matches ${only.join(', ')}`);
  process.exit(2);
}
const python = ensurePython();
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  os: `${platform()} ${release()}`,
  node: process.version,
  python: python
    ? execFileSync(
        python,
        ['-c', 'import sys, numpy, scipy; print(sys.version.split()[0], "numpy", numpy.__version__, "scipy", scipy.__version__)'],
        { encoding: 'utf8' },
      ).trim()
    : 'unavailable',
  loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  date: new Date().toISOString(),
};
const sections: BenchSection[] = [];
const headline: HeadlineFigures = {};
for (const [i, f] of files.entries()) {
  say(`(${i + 1}/${files.length}) ${f}...`);
  const r = await runBench(join('bench', f));
  const name = f.replace(/\.bench\.ts$/, '');
  const fmt = formatters[name];
  if (r.json) Object.assign(headline, headlineFigures(name, r.json));
  if (r.json && fmt) sections.push({ ...fmt(r.json), seconds: r.seconds, command: `node bench/${f}` });
  else
    sections.push({
      title: sectionTitles[name] ?? name,
      command: `node bench/${f}`,
      seconds: r.seconds,
      lines: r.error ? [`**failed**: ${r.error}`] : [],
      raw: r.json,
      failed: r.error !== undefined,
    });
  say(`   done in ${r.seconds} s${r.error ? ` (error: ${r.error.slice(0, 200)})` : ''}`);
}

const md: string[] = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (`bench/run.ts`); do not edit by hand. Each bench runs in its own',
  'process; medians are over rounds within that process, and every ratio is against a reference',
  'measured in the same run on the same machine. Figures on a shared 2-core machine move with',
  'the load shown below: compare ratios, not absolute numbers, across runs.',
  '',
  '## Machine',
  '',
  `| | |`,
  `|---|---|`,
  `| CPU | ${machine.cpu} × ${machine.cores} |`,
  `| memory | ${machine.memoryGiB} GiB |`,
  `| OS | ${machine.os} |`,
  `| Node.js | ${machine.node} |`,
  `| Python reference | ${machine.python} |`,
  `| load average at start (1/5/15 min) | ${machine.loadAtStart.join(' / ')} |`,
  `| date | ${machine.date} |`,
  '',
];
// A partial run (`npm run bench -- fft`) keeps the other benches' sections from the file, marked
// as measured earlier, so BENCHMARKS.md always holds every bench.
const benchmarksMd = join(root, 'BENCHMARKS.md');
const previousMd = existsSync(benchmarksMd) ? readFileSync(benchmarksMd, 'utf8') : '';
const notRun = allFiles.filter((f) => !files.includes(f)).map((f) => f.replace(/\.bench\.ts$/, ''));
// A bench that failed this time keeps its earlier section too, saying so: a failed run must not
// erase what was measured before.
const failed = sections.filter((s) => s.failed).map((s) => s.command.replace(/^node bench\/(.*)\.bench\.ts$/, '$1'));
const kept = keptSections(
  previousMd,
  [...notRun, ...failed].map((name) => sectionTitles[name] ?? name),
  files.map((f) => f.replace(/\.bench\.ts$/, '')),
);
const ranAt = machine.date.slice(0, 16).replace('T', ' ');
for (const f of allFiles) {
  const name = f.replace(/\.bench\.ts$/, '');
  const s = sections.find((x) => x.command === `node bench/${f}`);
  const old = kept.get(sectionTitles[name] ?? name);
  if (!s) {
    if (old) md.push(old.trimEnd(), '');
    continue;
  }
  if (s.failed && old) {
    const [heading, ...body] = old.trimEnd().split('\n');
    md.push(
      heading,
      '',
      `_The latest run (${ranAt} UTC, ${s.seconds} s) ${s.lines.join(' ')}; below, the earlier run's figures._`,
      ...body,
      '',
    );
    continue;
  }
  md.push(`## ${s.title}`, '', `Command: \`${s.command}\` (${s.seconds} s, ${ranAt} UTC)`, '', ...s.lines, '');
  if (s.raw) md.push('<details><summary>raw summary</summary>', '', '```json', JSON.stringify(s.raw, null, 2), '```', '', '</details>', '');
}
// The soak's and the end-to-end bench's sections (long runs outside npm run bench) are kept as they were.
const longRuns = MARKED_SECTIONS.map((m) => existingMarkedSection(benchmarksMd, m.name, m.writer)).filter(Boolean);
writeFileSync(benchmarksMd, longRuns.length > 0 ? `${md.join('\n').trimEnd()}\n\n${longRuns.join('\n\n')}\n` : md.join('\n'));
say(`wrote BENCHMARKS.md (${sections.length} benches run${kept.size > 0 ? `, ${kept.size} kept from the previous file` : ''})`);

const headlineJson = join(root, 'BENCHMARKS.json');
let previousHeadline: Partial<HeadlineDocument> | undefined;
try {
  previousHeadline = existsSync(headlineJson) ? (JSON.parse(readFileSync(headlineJson, 'utf8')) as Partial<HeadlineDocument>) : undefined;
} catch (err) {
  say(`BENCHMARKS.json is not valid JSON (${(err as Error).message}); writing it afresh`);
}
const doc = mergeHeadline(previousHeadline, headline, {
  node: machine.node,
  cpus: machine.cores,
  loadAverage: machine.loadAtStart,
  at: machine.date,
});
writeFileSync(headlineJson, `${JSON.stringify(doc, null, 2)}\n`);
say(`wrote BENCHMARKS.json (${Object.keys(headline).length} figures measured in this run)`);
writeTargetsSection(root);
say('wrote the Targets section of BENCHMARKS.md from it');
