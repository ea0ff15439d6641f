/**
 * `pdm rul-eval` spawned for real on FEMTO run-to-failure histories: every prediction it scores is
 * the row `pdm rul` prints for the series cut where it is asked (leave-one-out) or for the cut-off
 * series (--test), scored with the challenge's accuracy; and one clear error per bad input.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { phmAccuracy } from '../../../models/rul/phm-score.ts';
import { loadFemtoHistories, writeHistoryCsv } from '../../../tools/harness/femto-histories.ts';

const ROOT = join(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'pdm-rul-eval-'));

function pdm(command: 'rul' | 'rul-eval', ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['cli/pdm.ts', command, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

// Three short histories, one per test condition of the data set.
const femto = loadFemtoHistories().filter((h) => ['Bearing1_2', 'Bearing2_1', 'Bearing3_1'].includes(h.bearing));
const files = femto.map((h) => writeHistoryCsv(dir, h));
const conditionArgs = (prefix: 'history' | 'train', hs = femto) => [
  ...hs.flatMap((h) => [`--${prefix}-load`, String(h.loadN)]),
  ...hs.flatMap((h) => [`--${prefix}-rpm`, String(h.speedRpm)]),
];
const historyArgs = files.flatMap((f) => ['--history', f]);

/** The history's CSV up to and including its row `index`. */
function truncated(i: number, index: number): string {
  const lines = readFileSync(files[i], 'utf8').trimEnd().split('\n');
  return writeFile(`${femto[i].bearing}-cut${index}.csv`, `${lines.slice(0, index + 2).join('\n')}\n`);
}

function writeFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('pdm rul-eval: leave-one-out', () => {
  const r = pdm('rul-eval', ...historyArgs, '--cuts', '0.5,0.8', ...conditionArgs('history'), '--json');
  const lines = r.status === 0 ? jsonLines(r.stdout) : [];
  const cases = lines.slice(0, -1);
  const summary = lines.at(-1)?.summary;

  it('prints one case per history and cut, then the summary, and says what it replays on stderr', () => {
    expect(r.status, r.stderr).toBe(0);
    expect(cases.map((c) => [c.name, c.fraction])).toStrictEqual(femto.flatMap((h) => [0.5, 0.8].map((f) => [`${h.bearing}.csv`, f])));
    expect(r.stderr).toContain('replaying Bearing2_1.csv (2 of 3) with the other 2 as its fleet');
  });

  it("each case is pdm rul's last row for the history cut there, with the others as training, scored by the challenge's accuracy", () => {
    const i = 1; // Bearing2_1, cut at 80 % of its life
    const h = femto[i];
    const c = cases.find((x) => x.name === `${h.bearing}.csv` && x.fraction === 0.8);
    const index = h.times.findIndex((t) => t - h.times[0] === c.age_s);
    expect(index).toBeGreaterThan(0);
    expect(h.times[index] - h.times[0]).toBeLessThanOrEqual(0.8 * h.lifetimeS);
    expect(h.times[index + 1] - h.times[0]).toBeGreaterThan(0.8 * h.lifetimeS);
    expect(c.actual_s).toBe(h.times.at(-1)! - h.times[index]);
    const others = femto.filter((_, k) => k !== i);
    const rul = pdm(
      'rul',
      ...files.filter((_, k) => k !== i).flatMap((f) => ['--train', f]),
      '--series',
      truncated(i, index),
      '--load',
      String(h.loadN),
      '--rpm',
      String(h.speedRpm),
      ...conditionArgs('train', others),
      '--json',
    );
    expect(rul.status, rul.stderr).toBe(0);
    const last = jsonLines(rul.stdout).at(-1);
    expect(c.predicted_s).toBe(last.rul_s.point);
    expect([c.lower_s, c.upper_s, c.basis]).toStrictEqual([last.rul_s.lower, last.rul_s.upper, last.rul_basis]);
    expect(c.accuracy).toBe(phmAccuracy(c.actual_s, c.predicted_s));
  });

  it('the summary is the mean accuracy and the counts of its cases', () => {
    expect(summary.cases).toBe(6);
    expect(summary.score).toBeCloseTo(cases.reduce((a, c) => a + c.accuracy, 0) / 6, 12);
    expect(summary.over_predicted).toBe(cases.filter((c) => c.predicted_s > c.actual_s).length);
    expect(summary.covered).toBe(cases.filter((c) => c.lower_s <= c.actual_s && c.actual_s <= c.upper_s).length);
  });

  it('the table has a row per history and the totals', () => {
    const t = pdm('rul-eval', ...historyArgs, '--cuts', '0.5,0.8', ...conditionArgs('history'));
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toContain('leave-one-out over 3 histories, each cut at 50 %, 80 % of its life; scored: point');
    for (const h of femto) expect(t.stdout).toMatch(new RegExp(`^${h.bearing}\\.csv +\\S`, 'm'));
    expect(t.stdout).toContain(`PHM 2012 score ${summary.score.toFixed(3)} over 6 predictions`);
  });
});

describe('pdm rul-eval --test: the challenge protocol on a cut-off series', () => {
  it("scores pdm rul's prediction at the series' last row against the remaining life it had", () => {
    const h = femto[0];
    const index = Math.floor(0.7 * h.times.length);
    const series = truncated(0, index);
    const remaining = h.times.at(-1)! - h.times[index];
    const args = ['--history', files[1], '--history', files[2]];
    const r = pdm('rul-eval', ...args, '--test', `${series}=${remaining}`, '--scored', 'median', '--json');
    expect(r.status, r.stderr).toBe(0);
    const [c, s] = jsonLines(r.stdout);
    const rul = pdm('rul', '--train', files[1], '--train', files[2], '--series', series, '--json');
    const last = jsonLines(rul.stdout).at(-1);
    expect(c).toMatchObject({ fraction: null, age_s: h.times[index] - h.times[0], actual_s: remaining, predicted_s: last.rul_s.median });
    expect(c.accuracy).toBe(phmAccuracy(remaining, last.rul_s.median));
    expect(s.summary.score).toBe(c.accuracy);
  });
});

describe('pdm rul-eval: bad input', () => {
  const bad = (args: string[], status: number, message: string) => {
    const r = pdm('rul-eval', ...args);
    expect(r.status).toBe(status);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  };

  it('leave-one-out with one history', () => bad(['--history', files[0]], 2, 'leave-one-out needs two --history files or more'));
  it('a --test without its remaining life', () =>
    bad(
      ['--history', files[0], '--test', files[1]],
      2,
      `--test must be FILE=SECONDS (the series and the seconds it really had left), got '${files[1]}'`,
    ));
  it('a remaining life that is not a positive number', () =>
    bad(['--history', files[0], '--test', `${files[1]}=-5`], 2, `--test ${files[1]}'s remaining life must be a positive number, got '-5'`));
  it('--cuts with --test', () =>
    bad(['--history', files[0], '--test', `${files[1]}=100`, '--cuts', '0.5'], 2, '--cuts is for leave-one-out'));
  it('conditions for some histories only', () =>
    bad([...historyArgs, '--history-load', '4000'], 2, '--history-load is needed once per --history, in the same order: got 1 for 3'));
  it('two histories with one name', () =>
    bad(['--history', files[0], '--history', files[0]], 2, `two --history files are named ${femto[0].bearing}.csv`));
  it('a history with other columns', () => {
    const other = writeFile('other.csv', 'time,rms_h\n0,1\n10,1.1\n20,1.2\n');
    bad(['--history', files[0], '--history', other], 1, `${other}: training histories must have the same columns`);
  });
});
