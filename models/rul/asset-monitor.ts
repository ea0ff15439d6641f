/**
 * Health, alarms and remaining useful life of one asset, one window at a time (the stream
 * processor calls it per machine; `pdm rul` replays a recorded history through it).
 *
 *   features -> anomaly model (baseline, Mahalanobis score, hysteresis alarm)
 *            -> health index: mean one-sided log-ratio of the positive features to their
 *               baseline, running median; reported as exp(.), so 1 = baseline, 2 = twice it
 *            -> onset CUSUM on the health index (degradation detected / not, onset time)
 *            -> remaining life: the fleet's lives (kernel estimate, or a Bayesian Weibull)
 *               conditioned on age before onset ('fleet'); from onset on, the first of the
 *               Bayesian exponential degradation model's crossing and the fleet's life (or the
 *               fleet taking only the mass the trend leaves unassigned) ('degradation'); optionally
 *               calibrated on the training histories; null only with no training histories and
 *               no onset
 *            -> NE 107 health state.
 *
 * State serialises to versioned JSON (`toJSON` / `fromJSON`) and a restored monitor continues with
 * bit-identical outputs.
 */
import { PdmError } from '../../common/errors.ts';
import {
  AnomalyDetector,
  type AnomalyDetectorState,
  checkStateVersion,
  type EnergyReading,
  newAnomalyResult,
} from '../anomaly/anomaly-detector.ts';
import { type FeatureRecord, readFeatures } from '../anomaly/feature-vector.ts';
import { parseModelConfig } from '../anomaly/model-config.ts';
import { type HealthEvidence, type HealthState, healthState, type IsoZone } from '../health/ne107.ts';
import { type SystemEvent, SystemEventDetector, type SystemEventState } from '../health/system-event.ts';
import { conformalScale, pointFactor, type RulCalibrationCases, residualKernel } from './calibration.ts';
import {
  BrownianTrend,
  type DegradationPrior,
  type TrendModel,
  vagueDegradationPrior,
  WhiteNoiseTrend,
} from './exponential-degradation.ts';
import { FeatureLimitCriterion, type FeatureLimitState } from './feature-limit.ts';
import { type FleetLife, KernelLifeFleet } from './kernel-fleet.ts';
import { MedianSmoother, type MedianSmootherState } from './median-smoother.ts';
import { type MonitorConfig, type MonitorConfigInput, MonitorConfigSpec } from './monitor-config.ts';
import { type OnsetConfig, OnsetCusum, type OnsetCusumState } from './onset-cusum.ts';
import { onsetThreshold } from './onset-threshold.ts';
import { type RulEstimate, RulSolver } from './rul-distribution.ts';
import { type HealthPath, TrajectoryMatch, type TrajectoryMatchState } from './trajectory.ts';
import { WeibullFleet } from './weibull-fleet.ts';

/** What run-to-failure histories of similar machines teach (see fleet-training.ts). */
export interface FleetKnowledge {
  /** Lifetimes in seconds, one per training history. */
  lifetimesS: number[];
  /** Smoothed log health index at failure, one per history that had one. */
  failureLogHi: number[];
  /** Seconds from detected degradation onset to failure, one per history with an onset. */
  stageDurationsS: number[];
  /** Prior of the degradation model, null when no history showed a degradation trend. */
  prior: DegradationPrior | null;
  /**
   * Inner leave-one-out cases of the model on the training histories (calibration.ts), when
   * learnt with a calibration method (absent in fleets learnt before it existed, or without one).
   */
  calibration?: RulCalibrationCases | null;
  /**
   * Each history's smoothed log health index over its life, in the order of `lifetimesS`
   * (trajectory.ts; absent in fleets learnt before it existed).
   */
  paths?: HealthPath[] | null;
}

export type RulBasis = 'fleet' | 'degradation' | null;

export interface AssetStatus {
  time: number;
  /** Seconds since the asset's first window. */
  age: number;
  phase: 'baseline' | 'monitoring';
  /** Anomaly score (standard normal units under the baseline); NaN during the baseline. */
  score: number;
  /** Anomaly alarm (hysteresis). */
  alarm: boolean;
  degradation: boolean;
  /** Estimated degradation onset time, NaN when none. */
  onsetTime: number;
  /** exp(smoothed log health index): 1 = baseline level. */
  healthIndex: number;
  logHealthIndex: number;
  state: HealthState;
  rulBasis: RulBasis;
  /** Remaining life in seconds; NaN fields when rulBasis is null. */
  rul: RulEstimate;
  /**
   * A system event confirmed at this window (a step common to every location, flat after it:
   * models/health/system-event.ts); the model re-baselined. Null otherwise.
   */
  systemEvent: SystemEvent | null;
  /** A common step is being confirmed: alarm and degradation are held at their values before it. */
  systemEventPending: boolean;
}

export function newAssetStatus(): AssetStatus {
  return {
    time: Number.NaN,
    age: Number.NaN,
    phase: 'baseline',
    score: Number.NaN,
    alarm: false,
    degradation: false,
    onsetTime: Number.NaN,
    healthIndex: 1,
    logHealthIndex: 0,
    state: 'normal',
    rulBasis: null,
    rul: { median: Number.NaN, lower: Number.NaN, upper: Number.NaN, point: Number.NaN },
    systemEvent: null,
    systemEventPending: false,
  };
}

export interface AssetMonitorState {
  version: 1;
  config: MonitorConfig;
  fleet: FleetKnowledge | null;
  detector: AnomalyDetectorState;
  firstTime: number | null;
  lastTime: number | null;
  baselineDurationS: number | null;
  smoother: MedianSmootherState;
  onset: OnsetCusumState | null;
  /** The feature-limit criterion's state (absent in states written before it existed). */
  featureLimit?: FeatureLimitState | null;
  /** The system-event detector's state (absent in states written before it existed: it starts afresh). */
  systemEvent?: SystemEventState | null;
  /** The trajectory match's running sums (with `rul.fleetModel: matched`; absent before it existed). */
  match?: TrajectoryMatchState | null;
}

export class AssetMonitor {
  readonly config: MonitorConfig;
  readonly fleet: FleetKnowledge | null;
  readonly where: string;
  readonly #fleetLife: FleetLife | null;
  readonly #stageFleetLife: FleetLife | null;
  readonly #logThresholds: number[];
  readonly #medianLogThreshold: number;
  /** The training histories' log failure levels, ascending, when the thresholds are learnt from them (else null). */
  readonly #learntLevels: number[] | null;
  /** Their spread (sample standard deviation, at least 0.1 neper). */
  readonly #learntSpread: number;
  /** This window's thresholds (reused: no allocation per window). */
  readonly #thresholdsNow: number[] = [];
  readonly #longestLifeS: number;
  /** The calibration applied to every remaining-life distribution, null for none. */
  readonly #calibration: Parameters<RulSolver['calibrate']>[1] | null;
  /** Factor on the score-optimal point learnt from the inner cases (1: none). */
  readonly #pointFactor: number;
  #detector: AnomalyDetector;
  #firstTime: number | null = null;
  #lastTime: number | null = null;
  #baselineDurationS: number | null = null;
  #smoother: MedianSmoother;
  #onset: OnsetCusum | null = null;
  #prior: DegradationPrior | null = null;
  readonly #anomaly = newAnomalyResult();
  readonly #white = new WhiteNoiseTrend();
  readonly #brownian = new BrownianTrend();
  readonly #solver = new RulSolver();
  readonly #evidence: HealthEvidence;
  #limit: FeatureLimitCriterion | null = null;
  /** The asset's path against the training histories' (fleetModel 'matched'), null otherwise. */
  #match: TrajectoryMatch | null;
  #events: SystemEventDetector | null = null;
  #raw = new Float64Array(0);

  /** Without remaining life (`rulBasis` stays null): a training replay needs the index and the onset only. */
  readonly #remainingLife: boolean;

  constructor(
    config: MonitorConfigInput = {},
    fleet: FleetKnowledge | null = null,
    where = 'asset',
    options: { remainingLife?: boolean } = {},
  ) {
    this.#remainingLife = options.remainingLife ?? true;
    this.config = parseModelConfig(MonitorConfigSpec, config, where);
    this.where = where;
    this.fleet =
      fleet === null
        ? null
        : {
            lifetimesS: [...fleet.lifetimesS],
            failureLogHi: [...fleet.failureLogHi],
            stageDurationsS: [...fleet.stageDurationsS],
            prior: fleet.prior === null ? null : { ...fleet.prior },
            ...(fleet.calibration
              ? {
                  calibration: {
                    logRatio: [...fleet.calibration.logRatio],
                    logBelow: [...fleet.calibration.logBelow],
                    logAbove: [...fleet.calibration.logAbove],
                    ...(fleet.calibration.logRatioPoint ? { logRatioPoint: [...fleet.calibration.logRatioPoint] } : {}),
                  },
                }
              : {}),
            ...(fleet.paths ? { paths: fleet.paths.map((p) => ({ t: [...p.t], y: [...p.y] })) } : {}),
          };
    const r = this.config.rul;
    const lives = (ts: number[]): FleetLife =>
      r.fleetModel === 'weibull' ? new WeibullFleet(ts, r.weibullPrior) : new KernelLifeFleet(ts, r.kernelBandwidth);
    const paths = this.fleet?.paths;
    this.#match =
      r.fleetModel === 'matched' && paths && this.fleet !== null && paths.length === this.fleet.lifetimesS.length && paths.length > 1
        ? new TrajectoryMatch(paths)
        : null;
    this.#fleetLife = fleet !== null && fleet.lifetimesS.length > 0 ? lives(fleet.lifetimesS) : null;
    this.#stageFleetLife = fleet !== null && fleet.stageDurationsS.length > 0 && r.stageFleet ? lives(fleet.stageDurationsS) : null;
    this.#logThresholds =
      r.failureThreshold !== undefined
        ? [Math.log(r.failureThreshold)]
        : fleet !== null && fleet.failureLogHi.length > 0
          ? r.thresholds === 'lowest'
            ? [Math.min(...fleet.failureLogHi)]
            : fleet.failureLogHi.filter((d) => d > 0)
          : [Math.log(r.defaultFailureThreshold)];
    if (this.#logThresholds.length === 0) this.#logThresholds.push(Math.log(r.defaultFailureThreshold));
    this.#medianLogThreshold = median(this.#logThresholds);
    const learnt = r.failureThreshold === undefined && fleet !== null ? fleet.failureLogHi.filter((d) => d > 0).sort((a, b) => a - b) : [];
    this.#learntLevels = learnt.length > 0 ? learnt : null;
    const mean = learnt.reduce((a, d) => a + d, 0) / Math.max(1, learnt.length);
    const sd = learnt.length > 1 ? Math.sqrt(learnt.reduce((a, d) => a + (d - mean) ** 2, 0) / (learnt.length - 1)) : 0;
    this.#learntSpread = Math.max(sd, 0.1);
    this.#longestLifeS = this.fleet !== null && this.fleet.lifetimesS.length > 0 ? Math.max(...this.fleet.lifetimesS) : 0;
    this.#calibration = null;
    const cases = this.fleet?.calibration;
    if (cases && r.calibration.method === 'scale') {
      const scale = conformalScale(cases, r.coverage);
      if (Number.isFinite(scale)) this.#calibration = { method: 'scale', scale };
    } else if (cases && r.calibration.method === 'residual') {
      const k = residualKernel(cases);
      if (k !== null) this.#calibration = { method: 'residual', ...k };
    }
    const factor = cases && r.calibration.point ? pointFactor(cases) : Number.NaN;
    this.#pointFactor = Number.isFinite(factor) ? factor : 1;
    this.#detector = new AnomalyDetector(this.config.anomaly, where);
    this.#smoother = new MedianSmoother(this.config.smoothingWindows);
    if (r.featureLimit !== undefined) this.#limit = new FeatureLimitCriterion(r.featureLimit, this.config.smoothingWindows, where);
    this.#evidence = {
      alarm: false,
      degradation: false,
      logHealthIndex: Number.NaN,
      logFailureThreshold: this.#medianLogThreshold,
      isoZone: undefined,
      outOfSpecFraction: this.config.outOfSpecFraction,
    };
  }

  /** Log failure thresholds in use (nepers above baseline). */
  get logThresholds(): readonly number[] {
    return this.#logThresholds;
  }

  get detector(): AnomalyDetector {
    return this.#detector;
  }

  /** The onset detector's live state (null during the baseline); read-only use. */
  get onset(): OnsetCusum | null {
    return this.#onset;
  }

  update(out: AssetStatus, time: number, features: FeatureRecord, energy?: EnergyReading, isoZone?: IsoZone): AssetStatus {
    if (this.#lastTime !== null && !(time > this.#lastTime)) {
      throw new PdmError('PDM_ERR_INPUT_VALUE', `${this.where}: time ${time} is not after the previous window's ${this.#lastTime}`, {
        where: this.where,
        time,
      });
    }
    const a = this.#detector.update(this.#anomaly, time, features, energy);
    this.#lastTime = time;
    if (this.#firstTime === null) this.#firstTime = time;
    const age = time - this.#firstTime;
    out.time = time;
    out.age = age;
    out.phase = a.phase;
    out.score = a.score;
    out.alarm = a.alarm;
    if (a.phase === 'baseline') {
      this.#limit?.learn(features);
      const frozen = this.#detector.baseline;
      if (frozen !== null) {
        this.#startMonitoring(frozen.hiMean, frozen.hiSd, age);
        this.#limit?.freeze();
      }
      out.healthIndex = 1;
      out.logHealthIndex = 0;
      out.degradation = false;
      out.onsetTime = Number.NaN;
    } else {
      const logHi = this.#smoother.push(a.healthIndex);
      const onset = this.#onset!;
      out.degradation = onset.update(time, logHi);
      this.#limit?.update(time, features, onset.onsetTime);
      out.onsetTime = out.degradation && onset.onsetTime !== null ? onset.onsetTime : Number.NaN;
      out.logHealthIndex = logHi;
      out.healthIndex = Math.exp(logHi);
      this.#match?.update(age, logHi);
    }
    this.#judgeSystemEvent(out, time, features);
    if (this.#remainingLife) this.#estimateRul(out, age);
    this.#events?.noteReported(out.alarm, out.degradation);
    const e = this.#evidence;
    e.alarm = out.alarm;
    e.degradation = out.degradation;
    e.logHealthIndex = a.phase === 'baseline' ? Number.NaN : out.logHealthIndex;
    e.isoZone = isoZone;
    e.limitReached = this.#limit?.reached ?? false;
    out.state = healthState(e);
    return out;
  }

  /**
   * Feeds the system-event detector; while a common step is pending, the alarm and degradation
   * are held at their values before it; once it is confirmed, the baseline moves by the steps and
   * the onset test and smoother restart on the new level.
   */
  #judgeSystemEvent(out: AssetStatus, time: number, features: FeatureRecord): void {
    out.systemEvent = null;
    out.systemEventPending = false;
    if (!this.config.systemEvent.enabled) return;
    const names = this.#detector.featureNames;
    if (names === null) return;
    if (this.#events === null) {
      this.#events = new SystemEventDetector(this.config.systemEvent, names, this.where);
      this.#raw = new Float64Array(names.length);
    }
    readFeatures(this.#raw, names, features, this.where);
    const b = this.#detector.baseline;
    const v = this.#events.update(time, this.#raw, b === null ? null : b.kinds.slice(0, names.length));
    if (v.state === 'pending' || v.state === 'confirmed') {
      out.alarm = v.alarm;
      out.degradation = v.degradation;
      if (!v.degradation) out.onsetTime = Number.NaN;
      out.systemEventPending = v.state === 'pending';
    }
    if (v.state !== 'confirmed') return;
    out.systemEvent = v.event;
    this.#detector.rebaseline(v.shifts, v.alarm);
    const nb = this.#detector.baseline!;
    if (!v.degradation) this.#onset = new OnsetCusum(this.#onsetConfig(), nb.hiMean, nb.hiSd);
    this.#smoother = new MedianSmoother(this.config.smoothingWindows);
  }

  #startMonitoring(hiMean: number, hiSd: number, baselineDurationS: number): void {
    if (!Number.isFinite(hiMean) || !Number.isFinite(hiSd)) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `${this.where}: the health index needs at least one feature that stayed positive through the baseline (an amplitude, a kurtosis, a band energy), and none did`,
        { where: this.where },
      );
    }
    this.#baselineDurationS = Math.max(1, baselineDurationS);
    this.#onset = new OnsetCusum(this.#onsetConfig(), hiMean, hiSd);
    this.#prior = this.#priorFor(this.#baselineDurationS);
  }

  #onsetConfig(): OnsetConfig {
    const { drift, threshold, cap, baselineGuard, falseOnsetsPerYear, longRunVariance } = this.config.onset;
    // The index is standardised by the baseline's mean, itself estimated from `count` windows; its
    // error (about 1/sqrt(count) of the index's spread, whatever the features' correlation) stays
    // for the whole run, so the deciding statistic's drift is widened by that many standard errors.
    const count = this.#detector.baseline?.count ?? 0;
    const guard = count > 0 ? baselineGuard / Math.sqrt(count) : 0;
    return { drift, threshold: threshold ?? this.#thresholdInTime(count, falseOnsetsPerYear, drift, longRunVariance), cap, guard };
  }

  /**
   * The decision threshold that holds a healthy asset to `falseOnsetsPerYear` at the window
   * interval its baseline showed (its duration over its windows: stops and gaps included, as they
   * are in the windows a year holds). The design drift is the unguarded one: the guard is spent on
   * a baseline mean that came out low by as much as it allows.
   */
  #thresholdInTime(count: number, falseOnsetsPerYear: number, drift: number, longRunVariance: number): number {
    const intervalS = Math.max(1e-3, (this.#baselineDurationS ?? 1) / Math.max(1, count - 1));
    return onsetThreshold({ falseOnsetsPerYear, windowIntervalS: intervalS, drift, longRunVariance });
  }

  #priorFor(baselineDurationS: number): DegradationPrior {
    if (this.fleet?.prior) return this.fleet.prior;
    return vagueDegradationPrior(0, this.#detector.baseline!.hiSd, baselineDurationS, this.config.rul.vagueSlopeScale);
  }

  #estimateRul(out: AssetStatus, age: number): void {
    const r = this.config.rul;
    const horizon = r.horizonFactor * Math.max(age, this.#longestLifeS, this.#baselineDurationS ?? 0, 1);
    const onset = this.#onset;
    const degrading = out.degradation && onset !== null && onset.onsetTime !== null;
    const tau = degrading ? out.time - onset.onsetTime! : 0;
    let trend: TrendModel | null = null;
    if (degrading) {
      trend =
        r.noise === 'brownian'
          ? this.#brownian.update(onset.sums, this.#prior!)
          : this.#white.update(onset.sums, this.#prior!, r.correctAutocorrelation, tau);
    }
    if (this.#match !== null && this.#fleetLife instanceof KernelLifeFleet) this.#fleetLife.setWeights(this.#match.weights());
    const limitTrend = degrading && this.#limit !== null ? this.#limit.trend(this.#baselineDurationS!, r.vagueSlopeScale) : null;
    const ok = this.#solver.solve(out.rul, {
      trend,
      tau,
      logThresholds: degrading ? this.#thresholdsAt(out.logHealthIndex) : this.#logThresholds,
      fleet: this.#fleetLife,
      age,
      stageFleet: degrading ? this.#stageFleetLife : null,
      trendWeight: r.combine === 'mixture' ? 0.5 : 1,
      fallbackToFleet: r.combine !== 'trend',
      firstOfTrendAndFleet: r.combine === 'first',
      horizon,
      coverage: r.coverage,
      limit: limitTrend === null ? null : { trend: limitTrend, logLimit: this.#limit!.logLimit },
    });
    if (ok && this.#calibration !== null) this.#solver.calibrate(out.rul, this.#calibration, r.coverage, horizon);
    if (ok) out.rul.point *= this.#pointFactor;
    if (!ok) {
      out.rulBasis = null;
      out.rul.median = Number.NaN;
      out.rul.lower = Number.NaN;
      out.rul.upper = Number.NaN;
      out.rul.point = Number.NaN;
    } else out.rulBasis = degrading ? 'degradation' : 'fleet';
  }

  /**
   * The remaining life at the last window's state, into `out.rul` and `out.rulBasis`, for a
   * monitor built without remaining life (`remainingLife: false`): the inner leave-one-out of the
   * calibration asks it only at its cuts. `out` must be the status the last `update` wrote.
   */
  remainingLifeNow(out: AssetStatus): AssetStatus {
    if (out.phase === 'monitoring') this.#estimateRul(out, out.age);
    return out;
  }

  /**
   * The failure thresholds for a running asset at log index `level`. A threshold learnt from other
   * machines' failures is where they failed, not a failure criterion of this one: an asset running
   * at or above a training history's failure level shows that its own level is higher, so (with
   * `unreachedThresholds`) those levels are dropped and the lowest of the rest is used ('lowest'),
   * or all of the rest ('all'). Above every training level, the only knowledge is that the asset's
   * level lies above its current one by about the scatter of failure levels between machines: one
   * threshold that far above. Remaining life then never reads 0 s while the asset runs; it comes
   * from how fast the index approaches its next plausible failure level. A configured
   * `failureThreshold` (or the default without training) is a definition of failure and stays.
   */
  #thresholdsAt(level: number): readonly number[] {
    const levels = this.#learntLevels;
    if (!this.config.rul.unreachedThresholds || levels === null) return this.#logThresholds;
    const out = this.#thresholdsNow;
    out.length = 0;
    for (const d of levels) {
      if (d > level) {
        out.push(d);
        if (this.config.rul.thresholds === 'lowest') break;
      }
    }
    if (out.length === 0) out.push(level + this.#learntSpread);
    return out;
  }

  toJSON(): AssetMonitorState {
    return {
      version: 1,
      config: this.config,
      fleet: this.fleet,
      detector: this.#detector.toJSON(),
      firstTime: this.#firstTime,
      lastTime: this.#lastTime,
      baselineDurationS: this.#baselineDurationS,
      smoother: this.#smoother.toJSON(),
      onset: this.#onset === null ? null : this.#onset.toJSON(),
      featureLimit: this.#limit === null ? null : this.#limit.toJSON(),
      systemEvent: this.#events === null ? null : this.#events.toJSON(),
      ...(this.#match === null ? {} : { match: this.#match.toJSON() }),
    };
  }

  static fromJSON(state: AssetMonitorState, where = 'asset'): AssetMonitor {
    checkStateVersion(state, where);
    const m = new AssetMonitor(withOnsetRateInTime(state.config), state.fleet, where);
    m.#detector = AnomalyDetector.fromJSON(state.detector, where);
    m.#firstTime = state.firstTime;
    m.#lastTime = state.lastTime;
    m.#smoother = new MedianSmoother(m.config.smoothingWindows, state.smoother);
    if (m.#limit !== null && state.featureLimit) {
      m.#limit = new FeatureLimitCriterion(m.config.rul.featureLimit!, m.config.smoothingWindows, where, state.featureLimit);
    }
    const names = m.#detector.featureNames;
    if (state.systemEvent && names !== null && m.config.systemEvent.enabled) {
      m.#events = new SystemEventDetector(m.config.systemEvent, names, where, state.systemEvent);
      m.#raw = new Float64Array(names.length);
    }
    if (m.#match !== null && state.match) m.#match = new TrajectoryMatch(m.fleet!.paths!, state.match);
    const b = m.#detector.baseline;
    if (state.onset !== null) {
      if (b === null || state.baselineDurationS === null)
        throw new PdmError('PDM_ERR_MODEL_STATE', `${where}: onset state without a baseline`, { where });
      m.#baselineDurationS = state.baselineDurationS;
      m.#onset = new OnsetCusum(m.#onsetConfig(), b.hiMean, b.hiSd, state.onset);
      m.#prior = m.#priorFor(state.baselineDurationS);
    }
    return m;
  }
}

/**
 * A state written before the onset threshold was set in time holds the old default, 10 windows,
 * as if it had been chosen (the resolved configuration travels with the state); it gets the
 * threshold from the false-onset rate instead. A threshold set to anything else stays.
 */
function withOnsetRateInTime(config: MonitorConfig): MonitorConfigInput {
  const onset = config.onset as MonitorConfig['onset'] & { falseOnsetsPerYear?: number };
  if (onset.falseOnsetsPerYear !== undefined || onset.threshold !== 10) return config;
  const { threshold: _oldDefault, ...rest } = onset;
  return { ...config, onset: rest };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 === 1 ? s[(n - 1) >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}
