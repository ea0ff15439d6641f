/**
 * Learns `FleetKnowledge` from run-to-failure histories of similar machines: each history is
 * replayed through the same monitor the live asset uses (same baseline, health index and onset
 * test, so the numbers mean the same thing), and gives
 *  - its lifetime (last time - first time: every training history ends at failure);
 *  - the smoothed log health index at failure (a candidate failure threshold);
 *  - when the onset test is active at failure, the degradation line from onset to failure:
 *    intercept, slope and residual variance (the degradation model's prior), and the time from
 *    onset to failure.
 * The prior's mean is the mean of the fits; its spread is the spread between histories, but never
 * less than the size of the mean itself (with two or three histories the sample spread says little,
 * and the prior must stay weak enough for the asset's own data to take over).
 */
import { PdmError } from '../../common/errors.ts';
import type { FeatureRecord } from '../anomaly/feature-vector.ts';
import { AssetMonitor, type FleetKnowledge, newAssetStatus } from './asset-monitor.ts';
import type { RulCalibrationCases } from './calibration.ts';
import { type DegradationPrior, diffusionFromResiduals } from './exponential-degradation.ts';
import type { OperatingCondition } from './life-scaling.ts';
import { type MonitorConfigInput, MonitorConfigSpec } from './monitor-config.ts';
import { type HealthPath, PathRecorder } from './trajectory.ts';

export interface History {
  name: string;
  times: readonly number[];
  rows: readonly FeatureRecord[];
  /** Load and speed it ran at, when known: its durations are then scaled to the asset's (life-scaling.ts). */
  condition?: OperatingCondition;
}

export interface HistorySummary {
  name: string;
  lifetimeS: number;
  failureLogHi: number;
  onsetTime: number | null;
  /** Seconds from the detected onset to failure, null without an onset. */
  stageDurationS: number | null;
  fit: { theta: number; beta: number; residualVar: number; n: number; span: number } | null;
  /** Its smoothed log health index over its life, downsampled (trajectory.ts). */
  path: HealthPath;
}

export function summarizeHistory(h: History, config: MonitorConfigInput): HistorySummary {
  if (h.times.length < 2 || h.times.length !== h.rows.length) {
    throw new PdmError('PDM_ERR_INPUT_VALUE', `${h.name}: a training history needs at least 2 rows with a time each`, { history: h.name });
  }
  const m = new AssetMonitor(config, null, h.name, { remainingLife: false });
  const out = newAssetStatus();
  const path = new PathRecorder();
  for (let i = 0; i < h.times.length; i++) {
    m.update(out, h.times[i], h.rows[i]);
    path.push(out.age, out.logHealthIndex);
  }
  const lifetimeS = h.times[h.times.length - 1] - h.times[0];
  if (out.phase !== 'monitoring') {
    throw new PdmError('PDM_ERR_INPUT_VALUE', `${h.name}: the history (${h.times.length} rows) is shorter than the baseline period`, {
      history: h.name,
    });
  }
  const onset = m.onset!;
  let fit: HistorySummary['fit'] = null;
  const sums = onset.sums;
  if (onset.detected && onset.onsetTime !== null && sums.n >= 3) {
    // The degradation rate is the chord from onset (where the index sits at its baseline mean)
    // to failure: a least-squares slope is thrown off by the abrupt final jump most histories end
    // with (a step at the end of a flat stretch gives a negative slope), the chord is not.
    const theta = m.detector.baseline!.hiMean;
    const duration = h.times[h.times.length - 1] - onset.onsetTime;
    const beta = duration > 0 ? (out.logHealthIndex - theta) / duration : 0;
    // The noise is the scatter about the local least-squares line (the chord's misfit is not noise).
    const det = sums.n * sums.stt - sums.st * sums.st;
    let residualVar = 0;
    if (det > 0) {
      const b = (sums.n * sums.stl - sums.st * sums.sl) / det;
      const a = (sums.sl - b * sums.st) / sums.n;
      residualVar = Math.max(0, sums.sll - a * sums.sl - b * sums.stl) / (sums.n - 2);
    }
    fit = { theta, beta, residualVar, n: sums.n, span: sums.lastTau };
  }
  const onsetTime = onset.detected ? onset.onsetTime : null;
  const stageDurationS = onsetTime === null ? null : h.times[h.times.length - 1] - onsetTime;
  return { name: h.name, lifetimeS, failureLogHi: out.logHealthIndex, onsetTime, stageDurationS, fit, path: path.path() };
}

export function fleetFromSummaries(summaries: readonly HistorySummary[]): FleetKnowledge {
  const fits = summaries.map((s) => s.fit).filter((f) => f !== null);
  let prior: DegradationPrior | null = null;
  if (fits.length > 0) {
    const k = fits.length;
    const mt = fits.reduce((a, f) => a + f.theta, 0) / k;
    const mb = fits.reduce((a, f) => a + f.beta, 0) / k;
    const vt = k > 1 ? fits.reduce((a, f) => a + (f.theta - mt) ** 2, 0) / (k - 1) : 0;
    const vb = k > 1 ? fits.reduce((a, f) => a + (f.beta - mb) ** 2, 0) / (k - 1) : 0;
    // A correlation from fewer than 3 histories is noise; beyond, it is kept (shrunk below 1 by the floors).
    const c = k > 2 ? fits.reduce((a, f) => a + (f.theta - mt) * (f.beta - mb), 0) / (k - 1) : 0;
    const varTheta = Math.max(vt, mt * mt, 0.01);
    const varBeta = Math.max(vb, mb * mb, 1e-30);
    const noiseVar =
      fits.reduce((a, f) => a + f.residualVar * (f.n - 2), 0) /
      Math.max(
        1,
        fits.reduce((a, f) => a + f.n - 2, 0),
      );
    const maxCov = 0.9 * Math.sqrt(varTheta * varBeta);
    // Pooled over histories, weighted by the time each covers.
    const spans = fits.reduce((a, f) => a + f.span, 0);
    const diffusion = spans > 0 ? fits.reduce((a, f) => a + diffusionFromResiduals(f.residualVar, f.span) * f.span, 0) / spans : noiseVar;
    prior = {
      meanTheta: mt,
      meanBeta: mb,
      varTheta,
      varBeta,
      covThetaBeta: Math.max(-maxCov, Math.min(maxCov, c)),
      noiseVar: Math.max(noiseVar, 1e-8),
      noiseWeight: 10,
      diffusion: Math.max(diffusion, 1e-12),
      // Histories of similar machines weigh like one history's worth of the asset's own data.
      diffusionWeightS: spans / fits.length,
    };
  }
  return {
    lifetimesS: summaries.map((s) => s.lifetimeS),
    failureLogHi: summaries.map((s) => s.failureLogHi).filter((d) => d > 0),
    stageDurationsS: summaries.map((s) => s.stageDurationS).filter((d) => d !== null && d > 0) as number[],
    prior,
    paths: summaries.map((s) => s.path),
  };
}

export function learnFleet(histories: readonly History[], config: MonitorConfigInput): FleetKnowledge {
  const summaries = histories.map((h) => summarizeHistory(h, config));
  const rul = MonitorConfigSpec.parse(config).rul;
  // The paths serve trajectory matching only; without it they would only grow every saved state.
  const { paths, ...rest } = fleetFromSummaries(summaries);
  const fleet: FleetKnowledge = rul.fleetModel === 'matched' ? { ...rest, paths } : rest;
  const calibration = rul.calibration;
  if ((calibration.method === 'none' && !calibration.point) || histories.length < 2) return fleet;
  return { ...fleet, calibration: innerLeaveOneOut(histories, summaries, config, calibration.fractions) };
}

/**
 * The calibration cases (calibration.ts): each history replayed as the asset, with the fleet learnt
 * from the others (the same code and configuration, uncalibrated), its remaining life asked at
 * the last row at or before each fraction of its life, and compared with the truth.
 */
const LOG_CAP = 50;

export function innerLeaveOneOut(
  histories: readonly History[],
  summaries: readonly HistorySummary[],
  config: MonitorConfigInput,
  fractions: readonly number[],
): RulCalibrationCases {
  const plain: MonitorConfigInput = { ...config, rul: { ...(config.rul ?? {}), calibration: { method: 'none', point: false } } };
  const cases: RulCalibrationCases = { logRatio: [], logBelow: [], logAbove: [], logRatioPoint: [] };
  const cutsAsc = [...fractions].sort((a, b) => a - b);
  for (let j = 0; j < histories.length; j++) {
    const h = histories[j];
    const others = fleetFromSummaries(summaries.filter((_, k) => k !== j));
    const m = new AssetMonitor(plain, others, h.name, { remainingLife: false });
    const out = newAssetStatus();
    const t0 = h.times[0];
    const end = h.times[h.times.length - 1];
    let c = 0;
    for (let i = 0; i < h.times.length && c < cutsAsc.length; i++) {
      m.update(out, h.times[i], h.rows[i]);
      // The last row at or before the cut: the next row is past it (or there is none).
      const next = i + 1 < h.times.length ? h.times[i + 1] : Number.POSITIVE_INFINITY;
      while (c < cutsAsc.length && next > t0 + cutsAsc[c] * (end - t0)) {
        const at = t0 + cutsAsc[c] * (end - t0);
        c++;
        if (h.times[i] > at || out.phase !== 'monitoring') continue;
        m.remainingLifeNow(out);
        const actual = end - h.times[i];
        const q = out.rul;
        if (out.rulBasis === null || !(actual > 0) || !(q.median > 0)) continue;
        cases.logRatio.push(Math.log(actual / q.median));
        // Capped (a lower end of 0 s is infinitely far in log), so the cases stay finite in JSON.
        cases.logBelow.push(Math.min(LOG_CAP, q.lower > 0 ? Math.log(q.median / q.lower) : LOG_CAP));
        cases.logAbove.push(Math.min(LOG_CAP, Math.log(q.upper / q.median)));
        cases.logRatioPoint!.push(q.point > 0 ? Math.min(LOG_CAP, Math.log(actual / q.point)) : LOG_CAP);
      }
    }
  }
  return cases;
}
