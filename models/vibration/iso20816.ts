/**
 * ISO 20816-3:2022 (formerly ISO 10816-3) evaluation zones for broadband velocity RMS measured
 * on the bearing housings of industrial machines above 15 kW, 120-30 000 r/min:
 *   A  newly commissioned machines;
 *   B  acceptable for unrestricted long-term operation;
 *   C  unsatisfactory for long-term continuous operation (plan remedial action);
 *   D  severe enough to cause damage.
 * Boundaries (mm/s RMS, Annex A, tables A.1 and A.2):
 *   group 1 (large, 300 kW - 40 MW or shaft height >= 315 mm): rigid 2.3/4.5/7.1, flexible 3.5/7.1/11.0
 *   group 2 (medium, 15 - 300 kW or shaft height 160-315 mm): rigid 1.4/2.8/4.5, flexible 2.3/4.5/7.1
 * The measurement band is 10-1000 Hz for machines above 600 r/min and 2-1000 Hz for 120-600 r/min.
 */

export type IsoGroup = 1 | 2;
export type IsoFoundation = 'rigid' | 'flexible';
export type IsoZone = 'A' | 'B' | 'C' | 'D';

export interface IsoClass {
  group: IsoGroup;
  foundation: IsoFoundation;
}

/** Upper limits of zones A, B and C (mm/s RMS); above the last is zone D. */
export const ISO_20816_3_BOUNDARIES_MM_S: Record<`${IsoGroup}-${IsoFoundation}`, readonly [number, number, number]> = {
  '1-rigid': [2.3, 4.5, 7.1],
  '1-flexible': [3.5, 7.1, 11.0],
  '2-rigid': [1.4, 2.8, 4.5],
  '2-flexible': [2.3, 4.5, 7.1],
};

export const DEFAULT_ISO_CLASS: IsoClass = { group: 2, foundation: 'rigid' };

export function zoneBoundaries(iso: IsoClass): readonly [number, number, number] {
  const b = ISO_20816_3_BOUNDARIES_MM_S[`${iso.group}-${iso.foundation}`];
  if (b === undefined)
    throw new RangeError(
      `ISO 20816-3 class must be group 1|2 and foundation rigid|flexible, got group ${String(iso.group)}, foundation ${String(iso.foundation)}`,
    );
  return b;
}

/** Zone of a velocity RMS value; a value on a boundary belongs to the better zone. */
export function isoZone(velocityRmsMmS: number, iso: IsoClass): IsoZone {
  const [ab, bc, cd] = zoneBoundaries(iso);
  if (velocityRmsMmS <= ab) return 'A';
  if (velocityRmsMmS <= bc) return 'B';
  if (velocityRmsMmS <= cd) return 'C';
  return 'D';
}

/** Lower edge of the broadband measurement: 2 Hz below 600 r/min (10 Hz), else 10 Hz. */
export function isoBandLowHz(shaftHz: number | undefined): number {
  return shaftHz !== undefined && shaftHz > 0 && shaftHz < 10 ? 2 : 10;
}

export const ISO_BAND_HIGH_HZ = 1000;
