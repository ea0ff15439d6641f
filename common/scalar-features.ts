/**
 * Overall values of scalar vibration sensors (IO-Link, 4-20 mA transmitters): what such a sensor
 * publishes instead of a waveform, about once a second. One table shared by the collector's
 * configuration (the key), the OPC UA browse names the simulator serves and the collector looks
 * for, the wire field of `pdm.features.v1` (always in the canonical unit its name says), the units
 * a server or a configuration may give (converted to the canonical unit by the collector, never
 * assumed), and the range a value can physically take (readers dead-letter a value outside it).
 */
import { STANDARD_GRAVITY_M_S2 } from './channels.ts';

/** value in these units -> canonical unit (linear: canonical = value * scale + offset). */
interface UnitConversion {
  scale: number;
  offset: number;
}

const SAME: UnitConversion = { scale: 1, offset: 0 };

const VELOCITY_UNITS: Record<string, UnitConversion> = {
  'mm/s': SAME,
  'm/s': { scale: 1000, offset: 0 },
  'in/s': { scale: 25.4, offset: 0 },
};
const ACCELERATION_UNITS: Record<string, UnitConversion> = {
  g: SAME,
  'm/s²': { scale: 1 / STANDARD_GRAVITY_M_S2, offset: 0 },
  'm/s^2': { scale: 1 / STANDARD_GRAVITY_M_S2, offset: 0 },
  'm/s2': { scale: 1 / STANDARD_GRAVITY_M_S2, offset: 0 },
};
const RATIO_UNITS: Record<string, UnitConversion> = { '1': SAME, '': SAME };
const TEMPERATURE_UNITS: Record<string, UnitConversion> = {
  '°C': SAME,
  degC: SAME,
  K: { scale: 1, offset: -273.15 },
  '°F': { scale: 5 / 9, offset: (-32 * 5) / 9 },
  degF: { scale: 5 / 9, offset: (-32 * 5) / 9 },
};

export const SCALAR_FEATURES = [
  // ISO 20816 broadband velocity RMS (the zones are read from it); 1 m/s RMS is beyond any machine still standing.
  { key: 'velocityRms', browseName: 'VelocityRms', field: 'velocity_rms_mm_s', unit: 'mm/s', units: VELOCITY_UNITS, range: [0, 1000] },
  // Acceleration RMS and peak: a ±10 000 g range covers shock sensors with margin.
  {
    key: 'accelerationRms',
    browseName: 'AccelerationRms',
    field: 'acceleration_rms_g',
    unit: 'g',
    units: ACCELERATION_UNITS,
    range: [0, 10_000],
  },
  {
    key: 'accelerationPeak',
    browseName: 'AccelerationPeak',
    field: 'acceleration_peak_g',
    unit: 'g',
    units: ACCELERATION_UNITS,
    range: [0, 10_000],
  },
  // Peak / RMS: 1.41 for a sine, ~3 for noise, tens for impacts; 0 when a sensor reads silence.
  { key: 'crestFactor', browseName: 'CrestFactor', field: 'crest_factor', unit: '1', units: RATIO_UNITS, range: [0, 1000] },
  // Sensor (bearing housing) temperature: absolute zero to beyond any furnace-side motor.
  { key: 'temperature', browseName: 'Temperature', field: 'temperature_c', unit: '°C', units: TEMPERATURE_UNITS, range: [-273.15, 2000] },
] as const;

export type ScalarFeatureKey = (typeof SCALAR_FEATURES)[number]['key'];
export type ScalarFeatureField = (typeof SCALAR_FEATURES)[number]['field'];
export type ScalarFeature = (typeof SCALAR_FEATURES)[number];

export function scalarFeature(key: ScalarFeatureKey): ScalarFeature {
  return SCALAR_FEATURES.find((f) => f.key === key)!;
}

/** The units a feature may be given in (for messages and config validation). */
export function scalarUnits(key: ScalarFeatureKey): string[] {
  return Object.keys(scalarFeature(key).units).filter((u) => u !== '');
}

/** A function from the given units to the feature's canonical unit, or undefined when the units do not measure it. */
export function toCanonical(key: ScalarFeatureKey, units: string): ((v: number) => number) | undefined {
  const table: Record<string, UnitConversion> = scalarFeature(key).units;
  const c = Object.hasOwn(table, units) ? table[units] : undefined;
  if (!c) return undefined;
  return c.scale === 1 && c.offset === 0 ? (v) => v : (v) => v * c.scale + c.offset;
}
