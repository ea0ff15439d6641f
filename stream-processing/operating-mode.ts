/**
 * A machine's operating mode from its live speed and load, so each mode gets its own healthy
 * baseline: a fan at night speed, or a compressor unloaded, vibrates and draws power differently
 * from the same machine at full duty, and one baseline for both would alarm on every change of
 * duty (or, learnt over both, miss faults).
 *
 * Modes are learnt as they appear, from steady states, not cut from a fixed grid (a grid puts two
 * real modes in one cell when they straddle its centre). A machine is steady when its last few
 * readings agree within a quarter of a step (speed in relative steps, so one setting suits any
 * machine size; load in percentage points). A reading within half a step of a known mode is in
 * that mode; a steady machine near no mode (more than a step away) has a new one, at the mean of
 * its steady readings; a steady machine between half a step and a step from a mode is in it.
 * Anything else is a transition (a run-up, a change of load): its windows feed no model, since
 * it is a steady state of neither mode. A first version took the first readings after start as a
 * mode; on the demo plant they were a ramp, and a pump's 90 % and 60 % load both joined its
 * 74 % "mode".
 *
 * A machine that reports active power but no load (most plant meters) uses its power as the load
 * proxy: power follows load (power-load.ts), in relative steps of `loadStepPct` (a 20 % step in
 * power is about a 20-point step of load near full load, where losses are small).
 */

export interface OperatingModeConfig {
  /** Speeds further apart than this (% of speed) are different modes. */
  speedStepPct: number;
  /** Loads further apart than this (percentage points) are different modes. */
  loadStepPct: number;
  /** Consecutive readings that must agree (steady state) before a new mode is established. */
  confirmReadings: number;
  /** Modes kept per machine; beyond, readings go to the nearest mode. */
  maxModes: number;
}

export const DEFAULT_OPERATING_MODES: OperatingModeConfig = { speedStepPct: 10, loadStepPct: 20, confirmReadings: 5, maxModes: 16 };

/** Distances, in steps: in a mode, steady, near enough to join a mode when steady. */
const IN_MODE = 0.5;
const STEADY = 0.25;
const JOIN = 1;

interface ModeCentre {
  name: string;
  /** ln(speed), or null when the machine reports no speed. */
  logSpeed: number | null;
  load: number | null;
  /** ln(power in kW) when the machine reports power but no load (absent in older states). */
  logPower?: number | null;
}

interface Reading {
  logSpeed: number | null;
  load: number | null;
  logPower?: number | null;
}

export interface OperatingModeState {
  modes: ModeCentre[];
  current: string;
  /** The last `confirmReadings` readings, oldest first. */
  recent: Reading[];
}

/** The mode of a machine without speed or load readings: one baseline for everything. */
export const SINGLE_MODE = 'all';
/** Between modes: the windows of this time feed no model. */
export const TRANSITION = 'transition';

export class OperatingModeTracker {
  readonly #config: OperatingModeConfig;
  readonly #speedStep: number;
  readonly #powerStep: number;
  #modes: ModeCentre[] = [];
  #current = SINGLE_MODE;
  #recent: Reading[] = [];

  constructor(config: OperatingModeConfig, state?: OperatingModeState) {
    if (!(config.speedStepPct > 0)) throw new RangeError(`operating modes: speedStepPct must be positive, got ${config.speedStepPct}`);
    if (!(config.loadStepPct > 0)) throw new RangeError(`operating modes: loadStepPct must be positive, got ${config.loadStepPct}`);
    if (!(Number.isInteger(config.confirmReadings) && config.confirmReadings >= 1))
      throw new RangeError(`operating modes: confirmReadings must be a positive integer, got ${config.confirmReadings}`);
    if (!(Number.isInteger(config.maxModes) && config.maxModes >= 1))
      throw new RangeError(`operating modes: maxModes must be a positive integer, got ${config.maxModes}`);
    this.#config = config;
    this.#speedStep = Math.log1p(config.speedStepPct / 100);
    this.#powerStep = Math.log1p(config.loadStepPct / 100);
    if (state) {
      this.#modes = state.modes.map((m) => ({ ...m }));
      this.#current = state.current;
      this.#recent = state.recent.map((r) => ({ ...r }));
    }
  }

  /**
   * Takes a reading (any value may be missing; power counts only without a load); returns the
   * mode it leaves the machine in.
   */
  update(speedRpm: number | undefined, loadPct: number | undefined, powerKw?: number): string {
    const logSpeed = speedRpm !== undefined && Number.isFinite(speedRpm) && speedRpm > 0 ? Math.log(speedRpm) : null;
    const load = loadPct !== undefined && Number.isFinite(loadPct) ? loadPct : null;
    const logPower = load === null && powerKw !== undefined && Number.isFinite(powerKw) && powerKw > 0 ? Math.log(powerKw) : null;
    if (logSpeed === null && load === null && logPower === null) return this.#current;
    const reading: Reading = logPower === null ? { logSpeed, load } : { logSpeed, load, logPower };
    this.#recent.push(reading);
    if (this.#recent.length > this.#config.confirmReadings) this.#recent.shift();

    let nearest: ModeCentre | null = null;
    let distance = Infinity;
    for (const m of this.#modes) {
      const d = this.#distance(m, reading);
      if (d < distance) [nearest, distance] = [m, d];
    }
    if (nearest && distance <= IN_MODE) {
      this.#current = nearest.name;
      return this.#current;
    }
    const steady = this.#steady();
    if (steady === null) {
      this.#current = TRANSITION;
      return this.#current;
    }
    if (nearest && (distance <= JOIN || this.#modes.length >= this.#config.maxModes)) {
      this.#current = nearest.name;
      return this.#current;
    }
    const mode: ModeCentre = { name: nameOf(steady), logSpeed: steady.logSpeed, load: steady.load };
    if (steady.logPower != null) mode.logPower = steady.logPower;
    this.#modes.push(mode);
    this.#current = mode.name;
    return this.#current;
  }

  get mode(): string {
    return this.#current;
  }

  /** The modes learnt so far, by name. */
  get modes(): string[] {
    return this.#modes.map((m) => m.name);
  }

  toJSON(): OperatingModeState {
    return { modes: this.#modes.map((m) => ({ ...m })), current: this.#current, recent: this.#recent.map((r) => ({ ...r })) };
  }

  /** The mean of the recent readings when they are enough and all agree within STEADY steps; else null. */
  #steady(): Reading | null {
    const r = this.#recent;
    if (r.length < this.#config.confirmReadings) return null;
    for (const a of r) for (const b of r) if (this.#distance(a, b) > STEADY) return null;
    const mean = (values: Array<number | null>): number | null => {
      const present = values.filter((v): v is number => v !== null);
      return present.length === values.length ? present.reduce((x, y) => x + y, 0) / present.length : null;
    };
    const logPower = mean(r.map((x) => x.logPower ?? null));
    return logPower === null
      ? { logSpeed: mean(r.map((x) => x.logSpeed)), load: mean(r.map((x) => x.load)) }
      : { logSpeed: mean(r.map((x) => x.logSpeed)), load: mean(r.map((x) => x.load)), logPower };
  }

  /** Distance in steps, the larger of speed's and load's (a reading missing one compares on the other). */
  #distance(m: Reading, p: Reading): number {
    let d = 0;
    let compared = false;
    if (m.logSpeed !== null && p.logSpeed !== null) {
      d = Math.max(d, Math.abs(m.logSpeed - p.logSpeed) / this.#speedStep);
      compared = true;
    }
    if (m.load !== null && p.load !== null) {
      d = Math.max(d, Math.abs(m.load - p.load) / this.#config.loadStepPct);
      compared = true;
    }
    if (m.logPower != null && p.logPower != null) {
      d = Math.max(d, Math.abs(m.logPower - p.logPower) / this.#powerStep);
      compared = true;
    }
    return compared ? d : Infinity;
  }
}

/** e.g. `1450rpm/85%`: the mode's steady speed and load when it was established. */
function nameOf(c: Reading): string {
  const parts: string[] = [];
  if (c.logSpeed !== null) parts.push(`${Math.round(Math.exp(c.logSpeed))}rpm`);
  if (c.load !== null) parts.push(`${Math.round(c.load)}%`);
  if (c.logPower != null) parts.push(`${Number(Math.exp(c.logPower).toPrecision(3))}kW`);
  return parts.join('/');
}
