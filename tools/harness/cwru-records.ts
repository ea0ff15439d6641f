/**
 * The CWRU records as ../shared/data/cwru/metadata.json lists them, and the diagnosis each seeded
 * fault should get: one definition for the reports and harnesses that replay them.
 */

export interface CwruRecord {
  file: string;
  cwru_file_number: number;
  cwru_label: string;
  sensor_position: 'DE' | 'FE';
  sampling_rate_hz: number;
  shaft_speed_rpm: number;
  fault_location: 'inner' | 'outer' | 'ball' | 'normal';
  fault_diameter_in: number;
}

/** The bearing diagnosis a record's seeded fault should be named as. */
export const CWRU_TRUTH = {
  inner: 'inner_race',
  outer: 'outer_race',
  ball: 'rolling_element',
  normal: 'none',
} as const satisfies Record<CwruRecord['fault_location'], string>;
