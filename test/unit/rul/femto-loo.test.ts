/**
 * Proof on real run-to-failure histories: FEMTO-ST PRONOSTIA Bearing1_1, 2_1 and 3_1, replayed
 * through the real command line (`node cli/pdm.ts rul ... --json`), leave-one-out: train on two
 * bearings, the third is the series. Criteria, fixed before measuring and reported in MODELS.md:
 *
 *  - false alarms: no alarm in the first 10 % of a bearing's life;
 *  - early warning: every bearing alarms at least 3 minutes (18 snapshots) before failure, and the
 *    bearings that degrade gradually alarm with at least 10 % of their life left. Bearing3_1 is the
 *    documented exception: it shows no sustained change before 95.3 % of its life (a burst at
 *    snapshot 490, the level jump at 493 of 515), so no honest detector can warn it 10 % ahead;
 *  - remaining life: over the rows of the last third of life of all three bearings, the 90 %
 *    interval contains the truth in at least 60 % of them; every bearing whose last third is
 *    mostly on the degradation basis reaches 60 % on its own, and its interval is narrower over the
 *    last 10 % of life than over 40-60 % (median widths);
 *  - without --train the alarms are the same, and there is no remaining life before degradation.
 *
 * The main runs give each bearing's test load and speed (--load/--rpm and --train-load/--train-rpm,
 * from metadata.json), as a user who knows them would: the training lives are scaled to the
 * series' condition by ISO 281. Added after the criteria above were met without it (so measured,
 * not fixed in advance): with the conditions, every bearing's interval contains the truth over
 * most (more than half) of its last third, as the issue asks, and Bearing3_1 - the abrupt
 * failure at the heaviest load, whose last third is on the fleet basis - covers more often than
 * with its training lives taken as they are.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFemtoHistories, REPO_ROOT, writeHistoryCsv } from './femto-histories.ts';
import { type HistoryScore, type ReplayRow, scoreHistory } from './rul-metrics.ts';

function pdmRul(args: string[]): ReplayRow[] {
  const res = spawnSync(process.execPath, ['cli/pdm.ts', 'rul', ...args, '--json'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`pdm rul exited ${res.status}: ${res.stderr}`);
  return res.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ReplayRow);
}

const histories = loadFemtoHistories();
const dir = mkdtempSync(join(tmpdir(), 'pdm-femto-'));
const files = new Map(histories.map((h) => [h.bearing, writeHistoryCsv(dir, h)]));

const withTrain = new Map<string, { rows: ReplayRow[]; score: HistoryScore }>();
const withoutConditions = new Map<string, { rows: ReplayRow[]; score: HistoryScore }>();
const withoutTrain = new Map<string, { rows: ReplayRow[]; score: HistoryScore }>();
const rigLimit = new Map<string, { rows: ReplayRow[]; score: HistoryScore }>();
for (const h of histories) {
  const others = histories.filter((o) => o !== h);
  const train = others.flatMap((o) => ['--train', files.get(o.bearing)!]);
  const conditions = [
    ...['--load', String(h.loadN), '--rpm', String(h.speedRpm)],
    ...others.flatMap((o) => ['--train-load', String(o.loadN), '--train-rpm', String(o.speedRpm)]),
  ];
  const a = pdmRul([...train, '--series', files.get(h.bearing)!, ...conditions]);
  withTrain.set(h.bearing, { rows: a, score: scoreHistory(a) });
  const c = pdmRul([...train, '--series', files.get(h.bearing)!]);
  withoutConditions.set(h.bearing, { rows: c, score: scoreHistory(c) });
  const b = pdmRul(['--series', files.get(h.bearing)!]);
  withoutTrain.set(h.bearing, { rows: b, score: scoreHistory(b) });
  // The rig's own stop criterion: the test ends when the vibration exceeds 20 g.
  const d = pdmRul(['--series', files.get(h.bearing)!, '--feature-limit', 'peak_h,peak_v=20']);
  rigLimit.set(h.bearing, { rows: d, score: scoreHistory(d) });
}

describe('FEMTO run-to-failure histories, leave-one-out through pdm rul', () => {
  it('builds the three histories from the snapshot table (Bearing1_1 loses its 2 corrupt timestamps)', () => {
    expect(histories.map((h) => [h.bearing, h.times.length, h.dropped])).toStrictEqual([
      ['Bearing1_1', 2801, [2120, 2121]],
      ['Bearing2_1', 911, []],
      ['Bearing3_1', 515, []],
    ]);
  });

  it('prints one row per series row, with the contract fields', () => {
    for (const h of histories) {
      const rows = withTrain.get(h.bearing)!.rows;
      expect(rows).toHaveLength(h.times.length);
      expect(rows.map((r) => r.time)).toStrictEqual(h.times);
      expect(Object.keys(rows[0]).sort()).toStrictEqual(['alarm', 'health_index', 'rul_basis', 'rul_s', 'time']);
      // With training histories there is always a basis: the fleet before degradation.
      expect(rows.every((r) => r.rul_basis !== null && r.rul_s !== null)).toBe(true);
    }
  });

  it.each(['Bearing1_1', 'Bearing2_1', 'Bearing3_1'])(
    '%s: no alarm in the first 10 %% of life, an alarm at least 3 minutes before failure',
    (b) => {
      const s = withTrain.get(b)!.score;
      expect(s.firstAlarmFraction).not.toBeNull();
      expect(s.firstAlarmFraction!).toBeGreaterThan(0.1);
      expect(s.alarmLeadS!).toBeGreaterThanOrEqual(180);
    },
  );

  it.each(['Bearing1_1', 'Bearing2_1'])('%s (gradual degradation): the alarm comes with at least 10 %% of life left', (b) => {
    expect(withTrain.get(b)!.score.alarmLeadS! / withTrain.get(b)!.score.lifetimeS).toBeGreaterThanOrEqual(0.1);
  });

  it('90 % intervals contain the truth in at least 60 % of the last-third rows, pooled over the bearings', () => {
    let covered = 0;
    let rows = 0;
    for (const { score } of withTrain.values()) {
      const n = Math.round(score.rows / 3);
      covered += score.coverageLastThird * n;
      rows += n;
    }
    expect(covered / rows).toBeGreaterThanOrEqual(0.6);
  });

  it('on the degradation basis, intervals contain the truth in 60 % of the last third and narrow toward the end', () => {
    const degrading = [...withTrain.entries()].filter(([, v]) => v.score.degradationShareLastThird >= 0.5);
    expect(degrading.length).toBeGreaterThanOrEqual(2);
    for (const [, { score }] of degrading) {
      expect(score.coverageLastThird).toBeGreaterThanOrEqual(0.6);
      expect(score.medianWidthEnd!).toBeLessThan(score.medianWidthMid!);
    }
  });

  it("with the test loads and speeds, every bearing's interval contains the truth over most of its last third", () => {
    for (const [b, { score }] of withTrain) expect(score.coverageLastThird, b).toBeGreaterThan(0.5);
  });

  it("scaling the training lives to the series' load and speed changes remaining life, never the alarms; Bearing3_1 covers more often with it", () => {
    for (const h of histories) {
      expect(withoutConditions.get(h.bearing)!.rows.map((r) => r.alarm)).toStrictEqual(withTrain.get(h.bearing)!.rows.map((r) => r.alarm));
    }
    expect(withTrain.get('Bearing3_1')!.score.coverageLastThird).toBeGreaterThan(
      withoutConditions.get('Bearing3_1')!.score.coverageLastThird,
    );
  });

  it("without --train, the rig's stop level (20 g) as a feature limit: Bearing1_1's interval contains the truth over most of its last third, none is worse than with the index alone", () => {
    expect(rigLimit.get('Bearing1_1')!.score.coverageLastThird).toBeGreaterThan(0.5);
    expect(withoutTrain.get('Bearing1_1')!.score.coverageLastThird).toBeLessThan(0.2);
    for (const h of histories) {
      expect(rigLimit.get(h.bearing)!.score.coverageLastThird, h.bearing).toBeGreaterThanOrEqual(
        withoutTrain.get(h.bearing)!.score.coverageLastThird,
      );
      expect(rigLimit.get(h.bearing)!.rows.map((r) => r.alarm)).toStrictEqual(withoutTrain.get(h.bearing)!.rows.map((r) => r.alarm));
    }
  });

  it('without --train: the same alarms, and no remaining life before degradation is detected', () => {
    for (const h of histories) {
      const a = withTrain.get(h.bearing)!.rows;
      const b = withoutTrain.get(h.bearing)!.rows;
      expect(b.map((r) => r.alarm)).toStrictEqual(a.map((r) => r.alarm));
      expect(b.every((r) => (r.rul_basis === null) === (r.rul_s === null))).toBe(true);
      expect(b.every((r) => r.rul_basis !== 'fleet')).toBe(true);
      expect(b.some((r) => r.rul_basis === 'degradation')).toBe(true);
    }
  });
});
