/**
 * Regenerates the remaining-life tables of MODELS.md ("Anomaly, health and remaining useful
 * life") from the FEMTO-ST run-to-failure histories in ../shared/data/femto (relative to the
 * repository): leave-one-out per bearing with the default model, the same without training
 * histories, a comparison of model variants, and the synthetic anomaly checks.
 *
 *   node tools/rul-report.ts            # rewrite the tables in MODELS.md
 *   node tools/rul-report.ts --print    # print them instead
 *
 * The tables sit between <!-- rul-report:start --> and <!-- rul-report:end -->; nothing else in
 * MODELS.md is touched. The replay is the one `pdm rul` runs (models/rul/replay.ts), with the
 * features in the CSV's column order, so the numbers are those of the command line.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnomalyDetector, newAnomalyResult } from '../models/anomaly/anomaly-detector.ts';
import type { MonitorConfigInput } from '../models/rul/monitor-config.ts';
import { replay } from '../models/rul/replay.ts';
import { FEMTO_FEATURES, type FemtoHistory, loadFemtoHistories } from './harness/femto-histories.ts';
import { type HistoryScore, scoreHistory } from './harness/rul-metrics.ts';
import { gaussian, healthyWindow, seeded } from './harness/synthetic-features.ts';
import { publishSection, sectionMarkers } from './markdown-section.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { start: START, end: END } = sectionMarkers('rul-report');

const histories = loadFemtoHistories();

/** Leave-one-out replay; with `conditions`, every bearing's test load and speed are given (as `pdm rul --load/--rpm/--train-load/--train-rpm`). */
function run(series: FemtoHistory, withTrain: boolean, config: MonitorConfigInput = {}, conditions = true): HistoryScore {
  const condition = (h: FemtoHistory) => (conditions ? { loadN: h.loadN, speedRpm: h.speedRpm } : undefined);
  const train = withTrain
    ? histories.filter((h) => h !== series).map((h) => ({ name: h.bearing, times: h.times, rows: h.rows, condition: condition(h) }))
    : [];
  const cfg: MonitorConfigInput = { ...config, anomaly: { ...(config.anomaly ?? {}), features: [...FEMTO_FEATURES] } };
  const r = replay({ name: series.bearing, times: series.times, rows: series.rows, condition: condition(series) }, train, cfg);
  return scoreHistory(r.rows.map((row, i) => ({ ...row, time: series.times[i] })));
}

const s = (x: number | null) => (x === null ? '–' : `${Math.round(x)}`);
const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(0)} %`);
const mins = (x: number | null) => (x === null ? '–' : x >= 7200 ? `${(x / 3600).toFixed(1)} h` : `${(x / 60).toFixed(1)} min`);

function perBearingTable(withTrain: boolean, config: MonitorConfigInput = {}): string[] {
  const lines = [
    '| bearing | life (s) | first alarm (s, % of life) | alarm lead | degradation from | last-third coverage | width at 50 / 75 / 90 % of life (s) | median − truth at 50 / 75 / 90 % (s) | mean abs error, last third (% of life) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const h of histories) {
    const r = run(h, withTrain, config);
    lines.push(
      `| ${h.bearing} | ${s(r.lifetimeS)} | ${s(r.firstAlarmS)} (${pct(r.firstAlarmFraction)}) | ${mins(r.alarmLeadS)} | ${pct(r.firstDegradationFraction)} | ${pct(r.coverageLastThird)} | ${s(r.width50)} / ${s(r.width75)} / ${s(r.width90)} | ${s(r.error50)} / ${s(r.error75)} / ${s(r.error90)} | ${Number.isNaN(r.meanAbsErrorLastThird) ? '–' : pct(r.meanAbsErrorLastThird)} |`,
    );
  }
  return lines;
}

/**
 * The remaining-life model before the state work (issue 13 part 6): Bayesian Weibull fleet, trend
 * with its unassigned mass on the fleet, no calibration. The earlier rows keep that meaning.
 */
const BEFORE_STATE = { fleetModel: 'weibull', combine: 'trend+fleet', calibration: { method: 'none' } } as const;
const before = (rul: MonitorConfigInput['rul'] = {}): MonitorConfigInput => ({ rul: { ...BEFORE_STATE, ...rul } });

const VARIANTS: [string, MonitorConfigInput, boolean?][] = [
  ['fleet only (no degradation model), Bayesian Weibull', { ...before(), onset: { threshold: 1e12 } }],
  [
    'textbook Gebraeel: white noise, Φ(g), every training threshold, trend alone, no autocorrelation correction',
    before({ noise: 'white', thresholds: 'all', combine: 'trend', correctAutocorrelation: false, unreachedThresholds: false }),
  ],
  ['white noise + autocorrelation correction', before({ noise: 'white', thresholds: 'all', combine: 'trend' })],
  ['white noise + correction + unassigned mass to fleet', before({ noise: 'white', thresholds: 'all', combine: 'trend+fleet' })],
  ['white noise, lowest threshold, + fleet', before({ noise: 'white', thresholds: 'lowest', combine: 'trend+fleet' })],
  ['Brownian first passage, every threshold, trend alone', before({ noise: 'brownian', thresholds: 'all', combine: 'trend' })],
  ['Brownian, every threshold, + fleet', before({ noise: 'brownian', thresholds: 'all', combine: 'trend+fleet' })],
  ['Brownian, lowest threshold, trend alone', before({ noise: 'brownian', thresholds: 'lowest', combine: 'trend' })],
  ['default before the PHM 2012 protocol: training failure levels already passed still thresholds', before({ unreachedThresholds: false })],
  ['default before the state work: Brownian, lowest threshold not yet passed, + Bayesian Weibull fleet', before()],
  ['that, training lives as recorded (no load and speed given)', before(), false],
  ['that, half-and-half mixture with the fleet', before({ combine: 'mixture' })],
  ['that + fleet time from onset to failure', before({ stageFleet: true })],
  ['that, health index = largest feature ratio', { ...before(), anomaly: { healthIndex: 'max' } }],
  ['fleet only (no degradation model), kernel fleet', { onset: { threshold: 1e12 } }],
  ['**default**: Brownian, lowest threshold not yet passed, first of trend and kernel fleet', {}],
  ['default, training lives as recorded (no load and speed given)', {}, false],
  ["default, lives weighted by trajectory match ('matched')", { rul: { fleetModel: 'matched' } }],
  ["default calibrated on the training histories by 'scale'", { rul: { calibration: { method: 'scale' } } }],
  ["default calibrated on the training histories by 'residual'", { rul: { calibration: { method: 'residual' } } }],
];

/** Short bearing names in the data set's order (B1_1 / B1_2 / ...), for the variant table's column heads. */
const short = (h: FemtoHistory) => h.bearing.replace('Bearing', 'B');
const names = histories.map(short).join(' / ');

function variantTable(): string[] {
  const lines = [
    `| variant (leave-one-out, with training) | coverage ${names} | pooled coverage | width end ÷ mid ${names} | mean abs error ${names} | degradation from (% of life) ${names} |`,
    '|---|---|---|---|---|---|',
  ];
  for (const [name, cfg, conditions = true] of VARIANTS) {
    const rs = histories.map((h) => run(h, true, cfg, conditions));
    const thirds = rs.map((r) => Math.round(r.rows / 3));
    const pooled = rs.reduce((a, r, i) => a + r.coverageLastThird * thirds[i], 0) / thirds.reduce((a, b) => a + b, 0);
    const ratio = (r: HistoryScore) =>
      r.medianWidthEnd === null || !r.medianWidthMid ? '–' : (r.medianWidthEnd / r.medianWidthMid).toFixed(2);
    lines.push(
      `| ${name} | ${rs.map((r) => pct(r.coverageLastThird)).join(' / ')} | ${pct(pooled)} | ${rs.map(ratio).join(' / ')} | ${rs.map((r) => pct(r.meanAbsErrorLastThird)).join(' / ')} | ${rs.map((r) => pct(r.firstDegradationFraction)).join(' / ')} |`,
    );
  }
  return lines;
}

function syntheticChecks(): string[] {
  const g = gaussian(seeded(7));
  const baseline = 200;
  const d = new AnomalyDetector({ baseline: { windows: baseline } });
  const out = newAnomalyResult();
  const scores: number[] = [];
  let alarms = 0;
  for (let i = 0; i < baseline + 10_000; i++) {
    d.update(out, i * 10, healthyWindow(g));
    if (out.phase === 'monitoring') {
      scores.push(out.score);
      if (out.alarm) alarms++;
    }
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / (scores.length - 1));
  const delays: number[] = [];
  for (const factor of [1.2, 1.4, 2]) {
    const gs = gaussian(seeded(11));
    const det = new AnomalyDetector({ baseline: { windows: baseline } });
    let delay = -1;
    for (let i = 0; i < baseline + 1200; i++) {
      const w = healthyWindow(gs);
      const stepped = i >= baseline + 1000 ? { ...w, rms: w.rms * factor } : w;
      det.update(out, i * 10, stepped);
      if (out.alarm && i >= baseline + 1000 && delay < 0) delay = i - (baseline + 1000) + 1;
    }
    delays.push(delay);
  }
  return [
    `- Healthy stationary stream (4 correlated features, baseline ${baseline} windows, then 10 000 windows): ${alarms} alarm windows; score mean ${mean.toFixed(2)}, standard deviation ${sd.toFixed(2)}, ${pct(scores.filter((x) => x > 2).length / scores.length)} of windows above 2 (a standard normal has 2.3 %).`,
    `- Step in the RMS of ×1.2 / ×1.4 / ×2 (about 3.6 / 6.7 / 14 baseline standard deviations of its log): alarm raised after ${delays.map((x) => (x < 0 ? 'never' : `${x}`)).join(' / ')} windows (6 consecutive windows above 3 are required).`,
  ];
}

function report(): string {
  const femto = histories
    .map(
      (h) =>
        `${h.bearing} ${h.times.length} snapshots${h.dropped.length > 0 ? ` (${h.dropped.length} with corrupt timestamps dropped)` : ''}`,
    )
    .join(', ');
  return [
    START,
    '',
    `_Generated by \`node tools/rul-report.ts\` from ${femto}; failure = end of each history._`,
    '',
    `**Leave-one-out with training histories** (train on the other ${histories.length - 1} bearings; default configuration; each bearing's test load and speed given, ${histories.map((h) => `${short(h)} ${h.loadN} N / ${h.speedRpm} rpm`).join(', ')}, so the training lives are scaled to the series' condition by ISO 281):`,
    '',
    ...perBearingTable(true),
    '',
    '**Without `--train`** (threshold only: health index 4× baseline):',
    '',
    ...perBearingTable(false),
    '',
    "**Without `--train`, with the rig's stop level** (`--feature-limit peak_h,peak_v=20`: the PRONOSTIA tests end when the vibration exceeds 20 g; failure at the first of that and the index threshold):",
    '',
    ...perBearingTable(false, { rul: { featureLimit: { features: ['peak_h', 'peak_v'], limit: 20 } } }),
    '',
    '**Variants measured** (coverage = share of last-third rows whose 90 % interval contains the truth; width end ÷ mid = median interval width over the last 10 % of life divided by that over 40–60 %, below 1 = narrowing):',
    '',
    ...variantTable(),
    '',
    '**Synthetic checks of the anomaly model**:',
    '',
    ...syntheticChecks(),
    '',
    END,
  ].join('\n');
}

await publishSection(join(ROOT, 'MODELS.md'), 'rul-report', report());
