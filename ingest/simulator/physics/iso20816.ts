/**
 * ISO 20816-3 (formerly ISO 10816-3) evaluation zones for industrial machines above 15 kW:
 * broadband velocity RMS in mm/s measured on the bearing housings, 10–1000 Hz for machines
 * running above 600 rpm (2–1000 Hz below). Zone A: newly commissioned; B: unrestricted long-term
 * operation; C: restricted; D: severe enough to cause damage.
 */

export type IsoGroup = 1 | 2;
export type IsoFoundation = 'rigid' | 'flexible';
export type IsoZone = 'A' | 'B' | 'C' | 'D';

export interface IsoZoneBoundaries {
  /** Upper limit of zone A, mm/s RMS. */
  ab: number;
  /** Upper limit of zone B. */
  bc: number;
  /** Upper limit of zone C: entering zone D is the default failure threshold of the simulator. */
  cd: number;
}

/** Group 1: large machines, 300 kW–50 MW; group 2: medium machines, 15–300 kW. */
const BOUNDARIES: Record<IsoGroup, Record<IsoFoundation, IsoZoneBoundaries>> = {
  1: { rigid: { ab: 2.3, bc: 4.5, cd: 7.1 }, flexible: { ab: 3.5, bc: 7.1, cd: 11.0 } },
  2: { rigid: { ab: 1.4, bc: 2.8, cd: 4.5 }, flexible: { ab: 2.3, bc: 4.5, cd: 7.1 } },
};

export function isoZoneBoundaries(group: IsoGroup, foundation: IsoFoundation): IsoZoneBoundaries {
  return BOUNDARIES[group][foundation];
}

export function isoZone(velocityRmsMmS: number, b: IsoZoneBoundaries): IsoZone {
  if (velocityRmsMmS <= b.ab) return 'A';
  if (velocityRmsMmS <= b.bc) return 'B';
  if (velocityRmsMmS <= b.cd) return 'C';
  return 'D';
}

/** The group the standard assigns by rated power (machines below 15 kW are evaluated as group 2 here). */
export function defaultIsoGroup(ratedPowerKw: number): IsoGroup {
  return ratedPowerKw > 300 ? 1 : 2;
}

/** Lower band edge of the broadband velocity measurement for a shaft speed. */
export function isoBandLowHz(speedRpm: number): number {
  return speedRpm > 600 ? 10 : 2;
}
