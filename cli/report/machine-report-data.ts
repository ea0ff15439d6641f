/**
 * The machine report's content, shaped from the rows QuestDB returned (machine-report-queries.ts):
 * trends aligned on one time axis per plot (a bucket without a window is a hole, not a zero), the
 * latest spectra with their order and defect markers, alert episodes paired from their start and
 * end rows, the data coverage; the summary in words comes from machine-report-words.ts. Pure: rows
 * in, plain data out.
 */
import { NO_WAVEFORM } from '../../storage/schema.ts';
import type { MachineRecords, Row } from './machine-report-queries.ts';
import { rulUnit, summaryInWords, UNIT_S, utc } from './machine-report-words.ts';
import { FAMILIES, fixed, r5 } from './report-page.ts';

/** A vertical marker on a spectrum: drawn by the shared marker plugin (chart-helpers.ts). */
export interface Marker {
  hz: number;
  label: string;
  color: string;
  strong: boolean;
  /** Label row (one per defect family, so their labels do not collide). */
  row: number;
  family?: string;
}

export interface SpectrumView {
  channel: string;
  kind: 'amplitude' | 'envelope';
  /** Window time, epoch ms. */
  tsMs: number;
  shaftHz: number;
  startHz: number;
  stepHz: number;
  y: number[];
  markers: Marker[];
  /** The span shown first (amplitude: up to 10.5X when the speed is known; envelope: all of it). */
  initialMaxHz: number;
  /** The whole stored band. */
  maxHz: number;
}

export interface Series {
  label: string;
  color: string;
  dash?: number[];
  y: Array<number | null>;
}

/** Series on one time axis (epoch seconds, for uPlot). */
export interface TimeSeriesPlot {
  t: number[];
  series: Series[];
}

export interface RulView {
  t: number[];
  /** The unit the values are in: min, h or d (chosen from the longest median). */
  unit: 'min' | 'h' | 'd';
  median: Array<number | null>;
  lower: Array<number | null>;
  upper: Array<number | null>;
  basis: Array<string | null>;
}

export interface Episode {
  kind: string;
  channel: string;
  startedAtMs: number;
  /** Undefined while open at the end of the range. */
  endedAtMs?: number;
  /** Ended: as the end row says; open: until the end of the range. */
  durationS: number;
  severity: string;
  detail: string;
}

export interface GapView {
  tsMs: number;
  channel: string;
  fromSeq: number;
  toSeq: number;
  missingBlocks: number;
  cause: string;
}

export interface ChannelNow {
  channel: string;
  tsMs: number;
  velocityMmS: number;
  zone: string;
  /**
   * The channel's bearing diagnosis: the accumulated one (over its windows since the last reset:
   * what an engineer can act on) when stored, else the last window's; NO_WAVEFORM for a scalar
   * sensor; null when unknown.
   */
  diagnosis: string | null;
  confidence: number;
  /** Where the diagnosis comes from, and (accumulated) over how many windows. */
  diagnosisBasis: 'accumulated' | 'window';
  accumulatedWindows?: number;
  sensorState: string;
}

export interface MachineReport {
  machine: string;
  fromMs: number;
  toMs: number;
  generatedAtMs: number;
  bucketS: number;
  channels: string[];
  coverage: { text: string; windows: number };
  summary: string[];
  /** Worst zone over the range (A..D) and where, for the header card. */
  worstZone: { zone: string; channel: string; velocityMmS: number } | undefined;
  now: ChannelNow[];
  latestHealth: { state: string; tsMs: number; anomaly: number; alarm: boolean } | undefined;
  latestRul: { median: number; lower: number; upper: number; basis: string; tsMs: number } | undefined;
  trends: { velocity: TimeSeriesPlot; zone: TimeSeriesPlot; kurtosis: TimeSeriesPlot; evidence: TimeSeriesPlot } | undefined;
  /** The presence threshold of the defect lines (median over the evidence rows), dB over the floor. */
  evidenceThresholdDb: number | undefined;
  health: { anomaly: TimeSeriesPlot; state: TimeSeriesPlot } | undefined;
  rul: RulView | undefined;
  spectra: SpectrumView[];
  episodes: Episode[];
  gaps: GapView[];
  gapTotals: { gaps: number; missingBlocks: number };
}

/** Colours of channels in the trends (a channel keeps its colour in every plot). */
export const CHANNEL_COLOURS = ['#1f5fa8', '#e07b00', '#2e8b57', '#8e44ad', '#c0392b', '#16a085', '#7f8c8d', '#b8860b'];
/** Line styles of a channel's evidence series (the family is the colour). */
const CHANNEL_DASHES: number[][] = [[], [6, 3], [2, 3], [8, 3, 2, 3]];
const ZONES = ['A', 'B', 'C', 'D'];
const ORDERS = 10;
const ORDER_SPAN = 10.5;

function ms(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

function num(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const x = Number(value);
  return Number.isFinite(x) ? x : null;
}

function str(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

/** A stored DOUBLE[] as /exec returns it (a JSON array, or its text). */
export function numberArray(value: unknown): number[] {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(parsed)) return [];
  return parsed.map((v) => (typeof v === 'number' && Number.isFinite(v) ? r5(v) : 0));
}

/** Rows keyed by (time, series) onto one sorted time axis: each series' value per time, null where it has none. */
export function alignSeries(
  rows: Row[],
  key: (r: Row) => string,
  value: (r: Row) => number | null,
): { t: number[]; y: Map<string, Array<number | null>> } {
  const times = [...new Set(rows.map((r) => ms(r.ts)).filter(Number.isFinite))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const y = new Map<string, Array<number | null>>();
  for (const r of rows) {
    const i = index.get(ms(r.ts));
    if (i === undefined) continue;
    const k = key(r);
    let ys = y.get(k);
    if (ys === undefined) {
      ys = new Array<number | null>(times.length).fill(null);
      y.set(k, ys);
    }
    const v = value(r);
    ys[i] = v === null ? null : r5(v);
  }
  return { t: times.map((t) => t / 1000), y };
}

function channelSeries(rows: Row[], channels: string[], column: string): TimeSeriesPlot {
  const { t, y } = alignSeries(
    rows,
    (r) => str(r.channel),
    (r) => num(r[column]),
  );
  return {
    t,
    series: channels.map((c, i) => ({
      label: c,
      color: CHANNEL_COLOURS[i % CHANNEL_COLOURS.length],
      y: y.get(c) ?? new Array(t.length).fill(null),
    })),
  };
}

/** Alert start and end rows paired into episodes (by kind, channel and start): those that overlap the range, oldest first. */
export function pairEpisodes(rows: Row[], fromMs: number, toMs: number): Episode[] {
  const key = (r: Row) => `${str(r.kind)}|${str(r.channel)}|${ms(r.started_at)}`;
  const ends = new Map(rows.filter((r) => r.event === 'end').map((r) => [key(r), r]));
  const out: Episode[] = [];
  for (const s of rows.filter((r) => r.event === 'start')) {
    const startedAtMs = ms(s.started_at ?? s.ts);
    const end = ends.get(key(s));
    const endedAtMs = end === undefined ? undefined : ms(end.ts);
    if (endedAtMs !== undefined && endedAtMs < fromMs) continue;
    out.push({
      kind: str(s.kind),
      channel: str(s.channel),
      startedAtMs,
      ...(endedAtMs === undefined ? {} : { endedAtMs }),
      durationS: end === undefined ? (toMs - startedAtMs) / 1000 : (num(end.duration_s) ?? (endedAtMs! - startedAtMs) / 1000),
      // An end carries the worst severity the episode reached.
      severity: str((end ?? s).severity),
      detail: str(s.detail),
    });
  }
  return out.sort((a, b) => a.startedAtMs - b.startedAtMs || a.kind.localeCompare(b.kind) || a.channel.localeCompare(b.channel));
}

/** The latest spectra, each with its markers: 1X..10X on the amplitude spectrum, the defect families' harmonics on the envelope spectrum. */
export function spectrumViews(spectra: Row[], defects: Row[]): SpectrumView[] {
  const views: SpectrumView[] = [];
  for (const s of spectra) {
    const kind = s.kind === 'envelope' ? 'envelope' : 'amplitude';
    const y = numberArray(s.spectrum);
    if (y.length === 0) continue;
    const startHz = num(s.start_hz) ?? 0;
    const stepHz = num(s.step_hz) ?? 0;
    const shaftHz = num(s.shaft_hz) ?? 0;
    const maxHz = startHz + (y.length - 1) * stepHz;
    const channel = str(s.channel);
    const markers: Marker[] = [];
    if (kind === 'amplitude' && shaftHz > 0) {
      for (let i = 1; i <= ORDERS && i * shaftHz <= maxHz; i++)
        markers.push({ hz: r5(i * shaftHz), label: `${i}X`, color: i === 1 ? '#d62728' : '#555', strong: i === 1, row: 0 });
    }
    if (kind === 'envelope') {
      const at = ms(s.ts);
      for (const [row, fam] of FAMILIES.entries()) {
        const d = defects.find((r) => str(r.channel) === channel && r.family === fam.key && ms(r.ts) === at);
        const defectHz = num(d?.defect_hz);
        if (defectHz === null || defectHz <= 0) continue;
        for (let h = 1; h <= fam.harmonics && h * defectHz <= maxHz; h++)
          markers.push({
            hz: r5(h * defectHz),
            label: h === 1 ? fam.label : `${h}×`,
            color: fam.color,
            strong: h === 1,
            row,
            family: fam.key,
          });
      }
    }
    views.push({
      channel,
      kind,
      tsMs: ms(s.ts),
      shaftHz,
      startHz,
      stepHz,
      y,
      markers,
      initialMaxHz: kind === 'amplitude' && shaftHz > 0 ? Math.min(maxHz, ORDER_SPAN * shaftHz) : maxHz,
      maxHz,
    });
  }
  return views.sort((a, b) => a.channel.localeCompare(b.channel) || a.kind.localeCompare(b.kind));
}

function rulView(rows: Row[]): RulView | undefined {
  const withEstimate = rows.filter((r) => num(r.rul_median_s) !== null);
  if (withEstimate.length === 0) return undefined;
  const unit = rulUnit(Math.max(...withEstimate.map((r) => num(r.rul_median_s) ?? 0)));
  const scale = (v: unknown) => {
    const x = num(v);
    return x === null ? null : r5(x / UNIT_S[unit]);
  };
  const sorted = [...rows].sort((a, b) => ms(a.ts) - ms(b.ts));
  return {
    t: sorted.map((r) => ms(r.ts) / 1000),
    unit,
    median: sorted.map((r) => scale(r.rul_median_s)),
    lower: sorted.map((r) => scale(r.rul_lower_s)),
    upper: sorted.map((r) => scale(r.rul_upper_s)),
    basis: sorted.map((r) => (r.rul_basis === null || r.rul_basis === undefined ? null : String(r.rul_basis))),
  };
}

function coverageText(r: MachineRecords, channels: string[]): { text: string; windows: number } {
  if (r.coverage.length === 0) return { text: 'no windows of this machine in the range', windows: 0 };
  const first = Math.min(...r.coverage.map((c) => ms(c.first)));
  const last = Math.max(...r.coverage.map((c) => ms(c.last)));
  const windows = r.coverage.reduce((n, c) => n + Number(c.windows), 0);
  const span = Math.max(0, Math.min(1, (last - first) / (r.range.toMs - r.range.fromMs)));
  const perChannel = r.coverage.map((c) => `${str(c.channel)} ${Number(c.windows)}`).join(', ');
  const gaps =
    r.gapTotals.gaps === 0
      ? 'no collection gap'
      : `${r.gapTotals.gaps} collection gap${r.gapTotals.gaps > 1 ? 's' : ''}, ${r.gapTotals.missingBlocks} block${r.gapTotals.missingBlocks === 1 ? '' : 's'} missing`;
  return {
    text: `${windows} windows on ${channels.length} channel${channels.length > 1 ? 's' : ''} (${perChannel}) from ${utc(first)} to ${utc(last)}, ${fixed(100 * span, 0)} % of the range; ${gaps}`,
    windows,
  };
}

/** The accumulated diagnosis when the window carries one (a channel with a bearing), else the window's own. */
function channelDiagnosis(c: Row): Pick<ChannelNow, 'diagnosis' | 'confidence' | 'diagnosisBasis' | 'accumulatedWindows'> {
  const accumulated = c.accumulated_diagnosis;
  if (accumulated !== null && accumulated !== undefined && c.bearing_diagnosis !== NO_WAVEFORM) {
    const windows = num(c.accumulated_windows);
    return {
      diagnosis: String(accumulated),
      confidence: num(c.accumulated_confidence) ?? Number.NaN,
      diagnosisBasis: 'accumulated',
      ...(windows === null ? {} : { accumulatedWindows: windows }),
    };
  }
  return {
    diagnosis: c.bearing_diagnosis === null || c.bearing_diagnosis === undefined ? null : String(c.bearing_diagnosis),
    confidence: num(c.bearing_confidence) ?? Number.NaN,
    diagnosisBasis: 'window',
  };
}

/** Everything the page shows, from the rows read. */
export function shapeMachineReport(r: MachineRecords, generatedAtMs: number): MachineReport {
  const channels = [...new Set([...r.coverage.map((c) => str(c.channel)), ...r.features.map((f) => str(f.channel))])].sort();
  const now: ChannelNow[] = r.latestChannels
    .map((c) => ({
      channel: str(c.channel),
      tsMs: ms(c.ts),
      velocityMmS: num(c.velocity_rms_mm_s) ?? Number.NaN,
      zone: str(c.iso_zone) || '–',
      ...channelDiagnosis(c),
      sensorState: str(c.sensor_state),
    }))
    .sort((a, b) => a.channel.localeCompare(b.channel));
  let worstZone: MachineReport['worstZone'];
  for (const f of r.features) {
    const rank = num(f.zone_rank);
    if (rank === null) continue;
    const v = num(f.velocity_max_mm_s) ?? 0;
    const worse =
      worstZone === undefined ||
      rank > ZONES.indexOf(worstZone.zone) + 1 ||
      (rank === ZONES.indexOf(worstZone.zone) + 1 && v > worstZone.velocityMmS);
    if (worse) worstZone = { zone: ZONES[rank - 1] ?? '–', channel: str(f.channel), velocityMmS: v };
  }
  const trends =
    r.features.length === 0
      ? undefined
      : {
          velocity: channelSeries(r.features, channels, 'velocity_mm_s'),
          zone: channelSeries(r.features, channels, 'zone_rank'),
          kurtosis: channelSeries(r.features, channels, 'kurtosis'),
          evidence: evidenceSeries(r.evidence, channels),
        };
  const health =
    r.health.length === 0
      ? undefined
      : {
          anomaly: seriesOf(r.health, [{ label: 'anomaly score (max)', color: '#8e44ad', column: 'anomaly_score' }]),
          state: seriesOf(r.health, [{ label: 'NE 107 state (worst)', color: '#c0392b', column: 'health_rank' }]),
        };
  const lh = r.latestHealth;
  const latestHealth =
    lh === undefined
      ? undefined
      : { state: str(lh.health_state), tsMs: ms(lh.ts), anomaly: num(lh.anomaly_score) ?? Number.NaN, alarm: lh.alarm === true };
  // The last estimate in the range (the latest record may have none, e.g. right after a mode change).
  const lastRul = [...r.health].reverse().find((x) => num(x.rul_median_s) !== null);
  const latestRul =
    lh !== undefined && num(lh.rul_median_s) !== null
      ? {
          median: num(lh.rul_median_s)!,
          lower: num(lh.rul_lower_s) ?? Number.NaN,
          upper: num(lh.rul_upper_s) ?? Number.NaN,
          basis: str(lh.rul_basis),
          tsMs: ms(lh.ts),
        }
      : lastRul === undefined
        ? undefined
        : {
            median: num(lastRul.rul_median_s)!,
            lower: num(lastRul.rul_lower_s) ?? Number.NaN,
            upper: num(lastRul.rul_upper_s) ?? Number.NaN,
            basis: str(lastRul.rul_basis),
            tsMs: ms(lastRul.ts),
          };
  const base: Omit<MachineReport, 'summary'> = {
    machine: r.machine,
    fromMs: r.range.fromMs,
    toMs: r.range.toMs,
    generatedAtMs,
    bucketS: r.bucketS,
    channels,
    coverage: coverageText(r, channels),
    worstZone,
    now,
    latestHealth,
    latestRul,
    trends,
    health,
    rul: rulView(r.health),
    evidenceThresholdDb: median(r.evidence.map((e) => num(e.h1_threshold_db)).filter((v): v is number => v !== null)),
    spectra: spectrumViews(r.spectra, r.defects),
    episodes: pairEpisodes(r.alerts, r.range.fromMs, r.range.toMs),
    gaps: r.gaps.map((g) => ({
      tsMs: ms(g.ts),
      channel: str(g.channel),
      fromSeq: Number(g.from_seq),
      toSeq: Number(g.to_seq),
      missingBlocks: Number(g.missing_blocks),
      cause: str(g.cause) || 'unknown',
    })),
    gapTotals: r.gapTotals,
  };
  return { ...base, summary: summaryInWords(base) };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function seriesOf(rows: Row[], columns: Array<{ label: string; color: string; column: string }>): TimeSeriesPlot {
  const { t, y } = alignSeries(
    rows.flatMap((r) => columns.map((c) => ({ ts: r.ts, key: c.column, value: r[c.column] }))),
    (r) => str(r.key),
    (r) => num(r.value),
  );
  return { t, series: columns.map((c) => ({ label: c.label, color: c.color, y: y.get(c.column) ?? new Array(t.length).fill(null) })) };
}

/** Each family's fundamental over the envelope floor (dB), per channel: colour by family, line style by channel. */
function evidenceSeries(rows: Row[], channels: string[]): TimeSeriesPlot {
  const { t, y } = alignSeries(
    rows,
    (r) => `${str(r.channel)}|${str(r.family)}`,
    (r) => num(r.h1_db),
  );
  const series: Series[] = [];
  for (const [ci, c] of channels.entries()) {
    for (const fam of FAMILIES) {
      const ys = y.get(`${c}|${fam.key}`);
      if (ys === undefined) continue;
      series.push({ label: `${c} ${fam.label}`, color: fam.color, dash: CHANNEL_DASHES[ci % CHANNEL_DASHES.length], y: ys });
    }
  }
  // The presence threshold the fundamentals are judged against: it depends on the search window's width and the
  // Welch segments, not on the family, so one line (each bucket's last row) stands for all.
  const threshold = alignSeries(
    rows,
    () => 'threshold',
    (r) => num(r.h1_threshold_db),
  ).y.get('threshold');
  if (series.length > 0 && threshold?.some((v) => v !== null))
    series.push({ label: 'presence threshold', color: '#56606b', dash: [2, 4], y: threshold });
  return { t, series };
}
