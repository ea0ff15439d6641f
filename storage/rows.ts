/**
 * Rows for QuestDB, built by pure code (tested exactly) and written by the sink. A row is a
 * table name, symbols, typed columns and a designated timestamp in ns. One builder per table: the
 * column names live here, next to the DDL in schema.ts, not in the code that computes the values.
 *
 * The builders take plain inputs (storage sits below the models and the processor): callers map
 * their own types onto them.
 */
import type { EnergyReadingV1 } from '../common/wire/energy-reading.ts';
import type { GapEvent } from '../common/wire/gap-event.ts';
import type { VibrationFrame } from '../common/wire/vibration-frame.ts';
import { NO_FAULT } from './schema.ts';
import type { TableNames } from './tables.ts';

export interface Row {
  table: string;
  symbols: Record<string, string>;
  doubles: Record<string, number>;
  longs: Record<string, number>;
  timestampsUs: Record<string, number>;
  booleans: Record<string, boolean>;
  /** DOUBLE[] columns (ILP protocol version 2, QuestDB 9.0+): plain arrays, as the client wants them. */
  arrays: Record<string, number[]>;
  /** Text columns (VARCHAR); absent in most tables. */
  strings?: Record<string, string>;
  tsNs: bigint;
}

export function row(table: string, tsNs: bigint, parts: Partial<Omit<Row, 'table' | 'tsNs'>> = {}): Row {
  const r: Row = {
    table,
    tsNs,
    symbols: parts.symbols ?? {},
    doubles: parts.doubles ?? {},
    longs: parts.longs ?? {},
    timestampsUs: parts.timestampsUs ?? {},
    booleans: parts.booleans ?? {},
    arrays: parts.arrays ?? {},
  };
  if (parts.strings) r.strings = parts.strings;
  return r;
}

/** RMS and absolute peak of a block: cheap enough for the consumer thread (a few µs per block). */
export function blockStats(samples: Float32Array): { rms: number; peak: number } {
  let sumSq = 0;
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    sumSq += v * v;
    const a = v < 0 ? -v : v;
    if (a > peak) peak = a;
  }
  return { rms: Math.sqrt(sumSq / samples.length), peak };
}

/** Where a block came from in Kafka, and when it was processed (µs since the epoch). */
export interface BlockOrigin {
  partition: number;
  offset: number;
  processedAtUs: number;
}

/** `vibration_blocks`: one row per block received, with its RMS and peak (in the frame's units, g today). */
export function blockRow(tables: TableNames, frame: VibrationFrame, origin: BlockOrigin): Row {
  const { rms, peak } = blockStats(frame.samples);
  return row(tables.blocks, frame.startTimeNs, {
    symbols: { machine: frame.machine, channel: frame.channel },
    doubles: { sample_rate_hz: frame.sampleRateHz, rms_g: rms, peak_g: peak },
    longs: { seq: frame.seq, samples: frame.samples.length, kafka_partition: origin.partition, kafka_offset: origin.offset },
    timestampsUs: { processed_at: origin.processedAtUs },
  });
}

/** `energy`: one row per reading; the reading's fields are the column names (common/energy-fields.ts). */
export function energyRow(tables: TableNames, r: Pick<EnergyReadingV1, 'machine' | 'ts_ms' | 'values'>): Row {
  return row(tables.energy, BigInt(Math.round(r.ts_ms)) * 1_000_000n, { symbols: { machine: r.machine }, doubles: { ...r.values } });
}

/**
 * `collection_gaps`: one row per gap the collector reported, at the time collection resumed, with
 * its cause (so "not collected while the collector was stopped" is told from losses while running).
 */
export function gapRow(tables: TableNames, g: Omit<GapEvent, 'v'>): Row {
  return row(tables.gaps, BigInt(g.resumed_at_ns), {
    symbols: { machine: g.machine, channel: g.channel, cause: g.cause },
    longs: { from_seq: g.from_seq, to_seq: g.to_seq, missing_blocks: g.to_seq - g.from_seq + 1 },
    timestampsUs: { detected_at: g.detected_at_ms * 1000 },
  });
}

/** One analysed window of a channel, as `vibration_features` stores it. */
export interface FeatureRowInput {
  machine: string;
  channel: string;
  windowSeq: number;
  startTimeNs: bigint;
  sampleRateHz: number;
  samples: number;
  /** Scalar features by column name (rms, kurtosis, velocity_rms_mm_s...); new names become new DOUBLE columns. */
  features: Record<string, number>;
  isoZone: string;
  shaftSource: string;
  bearingDiagnosis: string;
  bearingConfidence: number;
  /**
   * The accumulated diagnosis of the channel's bearing after this window (models/bearing/diagnosis-accumulator.ts),
   * its confidence and the valid windows it spans since its last reset; absent without a bearing.
   */
  accumulated?: { diagnosis: string; confidence: number; windows: number };
  /** Windows of the healthy reference the diagnosis used; 0 without one. */
  referenceWindows: number;
  /** The sensor's self-checks: `ok` or `check_function`, and why (e.g. `flat_line`, `offset_step,clipping`). */
  sensorState: string;
  sensorReasons: readonly string[];
  processedAtUs: number;
}

export function featureRow(tables: TableNames, w: FeatureRowInput): Row {
  return row(tables.features, w.startTimeNs, {
    symbols: {
      machine: w.machine,
      channel: w.channel,
      iso_zone: w.isoZone,
      shaft_source: w.shaftSource,
      bearing_diagnosis: w.bearingDiagnosis,
      ...(w.accumulated ? { accumulated_diagnosis: w.accumulated.diagnosis } : {}),
      sensor_state: w.sensorState,
      // Left out (null in SQL) when the sensor is fine: a reason is only ever a fault.
      ...(w.sensorReasons.length > 0 ? { sensor_reason: w.sensorReasons.join(',') } : {}),
    },
    doubles: {
      ...w.features,
      sample_rate_hz: w.sampleRateHz,
      bearing_confidence: w.bearingConfidence,
      ...(w.accumulated ? { accumulated_confidence: w.accumulated.confidence } : {}),
    },
    longs: {
      window_seq: w.windowSeq,
      samples: w.samples,
      reference_windows: w.referenceWindows,
      ...(w.accumulated ? { accumulated_windows: w.accumulated.windows } : {}),
    },
    timestampsUs: { processed_at: w.processedAtUs },
  });
}

/** A machine's health after one fused window, as `machine_health` stores it (the health model's status). */
export interface HealthRowInput {
  machine: string;
  tsNs: bigint;
  windowSeq: number;
  channels: number;
  mode: string;
  /** Channels left out of the model for failing their sensor checks, and why (`DE_X flat line`); absent: none. */
  sensorReason?: string;
  /** The verdict on the mode's healthy baseline (good | suspect | unknown); absent while it is learnt. */
  baselineQuality?: string;
  status: {
    state: string;
    phase: string;
    /** null when no remaining life is estimated yet. */
    rulBasis: string | null;
    score: number;
    healthIndex: number;
    /** point: the score-optimal remaining life to plan with (absent from callers without it). */
    rul: { median: number; lower: number; upper: number; point?: number };
    alarm: boolean;
    degradation: boolean;
    /** Seconds since the epoch; NaN when none (the sink leaves non-finite values out). */
    onsetTime: number;
    /** A system event confirmed at this window (models/health/system-event.ts): its reason and step time (s); absent or null: none. */
    systemEvent?: { reason: string; time: number } | null;
  };
  processedAtUs: number;
}

export function healthRow(tables: TableNames, u: HealthRowInput): Row {
  const st = u.status;
  return row(tables.health, u.tsNs, {
    symbols: {
      machine: u.machine,
      health_state: st.state,
      phase: st.phase,
      mode: u.mode,
      ...(st.rulBasis ? { rul_basis: st.rulBasis } : {}),
      ...(u.sensorReason ? { sensor_reason: u.sensorReason } : {}),
      ...(u.baselineQuality ? { baseline_quality: u.baselineQuality } : {}),
    },
    doubles: {
      anomaly_score: st.score,
      health_index: st.healthIndex,
      rul_median_s: st.rul.median,
      rul_lower_s: st.rul.lower,
      rul_upper_s: st.rul.upper,
      ...(st.rul.point !== undefined ? { rul_point_s: st.rul.point } : {}),
    },
    booleans: { alarm: st.alarm, degradation: st.degradation },
    longs: { window_seq: u.windowSeq, channels: u.channels },
    timestampsUs: {
      processed_at: u.processedAtUs,
      onset_at: Math.round(st.onsetTime * 1e6),
      ...(st.systemEvent ? { system_event_at: Math.round(st.systemEvent.time * 1e6) } : {}),
    },
    ...(st.systemEvent ? { strings: { system_event: st.systemEvent.reason } } : {}),
  });
}

/** A simulated machine's ground truth at one instant (the simulator's truth record v1 has these fields). */
export interface GroundTruthRowInput {
  machine: string;
  timeMs: number;
  state: string;
  mode: string;
  life: number;
  lifeS: number;
  faultType: string | null;
  faultLocation: string | null;
  /** null when unknown (a replayed recording). */
  severity: number | null;
  onsetAtMs: number | null;
  failureAtMs: number | null;
}

/** `ground_truth`: unknown values are left out (null in SQL); no fault is `fault_type` "none". */
export function groundTruthRow(tables: TableNames, r: GroundTruthRowInput): Row {
  const timestampsUs: Record<string, number> = {};
  if (r.failureAtMs !== null) timestampsUs['failure_at'] = Math.round(r.failureAtMs * 1000);
  if (r.onsetAtMs !== null) timestampsUs['onset_at'] = Math.round(r.onsetAtMs * 1000);
  const doubles: Record<string, number> = { life_s: r.lifeS };
  if (r.severity !== null) doubles['severity'] = r.severity;
  const symbols: Record<string, string> = { machine: r.machine, state: r.state, fault_type: r.faultType ?? NO_FAULT, mode: r.mode };
  if (r.faultLocation !== null) symbols['fault_location'] = r.faultLocation;
  return row(tables.groundTruth, BigInt(Math.round(r.timeMs)) * 1_000_000n, {
    symbols,
    doubles,
    longs: { life: r.life },
    timestampsUs,
  });
}

/** `vibration_spectra.kind`: the Hann amplitude spectrum (g peak) or the squared envelope spectrum (g^2). */
export const SPECTRUM_KINDS = ['amplitude', 'envelope'] as const;
export type SpectrumKind = (typeof SPECTRUM_KINDS)[number];
/**
 * `vibration_spectra.reason`: why this window's spectra were stored: the cadence (every Nth
 * window), a change of the channel's bearing diagnosis, or a change of the machine's health state.
 */
export const SPECTRUM_REASONS = ['cadence', 'diagnosis_change', 'health_change'] as const;
export type SpectrumReason = (typeof SPECTRUM_REASONS)[number];

/** One stored spectrum of one window of a channel. */
export interface SpectrumRowInput {
  machine: string;
  channel: string;
  kind: SpectrumKind;
  reason: SpectrumReason;
  windowSeq: number;
  startTimeNs: bigint;
  shaftHz: number;
  /** Axis: values[j] at startHz + j x stepHz. */
  startHz: number;
  stepHz: number;
  values: ArrayLike<number>;
  processedAtUs: number;
}

/** `vibration_spectra`: one row per window, channel and kind; the array with its axis (start, step, lines). */
export function spectrumRow(tables: TableNames, s: SpectrumRowInput): Row {
  return row(tables.spectra, s.startTimeNs, {
    symbols: { machine: s.machine, channel: s.channel, kind: s.kind, reason: s.reason },
    doubles: { shaft_hz: s.shaftHz, start_hz: s.startHz, step_hz: s.stepHz },
    longs: { window_seq: s.windowSeq, lines: s.values.length },
    timestampsUs: { processed_at: s.processedAtUs },
    arrays: { spectrum: Array.from(s.values) },
  });
}

/** Harmonics of a family stored as columns (h1..h4): the rolling element's 2 x BSF impact rate needs 4 to show 2 of its own harmonics. */
export const EVIDENCE_HARMONICS = 4;

/** One defect family's fault-band evidence in one window of a channel (models/stored-evidence.ts FamilyEvidence). */
export interface EvidenceRowInput {
  machine: string;
  channel: string;
  windowSeq: number;
  startTimeNs: bigint;
  /** The window's bearing diagnosis (all families of a window carry it). */
  diagnosis: string;
  shaftHz: number;
  family: string;
  defectHz: number;
  baseHz: number;
  sidebandSpacingHz: number;
  strengthDb: number;
  supported: boolean;
  rank: number;
  harmonics: ReadonlyArray<{
    hz: number;
    level: number;
    overFloorDb: number;
    thresholdDb: number;
    present: boolean;
    sidebands: number;
    sidebandDb: number;
  }>;
  processedAtUs: number;
}

/**
 * `bearing_evidence`: one row per window, channel and family (bpfo, bpfi, bsf, ftf); harmonic h
 * as columns h<h>_hz, _level (SES, g^2), _db (over the local floor), _threshold_db, _present,
 * _sidebands, _sideband_db. Harmonics the family does not examine are left out (null).
 */
export function evidenceRow(tables: TableNames, e: EvidenceRowInput): Row {
  const doubles: Record<string, number> = {
    shaft_hz: e.shaftHz,
    defect_hz: e.defectHz,
    base_hz: e.baseHz,
    sideband_spacing_hz: e.sidebandSpacingHz,
    strength_db: e.strengthDb,
  };
  const longs: Record<string, number> = { window_seq: e.windowSeq, rank: e.rank, harmonics: e.harmonics.length };
  const booleans: Record<string, boolean> = { supported: e.supported };
  for (const [i, h] of e.harmonics.slice(0, EVIDENCE_HARMONICS).entries()) {
    const p = `h${i + 1}_`;
    doubles[`${p}hz`] = h.hz;
    doubles[`${p}level`] = h.level;
    doubles[`${p}db`] = h.overFloorDb;
    doubles[`${p}threshold_db`] = h.thresholdDb;
    booleans[`${p}present`] = h.present;
    longs[`${p}sidebands`] = h.sidebands;
    doubles[`${p}sideband_db`] = h.sidebandDb;
  }
  return row(tables.evidence, e.startTimeNs, {
    symbols: { machine: e.machine, channel: e.channel, family: e.family, diagnosis: e.diagnosis },
    doubles,
    longs,
    booleans,
    timestampsUs: { processed_at: e.processedAtUs },
  });
}

/** One alert episode start or end (the `pdm.alerts.v1` event's fields), as `alerts` stores it. */
export interface AlertRowInput {
  machine: string;
  kind: string;
  /** `*` for the whole machine. */
  channel: string;
  event: 'start' | 'end';
  tsMs: number;
  startedAtMs: number;
  severity: string;
  value?: number;
  durationS?: number;
  detail: string;
  raisedAtMs: number;
}

export function alertRow(tables: TableNames, a: AlertRowInput): Row {
  const doubles: Record<string, number> = {};
  if (a.value !== undefined) doubles['value'] = a.value;
  if (a.durationS !== undefined) doubles['duration_s'] = a.durationS;
  return row(tables.alerts, BigInt(Math.round(a.tsMs)) * 1_000_000n, {
    symbols: { machine: a.machine, kind: a.kind, channel: a.channel, event: a.event, severity: a.severity },
    doubles,
    strings: { detail: a.detail },
    timestampsUs: { started_at: Math.round(a.startedAtMs * 1000), raised_at: Math.round(a.raisedAtMs * 1000) },
  });
}
