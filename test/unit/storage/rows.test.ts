/**
 * The row builders, value by value: each table's row is exactly what its DDL (storage/schema.ts)
 * declares, with timestamps in µs and the designated timestamp in ns.
 */
import { describe, expect, it } from 'vitest';
import {
  alertRow,
  blockRow,
  blockStats,
  energyRow,
  evidenceRow,
  featureRow,
  gapRow,
  groundTruthRow,
  healthRow,
  row,
  spectrumRow,
} from '../../../storage/rows.ts';
import { tableDefinitions } from '../../../storage/schema.ts';
import { tableNames } from '../../../storage/tables.ts';

const T = tableNames('p_');
const evidence = {
  machine: 'm',
  channel: 'c',
  windowSeq: 1,
  startTimeNs: 1n,
  diagnosis: 'none',
  shaftHz: 25,
  family: 'bsf',
  defectHz: 35,
  baseHz: 35,
  sidebandSpacingHz: 10,
  strengthDb: 3,
  supported: false,
  rank: 2,
  harmonics: [1, 2, 3, 4, 5].map((h) => ({
    hz: 35 * h,
    level: 1 / h,
    overFloorDb: 10 - h,
    thresholdDb: 8,
    present: h === 1,
    sidebands: h === 2 ? 1 : 0,
    sidebandDb: 0,
  })),
  processedAtUs: 0,
};
const PROCESSED_US = 1_767_225_601_000_000; // 2026-01-01T00:00:01Z

describe('blockStats', () => {
  it('computes RMS and absolute peak', () => {
    expect(blockStats(new Float32Array([3, -4]))).toEqual({ rms: Math.sqrt(12.5), peak: 4 });
    const sine = Float32Array.from({ length: 1000 }, (_, i) => 2 * Math.sin((2 * Math.PI * 5 * i) / 1000));
    const s = blockStats(sine);
    expect(s.rms).toBeCloseTo(Math.SQRT2, 5);
    expect(s.peak).toBeCloseTo(2, 5);
  });
});

describe('row builders', () => {
  it('row: empty parts by default', () => {
    expect(row('t', 5n)).toEqual({ table: 't', tsNs: 5n, symbols: {}, doubles: {}, longs: {}, timestampsUs: {}, booleans: {}, arrays: {} });
  });

  it('vibration_blocks: the block with its RMS, peak and Kafka origin', () => {
    const frame = {
      version: 1,
      machine: 'press-1',
      channel: 'DE_X',
      units: 'g',
      seq: 42,
      startTimeNs: 1_767_225_600_000_000_123n,
      sampleRateHz: 20_480,
      samples: new Float32Array([3, -4]),
    };
    expect(blockRow(T, frame, { partition: 2, offset: 1234, processedAtUs: PROCESSED_US })).toEqual({
      table: 'p_vibration_blocks',
      tsNs: 1_767_225_600_000_000_123n,
      symbols: { machine: 'press-1', channel: 'DE_X' },
      doubles: { sample_rate_hz: 20_480, rms_g: Math.sqrt(12.5), peak_g: 4 },
      longs: { seq: 42, samples: 2, kafka_partition: 2, kafka_offset: 1234 },
      timestampsUs: { processed_at: PROCESSED_US },
      booleans: {},
      arrays: {},
    });
  });

  it('energy: the reading at its ms time (rounded), one double per field', () => {
    expect(energyRow(T, { machine: 'pump-7', ts_ms: 1_767_225_600_000.6, values: { power_kw: 11.5, speed_rpm: 1480 } })).toEqual({
      table: 'p_energy',
      tsNs: 1_767_225_600_001_000_000n,
      symbols: { machine: 'pump-7' },
      doubles: { power_kw: 11.5, speed_rpm: 1480 },
      longs: {},
      timestampsUs: {},
      booleans: {},
      arrays: {},
    });
  });

  it('collection_gaps: at the resume time, with the number of blocks missing and why', () => {
    const gap = {
      machine: 'fan-2',
      channel: 'NDE_Y',
      from_seq: 100,
      to_seq: 109,
      detected_at_ms: 1_767_225_602_000,
      resumed_at_ns: '1767225601500000000',
      cause: 'collector_down',
    };
    expect(gapRow(T, gap)).toEqual({
      table: 'p_collection_gaps',
      tsNs: 1_767_225_601_500_000_000n,
      symbols: { machine: 'fan-2', channel: 'NDE_Y', cause: 'collector_down' },
      doubles: {},
      longs: { from_seq: 100, to_seq: 109, missing_blocks: 10 },
      timestampsUs: { detected_at: 1_767_225_602_000_000 },
      booleans: {},
      arrays: {},
    });
  });

  it('vibration_features: the features as doubles, diagnosis and zone as symbols', () => {
    const r = featureRow(T, {
      machine: 'press-1',
      channel: 'DE_X',
      windowSeq: 7,
      startTimeNs: 1_767_225_600_000_000_000n,
      sampleRateHz: 20_480,
      samples: 16_384,
      features: { rms: 0.5, kurtosis: 3.1, velocity_rms_mm_s: 2.2 },
      isoZone: 'B',
      shaftSource: 'tach',
      bearingDiagnosis: 'healthy',
      bearingConfidence: 0.9,
      referenceWindows: 12,
      sensorState: 'ok',
      sensorReasons: [],
      processedAtUs: PROCESSED_US,
    });
    expect(r).toEqual({
      table: 'p_vibration_features',
      tsNs: 1_767_225_600_000_000_000n,
      symbols: {
        machine: 'press-1',
        channel: 'DE_X',
        iso_zone: 'B',
        shaft_source: 'tach',
        bearing_diagnosis: 'healthy',
        sensor_state: 'ok',
      },
      doubles: { rms: 0.5, kurtosis: 3.1, velocity_rms_mm_s: 2.2, sample_rate_hz: 20_480, bearing_confidence: 0.9 },
      longs: { window_seq: 7, samples: 16_384, reference_windows: 12 },
      timestampsUs: { processed_at: PROCESSED_US },
      booleans: {},
      arrays: {},
    });
  });

  it('vibration_features: a sensor that failed its checks carries its state and reasons as symbols', () => {
    const r = featureRow(T, {
      machine: 'press-1',
      channel: 'DE_X',
      windowSeq: 8,
      startTimeNs: 1n,
      sampleRateHz: 20_480,
      samples: 16_384,
      features: { rms: 0 },
      isoZone: 'unknown',
      shaftSource: 'given',
      bearingDiagnosis: 'none',
      bearingConfidence: 0,
      referenceWindows: 0,
      sensorState: 'check_function',
      sensorReasons: ['offset_step', 'clipping'],
      processedAtUs: PROCESSED_US,
    });
    expect(r.symbols).toMatchObject({ iso_zone: 'unknown', sensor_state: 'check_function', sensor_reason: 'offset_step,clipping' });
  });

  const status = {
    state: 'maintenance_required',
    phase: 'monitoring',
    rulBasis: 'degradation' as string | null,
    score: 4.5,
    healthIndex: 1.8,
    rul: { median: 3600, lower: 1800, upper: 7200, point: 2400 },
    alarm: true,
    degradation: true,
    onsetTime: 1_767_225_000.25,
  };

  it('machine_health: state, RUL and its basis, onset in µs', () => {
    const r = healthRow(T, {
      machine: 'pump-7',
      tsNs: 1_767_225_600_000_000_000n,
      windowSeq: 99,
      channels: 2,
      mode: 'full',
      status,
      processedAtUs: PROCESSED_US,
    });
    expect(r).toEqual({
      table: 'p_machine_health',
      tsNs: 1_767_225_600_000_000_000n,
      symbols: { machine: 'pump-7', health_state: 'maintenance_required', phase: 'monitoring', mode: 'full', rul_basis: 'degradation' },
      doubles: { anomaly_score: 4.5, health_index: 1.8, rul_median_s: 3600, rul_lower_s: 1800, rul_upper_s: 7200, rul_point_s: 2400 },
      longs: { window_seq: 99, channels: 2 },
      timestampsUs: { processed_at: PROCESSED_US, onset_at: 1_767_225_000_250_000 },
      booleans: { alarm: true, degradation: true },
      arrays: {},
    });
  });

  it('machine_health: a status without the point to plan with writes no rul_point_s', () => {
    const r = healthRow(T, {
      machine: 'pump-7',
      tsNs: 1n,
      windowSeq: 1,
      channels: 1,
      mode: 'full',
      status: { ...status, rul: { median: 3600, lower: 1800, upper: 7200 } },
      processedAtUs: PROCESSED_US,
    });
    expect(Object.keys(r.doubles).sort()).toStrictEqual(['anomaly_score', 'health_index', 'rul_lower_s', 'rul_median_s', 'rul_upper_s']);
  });

  it('machine_health: no rul_basis symbol without a basis; NaN values are left to the sink (which skips them)', () => {
    const r = healthRow(T, {
      machine: 'pump-7',
      tsNs: 1n,
      windowSeq: 1,
      channels: 1,
      mode: 'idle',
      status: { ...status, rulBasis: null, score: Number.NaN, onsetTime: Number.NaN },
      processedAtUs: PROCESSED_US,
    });
    expect(r.symbols).toEqual({ machine: 'pump-7', health_state: 'maintenance_required', phase: 'monitoring', mode: 'idle' });
    expect(r.doubles['anomaly_score']).toBeNaN();
    expect(r.timestampsUs['onset_at']).toBeNaN();
  });

  it('machine_health: a system event confirmed at the window: its reason as a string and its step time in µs; none otherwise', () => {
    const reason = 'common step in 3/3 locations (DE_X, DE_Y, DE_Z), flat for 24 windows: DE_X_rms +30 %';
    const r = healthRow(T, {
      machine: 'pump-7',
      tsNs: 1n,
      windowSeq: 1,
      channels: 3,
      mode: 'full',
      status: { ...status, systemEvent: { reason, time: 1_767_225_000.5 } },
      processedAtUs: PROCESSED_US,
    });
    expect(r.strings).toEqual({ system_event: reason });
    expect(r.timestampsUs['system_event_at']).toBe(1_767_225_000_500_000);
    const none = healthRow(T, {
      machine: 'm',
      tsNs: 1n,
      windowSeq: 1,
      channels: 1,
      mode: 'x',
      status: { ...status, systemEvent: null },
      processedAtUs: 0,
    });
    expect(none.strings).toBeUndefined();
    expect(none.timestampsUs['system_event_at']).toBeUndefined();
  });

  it('machine_health: the channels left out for their sensor checks, as a symbol', () => {
    const r = healthRow(T, {
      machine: 'pump-7',
      tsNs: 1n,
      windowSeq: 1,
      channels: 2,
      mode: 'all',
      sensorReason: 'DE_X flat line; NDE_X flat line',
      status: { ...status, state: 'check_function' },
      processedAtUs: PROCESSED_US,
    });
    expect(r.symbols).toMatchObject({ health_state: 'check_function', sensor_reason: 'DE_X flat line; NDE_X flat line' });
  });

  const truth = {
    machine: 'pump-1',
    timeMs: 1_767_225_600_000,
    state: 'degrading',
    mode: 'full',
    life: 2,
    lifeS: 7200.5,
    faultType: 'outer_race',
    faultLocation: 'DE',
    severity: 0.4,
    onsetAtMs: 1_767_225_000_000.4,
    failureAtMs: 1_767_229_200_000,
  };

  it('ground_truth: the record in its columns, times in µs', () => {
    expect(groundTruthRow(T, truth)).toEqual({
      table: 'p_ground_truth',
      tsNs: 1_767_225_600_000_000_000n,
      symbols: { machine: 'pump-1', state: 'degrading', fault_type: 'outer_race', mode: 'full', fault_location: 'DE' },
      doubles: { life_s: 7200.5, severity: 0.4 },
      longs: { life: 2 },
      timestampsUs: { failure_at: 1_767_229_200_000_000, onset_at: 1_767_225_000_000_400 },
      booleans: {},
      arrays: {},
    });
  });

  it('ground_truth: "none" for no fault, unknown values left out', () => {
    const r = groundTruthRow(T, { ...truth, faultType: null, faultLocation: null, severity: null, onsetAtMs: null, failureAtMs: null });
    expect(r.symbols).toEqual({ machine: 'pump-1', state: 'degrading', fault_type: 'none', mode: 'full' });
    expect(r.doubles).toEqual({ life_s: 7200.5 });
    expect(r.timestampsUs).toEqual({});
  });

  it('vibration_spectra: the array as a plain array with its axis and length', () => {
    const r = spectrumRow(T, {
      machine: 'pump-1',
      channel: 'DE_X',
      kind: 'amplitude',
      reason: 'health_change',
      windowSeq: 42,
      startTimeNs: 5n,
      shaftHz: 24.5,
      startHz: 0,
      stepHz: 5.859375,
      values: new Float64Array([0.5, 0.25, 0.125]),
      processedAtUs: 9,
    });
    expect(r.table).toBe(T.spectra);
    expect(r.symbols).toEqual({ machine: 'pump-1', channel: 'DE_X', kind: 'amplitude', reason: 'health_change' });
    expect(r.doubles).toEqual({ shaft_hz: 24.5, start_hz: 0, step_hz: 5.859375 });
    expect(r.longs).toEqual({ window_seq: 42, lines: 3 });
    expect(r.arrays).toEqual({ spectrum: [0.5, 0.25, 0.125] });
    expect(Array.isArray(r.arrays.spectrum)).toBe(true);
  });

  it('bearing_evidence: one row per family, harmonics as h<n>_ columns (at most 4)', () => {
    const r = evidenceRow(T, evidence);
    expect(r.table).toBe(T.evidence);
    expect(r.symbols).toEqual({ machine: 'm', channel: 'c', family: 'bsf', diagnosis: 'none' });
    expect([r.doubles.h1_hz, r.doubles.h2_hz, r.doubles.h4_hz]).toEqual([35, 70, 140]);
    expect(r.doubles.h5_hz).toBeUndefined();
    expect(r.longs).toMatchObject({ harmonics: 5, h2_sidebands: 1, rank: 2 });
    expect(r.booleans).toEqual({ supported: false, h1_present: true, h2_present: false, h3_present: false, h4_present: false });
  });

  it('every column a processor row carries is declared in its table (so ILP never adds one by accident)', () => {
    const ddl = new Map(tableDefinitions('p_').map((d) => [d.name, d.ddl]));
    const rows = [
      blockRow(
        T,
        { version: 1, machine: 'm', channel: 'c', units: 'g', seq: 1, startTimeNs: 1n, sampleRateHz: 1, samples: new Float32Array(1) },
        { partition: 0, offset: 0, processedAtUs: 0 },
      ),
      gapRow(T, { machine: 'm', channel: 'c', from_seq: 1, to_seq: 1, detected_at_ms: 0, resumed_at_ns: '1', cause: 'lost_in_flight' }),
      healthRow(T, { machine: 'm', tsNs: 1n, windowSeq: 1, channels: 1, mode: 'x', status, processedAtUs: 0 }),
      energyRow(T, { machine: 'm', ts_ms: 1, values: { power_kw: 1, current_a: 1, voltage_v: 1, power_factor: 1, load_pct: 1 } }),
      spectrumRow(T, {
        machine: 'm',
        channel: 'c',
        kind: 'envelope',
        reason: 'cadence',
        windowSeq: 1,
        startTimeNs: 1n,
        shaftHz: 25,
        startHz: 0,
        stepHz: 0.5,
        values: [1, 2],
        processedAtUs: 0,
      }),
      evidenceRow(T, evidence),
    ];
    for (const r of rows) {
      const columns = [r.symbols, r.doubles, r.longs, r.timestampsUs, r.booleans, r.arrays].flatMap((part) => Object.keys(part));
      for (const c of columns) expect(ddl.get(r.table), `${r.table}.${c}`).toMatch(new RegExp(`\\b${c} [A-Z]+`));
    }
  });

  it('alert row: one per episode start or end at its data time, the detail as text, an end with its duration', () => {
    const start = alertRow(T, {
      machine: 'm1',
      kind: 'iso_zone',
      channel: 'DE_X',
      event: 'start',
      tsMs: 1_700_000_000_000,
      startedAtMs: 1_700_000_000_000,
      severity: 'warning',
      value: 3.7,
      detail: 'ISO 20816-3 zone C: velocity 3.70 mm/s RMS',
      raisedAtMs: 1_700_000_000_500,
    });
    expect(start).toEqual({
      table: T.alerts,
      tsNs: 1_700_000_000_000_000_000n,
      symbols: { machine: 'm1', kind: 'iso_zone', channel: 'DE_X', event: 'start', severity: 'warning' },
      doubles: { value: 3.7 },
      longs: {},
      timestampsUs: { started_at: 1_700_000_000_000_000, raised_at: 1_700_000_000_500_000 },
      booleans: {},
      strings: { detail: 'ISO 20816-3 zone C: velocity 3.70 mm/s RMS' },
      arrays: {},
    });
    const end = alertRow(T, {
      machine: 'm1',
      kind: 'silence',
      channel: '*',
      event: 'end',
      tsMs: 2000,
      startedAtMs: 1000,
      severity: 'warning',
      durationS: 1,
      detail: 'x',
      raisedAtMs: 3000,
    });
    expect(end.doubles).toEqual({ duration_s: 1 });
    // Every column it writes is declared in the table's DDL (ILP would otherwise add it untyped).
    const ddl = tableDefinitions().find((d) => d.name === 'alerts')!.ddl;
    for (const col of [...Object.keys(start.symbols), ...Object.keys(start.timestampsUs), 'value', 'duration_s', 'detail'])
      expect(ddl).toContain(`${col} `);
  });
});
