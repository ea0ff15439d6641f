/** `pdm rul` spawned for real: the JSON Lines contract, the summary, and one clear error per bad input. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gaussian, seeded } from '../../../tools/harness/synthetic-features.ts';

const ROOT = join(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'pdm-rul-cli-'));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function pdm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['cli/pdm.ts', 'rul', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A healthy stretch then a rise of both amplitudes, `n` rows, 10 s apart. */
function history(n: number, seed: number, timeOf: (i: number) => string = (i) => String(i * 10)): string {
  const g = gaussian(seeded(seed));
  const lines = ['time,rms_h,kurt_h'];
  for (let i = 0; i < n; i++) {
    const rise = i < n / 2 ? 0 : (3 * (i - n / 2)) / n;
    lines.push(`${timeOf(i)},${(0.4 * Math.exp(rise + 0.03 * g())).toFixed(6)},${(3 * Math.exp(0.03 * g())).toFixed(6)}`);
  }
  return `${lines.join('\n')}\n`;
}

const series = file('series.csv', history(300, 1));
const trainA = file('train-a.csv', history(400, 2));
const trainB = file('train-b.csv', history(500, 3));

/** Two bearings, one channel each (rms, std), 200 rows: a common +30 % step at row 120, nothing else. */
function twoBearingStep(): string {
  const g = gaussian(seeded(11));
  const lines = ['time,b1_rms,b1_std,b2_rms,b2_std'];
  for (let i = 0; i < 200; i++) {
    const gain = i < 120 ? 1 : 1.3;
    const a = 0.3 * gain * Math.exp(0.02 * g());
    const b = 0.5 * gain * Math.exp(0.02 * g());
    lines.push(`${i * 600},${a.toFixed(6)},${(0.98 * a).toFixed(6)},${b.toFixed(6)},${(0.98 * b).toFixed(6)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('pdm rul output', () => {
  it('--json prints one object per series row with exactly the contract fields', () => {
    const r = pdm('--train', trainA, '--train', trainB, '--series', series, '--json');
    expect(r.status).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(300);
    expect(rows[5]).toStrictEqual({
      time: 50,
      health_index: 1,
      alarm: false,
      rul_s: expect.any(Object),
      rul_basis: 'fleet',
      system_event: null,
    });
    // `point` joined the contract with the PHM 2012 protocol (the score-optimal point to plan with).
    expect(Object.keys(rows[0].rul_s).sort()).toStrictEqual(['lower', 'median', 'point', 'upper']);
    const last = rows[rows.length - 1];
    expect(last.alarm).toBe(true);
    expect(last.rul_basis).toBe('degradation');
    expect(last.health_index).toBeGreaterThan(1.5);
    expect(last.rul_s.lower).toBeLessThanOrEqual(last.rul_s.median);
    expect(last.rul_s.median).toBeLessThanOrEqual(last.rul_s.upper);
    expect(last.rul_s.point).toBeGreaterThan(0);
    expect(last.rul_s.point).toBeLessThanOrEqual(last.rul_s.upper);
  });

  it('without --train there is no basis until degradation is detected; --threshold sets the failure level', () => {
    const r = pdm('--series', series, '--json', '--threshold', '3');
    expect(r.status).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows[0]).toMatchObject({ rul_s: null, rul_basis: null });
    expect(rows[rows.length - 1].rul_basis).toBe('degradation');
  });

  it('echoes ISO 8601 times as given', () => {
    const t0 = Date.parse('2026-03-01T23:58:00Z');
    const iso = file(
      'iso.csv',
      history(120, 4, (i) => new Date(t0 + i * 10_000).toISOString()),
    );
    const r = pdm('--series', iso, '--json');
    expect(r.status).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows[0].time).toBe('2026-03-01T23:58:00.000Z');
    expect(rows[119].time).toBe(new Date(t0 + 119 * 10_000).toISOString());
  });

  it("with loads, the training lives are scaled to the series' load (ISO 281) and the summary says by how much", () => {
    const r = pdm('--train', trainA, '--series', series, '--load', '5000', '--train-load', '4000');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/at the series' load and speed \(x 0\.51 of their own\)/);
  });

  it('without --json prints a short summary', () => {
    const r = pdm('--train', trainA, '--series', series);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('first alarm: time');
    expect(r.stdout).toMatch(/remaining life: .* \(90 % interval .*\), basis degradation/);
  });

  it('a step common to every --location is a system event on the row that confirms it, with no alarm; without the detector it alarms', () => {
    const rig = file('rig.csv', twoBearingStep());
    const locations = ['--location', 'b1=b1_rms,b1_std', '--location', 'b2=b2_rms,b2_std'];
    const r = pdm('--series', rig, '--json', ...locations);
    expect(r.status).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const events = rows.filter((x) => x.system_event !== null);
    expect(events).toHaveLength(1);
    const e = events[0].system_event;
    expect(e.at).toBe(120 * 600);
    expect(e.detected_at).toBe(events[0].time);
    expect(e.locations).toStrictEqual(['b1', 'b2']);
    expect(e.features.map((f: { feature: string }) => f.feature).sort()).toStrictEqual(['b1_rms', 'b1_std', 'b2_rms', 'b2_std']);
    for (const f of e.features) expect(Math.abs(f.change - 0.3)).toBeLessThan(0.03);
    expect(e.reason).toMatch(/^common step in 2\/2 locations \(b1, b2\)/);
    expect(rows.some((x) => x.alarm)).toBe(false);
    const summary = pdm('--series', rig, ...locations);
    expect(summary.stdout).toMatch(/system events: at 72000: common step in 2\/2 locations/);
    // Control: the same series with the detector off alarms at the step.
    const config = file('no-events.json', JSON.stringify({ systemEvent: { enabled: false } }));
    const off = pdm('--series', rig, '--json', '--config', config)
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(off.findIndex((x) => x.alarm)).toBeGreaterThanOrEqual(120);
  });

  it('a step in one location only is not a system event', () => {
    const text = twoBearingStep()
      .trim()
      .split('\n')
      .map((line, i) => {
        if (i === 0 || i <= 120) return line;
        const f = line.split(',');
        // Undo the step on b2: only b1 stepped.
        return [f[0], f[1], f[2], (Number(f[3]) / 1.3).toFixed(6), (Number(f[4]) / 1.3).toFixed(6)].join(',');
      })
      .join('\n');
    const r = pdm('--series', file('local.csv', `${text}\n`), '--json', '--location', 'b1=b1_rms,b1_std', '--location', 'b2=b2_rms,b2_std');
    expect(r.status).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.every((x) => x.system_event === null)).toBe(true);
    expect(rows.some((x) => x.alarm)).toBe(true);
  });

  it('--location naming a column the series lacks is refused, naming it', () => {
    const r = pdm('--series', series, '--location', 'b1=rms_h,nope');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--location b1 names column nope that .*series\.csv does not have \(it has: rms_h, kurt_h\)/);
  });
});

describe('pdm rul errors name the file and the problem', () => {
  // A fourth element 2: a usage error (a bad option value, options that do not go together).
  const cases: [string, () => string[], RegExp, 2?][] = [
    ['an unreadable file', () => ['--series', join(dir, 'nope.csv')], /nope\.csv: cannot be read \(ENOENT\)/],
    [
      'a missing time column',
      () => ['--series', file('no-time.csv', 't,rms\n0,1\n')],
      /no-time\.csv: no 'time' column \(the header has: t, rms\)/,
    ],
    [
      'a series missing a training column',
      () => ['--train', trainA, '--series', file('fewer.csv', 'time,rms_h\n0,1\n10,1\n')],
      /fewer\.csv: the series lacks column kurt_h that the training histories have/,
    ],
    [
      'a non-numeric value',
      () => ['--series', file('text.csv', 'time,rms\n0,1\n10,abc\n')],
      /text\.csv: line 3, column 'rms': 'abc' is not a finite number/,
    ],
    [
      'a NaN value',
      () => ['--series', file('nan.csv', 'time,rms\n0,1\n10,1\n20,NaN\n')],
      /nan\.csv: line 4, column 'rms': 'NaN' is not a finite number/,
    ],
    [
      'unsorted times',
      () => ['--series', file('unsorted.csv', 'time,rms\n0,1\n20,1\n10,1\n')],
      /unsorted\.csv: line 4: time 10 is not after the previous row's/,
    ],
    [
      'a short row',
      () => ['--series', file('short.csv', 'time,rms,kurt\n0,1,3\n10,1\n')],
      /short\.csv: line 3 has 2 fields, the header has 3/,
    ],
    [
      'a timestamp without a zone',
      () => ['--series', file('zone.csv', 'time,rms\n2026-03-01T10:00:00,1\n')],
      /zone\.csv: line 2, column 'time': timestamp '2026-03-01T10:00:00' has no time zone/,
    ],
    ['a bad threshold', () => ['--series', series, '--threshold', '0.5'], /--threshold must be a number above 1/, 2],
    [
      "a training load without the series' load",
      () => ['--train', trainA, '--series', series, '--train-load', '4000'],
      /--train-load is given but --load is not/,
      2,
    ],
    [
      'fewer training loads than training histories',
      () => ['--train', trainA, '--train', trainA, '--series', series, '--load', '5000', '--train-load', '4000'],
      /--load needs one --train-load per --train, in the same order: got 1 for 2 training histories/,
      2,
    ],
    [
      'a speed that is not a number',
      () => ['--train', trainA, '--series', series, '--rpm', '1500', '--train-rpm', 'fast'],
      /--train-rpm \(for .*\) must be a positive number, got 'fast'/,
      2,
    ],
    [
      'a malformed feature limit',
      () => ['--series', series, '--feature-limit', 'rms_h:20'],
      /--feature-limit must be COLUMN\[,COLUMN\.\.\.\]=LIMIT \(e\.g\. vel_h,vel_v=4\.5\), got 'rms_h:20'/,
      2,
    ],
    [
      'a feature limit on a column the series lacks',
      () => ['--series', series, '--feature-limit', 'vel_h=4.5'],
      /--feature-limit names column vel_h that .* does not have \(it has: /,
    ],
    ['a bad life exponent', () => ['--series', series, '--life-exponent=0'], /--life-exponent must be a positive number, got '0'/, 2],
    [
      'a training history shorter than the baseline',
      () => ['--train', file('tiny.csv', 'time,rms_h,kurt_h\n0,1,3\n10,1,3\n'), '--series', series],
      /tiny\.csv: the history \(2 rows\) is shorter than the baseline period/,
    ],
  ];
  it.each(cases)('%s', (_, args, message, usage) => {
    const r = pdm(...args());
    expect(r.status).toBe(usage ?? 1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a usage error exits 2 with the help', () => {
    const r = pdm('--json');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--series is required');
  });
});
