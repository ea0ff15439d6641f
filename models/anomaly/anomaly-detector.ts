/**
 * Anomaly model of one stream (one machine in one operating mode): learns its baseline online,
 * then scores each window by the Mahalanobis distance of its standardised features (vibration and,
 * optionally, the power-against-load residual) under the shrunk baseline covariance, calibrated to
 * a standard normal score, and drives a hysteresis alarm. One window at a time, allocation-free
 * after the baseline; state serialises to versioned JSON and restores exactly.
 */
import { PdmError } from '../../common/errors.ts';
import { type AnomalyConfig, type AnomalyConfigInput, AnomalyConfigSpec } from './anomaly-config.ts';
import { BaselineLearner, type BaselineLearnerState, FrozenBaseline, type FrozenBaselineState } from './baseline.ts';
import { checkFeatureNames, type FeatureRecord, readFeatures } from './feature-vector.ts';
import { HysteresisAlarm, type HysteresisAlarmState } from './hysteresis-alarm.ts';
import { chiSquareToNormal, quadraticForm } from './mahalanobis.ts';
import { parseModelConfig } from './model-config.ts';

export interface EnergyReading {
  powerW: number;
  /** Load in any consistent unit (torque, current, throughput...). */
  load: number;
}

/** Result of one window, written into a caller-owned object. */
export interface AnomalyResult {
  phase: 'baseline' | 'monitoring';
  /** Squared Mahalanobis distance (NaN during the baseline). */
  d2: number;
  /** d2 calibrated to a standard normal score under the baseline (scaled chi-square, Wilson-Hilferty), NaN during the baseline. */
  score: number;
  alarm: boolean;
  /** Raw one-sided health index (nepers above baseline), NaN during the baseline. */
  healthIndex: number;
}

export function newAnomalyResult(): AnomalyResult {
  return { phase: 'baseline', d2: Number.NaN, score: Number.NaN, alarm: false, healthIndex: Number.NaN };
}

export interface AnomalyDetectorState {
  version: 1;
  config: AnomalyConfig;
  names: string[];
  learner: BaselineLearnerState | null;
  baseline: FrozenBaselineState | null;
  alarm: HysteresisAlarmState;
}

export class AnomalyDetector {
  readonly config: AnomalyConfig;
  readonly where: string;
  #names: string[] | null;
  #learner: BaselineLearner | null = null;
  #baseline: FrozenBaseline | null = null;
  #alarm: HysteresisAlarm;
  #raw = new Float64Array(0);
  #y = new Float64Array(0);
  #z = new Float64Array(0);

  /** `where` names the stream in errors (e.g. `machine press-3, mode run`). */
  constructor(config: AnomalyConfigInput = {}, where = 'anomaly model') {
    this.config = parseModelConfig(AnomalyConfigSpec, config, where);
    this.where = where;
    this.#names = this.config.features ? [...this.config.features] : null;
    if (this.#names) this.#init(this.#names);
    this.#alarm = new HysteresisAlarm(this.config.alarm);
  }

  get baseline(): FrozenBaseline | null {
    return this.#baseline;
  }

  get featureNames(): readonly string[] | null {
    return this.#names;
  }

  /** Windows learnt into the baseline so far (while it is learnt; null once it is frozen). */
  get baselineCount(): number | null {
    if (this.#baseline !== null) return null;
    return this.#learner?.count ?? 0;
  }

  #init(names: string[], learner?: BaselineLearnerState): void {
    checkFeatureNames(names, this.where);
    const q = names.length;
    this.#raw = new Float64Array(q);
    this.#y = new Float64Array(q + 1);
    this.#z = new Float64Array(q + 1);
    this.#learner = new BaselineLearner(
      {
        names,
        baseline: this.config.baseline,
        transform: this.config.transform,
        direction: this.config.direction,
        energy: this.config.energy,
        healthIndex: this.config.healthIndex,
        where: this.where,
      },
      learner,
    );
  }

  /** Last standardised (one-sided where configured) feature deviations, valid after a monitoring update. */
  get lastZ(): Float64Array {
    return this.#z;
  }

  update(out: AnomalyResult, time: number, features: FeatureRecord, energy?: EnergyReading): AnomalyResult {
    if (!Number.isFinite(time))
      throw new PdmError('PDM_ERR_INPUT_VALUE', `${this.where}: time ${time} is not a finite number`, { where: this.where });
    if (this.#names === null) {
      this.#names = Object.keys(features).sort();
      this.#init(this.#names);
    }
    readFeatures(this.#raw, this.#names, features, this.where);
    let powerW = 0;
    let load = 0;
    if (this.config.energy) {
      if (energy === undefined || !Number.isFinite(energy.powerW) || !Number.isFinite(energy.load)) {
        throw new PdmError('PDM_ERR_INPUT_VALUE', `${this.where}: energy fusion is on but this window has no finite power and load`, {
          where: this.where,
        });
      }
      powerW = energy.powerW;
      load = energy.load;
    }
    if (this.#baseline === null) {
      const done = this.#learner!.push(time, this.#raw, powerW, load);
      if (done) {
        this.#baseline = this.#learner!.freeze();
        this.#learner = null;
      }
      out.phase = 'baseline';
      out.d2 = Number.NaN;
      out.score = Number.NaN;
      out.healthIndex = Number.NaN;
      out.alarm = false;
      return out;
    }
    const b = this.#baseline;
    b.transform(this.#y, this.#raw, powerW, load);
    b.standardize(this.#z, this.#y);
    const d2 = quadraticForm(b.precision, this.#z, b.dim);
    out.phase = 'monitoring';
    out.d2 = d2;
    out.score = chiSquareToNormal(d2 / b.calibration.scale, b.calibration.dof);
    out.healthIndex = b.healthIndex(this.#y);
    out.alarm = this.#alarm.update(out.score);
    return out;
  }

  /**
   * Moves the baseline's means by `shifts` (input features, transformed units) and restarts the
   * alarm's runs with the alarm as it stood before the shift (a system event: the healthy level
   * moved, models/health/system-event.ts).
   */
  rebaseline(shifts: ArrayLike<number>, alarmActive: boolean): void {
    if (this.#baseline === null) return;
    this.#baseline = this.#baseline.shifted(shifts);
    this.#alarm = new HysteresisAlarm(this.config.alarm, { active: alarmActive, above: 0, below: 0 });
  }

  toJSON(): AnomalyDetectorState {
    return {
      version: 1,
      config: this.config,
      names: this.#names === null ? [] : [...this.#names],
      learner: this.#learner === null ? null : this.#learner.toJSON(),
      baseline: this.#baseline === null ? null : this.#baseline.toJSON(),
      alarm: this.#alarm.toJSON(),
    };
  }

  static fromJSON(state: AnomalyDetectorState, where = 'anomaly model'): AnomalyDetector {
    checkStateVersion(state, where);
    const d = new AnomalyDetector(state.config, where);
    if (state.names.length > 0) {
      d.#names = [...state.names];
      d.#init(d.#names, state.learner ?? undefined);
    }
    if (state.baseline !== null) {
      d.#baseline = new FrozenBaseline(state.baseline);
      d.#learner = null;
    }
    d.#alarm = new HysteresisAlarm(d.config.alarm, state.alarm);
    return d;
  }
}

export function checkStateVersion(state: unknown, where: string): void {
  const version = (state as { version?: unknown } | null)?.version;
  if (version !== 1) {
    throw new PdmError(
      'PDM_ERR_MODEL_STATE',
      `${where}: unknown model state version ${JSON.stringify(version ?? null)} (this build reads version 1)`,
      {
        where,
        version: version ?? null,
      },
    );
  }
}
