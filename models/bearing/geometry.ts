/**
 * Rolling-element bearing kinematics: the four defect frequencies from geometry and shaft speed
 * (inner race turning with the shaft, outer race fixed, no slip), e.g. Randall & Antoni 2011,
 * "Rolling element bearing diagnostics - a tutorial", MSSP 25(2), eq. (1)-(4):
 *   FTF  = fr/2 (1 - d/D cos a)             cage (fundamental train)
 *   BPFO = n fr/2 (1 - d/D cos a)           ball pass, outer race
 *   BPFI = n fr/2 (1 + d/D cos a)           ball pass, inner race
 *   BSF  = D/(2d) fr (1 - (d/D cos a)^2)    ball spin (a ball defect hits a race at 2 x BSF)
 * Real bearings slip 1-2 %, so the measured lines sit slightly off these values.
 */
import { PdmError } from '../../common/errors.ts';

export interface BearingGeometry {
  /** Catalogue name when the geometry came from the catalogue. */
  name?: string;
  balls: number;
  ballDiameterMm: number;
  pitchDiameterMm: number;
  contactAngleDeg: number;
}

export interface DefectFrequencies {
  bpfo: number;
  bpfi: number;
  bsf: number;
  ftf: number;
}

/** Checks a geometry; throws PDM_ERR_INPUT_VALUE naming the field. `where` says whose it is. */
export function validateBearingGeometry(g: BearingGeometry, where = 'bearing geometry'): BearingGeometry {
  const bad = (field: string, rule: string, value: unknown): never => {
    throw new PdmError('PDM_ERR_INPUT_VALUE', `${where}: ${field} must be ${rule}, got ${String(value)}`, { field, value });
  };
  if (!Number.isInteger(g.balls) || g.balls < 3 || g.balls > 100) bad('balls', 'an integer from 3 to 100', g.balls);
  if (!(Number.isFinite(g.ballDiameterMm) && g.ballDiameterMm > 0)) bad('ball diameter', 'a positive number (mm)', g.ballDiameterMm);
  if (!(Number.isFinite(g.pitchDiameterMm) && g.pitchDiameterMm > g.ballDiameterMm))
    bad('pitch diameter', `a number (mm) larger than the ball diameter ${g.ballDiameterMm}`, g.pitchDiameterMm);
  if (!(Number.isFinite(g.contactAngleDeg) && g.contactAngleDeg >= 0 && g.contactAngleDeg < 90))
    bad('contact angle', 'in [0, 90) degrees', g.contactAngleDeg);
  return g;
}

/** Defect frequencies as multiples of the shaft frequency (orders). */
export function defectOrders(g: BearingGeometry): DefectFrequencies {
  const r = (g.ballDiameterMm / g.pitchDiameterMm) * Math.cos((g.contactAngleDeg * Math.PI) / 180);
  return {
    ftf: 0.5 * (1 - r),
    bpfo: 0.5 * g.balls * (1 - r),
    bpfi: 0.5 * g.balls * (1 + r),
    bsf: (g.pitchDiameterMm / (2 * g.ballDiameterMm)) * (1 - r * r),
  };
}

/** Defect frequencies in Hz at shaft frequency `shaftHz`. */
export function defectFrequencies(g: BearingGeometry, shaftHz: number): DefectFrequencies {
  const o = defectOrders(g);
  return { bpfo: o.bpfo * shaftHz, bpfi: o.bpfi * shaftHz, bsf: o.bsf * shaftHz, ftf: o.ftf * shaftHz };
}

/**
 * How close the outer and inner race frequencies come to a shaft harmonic, in orders (e.g. a
 * 6203's BPFO, 3.053 x, lies 0.053 orders from 3 x). Lines closer to k x fr than the envelope
 * spectrum resolves are masked as shaft harmonics, so this sets the resolution a diagnosis needs.
 */
export function shaftHarmonicClearance(g: BearingGeometry): number {
  const o = defectOrders(g);
  const gap = (x: number): number => Math.abs(x - Math.round(x));
  return Math.min(gap(o.bpfo), gap(o.bpfi));
}

/**
 * Envelope-spectrum resolution needed for this bearing, in orders: 1/64, or finer when a race
 * frequency lies near a shaft harmonic (clearance / 4.5: the shaft mask of 2 bins, the line
 * window of 1.5 bins and one bin between them).
 */
export function requiredResolutionOrders(g: BearingGeometry): number {
  return Math.min(1 / 64, shaftHarmonicClearance(g) / 4.5);
}

/** Revolutions a window must span to reach that separation (between 32 and 128). */
export function requiredRevolutions(g: BearingGeometry): number {
  const c = shaftHarmonicClearance(g);
  return Math.min(128, Math.max(32, Math.ceil(9 / Math.max(c, 1e-6))));
}
