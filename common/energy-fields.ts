/** Energy values of a machine: OPC UA browse name, Kafka/QuestDB field name, unit symbol. */
export const ENERGY_VARIABLES = [
  { browseName: 'ActivePower', field: 'power_kw', unit: 'kW' },
  { browseName: 'Current', field: 'current_a', unit: 'A' },
  { browseName: 'Voltage', field: 'voltage_v', unit: 'V' },
  { browseName: 'PowerFactor', field: 'power_factor', unit: '1' },
  { browseName: 'Temperature', field: 'temperature_c', unit: '°C' },
  { browseName: 'Speed', field: 'speed_rpm', unit: 'rpm' },
  { browseName: 'Load', field: 'load_pct', unit: '%' },
] as const;

export type EnergyField = (typeof ENERGY_VARIABLES)[number]['field'];
