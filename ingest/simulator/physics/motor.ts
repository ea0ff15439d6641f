/**
 * Three-phase induction motor, steady state, as the energy meter sees it.
 *
 * - Slip grows linearly with load (the linear part of the torque–slip curve): a direct-on-line
 *   motor slows from synchronous speed as load rises; a drive (VFD) holds the set speed and the
 *   supply frequency follows: f = n · p / 120 / (1 − s).
 * - Losses = fixed (iron, windage) + load losses ∝ load²; with 30 % fixed at rated, efficiency
 *   peaks near 65 % load and falls at light load, like real IE3 curves.
 * - Reactive power = magnetising (constant) + leakage ∝ load², so the power factor falls at
 *   light load (≈0.85 rated, ≈0.7 at half load, ≈0.5 at quarter load for the defaults).
 * - Degrading bearings and rotor faults add friction: more shaft power for the same process load.
 * - Current from P = √3 · V · I · PF, so the published values are consistent by construction.
 * - Winding and bearing temperatures are first-order lags (wall time) of their losses.
 */
import type { ValidMachine } from '../fleet-config.ts';

/** Fraction of rated losses that do not depend on load. */
const FIXED_LOSS_SHARE = 0.3;
/** Share of rated reactive power that is magnetising (load independent). */
const MAGNETISING_SHARE = 0.75;
/** Extra friction at severity 1, as a fraction of rated power. */
export const FRICTION_AT_FAILURE = { bearing: 0.02, rotor: 0.006 };
/** Winding temperature rise at rated load, K (class F insulation, class B rise). */
const WINDING_RISE_K = 80;
/** Bearing temperature rise at nominal speed, K; and extra rise of a failing bearing at severity 1. */
const BEARING_RISE_K = 28;
const BEARING_FAULT_RISE_K = 45;
export const WINDING_TIME_CONSTANT_S = 1200;
export const BEARING_TIME_CONSTANT_S = 600;

export interface MotorPoint {
  /** Actual shaft speed, rpm. */
  speedRpm: number;
  /** Supply frequency, Hz (0 when de-energised). */
  supplyHz: number;
  slip: number;
  /** Mechanical load fraction including extra friction. */
  shaftLoad: number;
  inputKw: number;
  reactiveKvar: number;
  powerFactor: number;
  lossKw: number;
  frictionKw: number;
  efficiency: number;
}

export class MotorModel {
  readonly ratedKw: number;
  readonly syncRpm: number;
  readonly ratedSlip: number;
  readonly poles: number;
  readonly lineHz: number;
  readonly #ratedLossKw: number;
  readonly #ratedQ: number;

  constructor(m: ValidMachine) {
    this.ratedKw = m.ratedPowerKw;
    this.poles = m.poles;
    this.lineHz = m.lineFrequencyHz;
    this.syncRpm = (120 * m.lineFrequencyHz) / m.poles;
    this.ratedSlip = 1 - m.nominalSpeedRpm / this.syncRpm;
    this.#ratedLossKw = m.ratedPowerKw * (1 / m.ratedEfficiency - 1);
    const ratedInput = m.ratedPowerKw + this.#ratedLossKw;
    this.#ratedQ = ratedInput * Math.tan(Math.acos(m.ratedPowerFactor));
  }

  /**
   * The motor's operating point.
   * @param setSpeedRpm speed held by a drive, or undefined for direct on line
   * @param load process load, fraction of rated
   * @param frictionFraction extra friction from faults, fraction of rated power
   * @param energised false when switched off (coasting)
   */
  point(setSpeedRpm: number | undefined, load: number, frictionFraction: number, energised: boolean): MotorPoint {
    const shaftLoad = Math.max(0, load + frictionFraction);
    const slip = this.ratedSlip * shaftLoad;
    let speedRpm: number;
    let supplyHz: number;
    if (setSpeedRpm === undefined) {
      supplyHz = this.lineHz;
      speedRpm = this.syncRpm * (1 - slip);
    } else {
      speedRpm = setSpeedRpm;
      supplyHz = (setSpeedRpm * this.poles) / 120 / (1 - slip);
    }
    if (!energised) {
      return {
        speedRpm,
        supplyHz: 0,
        slip: 0,
        shaftLoad,
        inputKw: 0,
        reactiveKvar: 0,
        powerFactor: 0,
        lossKw: 0,
        frictionKw: 0,
        efficiency: 0,
      };
    }
    const frictionKw = frictionFraction * this.ratedKw;
    const lossKw = this.#ratedLossKw * (FIXED_LOSS_SHARE + (1 - FIXED_LOSS_SHARE) * shaftLoad * shaftLoad);
    const inputKw = shaftLoad * this.ratedKw + lossKw;
    const reactiveKvar = this.#ratedQ * (MAGNETISING_SHARE + (1 - MAGNETISING_SHARE) * shaftLoad * shaftLoad);
    const powerFactor = inputKw / Math.hypot(inputKw, reactiveKvar);
    const efficiency = inputKw > 0 ? (load * this.ratedKw) / inputKw : 0;
    return { speedRpm, supplyHz, slip, shaftLoad, inputKw, reactiveKvar, powerFactor, lossKw, frictionKw, efficiency };
  }

  /** Steady-state winding temperature rise for a loss level, K. */
  windingRise(lossKw: number, frictionKw: number): number {
    // Friction heat from the bearings partly reaches the winding space.
    return (WINDING_RISE_K * (lossKw + 0.3 * frictionKw)) / this.#ratedLossKw;
  }

  /** Steady-state bearing temperature rise, K. */
  bearingRise(speedRatio: number, load: number, faultSeverity: number): number {
    return BEARING_RISE_K * speedRatio * (0.6 + 0.4 * Math.min(load, 1.2)) + BEARING_FAULT_RISE_K * Math.min(faultSeverity, 1.5);
  }
}

/** Line current from P = √3 · V · I · PF (kW, V → A). */
export function lineCurrent(inputKw: number, voltageV: number, powerFactor: number): number {
  return inputKw > 0 && powerFactor > 0 ? (inputKw * 1000) / (Math.sqrt(3) * voltageV * powerFactor) : 0;
}

/** One step of a first-order lag toward `target` over `dtS` with time constant `tauS`. */
export function lag(current: number, target: number, dtS: number, tauS: number): number {
  return target + (current - target) * Math.exp(-dtS / tauS);
}
