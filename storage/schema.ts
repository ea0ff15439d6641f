/**
 * QuestDB DDL and the column contracts the dashboards rely on. All tables are WAL tables with
 * DEDUP UPSERT KEYS on the stable identity of a row (designated timestamp + machine [+ channel]),
 * so at-least-once delivery and replays after restarts never double a row. They are created
 * explicitly at start-up: ILP would auto-create them, but without DEDUP keys.
 */
import { tableNames } from './tables.ts';

export interface TableDefinition {
  name: string;
  ddl: string;
  /**
   * Statements run after the DDL, for columns added after a table's first release: CREATE TABLE IF
   * NOT EXISTS leaves an existing table as it is, and ILP would add a column only with the first
   * row carrying it, while a dashboard may query it before (a plant without gaps never sends one).
   */
  migrations?: string[];
}

const tail = (keys: string, ttl = '30 DAYS') => `TIMESTAMP(ts) PARTITION BY DAY TTL ${ttl} WAL DEDUP UPSERT KEYS(${keys})`;

/**
 * Spectra are the bulk of what is stored (docs/storage.md: bytes per machine-day), and an analyst
 * looks back at them for days, not months (the scalar trends in the other tables keep 30 days).
 */
export const SPECTRA_TTL = '14 DAYS';

/** bearing_evidence's per-harmonic columns (h1..h4), declared so dashboards may query them before a bearing is configured. */
function harmonicColumns(): string {
  return [1, 2, 3, 4]
    .map(
      (h) =>
        `h${h}_hz DOUBLE, h${h}_level DOUBLE, h${h}_db DOUBLE, h${h}_threshold_db DOUBLE, h${h}_present BOOLEAN, h${h}_sidebands INT, h${h}_sideband_db DOUBLE`,
    )
    .join(',\n        ');
}

/** The tables the processor writes, in the order it creates them. */
export function tableDefinitions(prefix = ''): TableDefinition[] {
  const t = tableNames(prefix);
  return [
    {
      name: t.blocks,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.blocks} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096, channel SYMBOL CAPACITY 256,
        seq LONG, samples INT, sample_rate_hz DOUBLE, rms_g DOUBLE, peak_g DOUBLE,
        kafka_partition INT, kafka_offset LONG, processed_at TIMESTAMP
      ) ${tail('ts, machine, channel')}`,
    },
    {
      name: t.features,
      // Known feature columns are declared; features added later by the models arrive as new
      // DOUBLE columns through ILP (QuestDB adds columns on the fly).
      ddl: `CREATE TABLE IF NOT EXISTS ${t.features} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096, channel SYMBOL CAPACITY 256,
        window_seq LONG, samples INT, sample_rate_hz DOUBLE,
        rms DOUBLE, peak DOUBLE, peak_to_peak DOUBLE, crest_factor DOUBLE, kurtosis DOUBLE, skewness DOUBLE,
        velocity_rms_mm_s DOUBLE, dominant_hz DOUBLE, shaft_hz DOUBLE, x1 DOUBLE, x2 DOUBLE, x3 DOUBLE,
        iso_zone SYMBOL CAPACITY 8, shaft_source SYMBOL CAPACITY 8,
        bearing_diagnosis SYMBOL CAPACITY 8, bearing_confidence DOUBLE, reference_windows INT,
        accumulated_diagnosis SYMBOL CAPACITY 8, accumulated_confidence DOUBLE, accumulated_windows LONG,
        sensor_state SYMBOL CAPACITY 4, sensor_reason SYMBOL CAPACITY 64,
        processed_at TIMESTAMP, temperature_c DOUBLE
      ) ${tail('ts, machine, channel')}`,
      // Scalar sensors (pdm.features.v1) write their readings here too, with bearing_diagnosis
      // 'no_waveform' (NO_WAVEFORM) and their sensor temperature. The accumulated diagnosis
      // (issue 13): on tables created before these columns, they are added here, so the dashboards
      // can query them before the first window carries them.
      migrations: [
        `ALTER TABLE ${t.features} ADD COLUMN IF NOT EXISTS temperature_c DOUBLE`,
        `ALTER TABLE ${t.features} ADD COLUMN IF NOT EXISTS accumulated_diagnosis SYMBOL CAPACITY 8`,
        `ALTER TABLE ${t.features} ADD COLUMN IF NOT EXISTS accumulated_confidence DOUBLE`,
        `ALTER TABLE ${t.features} ADD COLUMN IF NOT EXISTS accumulated_windows LONG`,
      ],
    },
    {
      name: t.energy,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.energy} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096,
        power_kw DOUBLE, current_a DOUBLE, voltage_v DOUBLE, power_factor DOUBLE,
        temperature_c DOUBLE, speed_rpm DOUBLE, load_pct DOUBLE
      ) ${tail('ts, machine')}`,
    },
    {
      name: t.health,
      // One row per fused window of a machine (all its channels, plus energy): anomaly score,
      // NE 107 state, health index and remaining useful life with its 90 % interval, from the
      // model of the operating mode it ran in (mode); sensor_reason names the channels left out
      // for failing their sensor checks (all of them when the state is check_function);
      // baseline_quality is the verdict on the mode's healthy baseline against absolute physics
      // (good | suspect | unknown; null while it is learnt: models/health/baseline-quality.ts);
      // rul_point_s is the remaining life to plan with, the score-optimal point of the same
      // distribution (models/rul/phm-score.ts; usually below the median).
      // system_event (with system_event_at, the step's time) is set on the row whose window
      // confirmed a system event: a step common to every channel, flat after it (a sensor
      // remounted, a channel re-ranged, a DAQ replaced), recorded with its reason, after which
      // the mode's model re-baselined (models/health/system-event.ts); null on every other row.
      ddl: `CREATE TABLE IF NOT EXISTS ${t.health} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096,
        anomaly_score DOUBLE, health_state SYMBOL CAPACITY 8, alarm BOOLEAN, health_index DOUBLE,
        rul_median_s DOUBLE, rul_lower_s DOUBLE, rul_upper_s DOUBLE, rul_basis SYMBOL CAPACITY 4,
        phase SYMBOL CAPACITY 4, mode SYMBOL CAPACITY 64, degradation BOOLEAN, onset_at TIMESTAMP, window_seq LONG, channels INT,
        sensor_reason SYMBOL CAPACITY 256, processed_at TIMESTAMP, baseline_quality SYMBOL CAPACITY 4,
        rul_point_s DOUBLE, system_event VARCHAR, system_event_at TIMESTAMP
      ) ${tail('ts, machine')}`,
      // Issue 13: on tables created before the columns, added here so the dashboards can query them.
      migrations: [
        `ALTER TABLE ${t.health} ADD COLUMN IF NOT EXISTS baseline_quality SYMBOL CAPACITY 4`,
        `ALTER TABLE ${t.health} ADD COLUMN IF NOT EXISTS rul_point_s DOUBLE`,
        `ALTER TABLE ${t.health} ADD COLUMN IF NOT EXISTS system_event VARCHAR`,
        `ALTER TABLE ${t.health} ADD COLUMN IF NOT EXISTS system_event_at TIMESTAMP`,
      ],
    },
    {
      name: t.spectra,
      // One row per stored window, channel and kind (amplitude | envelope): the peak-hold
      // downsampled spectrum as DOUBLE[] with its axis (start_hz + i x step_hz, i from 0; SQL
      // arrays index from 1), and why it was stored (cadence, diagnosis_change, health_change).
      ddl: `CREATE TABLE IF NOT EXISTS ${t.spectra} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096, channel SYMBOL CAPACITY 256, kind SYMBOL CAPACITY 4,
        reason SYMBOL CAPACITY 8, window_seq LONG, shaft_hz DOUBLE, start_hz DOUBLE, step_hz DOUBLE, lines INT,
        spectrum DOUBLE[], processed_at TIMESTAMP
      ) ${tail('ts, machine, channel, kind', SPECTRA_TTL)}`,
    },
    {
      name: t.evidence,
      // One row per window, channel (with a bearing and a speed) and defect family: the lines the
      // fault evidence measured in the squared envelope spectrum (models/stored-evidence.ts).
      ddl: `CREATE TABLE IF NOT EXISTS ${t.evidence} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096, channel SYMBOL CAPACITY 256, family SYMBOL CAPACITY 4,
        diagnosis SYMBOL CAPACITY 8, window_seq LONG, shaft_hz DOUBLE, defect_hz DOUBLE, base_hz DOUBLE,
        sideband_spacing_hz DOUBLE, strength_db DOUBLE, supported BOOLEAN, rank INT, harmonics INT,
        ${harmonicColumns()},
        processed_at TIMESTAMP
      ) ${tail('ts, machine, channel, family')}`,
    },
    {
      name: t.alerts,
      // One row per episode start and one per end, at the event's data time (ts); started_at ties
      // an end to its start. The DEDUP keys are the event's identity, so the replay after a crash
      // (the processor raises the same event from the same windows) writes no second row.
      ddl: `CREATE TABLE IF NOT EXISTS ${t.alerts} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096, kind SYMBOL CAPACITY 16, channel SYMBOL CAPACITY 256,
        event SYMBOL CAPACITY 4, started_at TIMESTAMP, severity SYMBOL CAPACITY 4,
        value DOUBLE, duration_s DOUBLE, detail VARCHAR, raised_at TIMESTAMP
      ) TIMESTAMP(ts) PARTITION BY MONTH TTL 12 MONTHS WAL DEDUP UPSERT KEYS(ts, machine, kind, channel, event, started_at)`,
    },
    {
      name: t.gaps,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.gaps} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096, channel SYMBOL CAPACITY 256,
        from_seq LONG, to_seq LONG, missing_blocks LONG, detected_at TIMESTAMP, cause SYMBOL CAPACITY 16
      ) ${tail('ts, machine, channel')}`,
      // Gap events version 2 (issue 12): why the blocks are missing. Older rows keep a null cause.
      migrations: [`ALTER TABLE ${t.gaps} ADD COLUMN IF NOT EXISTS cause SYMBOL CAPACITY 16`],
    },
  ];
}

/**
 * The columns the panels rely on in detail, for the tables whose columns matter beyond a
 * few: `machine_health` and `alerts` (written by the processor's health model and alert tracker)
 * and `ground_truth` (written by the simulator). Both writers' DDL contain them (tested), and the dashboard SQL test can create
 * them from here. Keyed by role (see `TABLES`).
 */
export const CONTRACT_TABLES = {
  health: {
    columns:
      'ts TIMESTAMP, machine SYMBOL, anomaly_score DOUBLE, health_state SYMBOL, alarm BOOLEAN, health_index DOUBLE, rul_median_s DOUBLE, rul_lower_s DOUBLE, rul_upper_s DOUBLE, rul_basis SYMBOL, mode SYMBOL, baseline_quality SYMBOL',
    dedupKeys: 'ts, machine',
  },
  alerts: {
    columns:
      'ts TIMESTAMP, machine SYMBOL, kind SYMBOL, channel SYMBOL, event SYMBOL, started_at TIMESTAMP, severity SYMBOL, value DOUBLE, duration_s DOUBLE, detail VARCHAR',
    dedupKeys: 'ts, machine, kind, channel, event, started_at',
  },
  groundTruth: {
    columns: 'ts TIMESTAMP, machine SYMBOL, state SYMBOL, fault_type SYMBOL, severity DOUBLE, failure_at TIMESTAMP',
    dedupKeys: 'ts, machine',
  },
} as const;

export type ContractTable = keyof typeof CONTRACT_TABLES;

/**
 * NE 107 states of `machine_health.health_state`, in increasing severity (NE 107's order F, C, S, M):
 * `check_function` is a machine none of whose sensors passed its checks (the output is invalid).
 */
export const HEALTH_STATES = ['normal', 'maintenance_required', 'out_of_specification', 'check_function', 'failure'] as const;
/** `vibration_features.sensor_state`: the window's sensor checks (NE 107 "check function" when it failed one). */
export const SENSOR_STATES = ['ok', 'check_function'] as const;
/**
 * `vibration_features.bearing_diagnosis` of a scalar sensor's reading (pdm.features.v1): overall
 * values only, so no spectrum, envelope or fault bands were computed. Distinct from `none` ("looked,
 * found no fault"): a dashboard must never show a machine without a waveform as bearing-healthy.
 */
export const NO_WAVEFORM = 'no_waveform';
/**
 * `machine_health.baseline_quality`: the verdict on the mode's healthy baseline against absolute
 * physics (models/health/baseline-quality.ts, whose BASELINE_QUALITIES this equals: tested); null
 * while the baseline is learnt.
 */
export const BASELINE_QUALITIES = ['good', 'suspect', 'unknown'] as const;
/** `machine_health.rul_basis`. */
export const RUL_BASES = ['fleet', 'degradation'] as const;
/** `ground_truth.fault_type` with no fault present: a state timeline shows "none" better than a hole. */
export const NO_FAULT = 'none';

/** Only the contract columns: what the dashboards may assume (the dashboard SQL test creates tables this way). */
export function contractTableDdl(table: ContractTable, prefix = ''): string {
  const c = CONTRACT_TABLES[table];
  return `CREATE TABLE IF NOT EXISTS ${tableNames(prefix)[table]} (${c.columns}) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(${c.dedupKeys})`;
}

/** Columns of `ground_truth` beyond the contract, for scoring: life index and time, fault location, onset, mode. */
const GROUND_TRUTH_EXTRA = 'fault_location SYMBOL, onset_at TIMESTAMP, life LONG, life_s DOUBLE, mode SYMBOL';

/** The `ground_truth` table the simulator writes: the contract plus the extra columns; WAL with DEDUP on (ts, machine). */
export function groundTruthDdl(prefix = ''): string {
  const c = CONTRACT_TABLES.groundTruth;
  return `CREATE TABLE IF NOT EXISTS ${tableNames(prefix).groundTruth} (${c.columns}, ${GROUND_TRUTH_EXTRA}) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(${c.dedupKeys})`;
}
