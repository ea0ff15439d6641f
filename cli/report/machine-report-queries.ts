/**
 * What `pdm report` reads from QuestDB for one machine and time range, over the HTTP /exec of
 * storage/sql.ts, with the table names of storage/tables.ts (so the processor's table prefix
 * applies). Trends are downsampled in QuestDB (SAMPLE BY a bucket sized to the range, at most
 * about TREND_POINTS per series), so a month of windows stays a few hundred points; spectra are
 * the latest stored per channel and kind; alerts and gaps are their rows in the range.
 *
 * Rows come back as objects keyed by column name, as QuestDB typed them (timestamps as ISO
 * strings); machine-report-data.ts shapes them for the page.
 */
import { PdmError } from '../../common/errors.ts';
import { HEALTH_STATES } from '../../storage/schema.ts';
import { type QuestdbHttpTarget, questdbExec } from '../../storage/sql.ts';
import type { TableNames } from '../../storage/tables.ts';
import type { TimeRange } from './time-range.ts';

export type Row = Record<string, unknown>;

/** Everything the report shows, as read. */
export interface MachineRecords {
  machine: string;
  range: TimeRange;
  /** The SAMPLE BY bucket of the trends, seconds. */
  bucketS: number;
  /** Per bucket and channel: velocity (mean, max), worst ISO zone rank (1 = A .. 4 = D), kurtosis, windows. */
  features: Row[];
  /** Per bucket, channel and defect family: the fundamental's highest level over the envelope floor (dB), its threshold, the evidence strength. */
  evidence: Row[];
  /** Per bucket: anomaly score, worst health state rank, alarm, remaining life (last estimate) with its basis. */
  health: Row[];
  /** The machine's last health record in the range. */
  latestHealth: Row | undefined;
  /** Each channel's last window in the range (zone, velocity, window and accumulated bearing diagnosis, sensor state). */
  latestChannels: Row[];
  /** Per channel: windows in the range, first and last. */
  coverage: Row[];
  /** The latest stored amplitude and envelope spectrum per channel in the range (DOUBLE[] and axis). */
  spectra: Row[];
  /** The defect frequencies (and evidence) of the windows of those envelope spectra. */
  defects: Row[];
  /** Alert starts and ends before the end of the range (episodes are paired in machine-report-data.ts). */
  alerts: Row[];
  /** Collection gaps in the range, oldest first (at most MAX_GAPS) and their total. */
  gaps: Row[];
  gapTotals: { gaps: number; missingBlocks: number };
}

/** Points a trend series gets at most (about): SAMPLE BY bucket = the range / this, rounded up to a round step. */
export const TREND_POINTS = 600;
/** Gap rows listed (the total is counted separately). */
export const MAX_GAPS = 200;

const STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** The SAMPLE BY bucket (seconds) for a range: the smallest round step giving at most TREND_POINTS buckets. */
export function trendBucketS(range: TimeRange): number {
  const need = (range.toMs - range.fromMs) / 1000 / TREND_POINTS;
  return STEPS_S.find((s) => s >= need) ?? Math.ceil(need / 86400) * 86400;
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Zone A..D as 1..4 (as the dashboards rank them). */
const ZONE_RANK = `CASE iso_zone WHEN 'A' THEN 1 WHEN 'B' THEN 2 WHEN 'C' THEN 3 WHEN 'D' THEN 4 END`;
/** NE 107 states as 0 (normal) .. 4 (failure), in HEALTH_STATES' order of severity. */
const HEALTH_RANK = `CASE health_state ${HEALTH_STATES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} END`;

export interface ReportQueries {
  knownMachines: string;
  features: string;
  evidence: string;
  health: string;
  latestHealth: string;
  latestChannels: string;
  /** For a table from before the accumulated diagnosis (its columns are added when a processor of that version starts). */
  latestChannelsWithoutAccumulated: string;
  coverage: string;
  spectra: string;
  alerts: string;
  gaps: string;
  gapTotals: string;
}

/** Every statement of the report (the defects' one depends on the spectra found: `defectsSql`). */
export function reportQueries(t: TableNames, machine: string, range: TimeRange): ReportQueries {
  const m = `machine = ${sqlString(machine)}`;
  const inRange = `ts >= ${sqlString(iso(range.fromMs))} AND ts < ${sqlString(iso(range.toMs))}`;
  const where = `WHERE ${m} AND ${inRange}`;
  const bucket = `SAMPLE BY ${trendBucketS(range)}s ALIGN TO CALENDAR`;
  return {
    knownMachines: `SELECT DISTINCT machine FROM ${t.features} ORDER BY machine`,
    features: `SELECT ts, channel, avg(velocity_rms_mm_s) velocity_mm_s, max(velocity_rms_mm_s) velocity_max_mm_s,
      max(${ZONE_RANK}) zone_rank, avg(kurtosis) kurtosis, count() windows
      FROM ${t.features} ${where} ${bucket} ORDER BY ts, channel`,
    evidence: `SELECT ts, channel, family, max(h1_db) h1_db, max(h1_threshold_db) h1_threshold_db, max(strength_db) strength_db
      FROM ${t.evidence} ${where} ${bucket} ORDER BY ts, channel, family`,
    health: `SELECT ts, max(anomaly_score) anomaly_score, max(${HEALTH_RANK}) health_rank, max(CASE WHEN alarm THEN 1 ELSE 0 END) alarm,
      last_not_null(rul_median_s) rul_median_s, last_not_null(rul_lower_s) rul_lower_s, last_not_null(rul_upper_s) rul_upper_s,
      last(rul_basis) rul_basis
      FROM ${t.health} ${where} ${bucket} ORDER BY ts`,
    latestHealth: `SELECT ts, health_state, anomaly_score, alarm, health_index, rul_median_s, rul_lower_s, rul_upper_s, rul_basis
      FROM ${t.health} ${where} LATEST ON ts PARTITION BY machine`,
    latestChannels: `SELECT ts, channel, velocity_rms_mm_s, iso_zone, bearing_diagnosis, bearing_confidence,
      accumulated_diagnosis, accumulated_confidence, accumulated_windows, shaft_hz, sensor_state, sensor_reason
      FROM ${t.features} ${where} LATEST ON ts PARTITION BY channel`,
    latestChannelsWithoutAccumulated: `SELECT ts, channel, velocity_rms_mm_s, iso_zone, bearing_diagnosis, bearing_confidence, shaft_hz, sensor_state, sensor_reason
      FROM ${t.features} ${where} LATEST ON ts PARTITION BY channel`,
    coverage: `SELECT channel, count() windows, min(ts) first, max(ts) last FROM ${t.features} ${where} GROUP BY channel ORDER BY channel`,
    spectra: `SELECT ts, channel, kind, window_seq, shaft_hz, start_hz, step_hz, lines, spectrum
      FROM ${t.spectra} ${where} LATEST ON ts PARTITION BY channel, kind`,
    // Everything before the end of the range: an episode open in the range may have started long
    // before it, and only its end row (if any) says whether it still was (episodes are few).
    alerts: `SELECT ts, kind, channel, event, started_at, severity, value, duration_s, detail FROM ${t.alerts}
      WHERE ${m} AND ts < ${sqlString(iso(range.toMs))}
      ORDER BY ts, kind, channel, event`,
    gaps: `SELECT ts, channel, from_seq, to_seq, missing_blocks, cause FROM ${t.gaps} ${where} ORDER BY ts, channel LIMIT ${MAX_GAPS}`,
    gapTotals: `SELECT count() gaps, sum(missing_blocks) missing_blocks FROM ${t.gaps} ${where}`,
  };
}

/** The evidence rows (defect frequencies) of the windows whose envelope spectra are shown. */
export function defectsSql(t: TableNames, machine: string, envelopes: Array<{ ts: string; channel: string }>): string | undefined {
  if (envelopes.length === 0) return undefined;
  const which = envelopes.map((e) => `(channel = ${sqlString(e.channel)} AND ts = ${sqlString(e.ts)})`).join(' OR ');
  return `SELECT ts, channel, family, defect_hz, strength_db, supported FROM ${t.evidence}
    WHERE machine = ${sqlString(machine)} AND (${which}) ORDER BY channel, family`;
}

async function rows(target: QuestdbHttpTarget, sql: string): Promise<Row[]> {
  const r = await questdbExec(target, sql);
  return r.dataset.map((values) => Object.fromEntries(r.columns.map((c, i) => [c.name, values[i]])));
}

/** Rows of a table that may not exist yet (a plant without gaps, spectra or a health model): none then. */
async function optionalRows(target: QuestdbHttpTarget, sql: string): Promise<Row[]> {
  try {
    return await rows(target, sql);
  } catch (err) {
    if (err instanceof PdmError && err.code === 'PDM_ERR_QUESTDB_REJECTED' && /does not exist/i.test(err.message)) return [];
    throw err;
  }
}

/** The machines with windows in `features` (any time), for the unknown-machine message. */
export async function knownMachines(target: QuestdbHttpTarget, t: TableNames): Promise<string[]> {
  try {
    return (await rows(target, reportQueries(t, '', { fromMs: 0, toMs: 1 }).knownMachines)).map((r) => String(r.machine));
  } catch (err) {
    if (err instanceof PdmError && err.code === 'PDM_ERR_QUESTDB_REJECTED' && /does not exist/i.test(err.message)) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `QuestDB at ${target.httpUrl} has no table ${t.features}: nothing processed there yet, or another table prefix (--config)`,
        { table: t.features },
      );
    }
    throw err;
  }
}

/** Reads everything the report shows (the machine must exist: check with knownMachines first). */
export async function readMachineRecords(
  target: QuestdbHttpTarget,
  t: TableNames,
  machine: string,
  range: TimeRange,
): Promise<MachineRecords> {
  const q = reportQueries(t, machine, range);
  // One statement at a time: QuestDB is shared with the pipeline writing into it.
  const features = await rows(target, q.features);
  const latestChannels = await rows(target, q.latestChannels).catch((err: unknown) => {
    if (err instanceof PdmError && err.code === 'PDM_ERR_QUESTDB_REJECTED' && /accumulated_/.test(err.message))
      return rows(target, q.latestChannelsWithoutAccumulated);
    throw err;
  });
  const coverage = await rows(target, q.coverage);
  const evidence = await optionalRows(target, q.evidence);
  const health = await optionalRows(target, q.health);
  const [latestHealth] = await optionalRows(target, q.latestHealth);
  const spectra = await optionalRows(target, q.spectra);
  const envelopes = spectra.filter((s) => s.kind === 'envelope').map((s) => ({ ts: String(s.ts), channel: String(s.channel) }));
  const defects = defectsSql(t, machine, envelopes);
  const alerts = await optionalRows(target, q.alerts);
  const gaps = await optionalRows(target, q.gaps);
  const [totals] = await optionalRows(target, q.gapTotals);
  return {
    machine,
    range,
    bucketS: trendBucketS(range),
    features,
    evidence,
    health,
    latestHealth,
    latestChannels,
    coverage,
    spectra,
    defects: defects === undefined ? [] : await optionalRows(target, defects),
    alerts,
    gaps,
    gapTotals: { gaps: Number(totals?.gaps ?? 0), missingBlocks: Number(totals?.missing_blocks ?? 0) },
  };
}
