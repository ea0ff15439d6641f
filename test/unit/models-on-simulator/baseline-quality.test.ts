/**
 * Baselines that do not learn a fault as normal (issue 13 part 3): the baseline quality judge
 * (models/health/baseline-quality.ts) on synthetic windows, on the simulator's physics (healthy
 * machines of several speeds and bearings are `good`; machines faulty from the start are
 * `suspect` with the reason their fault gives), on the CWRU records (the healthy baseline is
 * `good`, a fault record taken as a baseline is `suspect`), and wired into the health tracker: a
 * machine faulty from its first window has its baseline marked and never reads as a plain
 * healthy `normal`. The truth comes from the simulation's fault list and the records' labels,
 * never from the judge.
 */
import { describe, expect, it } from 'vitest';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import {
  BASELINE_QUALITIES,
  BaselineQualityJudge,
  type BaselineVerdict,
  judgeChannelWindows,
  type QualityWindow,
  validateQualityTally,
  validateVerdict,
} from '../../../models/health/baseline-quality.ts';
import { WindowAnalyzer } from '../../../models/window-analysis.ts';
import { BASELINE_QUALITIES as STORED_QUALITIES } from '../../../storage/schema.ts';
import { type HealthUpdate, type MachineCheckpointV2, MachineHealthTracker } from '../../../stream-processing/machine-health.ts';
import { ReferenceCollector } from '../../../stream-processing/reference-collector.ts';
import {
  fromStart,
  GROUP2_RIGID,
  PUMP_04,
  recordBaseline,
  sampledAt,
  simulatedBaseline,
  TWO_POLE,
} from '../../../tools/harness/baseline-quality-runs.ts';
import { HEALTH_FEATURES, machineWith, START_MS, window } from '../../../tools/harness/simulated-pump.ts';
import { loadCwru } from '../../../tools/models-report.ts';

const AXES = ['DE_X', 'DE_Y', 'DE_Z'];
const codes = (v: BaselineVerdict) => [...new Set(v.reasons.map((r) => r.code))].sort();

describe('baseline quality judge on synthetic windows', () => {
  const healthy: QualityWindow = { zone: 'A', kurtosis: 3, x1: 0.7, x2: 0.15, x3: 0.05, diagnosis: 'none' };
  const judgeOf = (ws: QualityWindow[], iso: { group: 1 | 2; foundation: 'rigid' | 'flexible' } = GROUP2_RIGID) =>
    judgeChannelWindows('DE_X', ws, iso);

  it('a healthy channel is good; nothing to judge (no windows, or a scalar sensor with only a temperature) is unknown', () => {
    expect(judgeOf(Array(10).fill(healthy))).toEqual({ quality: 'good', reasons: [], windows: 10 });
    expect(judgeOf([]).quality).toBe('unknown');
    expect(judgeOf(Array(10).fill({ zone: 'unknown' })).quality).toBe('unknown');
    expect(judgeOf(Array(10).fill({ diagnosis: 'no_waveform' })).quality).toBe('unknown');
    // A scalar sensor with velocity (a zone) and kurtosis: judged on those.
    expect(judgeOf(Array(10).fill({ zone: 'B', kurtosis: 3.1 })).quality).toBe('good');
  });

  it('each condition, persistent over the windows, makes the baseline suspect with its code', () => {
    const cases: Array<[Partial<QualityWindow>, string]> = [
      [{ zone: 'C' }, 'iso_zone_c'],
      [{ zone: 'D' }, 'iso_zone_d'],
      [{ kurtosis: 6 }, 'impulsive'],
      [{ x1: 0.6, x2: 0.9 }, 'high_2x'],
      [{ x1: 1.2, x3: 0.7 }, 'harmonics'],
    ];
    for (const [change, code] of cases) expect(codes(judgeOf(Array(10).fill({ ...healthy, ...change }))), code).toEqual([code]);
    // A fault named with impacts behind it: its own reason (and impulsive when the impacts dominate).
    const named = judgeOf(Array(9).fill({ ...healthy, kurtosis: 4, diagnosis: 'outer_race' }));
    expect(codes(named)).toEqual(['bearing_fault_evidence']);
    expect(named.reasons[0].text).toBe('DE_X outer race fault named with impacts (9/9 windows)');
  });

  it('a transient is not a state: a condition in fewer than half the windows (a third for a named fault) is not a reason', () => {
    const mixed = (change: Partial<QualityWindow>, every: number) =>
      judgeOf(Array.from({ length: 12 }, (_, i) => (i % every === 0 ? { ...healthy, ...change } : healthy)));
    expect(mixed({ zone: 'C' }, 3).quality).toBe('good'); // 4/12
    expect(mixed({ zone: 'C' }, 2).quality).toBe('suspect'); // 6/12
    expect(mixed({ kurtosis: 4, diagnosis: 'inner_race' }, 4).quality).toBe('good'); // 3/12
    expect(mixed({ kurtosis: 4, diagnosis: 'inner_race' }, 3).quality).toBe('suspect'); // 4/12
  });

  it("2X above 1X counts only with 2X a real line (half the class's zone A/B boundary): not the quiet axial channel of an aligned machine", () => {
    // Both lines a few tenths of a mm/s: the ratio says nothing.
    expect(judgeOf(Array(10).fill({ ...healthy, x1: 0.25, x2: 0.3 })).quality).toBe('good');
    // 0.9 mm/s 2X: past half of 1.4 (group 2 rigid), not past half of 2.3 (group 1 rigid).
    const misaligned = Array(10).fill({ ...healthy, x1: 0.6, x2: 0.9 });
    expect(codes(judgeOf(misaligned, GROUP2_RIGID))).toEqual(['high_2x']);
    expect(judgeOf(misaligned, { group: 1, foundation: 'rigid' }).quality).toBe('good');
  });

  it("a fault named without impacts (a machine's own line at a defect frequency) is not a reason", () => {
    expect(judgeOf(Array(10).fill({ ...healthy, kurtosis: 3.2, diagnosis: 'inner_race' })).quality).toBe('good');
  });

  it('its tally round-trips through JSON to the same verdict, and a malformed state or verdict is named', () => {
    const judge = new BaselineQualityJudge(GROUP2_RIGID);
    for (let i = 0; i < 6; i++) judge.add({ DE_X: { ...healthy, zone: i < 4 ? 'C' : 'B' }, DE_Y: healthy });
    const restored = new BaselineQualityJudge(GROUP2_RIGID, validateQualityTally(JSON.parse(JSON.stringify(judge.toJSON())), 'here'));
    expect(restored.judge()).toEqual(judge.judge());
    expect(judge.judge().reasons.map((r) => r.text)).toEqual(['DE_X ISO zone C (4/6 windows)']);
    expect(validateVerdict(JSON.parse(JSON.stringify(judge.judge())), 'here')).toEqual(judge.judge());
    // machine_health.baseline_quality holds exactly these (the dashboards map them).
    expect([...STORED_QUALITIES]).toEqual([...BASELINE_QUALITIES]);
    expect(() => validateQualityTally({ version: 2 }, 'machine m, mode all')).toThrow(/machine m, mode all: baseline quality tally/);
    expect(() => validateVerdict({ quality: 'fine', reasons: [], windows: 1 }, 'machine m')).toThrow(/machine m: baseline quality must be/);
  });
});

type Faults = unknown[];

describe('baseline quality judge on the simulator physics', () => {
  it('healthy machines of several speeds, sampling rates, types and bearings are good', () => {
    const healthy: Array<[string, Record<string, unknown>, string]> = [
      ['4-pole pump, 6205', {}, '6205-2RS'],
      ['2-pole pump, 6205', TWO_POLE, '6205-2RS'],
      ['4-pole pump sampled at 12.8 kHz', sampledAt(12_800), '6205-2RS'],
      ['2-pole pump sampled at 51.2 kHz', { ...TWO_POLE, ...sampledAt(51_200) }, '6205-2RS'],
      ['fan, 6205', { type: 'fan', ratedPowerKw: 30, nominalSpeedRpm: 1475 }, '6205-2RS'],
      [
        '2-pole compressor motor, ZA-2115 (compressor-03)',
        { type: 'compressor_motor', ratedPowerKw: 75, nominalSpeedRpm: 2975, poles: 2, bearings: { DE: 'ZA-2115', NDE: '6205-2RS' } },
        'ZA-2115',
      ],
    ];
    for (const [name, overrides, bearing] of healthy) {
      const v = simulatedBaseline([], overrides, bearing);
      expect(v, name).toEqual({ quality: 'good', reasons: [], windows: 8 });
    }
  }, 60_000);

  it('machines faulty from the start are suspect, with the reason their fault gives', () => {
    const faulty: Array<[string, Faults, Record<string, unknown>, string[]]> = [
      ['misaligned pump-04 (20 % of the way to failure)', fromStart('misalignment', 0.2), PUMP_04, ['high_2x']],
      ['pump-04 without its fault: its residual misalignment alone (2X 1.2 mm/s axially)', [], PUMP_04, ['high_2x']],
      ['a 2-pole pump misaligned 40 % of the way to failure', fromStart('misalignment', 0.4), TWO_POLE, ['high_2x']],
      ['outer race at 20 %', fromStart('outer_race', 0.2), {}, ['bearing_fault_evidence', 'impulsive']],
      ['inner race at 20 %', fromStart('inner_race', 0.2), {}, ['bearing_fault_evidence', 'impulsive']],
      ['imbalance at 60 % (past zone B)', fromStart('imbalance', 0.6), {}, ['iso_zone_c']],
      ['looseness at 60 %', fromStart('looseness', 0.6), {}, ['harmonics']],
    ];
    const verdicts = new Map<string, BaselineVerdict>();
    for (const [name, faults, overrides, expected] of faulty) {
      const v = simulatedBaseline(faults, overrides);
      verdicts.set(name, v);
      expect(v.quality, name).toBe('suspect');
      for (const code of expected) expect(codes(v), name).toContain(code);
    }
    // The bearing faults are named as what they are.
    expect(verdicts.get('outer race at 20 %')!.reasons.some((r) => /outer race fault named/.test(r.text))).toBe(true);
    expect(verdicts.get('inner race at 20 %')!.reasons.some((r) => /inner race fault named/.test(r.text))).toBe(true);
  }, 60_000);
});

describe('baseline quality judge on the CWRU records', () => {
  const recordBaselineOf = async (fileNumber: number, position: 'DE' | 'FE') =>
    recordBaseline((await loadCwru()).find((x) => x.cwru_file_number === fileNumber && x.sensor_position === position)!);

  it('the healthy baseline (97) is good on both channels; fault records taken as a baseline are suspect', async () => {
    for (const p of ['DE', 'FE'] as const) expect((await recordBaselineOf(97, p)).quality, `97 ${p}`).toBe('good');
    // Clearly diagnosable drive-end faults (cwru.test.ts rule 2): an inner race and an outer race.
    for (const [n, fault] of [
      [105, 'inner race'],
      [130, 'outer race'],
    ] as const) {
      const v = await recordBaselineOf(n, 'DE');
      expect(v.quality, `${n} DE`).toBe('suspect');
      expect(
        v.reasons.some((r) => r.code === 'bearing_fault_evidence' && r.text.includes(fault)),
        `${n} DE: ${JSON.stringify(v.reasons)}`,
      ).toBe(true);
    }
  }, 60_000);
});

/** A health tracker fed a simulated machine's windows from its first second (a short baseline: 20 windows). */
function trackRun(faults: Faults, overrides: Record<string, unknown> = {}, seconds = 30) {
  const sim = new MachineSimulation(machineWith(faults, { timeAcceleration: 60, ...overrides }), { startTimeMs: START_MS });
  const ch = sim.channels[0];
  const a = new WindowAnalyzer({
    sampleRateHz: ch.sampleRateHz,
    windowSize: 10 * ch.blockSize,
    shaftHz: sim.energyAt(START_MS).speedRpm / 60,
    bearing: lookupBearing('6205-2RS'),
    iso: GROUP2_RIGID,
  });
  const tracker = new MachineHealthTracker({
    features: HEALTH_FEATURES,
    monitor: { anomaly: { baseline: { windows: 20 } } },
    energy: false,
    fleet: null,
    isoClass: () => GROUP2_RIGID,
  });
  const ups: HealthUpdate[] = [];
  let midBaseline: MachineCheckpointV2 | undefined;
  for (let k = 0; k < seconds; k++) {
    const atMs = START_MS + k * 1000;
    for (const channel of AXES) {
      const r = a.analyze(window(sim, channel, atMs));
      const u = tracker.onWindow({
        machine: 'sim-1',
        channel,
        windowSeq: k,
        tsNs: BigInt(atMs) * 1_000_000n,
        features: r.features,
        zone: r.iso20816.zone,
        diagnosis: r.bearing.diagnosis,
      });
      if (u) ups.push(u);
    }
    if (k === 12) midBaseline = JSON.parse(JSON.stringify(tracker.checkpoint('sim-1'))) as MachineCheckpointV2;
  }
  return { tracker, ups, midBaseline: midBaseline! };
}

describe('health tracker with baseline quality, on the simulator', () => {
  it('a machine faulty from its first window (the demo pump-04): baseline suspect, never a plain normal, /health says why', () => {
    const { tracker, ups } = trackRun(fromStart('misalignment', 0.2), PUMP_04);
    const monitoring = ups.filter((u) => u.status.phase === 'monitoring');
    expect(monitoring.length).toBeGreaterThan(5);
    expect(new Set(monitoring.map((u) => u.baselineQuality))).toEqual(new Set(['suspect']));
    expect(monitoring.filter((u) => u.status.state === 'normal')).toEqual([]);
    // While the baseline is learnt there is no verdict yet; the window that completes it carries it.
    const learning = ups.filter((u) => u.status.phase === 'baseline');
    expect(learning.slice(0, -1).every((u) => u.baselineQuality === undefined)).toBe(true);
    expect(learning.at(-1)!.baselineQuality).toBe('suspect');
    const d = tracker.describe().get('sim-1')!;
    expect(d.baselineQuality).toEqual({ all: 'suspect' });
    expect(d.detail).toMatch(/^running \(baseline suspect: DE_Z 2X high/);
    expect(
      tracker
        .baselineQuality('sim-1')
        .get('all')!
        .reasons.map((r) => r.code),
    ).toContain('high_2x');
  }, 60_000);

  it('a healthy machine: baseline good, normal; the verdict and the tally of a baseline still learnt survive a checkpoint', () => {
    const { tracker, ups, midBaseline } = trackRun([]);
    const monitoring = ups.filter((u) => u.status.phase === 'monitoring');
    expect(monitoring.length).toBeGreaterThan(5);
    expect(monitoring.map((u) => [u.baselineQuality, u.status.state])).toEqual(monitoring.map(() => ['good', 'normal']));
    expect(tracker.describe().get('sim-1')).toMatchObject({ state: 'running', detail: 'running', baselineQuality: { all: 'good' } });

    // A checkpoint taken while the baseline is learnt holds its tally (restored, the verdict is over the whole baseline).
    expect(midBaseline.baselineQuality?.all).toMatchObject({ tally: { version: 1, windows: expect.any(Number) } });
    const complete = JSON.parse(JSON.stringify(tracker.checkpoint('sim-1'))) as MachineCheckpointV2;
    expect(complete.baselineQuality).toEqual({ all: { verdict: { quality: 'good', reasons: [], windows: 20 } } });
    const restored = new MachineHealthTracker({ features: HEALTH_FEATURES, monitor: {}, energy: false, fleet: null });
    restored.restore('sim-1', complete);
    expect(restored.baselineQuality('sim-1').get('all')).toEqual({ quality: 'good', reasons: [], windows: 20 });

    // A checkpoint from before baseline quality: a complete baseline's quality is unknown (no windows to judge).
    const { baselineQuality: _, ...older } = complete;
    const fromOlder = new MachineHealthTracker({ features: HEALTH_FEATURES, monitor: {}, energy: false, fleet: null });
    fromOlder.restore('sim-1', older);
    const f = HEALTH_FEATURES;
    const w = (channel: string) => ({
      machine: 'sim-1',
      channel,
      windowSeq: 1000,
      tsNs: BigInt(START_MS + 1_000_000) * 1_000_000n,
      features: Object.fromEntries(f.map((k) => [k, 1])),
      zone: 'A' as const,
    });
    for (const c of AXES) fromOlder.onWindow(w(c));
    const u = fromOlder.onWindow({ ...w('DE_X'), windowSeq: 1001, tsNs: w('DE_X').tsNs + 1_000_000_000n });
    expect(u?.baselineQuality).toBe('unknown');
    expect(fromOlder.describe().get('sim-1')?.detail).toBe('running (baseline quality unknown)');
  }, 60_000);
});

describe('healthy envelope reference windows', () => {
  it("the collector hands over each kept window's analysis with it (what the reference is judged on); a discarded window's goes too", () => {
    const c = new ReferenceCollector({ maxWindows: 3, stride: 1 });
    const bearing = lookupBearing('6205-2RS');
    const kept = [0, 1, 2].map((i) =>
      c.offer('m', 'DE_X', bearing, { samples: new Float32Array(4).fill(i), sampleRateHz: 1000, shaftHz: 25 }),
    );
    c.noteAnalysis('m', 'DE_X', kept[0]!, { zone: 'C', kurtosis: 3 });
    c.noteAnalysis('m', 'DE_X', kept[1]!, { zone: 'C', kurtosis: 3 });
    c.noteAnalysis('m', 'DE_X', kept[2]!, { zone: 'A', kurtosis: 3 });
    c.discard('m', 'DE_X', kept[2]!);
    const [taken] = c.take('m');
    expect(taken.windows).toHaveLength(2);
    expect(taken.analyses).toEqual([
      { zone: 'C', kurtosis: 3 },
      { zone: 'C', kurtosis: 3 },
    ]);
    expect(codes(judgeChannelWindows('DE_X', taken.analyses, GROUP2_RIGID))).toEqual(['iso_zone_c']);
  });
});
