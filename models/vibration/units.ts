/** Standard gravity (ISO 80000-3), the g of accelerometers. */
export const STANDARD_GRAVITY_M_S2 = 9.80665;

/** Factor from acceleration in g at frequency f (Hz) to velocity in mm/s: g0 * 1000 / (2 pi f). */
export function gToMmPerS(frequencyHz: number): number {
  return (STANDARD_GRAVITY_M_S2 * 1000) / (2 * Math.PI * frequencyHz);
}
