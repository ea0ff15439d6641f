/**
 * Rolling-bearing geometry and its kinematic defect frequencies, as multiples of the shaft
 * frequency (inner ring rotating, outer ring fixed).
 *
 * The catalogue duplicates the bearings of the recordings in /work/shared/data (CWRU 6205-2RS
 * and 6203-2RS, FEMTO PRONOSTIA) and the IMS ZA-2115, so simulated machines can carry the same
 * bearings as the real records. If `models/bearing/catalog.ts` appears, this table should be
 * replaced by an import of it.
 */

export interface BearingGeometry {
  /** Number of rolling elements (per row). */
  balls: number;
  ballDiameterMm: number;
  pitchDiameterMm: number;
  contactAngleDeg: number;
}

export interface NamedBearingGeometry extends BearingGeometry {
  name: string;
}

const INCH_MM = 25.4;

export const BEARING_CATALOG = {
  // CWRU drive end: 9 balls, 0.3126 in, pitch 1.537 in (CWRU bearing specification page).
  '6205-2RS': { balls: 9, ballDiameterMm: 0.3126 * INCH_MM, pitchDiameterMm: 1.537 * INCH_MM, contactAngleDeg: 0 },
  // CWRU fan end: 8 balls, 0.2656 in, pitch 1.122 in.
  '6203-2RS': { balls: 8, ballDiameterMm: 0.2656 * INCH_MM, pitchDiameterMm: 1.122 * INCH_MM, contactAngleDeg: 0 },
  // IMS (Univ. Cincinnati) Rexnord ZA-2115 double-row: 16 rollers per row, 0.331 in, pitch 2.815 in, 15.17 deg.
  'ZA-2115': { balls: 16, ballDiameterMm: 0.331 * INCH_MM, pitchDiameterMm: 2.815 * INCH_MM, contactAngleDeg: 15.17 },
  // FEMTO-ST PRONOSTIA: 13 balls, 3.5 mm, pitch 25.6 mm; contact angle not published (0 assumed).
  'FEMTO-PRONOSTIA': { balls: 13, ballDiameterMm: 3.5, pitchDiameterMm: 25.6, contactAngleDeg: 0 },
} as const satisfies Record<string, BearingGeometry>;

export type BearingName = keyof typeof BEARING_CATALOG;
export const BEARING_NAMES = Object.keys(BEARING_CATALOG) as [BearingName, ...BearingName[]];

/** Defect frequencies divided by the shaft frequency. */
export interface DefectOrders {
  /** Ball pass frequency, outer race. */
  bpfo: number;
  /** Ball pass frequency, inner race. */
  bpfi: number;
  /** Fundamental train (cage) frequency. */
  ftf: number;
  /** Ball spin frequency (a ball defect strikes the races at twice this). */
  bsf: number;
}

export function defectOrders(g: BearingGeometry): DefectOrders {
  const ratio = (g.ballDiameterMm / g.pitchDiameterMm) * Math.cos((g.contactAngleDeg * Math.PI) / 180);
  return {
    bpfo: (g.balls / 2) * (1 - ratio),
    bpfi: (g.balls / 2) * (1 + ratio),
    ftf: 0.5 * (1 - ratio),
    bsf: (g.pitchDiameterMm / (2 * g.ballDiameterMm)) * (1 - ratio * ratio),
  };
}
