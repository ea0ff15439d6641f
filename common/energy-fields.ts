/**
 * Energy values of a machine: OPC UA browse name, Kafka/QuestDB field name, unit symbol, and the
 * range a reading can physically take (`[min, max]`, inclusive): readers dead-letter a reading
 * outside it. The ranges are wide on purpose (any industrial drive, regenerating or not): they
 * catch corrupt values (3e38, a sign bit flipped into the exponent), not unusual machines.
 */
export const ENERGY_VARIABLES = [
  // Up to 100 MW either way: negative while a drive regenerates.
  { browseName: 'ActivePower', field: 'power_kw', unit: 'kW', range: [-100_000, 100_000] },
  // RMS current: never negative; 100 kA is beyond any motor.
  { browseName: 'Current', field: 'current_a', unit: 'A', range: [0, 100_000] },
  // RMS voltage up to high-voltage motors' supply with margin.
  { browseName: 'Voltage', field: 'voltage_v', unit: 'V', range: [0, 1_000_000] },
  { browseName: 'PowerFactor', field: 'power_factor', unit: '1', range: [-1, 1] },
  // Absolute zero to beyond any furnace-side motor.
  { browseName: 'Temperature', field: 'temperature_c', unit: '°C', range: [-273.15, 2_000] },
  // Either direction; the fastest spindles and turbo pumps stay well below a million rpm.
  { browseName: 'Speed', field: 'speed_rpm', unit: 'rpm', range: [-1_000_000, 1_000_000] },
  // Percent of rated load, either direction, with room for overload.
  { browseName: 'Load', field: 'load_pct', unit: '%', range: [-1_000, 1_000] },
] as const;

export type EnergyField = (typeof ENERGY_VARIABLES)[number]['field'];
