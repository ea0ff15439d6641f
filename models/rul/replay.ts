/**
 * Offline replay of one asset's recorded history through `AssetMonitor`, optionally with fleet
 * knowledge learned from training histories: what `pdm rul` prints, one row per window. When the
 * operating conditions (load, speed) of the series and of the histories are given, the histories'
 * durations are first scaled to the series' condition (ISO 281, life-scaling.ts).
 */
import type { FeatureRecord } from '../anomaly/feature-vector.ts';
import { AssetMonitor, type AssetStatus, type FleetKnowledge, newAssetStatus } from './asset-monitor.ts';
import { type History, learnFleet } from './fleet-training.ts';
import { equivalentLifeFactor, type OperatingCondition, stretchTimes } from './life-scaling.ts';
import { type MonitorConfigInput, MonitorConfigSpec } from './monitor-config.ts';

export interface ReplayedRow {
  health_index: number;
  alarm: boolean;
  rul_s: { median: number; lower: number; upper: number; point: number } | null;
  rul_basis: 'fleet' | 'degradation' | null;
  /** A system event confirmed at this row (models/health/system-event.ts), null otherwise. */
  system_event: ReplayedSystemEvent | null;
}

/** What `pdm rul --json` says of a system event: when, why, which columns by how much. */
export interface ReplayedSystemEvent {
  /** Time of the first row after the step (series seconds). */
  at: number;
  detected_at: number;
  reason: string;
  locations: string[];
  features: Array<{ feature: string; location: string; change: number; relative: boolean }>;
}

export interface ReplayResult {
  fleet: FleetKnowledge | null;
  /** Per training history, the factor its durations were multiplied by (1: not scaled). */
  lifeFactors: number[];
  rows: ReplayedRow[];
  /** Full status per row, for reports. */
  statuses: AssetStatus[];
}

export interface ReplaySeries {
  name: string;
  times: readonly number[];
  rows: readonly FeatureRecord[];
  condition?: OperatingCondition;
}

/** Training histories with their durations scaled to the series' operating condition. */
export function historiesAtCondition(
  series: ReplaySeries,
  train: readonly History[],
  config: MonitorConfigInput,
): { histories: History[]; factors: number[] } {
  const anyCondition = series.condition !== undefined || train.some((h) => h.condition !== undefined);
  if (!anyCondition) return { histories: [...train], factors: train.map(() => 1) };
  const exponent = MonitorConfigSpec.parse(config).rul.lifeExponent;
  const factors = train.map((h) => equivalentLifeFactor(h.condition ?? {}, series.condition ?? {}, exponent, h.name));
  return { histories: train.map((h, i) => ({ ...h, times: stretchTimes(h.times, factors[i]) })), factors };
}

export function replay(series: ReplaySeries, train: readonly History[], config: MonitorConfigInput = {}): ReplayResult {
  const scaled = historiesAtCondition(series, train, config);
  const fleet = train.length > 0 ? learnFleet(scaled.histories, config) : null;
  const monitor = new AssetMonitor(config, fleet, series.name);
  const rows: ReplayedRow[] = [];
  const statuses: AssetStatus[] = [];
  for (let i = 0; i < series.times.length; i++) {
    const s = monitor.update(newAssetStatus(), series.times[i], series.rows[i]);
    statuses.push(s);
    rows.push({
      health_index: s.healthIndex,
      alarm: s.alarm,
      rul_s: s.rulBasis === null ? null : { median: s.rul.median, lower: s.rul.lower, upper: s.rul.upper, point: s.rul.point },
      rul_basis: s.rulBasis,
      system_event:
        s.systemEvent === null
          ? null
          : {
              at: s.systemEvent.time,
              detected_at: s.systemEvent.detectedAt,
              reason: s.systemEvent.reason,
              locations: s.systemEvent.locations,
              features: s.systemEvent.features.map((f) => ({
                feature: f.feature,
                location: f.location,
                change: f.change,
                relative: f.relative,
              })),
            },
    });
  }
  return { fleet, lifeFactors: scaled.factors, rows, statuses };
}
