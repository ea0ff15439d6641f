/**
 * Alarm with hysteresis: raised after `raiseWindows` consecutive values above `raise`, cleared
 * after `clearWindows` consecutive values below `clear`. The two levels and the run lengths keep
 * one noisy window from flapping the alarm; values between the levels reset neither run.
 */
import type { AlarmConfig } from './anomaly-config.ts';

export interface HysteresisAlarmState {
  active: boolean;
  above: number;
  below: number;
}

export class HysteresisAlarm {
  readonly config: AlarmConfig;
  active = false;
  #above = 0;
  #below = 0;

  constructor(config: AlarmConfig, state?: HysteresisAlarmState) {
    this.config = config;
    if (state !== undefined) {
      this.active = state.active;
      this.#above = state.above;
      this.#below = state.below;
    }
  }

  /** Feed one value; returns whether the alarm is active afterwards. */
  update(value: number): boolean {
    const c = this.config;
    this.#above = value > c.raise ? this.#above + 1 : 0;
    this.#below = value < c.clear ? this.#below + 1 : 0;
    if (!this.active && this.#above >= c.raiseWindows) this.active = true;
    else if (this.active && this.#below >= c.clearWindows) this.active = false;
    return this.active;
  }

  toJSON(): HysteresisAlarmState {
    return { active: this.active, above: this.#above, below: this.#below };
  }
}
