/**
 * A machine's operating mode from its live speed and load, so each mode gets its own healthy
 * baseline: a fan at night speed, or a compressor unloaded, vibrates differently from the same
 * machine at full duty, and one baseline for both would alarm on every mode change (or, learnt
 * over both, miss faults). Modes are bins of speed (relative steps, so the same setting suits
 * any machine size) and of load (percentage points). A reading must move well into another bin
 * (three quarters of a step beyond the current bin's centre) before the mode changes, so a value
 * wandering around a bin edge does not flap between two baselines.
 */

export interface OperatingModeConfig {
  /** Width of a speed bin, % of the speed (relative: log-spaced bins). */
  speedStepPct: number;
  /** Width of a load bin, percentage points of rated load. */
  loadStepPct: number;
}

export interface OperatingModeState {
  speedBin: number | null;
  loadBin: number | null;
}

/** The mode of a machine without speed or load readings: one baseline for everything. */
export const SINGLE_MODE = 'all';

const HYSTERESIS = 0.75;

export class OperatingModeTracker {
  readonly #speedStep: number;
  readonly #loadStep: number;
  #speedBin: number | null = null;
  #loadBin: number | null = null;

  constructor(config: OperatingModeConfig, state?: OperatingModeState) {
    if (!(config.speedStepPct > 0)) throw new RangeError(`operating modes: speedStepPct must be positive, got ${config.speedStepPct}`);
    if (!(config.loadStepPct > 0)) throw new RangeError(`operating modes: loadStepPct must be positive, got ${config.loadStepPct}`);
    this.#speedStep = Math.log1p(config.speedStepPct / 100);
    this.#loadStep = config.loadStepPct;
    if (state) {
      this.#speedBin = state.speedBin;
      this.#loadBin = state.loadBin;
    }
  }

  /** Takes a reading (either value may be missing); returns the mode it leaves the machine in. */
  update(speedRpm: number | undefined, loadPct: number | undefined): string {
    if (speedRpm !== undefined && Number.isFinite(speedRpm) && speedRpm > 0) this.#speedBin = follow(this.#speedBin, Math.log(speedRpm) / this.#speedStep);
    if (loadPct !== undefined && Number.isFinite(loadPct)) this.#loadBin = follow(this.#loadBin, loadPct / this.#loadStep);
    return this.mode;
  }

  /** e.g. `1450rpm/75%`: the bins' centres, readable in dashboards and logs. */
  get mode(): string {
    const parts: string[] = [];
    if (this.#speedBin !== null) parts.push(`${Math.round(Math.exp(this.#speedBin * this.#speedStep))}rpm`);
    if (this.#loadBin !== null) parts.push(`${Math.round(this.#loadBin * this.#loadStep)}%`);
    return parts.length > 0 ? parts.join('/') : SINGLE_MODE;
  }

  toJSON(): OperatingModeState {
    return { speedBin: this.#speedBin, loadBin: this.#loadBin };
  }
}

/** The bin a value in bin units belongs to, staying in the current one within the hysteresis. */
function follow(current: number | null, value: number): number {
  if (current !== null && Math.abs(value - current) <= HYSTERESIS) return current;
  return Math.round(value);
}
