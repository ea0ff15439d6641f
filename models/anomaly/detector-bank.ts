/**
 * One anomaly model per machine and operating mode, created on first sight with a shared
 * configuration: a press idling and the same press stamping have different healthy baselines,
 * and a model that mixed them would either miss faults or alarm on every mode change.
 */
import { PdmError } from '../../common/errors.ts';
import type { AnomalyConfigInput } from './anomaly-config.ts';
import {
  AnomalyDetector,
  type AnomalyDetectorState,
  type AnomalyResult,
  checkStateVersion,
  type EnergyReading,
} from './anomaly-detector.ts';
import type { FeatureRecord } from './feature-vector.ts';

export interface DetectorBankState {
  version: 1;
  config: AnomalyConfigInput;
  detectors: { machine: string; mode: string; state: AnomalyDetectorState }[];
}

export class AnomalyDetectorBank {
  readonly config: AnomalyConfigInput;
  readonly #detectors = new Map<string, { machine: string; mode: string; detector: AnomalyDetector }>();

  constructor(config: AnomalyConfigInput = {}) {
    this.config = config;
    new AnomalyDetector(config, 'anomaly configuration'); // validate once, up front
  }

  detector(machine: string, mode: string): AnomalyDetector {
    const key = `${machine}\u0000${mode}`;
    let entry = this.#detectors.get(key);
    if (entry === undefined) {
      entry = { machine, mode, detector: new AnomalyDetector(this.config, `machine ${machine}, mode ${mode}`) };
      this.#detectors.set(key, entry);
    }
    return entry.detector;
  }

  update(out: AnomalyResult, machine: string, mode: string, time: number, features: FeatureRecord, energy?: EnergyReading): AnomalyResult {
    return this.detector(machine, mode).update(out, time, features, energy);
  }

  toJSON(): DetectorBankState {
    const detectors = [...this.#detectors.values()]
      .map((e) => ({ machine: e.machine, mode: e.mode, state: e.detector.toJSON() }))
      .sort((a, b) => (a.machine === b.machine ? (a.mode < b.mode ? -1 : 1) : a.machine < b.machine ? -1 : 1));
    return { version: 1, config: this.config, detectors };
  }

  static fromJSON(state: DetectorBankState): AnomalyDetectorBank {
    checkStateVersion(state, 'anomaly detector bank');
    if (!Array.isArray(state.detectors)) throw new PdmError('PDM_ERR_MODEL_STATE', 'anomaly detector bank: detectors must be an array');
    const bank = new AnomalyDetectorBank(state.config);
    for (const d of state.detectors) {
      bank.#detectors.set(`${d.machine}\u0000${d.mode}`, {
        machine: d.machine,
        mode: d.mode,
        detector: AnomalyDetector.fromJSON(d.state, `machine ${d.machine}, mode ${d.mode}`),
      });
    }
    return bank;
  }
}
