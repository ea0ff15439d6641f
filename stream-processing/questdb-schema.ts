/**
 * QuestDB tables written by the processor. All are WAL tables with DEDUP UPSERT KEYS on the
 * stable identity of a row (designated timestamp + machine [+ channel]), so at-least-once
 * delivery and replays after restarts never double a row. Created explicitly at start-up:
 * ILP would auto-create them, but without DEDUP keys.
 */
export interface TableDefinition {
  name: string;
  ddl: string;
}

export function tableDefinitions(prefix = ''): TableDefinition[] {
  const t = (name: string) => `${prefix}${name}`;
  const tail = (keys: string) => `TIMESTAMP(ts) PARTITION BY DAY TTL 30 DAYS WAL DEDUP UPSERT KEYS(${keys})`;
  return [
    {
      name: t('vibration_blocks'),
      ddl: `CREATE TABLE IF NOT EXISTS ${t('vibration_blocks')} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096, channel SYMBOL CAPACITY 256,
        seq LONG, samples INT, sample_rate_hz DOUBLE, rms_g DOUBLE, peak_g DOUBLE,
        kafka_partition INT, kafka_offset LONG, processed_at TIMESTAMP
      ) ${tail('ts, machine, channel')}`,
    },
    {
      name: t('vibration_features'),
      // Known feature columns are declared; features added later by the models arrive as new
      // DOUBLE columns through ILP (QuestDB adds columns on the fly).
      ddl: `CREATE TABLE IF NOT EXISTS ${t('vibration_features')} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096, channel SYMBOL CAPACITY 256,
        window_seq LONG, samples INT, sample_rate_hz DOUBLE,
        rms DOUBLE, peak DOUBLE, peak_to_peak DOUBLE, crest_factor DOUBLE, kurtosis DOUBLE, skewness DOUBLE,
        velocity_rms_mm_s DOUBLE, dominant_hz DOUBLE, shaft_hz DOUBLE, x1 DOUBLE, x2 DOUBLE, x3 DOUBLE,
        iso_zone SYMBOL CAPACITY 8, shaft_source SYMBOL CAPACITY 8,
        bearing_diagnosis SYMBOL CAPACITY 8, bearing_confidence DOUBLE, reference_windows INT,
        processed_at TIMESTAMP
      ) ${tail('ts, machine, channel')}`,
    },
    {
      name: t('energy'),
      ddl: `CREATE TABLE IF NOT EXISTS ${t('energy')} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096,
        power_kw DOUBLE, current_a DOUBLE, voltage_v DOUBLE, power_factor DOUBLE,
        temperature_c DOUBLE, speed_rpm DOUBLE, load_pct DOUBLE
      ) ${tail('ts, machine')}`,
    },
    {
      name: t('machine_health'),
      // One row per fused window of a machine (all its channels, plus energy): anomaly score,
      // NE 107 state, health index and remaining useful life with its 90 % interval, from the
      // model of the operating mode it ran in (mode).
      ddl: `CREATE TABLE IF NOT EXISTS ${t('machine_health')} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096,
        anomaly_score DOUBLE, health_state SYMBOL CAPACITY 8, alarm BOOLEAN, health_index DOUBLE,
        rul_median_s DOUBLE, rul_lower_s DOUBLE, rul_upper_s DOUBLE, rul_basis SYMBOL CAPACITY 4,
        phase SYMBOL CAPACITY 4, mode SYMBOL CAPACITY 64, degradation BOOLEAN, onset_at TIMESTAMP, window_seq LONG, channels INT,
        processed_at TIMESTAMP
      ) ${tail('ts, machine')}`,
    },
    {
      name: t('collection_gaps'),
      ddl: `CREATE TABLE IF NOT EXISTS ${t('collection_gaps')} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096, channel SYMBOL CAPACITY 256,
        from_seq LONG, to_seq LONG, missing_blocks LONG, detected_at TIMESTAMP
      ) ${tail('ts, machine, channel')}`,
    },
  ];
}
