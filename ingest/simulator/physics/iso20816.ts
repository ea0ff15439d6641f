/**
 * Compatibility shim, not a second table: the ISO 20816-3 zones live in
 * `models/vibration/iso20816.ts`, which the simulator uses directly. `dashboards/common.ts`
 * (not the simulator's file) still imports `isoZoneBoundaries` from here; once it imports the
 * models module, delete this file.
 */
import { zoneBoundaries, type IsoFoundation, type IsoGroup } from '../../../models/vibration/iso20816.ts';

export type { IsoFoundation, IsoGroup, IsoZone } from '../../../models/vibration/iso20816.ts';

/** @deprecated use `zoneBoundaries` of models/vibration/iso20816.ts. */
export function isoZoneBoundaries(group: IsoGroup, foundation: IsoFoundation): { ab: number; bc: number; cd: number } {
  const [ab, bc, cd] = zoneBoundaries({ group, foundation });
  return { ab, bc, cd };
}
