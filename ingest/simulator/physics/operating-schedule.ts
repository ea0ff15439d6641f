/**
 * The repeating schedule of operating modes (wall time), with linear ramps of speed and load
 * into each mode so speed changes are smooth.
 */
export interface ModeSegment {
  mode: string;
  durationS: number;
  /** Set by a drive; undefined = direct on line (speed follows from slip). */
  speedRpm?: number | undefined;
  loadPct: number;
}

export interface ScheduleSample {
  mode: string;
  /** Segment being left during a ramp (equals `to` otherwise). */
  from: ModeSegment;
  to: ModeSegment;
  /** 0 at the start of the ramp, 1 once the new mode is reached. */
  blend: number;
}

export class OperatingSchedule {
  readonly #modes: readonly ModeSegment[];
  readonly #rampS: number;
  readonly #starts: Float64Array;
  readonly cycleS: number;

  constructor(modes: readonly ModeSegment[], rampS: number) {
    if (modes.length === 0) throw new RangeError('OperatingSchedule: at least one mode is needed');
    this.#modes = modes;
    this.#rampS = rampS;
    this.#starts = new Float64Array(modes.length);
    let t = 0;
    modes.forEach((m, i) => {
      this.#starts[i] = t;
      t += m.durationS;
    });
    this.cycleS = t;
  }

  /** The schedule at `tS` seconds after its origin. */
  at(tS: number): ScheduleSample {
    const modes = this.#modes;
    const tau = ((tS % this.cycleS) + this.cycleS) % this.cycleS;
    let i = modes.length - 1;
    while (i > 0 && this.#starts[i] > tau) i--;
    const to = modes[i];
    const from = modes[(i - 1 + modes.length) % modes.length];
    const ramp = Math.min(this.#rampS, to.durationS);
    const into = tau - this.#starts[i];
    const blend = modes.length === 1 || ramp <= 0 || into >= ramp ? 1 : into / ramp;
    return { mode: to.mode, from, to, blend };
  }

  /** Time-weighted mean load, % of rated: the typical running point. */
  meanLoadPct(): number {
    return this.#modes.reduce((s, m) => s + m.loadPct * m.durationS, 0) / this.cycleS;
  }
}
