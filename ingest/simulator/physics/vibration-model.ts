/**
 * The vibration "physics" of one machine, fixed at construction: which shaft harmonics each
 * condition (imbalance, misalignment, looseness, vane pass) puts on each of the six measurement
 * positions (DE/NDE × X horizontal, Y vertical, Z axial), the structural resonances seen at
 * each position, noise levels, and how bearing defects become trains of impacts.
 *
 * Levels are stated as velocity (mm/s RMS at nominal speed), as vibration analysts and
 * ISO 20816-3 do; they become acceleration amplitudes in g here. Rotor forces grow with the
 * square of speed, so acceleration scales with (speed / nominal)².
 */

import { type DefectFrequencies as DefectOrders, defectOrders } from '../../../models/bearing/geometry.ts';
import type { FaultType, Location, ValidMachine } from '../fleet-config.ts';
import {
  GroupRenderer,
  ImpulseSource,
  MODULATION_CAGE,
  MODULATION_NONE,
  MODULATION_SHAFT,
  type ModeSpec,
  modesEnergy,
} from './block-renderer.ts';
import { mixSeed, Xoshiro128 } from './prng.ts';

export const G0 = 9806.65; // mm/s² per g
export const POSITION_IDS = ['DE_X', 'DE_Y', 'DE_Z', 'NDE_X', 'NDE_Y', 'NDE_Z'] as const;
export type PositionId = (typeof POSITION_IDS)[number];

export function positionIndex(location: Location, axis: 'X' | 'Y' | 'Z'): number {
  return (location === 'DE' ? 0 : 3) + (axis === 'X' ? 0 : axis === 'Y' ? 1 : 2);
}

export function locationPositions(location: Location): number[] {
  return location === 'DE' ? [0, 1, 2] : [3, 4, 5];
}

/** Operating conditions over one block. */
export interface BlockConditions {
  shaftHz0: number;
  shaftHz1: number;
  /** Mechanical load as a fraction of rated (0..1.2). */
  load: number;
  /** Motor supply frequency, Hz (0 when de-energised). */
  supplyHz: number;
  /** Pole-pass frequency = poles × slip × supply frequency, Hz. */
  polePassHz: number;
}

/** A fault as the renderer needs it: severity now and its calibrated scale. */
export interface FaultDrive {
  type: FaultType;
  location: Location;
  severity: number;
  /** Calibrated so that severity 1 reaches the failure threshold (mm/s for rotor faults, impact g for bearings). */
  scale: number;
}

/** Velocity gains (mm/s RMS per unit level at nominal speed) of one half order on the six positions. */
interface HarmonicGain {
  halfOrder: number;
  re: Float64Array;
  im: Float64Array;
}

const ROTOR_FAULTS: ReadonlySet<FaultType> = new Set(['imbalance', 'misalignment', 'looseness']);

/** Healthy broadband acceleration (g RMS) from the structure, per axis, at nominal speed. */
const STRUCT_RMS_G = { X: 0.05, Y: 0.05, Z: 0.035 };
const SENSOR_NOISE_G = 0.004;
/** Fraction of the running broadband level that remains when stopped (neighbouring machines, floor). */
const STOPPED_FLOOR = 0.12;
/** Magnetic 2 × supply frequency vibration, mm/s RMS at rated load, radial. */
const MAGNETIC_MM_S = 0.12;
/** Vane / blade pass, mm/s RMS at nominal speed and load. */
const VANE_PASS_MM_S = 0.3;

export class VibrationModel {
  readonly machine: ValidMachine;
  readonly nominalShaftHz: number;
  readonly maxHalfOrder: number;
  /** Structural modes seen at each of the six positions. */
  readonly modes: ModeSpec[][];
  /** Drive RMS (per sample) that gives the healthy broadband level, per position and sample rate. */
  readonly #structDrive = new Map<number, Float64Array>();
  readonly #imbalance: HarmonicGain[];
  readonly #misalignment: HarmonicGain[];
  readonly #looseness: Record<Location, HarmonicGain[]>;
  readonly #vanes: HarmonicGain[];
  readonly #magnetic: { re: Float64Array; im: Float64Array };
  readonly #polePass: { re: Float64Array; im: Float64Array };
  readonly defectOrders: Record<Location, DefectOrders>;
  /** Load zone angle of each bearing (cycles), fixed for the machine. */
  readonly #loadZone: Record<Location, number>;

  constructor(machine: ValidMachine) {
    this.machine = machine;
    this.nominalShaftHz = machine.nominalSpeedRpm / 60;
    const rng = new Xoshiro128(mixSeed(machine.seed, 0x51ab));
    this.maxHalfOrder = Math.min(64, Math.max(24, 4 * machine.vanes));
    this.modes = POSITION_IDS.map((_, p) => structuralModes(rng, p));
    const phase = () => 2 * Math.PI * rng.uniform();
    this.#imbalance = imbalanceGains(phase);
    this.#misalignment = misalignmentGains(phase);
    this.#looseness = { DE: loosenessGains('DE', phase), NDE: loosenessGains('NDE', phase) };
    this.#vanes = machine.vanes > 0 ? vaneGains(machine.vanes, this.maxHalfOrder, phase) : [];
    this.#magnetic = perPosition([1, 0.85, 0.25, 0.9, 0.8, 0.25], phase);
    this.#polePass = perPosition([0.05, 0.04, 0.01, 0.04, 0.035, 0.01], phase);
    this.defectOrders = { DE: defectOrders(machine.bearings.DE), NDE: defectOrders(machine.bearings.NDE) };
    // The load zone of a horizontal machine points down (vertical Y), give or take.
    this.#loadZone = { DE: 0.25 + 0.05 * (rng.uniform() - 0.5), NDE: 0.25 + 0.05 * (rng.uniform() - 0.5) };
  }

  /** A renderer for some of the six positions at one sample rate and block size. */
  createRenderer(positions: readonly number[], sampleRateHz: number, blockSize: number, seed: number): GroupRenderer {
    const modes = positions.map((p) => this.modesFor(p, sampleRateHz));
    return new GroupRenderer({ sampleRateHz, blockSize, modes, maxHalfOrder: this.maxHalfOrder, seed });
  }

  /** Modes at a position; those above 0.45 fs are removed, as the sensor's anti-alias filter would. */
  modesFor(position: number, sampleRateHz: number): ModeSpec[] {
    return this.modes[position].map((m) => (m.freqHz < 0.45 * sampleRateHz ? m : { ...m, gain: 0 }));
  }

  #structDriveFor(sampleRateHz: number): Float64Array {
    let drive = this.#structDrive.get(sampleRateHz);
    if (!drive) {
      drive = new Float64Array(6);
      for (let p = 0; p < 6; p++) {
        const target = STRUCT_RMS_G[POSITION_IDS[p].endsWith('Z') ? 'Z' : POSITION_IDS[p].endsWith('Y') ? 'Y' : 'X'];
        const energy = modesEnergy(this.modesFor(p, sampleRateHz), sampleRateHz);
        drive[p] = energy > 0 ? target / Math.sqrt(energy) : 0;
      }
      this.#structDrive.set(sampleRateHz, drive);
    }
    return drive;
  }

  /**
   * An impact train for a bearing fault, with gains for the renderer's positions; null for rotor
   * faults. The caller sets its `amplitude` every block (see `fill`).
   */
  createSource(type: FaultType, location: Location, positions: readonly number[], seed: number): ImpulseSource | null {
    if (ROTOR_FAULTS.has(type)) return null;
    const src = new ImpulseSource(positions.length, seed);
    const orders = this.defectOrders[location];
    src.loadZonePhase = this.#loadZone[location];
    switch (type) {
      case 'outer_race':
        // Fixed defect in a fixed load zone: every ball strikes it alike, no modulation.
        src.order = orders.bpfo;
        src.modulation = MODULATION_NONE;
        src.slipSigma = 0.01;
        break;
      case 'inner_race':
        // The defect turns with the shaft through the load zone once per revolution.
        src.order = orders.bpfi;
        src.modulation = MODULATION_SHAFT;
        src.modulationDepth = 0.75;
        src.slipSigma = 0.012;
        break;
      case 'rolling_element':
        // A ball defect strikes both races once per spin; the ball rides round with the cage.
        src.order = 2 * orders.bsf;
        src.modulation = MODULATION_CAGE;
        src.modulationOrder = orders.ftf;
        src.modulationDepth = 0.8;
        src.alternateRatio = 0.6;
        src.slipSigma = 0.018;
        src.amplitudeJitter = 0.25;
        break;
      case 'cage':
        src.order = orders.ftf;
        src.modulation = MODULATION_NONE;
        src.slipSigma = 0.02;
        src.amplitudeJitter = 0.3;
        break;
      default:
        return null;
    }
    positions.forEach((p, c) => {
      const own = (p < 3 ? 'DE' : 'NDE') === location;
      const axisGain = p % 3 === 0 ? 0.8 : p % 3 === 1 ? 1.0 : 0.4;
      src.gains[c] = axisGain * (own ? 1 : 0.08);
    });
    return src;
  }

  /**
   * Fill the renderer's per-block inputs for these conditions and faults. `sources[i]` is the
   * impact train of `faults[i]` (or null). `baseline` and `noise` let calibration isolate parts.
   */
  fill(
    r: GroupRenderer,
    positions: readonly number[],
    cond: BlockConditions,
    faults: readonly FaultDrive[],
    sources: ReadonlyArray<ImpulseSource | null>,
    opts: { baseline: boolean; noise: boolean } = { baseline: true, noise: true },
  ): void {
    r.harmRe.fill(0);
    r.harmIm.fill(0);
    r.electricalRe.fill(0);
    r.electricalIm.fill(0);
    r.sidebandRe.fill(0);
    r.sidebandIm.fill(0);
    r.shaftHz0 = cond.shaftHz0;
    r.shaftHz1 = cond.shaftHz1;
    // Amplitudes follow the block's mean speed: forces grow with its square (rho2), broadband
    // and impacts with the speed itself.
    const speedRatio = (0.5 * (cond.shaftHz0 + cond.shaftHz1)) / this.nominalShaftHz;
    const rho2 = speedRatio * speedRatio;
    this.#fillRotorHarmonics(r, positions, cond, faults, rho2, opts.baseline);
    this.#fillElectrical(r, positions, cond, rho2, opts.baseline);
    this.#fillBroadband(r, positions, speedRatio, opts.noise);
    this.#fillImpacts(r, positions, faults, sources, cond, speedRatio);
  }

  /** Shaft harmonics: the baseline's and the rotor faults' imbalance, misalignment and looseness, and vane pass. */
  #fillRotorHarmonics(
    r: GroupRenderer,
    positions: readonly number[],
    cond: BlockConditions,
    faults: readonly FaultDrive[],
    rho2: number,
    baseline: boolean,
  ): void {
    const m = this.machine;
    const load = cond.load;
    let imbalance = baseline ? m.baseline.imbalanceMmS : 0;
    let misalignment = baseline ? m.baseline.misalignmentMmS : 0;
    const looseness: Record<Location, number> = {
      DE: baseline ? m.baseline.loosenessMmS : 0,
      NDE: baseline ? 0.6 * m.baseline.loosenessMmS : 0,
    };
    for (const f of faults) {
      const level = f.severity * f.scale;
      if (f.type === 'imbalance') imbalance += level;
      else if (f.type === 'misalignment') misalignment += level;
      else if (f.type === 'looseness') looseness[f.location] += level;
    }
    // Misalignment forces follow the transmitted torque.
    const misLoad = 0.5 + 0.5 * Math.min(load, 1.2);
    this.#addHarmonics(r, positions, this.#imbalance, imbalance * rho2);
    this.#addHarmonics(r, positions, this.#misalignment, misalignment * rho2 * misLoad);
    this.#addHarmonics(r, positions, this.#looseness.DE, looseness.DE * rho2);
    this.#addHarmonics(r, positions, this.#looseness.NDE, looseness.NDE * rho2);
    if (baseline && this.#vanes.length > 0)
      this.#addHarmonics(r, positions, this.#vanes, VANE_PASS_MM_S * rho2 * (0.5 + 0.5 * Math.min(load, 1.2)));
  }

  /** Electrical: magnetic pull at 2 × supply frequency; 1X sidebands at the pole-pass frequency. */
  #fillElectrical(r: GroupRenderer, positions: readonly number[], cond: BlockConditions, rho2: number, baseline: boolean): void {
    const m = this.machine;
    const load = cond.load;
    r.electricalHz = 2 * cond.supplyHz;
    r.polePassHz = cond.polePassHz;
    if (baseline && cond.supplyHz > 0) {
      const mag = (MAGNETIC_MM_S * Math.SQRT2 * 2 * Math.PI * r.electricalHz * (0.8 + 0.2 * Math.min(load, 1.2))) / G0;
      const side = (m.baseline.imbalanceMmS * Math.SQRT2 * 2 * Math.PI * this.nominalShaftHz * rho2 * Math.min(load, 1.2)) / G0;
      positions.forEach((p, c) => {
        r.electricalRe[c] = mag * this.#magnetic.re[p];
        r.electricalIm[c] = mag * this.#magnetic.im[p];
        r.sidebandRe[c] = side * this.#polePass.re[p];
        r.sidebandIm[c] = side * this.#polePass.im[p];
      });
    }
  }

  /** Broadband: flow and friction excitation grows with speed (a floor remains when stopped); sensor noise. */
  #fillBroadband(r: GroupRenderer, positions: readonly number[], speedRatio: number, noise: boolean): void {
    const drive = this.#structDriveFor(r.sampleRateHz);
    const running = Math.min(1, speedRatio);
    for (let c = 0; c < positions.length; c++) {
      const p = positions[c];
      r.structSigma[c] = noise ? drive[p] * (STOPPED_FLOOR + (1 - STOPPED_FLOOR) * running ** 1.5) : 0;
      r.sensorSigma[c] = noise ? SENSOR_NOISE_G : 0;
    }
  }

  /**
   * Bearing impacts: impact energy grows with speed and with the load carried; damaged bearings
   * also add roughness to the broadband drive (so this comes after #fillBroadband).
   */
  #fillImpacts(
    r: GroupRenderer,
    positions: readonly number[],
    faults: readonly FaultDrive[],
    sources: ReadonlyArray<ImpulseSource | null>,
    cond: BlockConditions,
    speedRatio: number,
  ): void {
    const C = positions.length;
    const impactScale = speedRatio * (0.6 + 0.4 * Math.min(cond.load, 1.2));
    r.sources.length = 0;
    faults.forEach((f, i) => {
      const src = sources[i];
      if (!src) return;
      src.amplitude = f.severity * f.scale * impactScale;
      r.sources.push(src);
      // Late damage spreads: roughness (broadband drive) grows with severity², at 60 % of the
      // impacts' RMS when the fault reaches failure, so kurtosis rises and then falls again.
      const roughness =
        f.severity * f.severity * f.scale * impactScale * 0.6 * Math.sqrt((src.order * this.nominalShaftHz) / r.sampleRateHz);
      // Independent excitations add in power, not in amplitude.
      for (let c = 0; c < C; c++) r.structSigma[c] = Math.hypot(r.structSigma[c], roughness * src.gains[c]);
    });
  }

  #addHarmonics(r: GroupRenderer, positions: readonly number[], gains: readonly HarmonicGain[], level: number): void {
    if (level === 0) return;
    const C = positions.length;
    for (const h of gains) {
      if (h.halfOrder > r.maxHalfOrder) continue;
      // velocity RMS (mm/s) → acceleration amplitude (g) at the nominal frequency of this order
      const toAccel = (level * Math.SQRT2 * 2 * Math.PI * 0.5 * h.halfOrder * this.nominalShaftHz) / G0;
      const row = (h.halfOrder - 1) * C;
      for (let c = 0; c < C; c++) {
        const p = positions[c];
        r.harmRe[row + c] += toAccel * h.re[p];
        r.harmIm[row + c] += toAccel * h.im[p];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Gain tables (velocity RMS per unit level, complex with a fixed random phase per machine)

function complexGains(magnitudes: readonly number[], phases: readonly number[]): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(6);
  const im = new Float64Array(6);
  for (let p = 0; p < 6; p++) {
    re[p] = magnitudes[p] * Math.cos(phases[p]);
    im[p] = magnitudes[p] * Math.sin(phases[p]);
  }
  return { re, im };
}

function perPosition(magnitudes: readonly number[], phase: () => number): { re: Float64Array; im: Float64Array } {
  return complexGains(
    magnitudes,
    magnitudes.map(() => phase()),
  );
}

function harmonic(halfOrder: number, magnitudes: readonly number[], phases: readonly number[]): HarmonicGain {
  return { halfOrder, ...complexGains(magnitudes, phases) };
}

/** 1X, strongest horizontal; vertical lags by about 90° (an elliptical orbit), little axial. Level = 1X at DE X. */
function imbalanceGains(phase: () => number): HarmonicGain[] {
  const de = phase();
  const nde = de + Math.PI * (rngSpread(phase) * 0.6); // static and couple imbalance mixed
  return [
    harmonic(2, [1, 0.8, 0.2, 0.85, 0.7, 0.15], [de, de + Math.PI / 2 + 0.2 * rngSpread(phase), phase(), nde, nde + Math.PI / 2, phase()]),
  ];
}

/** 2X strongest axially, with axial 1X and some 3X; across the coupling the axial phase flips. Level = 2X at DE Z. */
function misalignmentGains(phase: () => number): HarmonicGain[] {
  const ax = phase();
  const ax1 = phase();
  return [
    harmonic(4, [0.45, 0.4, 1, 0.2, 0.18, 0.45], [phase(), phase(), ax, phase(), phase(), ax + Math.PI]),
    harmonic(2, [0.1, 0.1, 0.6, 0.05, 0.05, 0.27], [phase(), phase(), ax1, phase(), phase(), ax1 + Math.PI]),
    harmonic(6, [0.15, 0.12, 0.25, 0.07, 0.05, 0.11], [phase(), phase(), phase(), phase(), phase(), phase()]),
  ];
}

/** Many 1X harmonics and half orders (non-linear stiffness), strongest vertically. Level = family RMS at the location's Y. */
function loosenessGains(location: Location, phase: () => number): HarmonicGain[] {
  const own = location === 'DE' ? [0.55, 1, 0.3, 0.14, 0.25, 0.08] : [0.14, 0.25, 0.08, 0.55, 1, 0.3];
  const raw: Array<{ j: number; a: number }> = [];
  for (let k = 1; k <= 10; k++) raw.push({ j: 2 * k, a: k ** -0.7 });
  for (let k = 0; k < 9; k++) raw.push({ j: 2 * k + 1, a: 0.3 * (k + 0.5) ** -0.7 });
  const norm = Math.sqrt(raw.reduce((s, x) => s + x.a * x.a, 0));
  return raw.map(({ j, a }) =>
    harmonic(
      j,
      own.map((g) => (g * a) / norm),
      own.map(() => phase()),
    ),
  );
}

/** Vane / blade pass (and its 2nd harmonic), radial. Level = vane pass at DE X. */
function vaneGains(vanes: number, maxHalfOrder: number, phase: () => number): HarmonicGain[] {
  const out = [harmonic(2 * vanes, [1, 0.7, 0.4, 0.6, 0.45, 0.25], [phase(), phase(), phase(), phase(), phase(), phase()])];
  if (4 * vanes <= maxHalfOrder)
    out.push(harmonic(4 * vanes, [0.35, 0.25, 0.15, 0.2, 0.15, 0.1], [phase(), phase(), phase(), phase(), phase(), phase()]));
  return out;
}

function rngSpread(phase: () => number): number {
  return phase() / Math.PI - 1; // uniform in [-1, 1)
}

/**
 * Resonances of the housing and frame at a position: a low housing mode (carries the low-
 * frequency part of impacts into the velocity band) and three kHz-range modes that impacts ring.
 * Frequencies vary per machine and axis; the axial direction is softer.
 */
function structuralModes(rng: Xoshiro128, position: number): ModeSpec[] {
  const axial = position % 3 === 2;
  const span = (lo: number, hi: number) => (lo + (hi - lo) * rng.uniform()) * (axial ? 0.85 : 1);
  return [
    { freqHz: span(450, 800), damping: 0.08, gain: 0.5 },
    { freqHz: span(1300, 1900), damping: 0.04, gain: 0.35 },
    { freqHz: span(2500, 3600), damping: 0.03, gain: 1.0 },
    { freqHz: span(4800, 7000), damping: 0.03, gain: 0.6 },
  ];
}
