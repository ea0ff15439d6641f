/**
 * Offline replay of one asset's recorded history through `AssetMonitor`, optionally with fleet
 * knowledge learned from training histories: what `pdm rul` prints, one row per window.
 */
import type { FeatureRecord } from '../anomaly/feature-vector.ts';
import { AssetMonitor, newAssetStatus, type AssetStatus, type FleetKnowledge } from './asset-monitor.ts';
import { learnFleet, type History } from './fleet-training.ts';
import type { MonitorConfigInput } from './monitor-config.ts';

export interface ReplayedRow {
  health_index: number;
  alarm: boolean;
  rul_s: { median: number; lower: number; upper: number } | null;
  rul_basis: 'fleet' | 'degradation' | null;
}

export interface ReplayResult {
  fleet: FleetKnowledge | null;
  rows: ReplayedRow[];
  /** Full status per row, for reports. */
  statuses: AssetStatus[];
}

export function replay(series: { name: string; times: readonly number[]; rows: readonly FeatureRecord[] }, train: readonly History[], config: MonitorConfigInput = {}): ReplayResult {
  const fleet = train.length > 0 ? learnFleet(train, config) : null;
  const monitor = new AssetMonitor(config, fleet, series.name);
  const rows: ReplayedRow[] = [];
  const statuses: AssetStatus[] = [];
  for (let i = 0; i < series.times.length; i++) {
    const s = monitor.update(newAssetStatus(), series.times[i], series.rows[i]);
    statuses.push(s);
    rows.push({
      health_index: s.healthIndex,
      alarm: s.alarm,
      rul_s: s.rulBasis === null ? null : { median: s.rul.median, lower: s.rul.lower, upper: s.rul.upper },
      rul_basis: s.rulBasis,
    });
  }
  return { fleet, rows, statuses };
}
