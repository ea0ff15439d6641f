/**
 * Run-to-failure histories in the stream: a machine's `histories` (pdm rul --train CSVs) give its
 * remaining life the fleet basis, learnt at start-up with the same code as pdm rul; a history that
 * cannot be used stops that machine's health model, not the others'.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFeatureCsv } from '../../../common/feature-csv.ts';
import { learnFleet } from '../../../models/rul/fleet-training.ts';
import { loadMachineFleets } from '../../../stream-processing/machine-fleets.ts';
import { MachineHealthTracker, type WindowResult } from '../../../stream-processing/machine-health.ts';
import { run, windows } from './health-windows.ts';

const FEATURES = ['rms', 'kurtosis', 'crest_factor'];
const dir = mkdtempSync(join(tmpdir(), 'pdm-fleets-'));

/** A run to failure of the synthetic machine as the CSV `pdm rul` reads: time, then <channel>_<feature>. */
function historyCsv(name: string, seed: number, n: number, degradeFrom: number): string {
  const bySeq = new Map<number, { t: number; values: Record<string, number> }>();
  for (const w of windows(n, degradeFrom, seed)) {
    const row = bySeq.get(w.windowSeq) ?? { t: Number(w.tsNs / 1_000_000n) / 1000, values: {} };
    for (const f of FEATURES) row.values[`${w.channel}_${f}`] = w.features[f];
    bySeq.set(w.windowSeq, row);
  }
  const columns = Object.keys([...bySeq.values()][0].values);
  const lines = [['time', ...columns].join(','), ...[...bySeq.values()].map((r) => [r.t, ...columns.map((c) => r.values[c])].join(','))];
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const histories = [historyCsv('a.csv', 11, 420, 200), historyCsv('b.csv', 12, 380, 170)];
const config = { features: FEATURES, monitor: {}, energy: false, fleet: null };

describe('machine fleets from run-to-failure histories', () => {
  it('learns what pdm rul --train learns from the same files', () => {
    const { fleets, errors } = loadMachineFleets({ m1: { histories }, m2: {} }, {});
    expect(errors.size).toBe(0);
    expect([...fleets.keys()]).toEqual(['m1']);
    const f = fleets.get('m1')!;
    expect(f.features).toEqual(['DE_X_rms', 'DE_X_kurtosis', 'DE_X_crest_factor', 'DE_Y_rms', 'DE_Y_kurtosis', 'DE_Y_crest_factor']);
    const direct = learnFleet(
      histories.map(readFeatureCsv).map((h) => ({ name: h.file, times: h.times, rows: h.rows })),
      { anomaly: { features: f.features, energy: false } },
    );
    expect(f.fleet).toStrictEqual(direct);
    expect(f.fleet.lifetimesS).toEqual([419, 379]);
  });

  it('gives the machine with histories a fleet remaining life before degradation; the other has none', () => {
    const { fleets, errors } = loadMachineFleets({ m1: { histories } }, {});
    const t = new MachineHealthTracker({ ...config, machineFleet: (m) => fleets.get(m) ?? null, stopped: errors });
    const ws: WindowResult[] = [];
    const a = windows(150, 1000, 21, 'm1');
    const b = windows(150, 1000, 22, 'm2');
    for (let i = 0; i < a.length; i++) ws.push(a[i], b[i]);
    const ups = run(t, ws);
    const monitored = (m: string) => ups.filter((u) => u.machine === m && u.status.phase === 'monitoring');
    expect(monitored('m1').length).toBeGreaterThan(50);
    expect(monitored('m1').every((u) => u.status.rulBasis === 'fleet' && u.status.rul.upper > u.status.rul.lower)).toBe(true);
    expect(monitored('m2').length).toBeGreaterThan(50);
    expect(monitored('m2').every((u) => u.status.rulBasis === null)).toBe(true);
  });

  it("a history that cannot be used stops that machine's health model with the reason; the others go on", () => {
    const other = join(dir, 'other-columns.csv');
    writeFileSync(other, 'time,DE_X_rms\n0,1\n10,1\n');
    const { fleets, errors } = loadMachineFleets(
      { m1: { histories: [histories[0], join(dir, 'missing.csv')] }, m2: { histories: [histories[0], other] }, m3: { histories } },
      {},
    );
    expect([...fleets.keys()]).toEqual(['m3']);
    expect(errors.get('m1')).toMatch(
      /^its run-to-failure histories cannot be used: PDM_ERR_INPUT_FILE: .*missing\.csv: cannot be read \(ENOENT\)/,
    );
    expect(errors.get('m2')).toMatch(/other-columns\.csv: its columns \(DE_X_rms\) differ from .*a\.csv's/);
    const t = new MachineHealthTracker({ ...config, machineFleet: (m) => fleets.get(m) ?? null, stopped: errors });
    const ws: WindowResult[] = [];
    const a = windows(100, 1000, 31, 'm1');
    const c = windows(100, 1000, 33, 'm3');
    for (let i = 0; i < a.length; i++) ws.push(a[i], c[i]);
    const ups = run(t, ws);
    expect(ups.some((u) => u.machine === 'm1')).toBe(false);
    expect(t.errors.get('m1')).toBe(errors.get('m1'));
    expect(ups.filter((u) => u.machine === 'm3').length).toBeGreaterThan(90);
  });
});
