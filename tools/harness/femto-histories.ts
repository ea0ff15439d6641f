/**
 * FEMTO-ST PRONOSTIA run-to-failure histories from `../shared/data/femto/snapshot_features.csv`
 * (one row per 0.1 s snapshot taken every 10 s), as per-bearing feature histories: time in seconds
 * since the bearing's first snapshot and the features rms_h, rms_v, kurt_h, kurt_v, peak_h, peak_v.
 *
 * Time comes from the hour/minute/second/microsecond columns. A time that jumps back by more than
 * 12 h is a midnight roll-over (+1 day). Any other backward step is a corrupt timestamp (Bearing1_1
 * snapshots 2120 and 2121 carry 09:38:46 in the middle of 15:32-15:33): those rows are dropped
 * (and counted), since their true time is unknown and a history must be sorted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FEMTO_FEATURES = ['rms_h', 'rms_v', 'kurt_h', 'kurt_v', 'peak_h', 'peak_v'] as const;

export interface FemtoHistory {
  bearing: string;
  times: number[];
  rows: Record<string, number>[];
  /** Rows dropped for a backward timestamp. */
  dropped: number[];
  /** Seconds from the first to the last snapshot: failure is at the end of each history. */
  lifetimeS: number;
  /** Radial load (N) and shaft speed (rpm) of the test, from the data set's metadata.json. */
  loadN: number;
  speedRpm: number;
}

/** Repository root (this file is test/unit/rul/...). */
export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const FEMTO_CSV = resolve(REPO_ROOT, '../shared/data/femto/snapshot_features.csv');
export const FEMTO_METADATA = resolve(REPO_ROOT, '../shared/data/femto/metadata.json');

/** Each bearing's test condition: radial load and shaft speed, as metadata.json states them. */
function femtoConditions(file = FEMTO_METADATA): Map<string, { loadN: number; speedRpm: number }> {
  const meta = JSON.parse(readFileSync(file, 'utf8')) as {
    bearings: { bearing: string; radial_load_N: number; shaft_speed_rpm: number }[];
  };
  return new Map(meta.bearings.map((b) => [b.bearing, { loadN: b.radial_load_N, speedRpm: b.shaft_speed_rpm }]));
}

export function loadFemtoHistories(file = FEMTO_CSV): FemtoHistory[] {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column ${name}`);
    return i;
  };
  const c = {
    bearing: col('bearing'),
    snapshot: col('snapshot_index'),
    hour: col('hour'),
    minute: col('minute'),
    second: col('second'),
    micro: col('microsecond'),
    rms_h: col('rms_h_g'),
    rms_v: col('rms_v_g'),
    kurt_h: col('kurt_h'),
    kurt_v: col('kurt_v'),
    peak_h: col('peak_h_g'),
    peak_v: col('peak_v_g'),
  };
  const conditions = femtoConditions();
  const byBearing = new Map<string, { h: FemtoHistory; day: number; prev: number; t0: number | null }>();
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const name = f[c.bearing];
    let e = byBearing.get(name);
    if (e === undefined) {
      const condition = conditions.get(name);
      if (condition === undefined) throw new Error(`${FEMTO_METADATA}: no load and speed for ${name}`);
      e = {
        h: { bearing: name, times: [], rows: [], dropped: [], lifetimeS: 0, ...condition },
        day: 0,
        prev: Number.NEGATIVE_INFINITY,
        t0: null,
      };
      byBearing.set(name, e);
    }
    const secondsOfDay = Number(f[c.hour]) * 3600 + Number(f[c.minute]) * 60 + Number(f[c.second]) + Number(f[c.micro]) / 1e6;
    let t = secondsOfDay + e.day * 86400;
    if (t < e.prev - 43200) {
      e.day += 1;
      t += 86400;
    }
    if (!(t > e.prev)) {
      e.h.dropped.push(Number(f[c.snapshot]));
      continue;
    }
    e.prev = t;
    if (e.t0 === null) e.t0 = t;
    // Rounded to the microsecond the file gives, so the CSV text round-trips exactly.
    e.h.times.push(Math.round((t - e.t0) * 1e6) / 1e6);
    e.h.rows.push({
      rms_h: Number(f[c.rms_h]),
      rms_v: Number(f[c.rms_v]),
      kurt_h: Number(f[c.kurt_h]),
      kurt_v: Number(f[c.kurt_v]),
      peak_h: Number(f[c.peak_h]),
      peak_v: Number(f[c.peak_v]),
    });
  }
  return [...byBearing.values()].map(({ h }) => ({ ...h, lifetimeS: h.times[h.times.length - 1] - h.times[0] }));
}

/** The history as the CSV `pdm rul` reads: a `time` column in seconds, then the features. */
export function historyCsv(h: FemtoHistory): string {
  const out = [['time', ...FEMTO_FEATURES].join(',')];
  for (let i = 0; i < h.times.length; i++) out.push([h.times[i], ...FEMTO_FEATURES.map((k) => h.rows[i][k])].join(','));
  return `${out.join('\n')}\n`;
}

export function writeHistoryCsv(dir: string, h: FemtoHistory): string {
  const p = join(dir, `${h.bearing}.csv`);
  writeFileSync(p, historyCsv(h));
  return p;
}
