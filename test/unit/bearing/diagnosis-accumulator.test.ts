/**
 * The accumulated diagnosis (models/bearing/diagnosis-accumulator.ts): against a slow oracle (the
 * posterior log odds recomputed from the whole window history with binomial likelihoods), on
 * flickering fault sequences and rare false windows, its resets, and its state through the
 * machine's model state (MachineHealthTracker checkpoint -> pdm.model-state.v1 record -> restore).
 */
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import {
  type AccumulatedDiagnosis,
  DEFAULT_ACCUMULATOR_OPTIONS,
  DiagnosisAccumulator,
  validateAccumulatorState,
  type WindowDiagnosis,
} from '../../../models/bearing/diagnosis-accumulator.ts';
import { FAULT_KINDS } from '../../../models/bearing/fault-evidence.ts';
import { MachineHealthTracker } from '../../../stream-processing/machine-health.ts';
import { decodeModelState, encodeModelState, MODEL_STATE_VERSION } from '../../../stream-processing/model-state.ts';

/** Deterministic uniform numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const window = (windowSeq: number, diagnosis: AccumulatedDiagnosis, over: Partial<WindowDiagnosis> = {}): WindowDiagnosis => ({
  windowSeq,
  diagnosis,
  valid: true,
  shaftHz: 29.95,
  sampleRateHz: 12_000,
  windowSize: 12_000,
  ...over,
});

/** Windows naming `fault` at `rate` (else `none`, or now and then `other` at `otherRate`). */
function sequence(
  n: number,
  fault: AccumulatedDiagnosis,
  rate: number,
  seed: number,
  other?: { kind: AccumulatedDiagnosis; rate: number },
) {
  const u = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const x = u();
    const d: AccumulatedDiagnosis = x < rate ? fault : other && x < rate + other.rate ? other.kind : 'none';
    return window(i, d);
  });
}

/**
 * Slow oracle: after each window, the log posterior odds of each fault type recomputed from the
 * whole history — the binomial likelihood of the windows since the last time the bound was hit,
 * under p1 against p0, added to the bound it started from — by brute force over the history.
 */
function oracleLogOdds(history: readonly AccumulatedDiagnosis[], kind: string): number {
  const { falseRate: p0, faultRate: p1, bound } = DEFAULT_ACCUMULATOR_OPTIONS;
  const binomialLog = (k: number, n: number, p: number) => k * Math.log(p) + (n - k) * Math.log(1 - p);
  // Walk the history; whenever the running sum would leave [-bound, bound], restart the binomial count from the bound.
  let start = 0;
  let base = 0;
  for (let i = 0; i < history.length; i++) {
    const seg = history.slice(start, i + 1);
    const k = seg.filter((d) => d === kind).length;
    const llr = base + binomialLog(k, seg.length, p1) - binomialLog(k, seg.length, p0);
    if (llr > bound || llr < -bound) {
      base = llr > bound ? bound : -bound;
      start = i + 1;
    }
  }
  const seg = history.slice(start);
  const k = seg.filter((d) => d === kind).length;
  return base + binomialLog(k, seg.length, p1) - binomialLog(k, seg.length, p0);
}

describe('accumulated bearing diagnosis', () => {
  it('follows the binomial log odds of the window history (slow oracle), bounds included', () => {
    for (const [seed, rate] of [
      [1, 0.5],
      [2, 0.05],
      [3, 0.2],
      [4, 0.9],
    ] as const) {
      const windows = sequence(300, 'inner_race', rate, seed, { kind: 'outer_race', rate: 0.05 });
      const acc = new DiagnosisAccumulator();
      const history: AccumulatedDiagnosis[] = [];
      for (const w of windows) {
        acc.add(w);
        history.push(w.diagnosis);
        if (w.windowSeq % 17 !== 0) continue;
        const state = acc.toJSON();
        for (const k of FAULT_KINDS)
          expect(state.logOdds[k], `seed ${seed}, window ${w.windowSeq}, ${k}`).toBeCloseTo(oracleLogOdds(history, k), 9);
      }
    }
  });

  it('names a fault that half the windows name, steadily, after a few windows', () => {
    const acc = new DiagnosisAccumulator();
    const windows = sequence(400, 'inner_race', 0.48, 11);
    const out = windows.map((w) => acc.add(w));
    const first = out.findIndex((r) => r.diagnosis === 'inner_race');
    expect(first).toBeGreaterThan(0);
    // Within the warm-up the MODELS.md table allows (tools/accumulate-report.ts: WARMUP_WINDOWS).
    expect(first).toBeLessThan(30);
    const after = out.slice(first);
    expect(after.filter((r) => r.diagnosis === 'inner_race').length).toBe(after.length);
    expect(after.at(-1)?.confidence).toBeGreaterThan(0.999);
  });

  it('keeps a healthy machine at none through rare false windows (1 % of windows name a fault)', () => {
    const acc = new DiagnosisAccumulator();
    const u = random(5);
    let named = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = u();
      const d: AccumulatedDiagnosis = x < 0.005 ? 'outer_race' : x < 0.01 ? 'inner_race' : 'none';
      if (acc.add(window(i, d)).diagnosis !== 'none') named++;
    }
    expect(named / n).toBeLessThan(0.001);
    expect(acc.result()).toMatchObject({ diagnosis: 'none' });
    expect(acc.result().confidence).toBeGreaterThan(0.999);
  });

  it('says none with confidence 0.5 before any evidence, and releases a fault that goes away', () => {
    const acc = new DiagnosisAccumulator();
    expect(acc.result()).toEqual({ diagnosis: 'none', confidence: 0.5, windows: 0 });
    let seq = 0;
    for (let i = 0; i < 50; i++) acc.add(window(seq++, 'outer_race'));
    expect(acc.result().diagnosis).toBe('outer_race');
    let released = -1;
    for (let i = 0; i < 200 && released < 0; i++) if (acc.add(window(seq++, 'none')).diagnosis === 'none') released = i;
    // From the bound down to the release level at ln(0.98/0.75) per window.
    const perWindow = Math.log((1 - 0.02) / (1 - 0.25));
    expect(released).toBe(Math.ceil(DEFAULT_ACCUMULATOR_OPTIONS.bound / perWindow) - 1);
  });

  it('starts afresh on a speed change beyond 5 %, a new sample rate, window length or reference, not on slip', () => {
    const cases: Array<[Partial<WindowDiagnosis>, boolean]> = [
      [{ shaftHz: 29.95 * 1.02 }, false],
      [{ shaftHz: 29.95 * 1.08 }, true],
      [{ sampleRateHz: 48_000 }, true],
      [{ windowSize: 24_000 }, true],
      // A healthy reference learnt: the windows are judged on another basis from now on.
      [{ basis: 'reference-1' }, true],
    ];
    for (const [change, resets] of cases) {
      const acc = new DiagnosisAccumulator();
      for (let i = 0; i < 20; i++) acc.add(window(i, 'inner_race'));
      const r = acc.add(window(20, 'inner_race', change));
      expect(r.windows, JSON.stringify(change)).toBe(resets ? 1 : 21);
      expect(r.diagnosis).toBe(resets ? 'none' : 'inner_race');
      expect(acc.toJSON().resets).toBe(resets ? 1 : 0);
    }
  });

  it('takes a window of a new acquisition even when its sequence number is lower (block size changed)', () => {
    const acc = new DiagnosisAccumulator();
    for (let i = 1000; i < 1020; i++) acc.add(window(i, 'inner_race'));
    const r = acc.add(window(500, 'inner_race', { windowSize: 6_000 }));
    expect(r.windows).toBe(1);
    expect(acc.toJSON()).toMatchObject({ lastWindowSeq: 500, windowSize: 6_000, resets: 1 });
  });

  it('ignores replayed windows and windows that are not measurements', () => {
    const acc = new DiagnosisAccumulator();
    for (let i = 0; i < 10; i++) acc.add(window(i, 'inner_race'));
    const before = acc.toJSON();
    acc.add(window(5, 'none'));
    acc.add(window(9, 'none'));
    expect(acc.toJSON()).toEqual(before);
    // A named fault stands through windows that are not measurements...
    expect(acc.add(window(10, 'none', { valid: false })).diagnosis).toBe('inner_race');
    acc.add(window(11, 'none', { shaftHz: 0 }));
    expect({ ...acc.toJSON(), lastWindowSeq: 9 }).toEqual(before);
    // ...but `none` is not vouched for by a dead sensor.
    const healthy = new DiagnosisAccumulator();
    for (let i = 0; i < 40; i++) healthy.add(window(i, 'none'));
    expect(healthy.result().confidence).toBeGreaterThan(0.99);
    expect(healthy.add(window(40, 'none', { valid: false }))).toEqual({ diagnosis: 'none', confidence: 0, windows: 40 });
  });

  it('continues exactly from its state after a trip through a model-state record', () => {
    const windows = sequence(120, 'inner_race', 0.4, 21);
    const tracker = new MachineHealthTracker({ features: ['rms'], monitor: {}, energy: false, fleet: null });
    const straight = new DiagnosisAccumulator();
    for (const w of windows.slice(0, 60)) {
      tracker.diagnoses.add('pump-1', 'DE_X', w);
      straight.add(w);
    }
    // A checkpoint needs the machine's health state; a fused window creates it.
    tracker.onWindow({
      machine: 'pump-1',
      channel: 'DE_X',
      windowSeq: 0,
      tsNs: 0n,
      features: { rms: 1 },
      zone: 'A',
      sensor: { status: 'ok', reasons: [] },
    });
    const checkpoint = tracker.checkpoint('pump-1');
    expect(checkpoint?.version === 2 && checkpoint.diagnoses?.DE_X).toEqual(straight.toJSON());
    const record = encodeModelState({
      version: MODEL_STATE_VERSION,
      machine: 'pump-1',
      savedAt: new Date(0).toISOString(),
      windowSeq: 59,
      partition: 0,
      offset: 0,
      state: checkpoint!,
    });
    const restored = new MachineHealthTracker({ features: ['rms'], monitor: {}, energy: false, fleet: null });
    restored.restore('pump-1', decodeModelState('pump-1', record).state);
    for (const w of windows.slice(0, 60)) expect(restored.diagnoses.add('pump-1', 'DE_X', w)).toEqual(straight.result());
    for (const w of windows.slice(60)) expect(restored.diagnoses.add('pump-1', 'DE_X', w)).toEqual(straight.add(w));
  });

  it('refuses a damaged state, naming the field', () => {
    const good = new DiagnosisAccumulator().toJSON();
    for (const [bad, field] of [
      [{ ...good, version: 2 }, 'version'],
      [{ ...good, logOdds: { ...good.logOdds, cage: 'x' } }, 'logOdds.cage'],
      [{ ...good, named: 'gearbox' }, 'named'],
      [{ ...good, windows: -1 }, 'windows'],
      [{ ...good, basis: 3 }, 'basis'],
    ] as const) {
      let err: unknown;
      try {
        validateAccumulatorState(bad, 'machine m channel DE_X');
      } catch (e) {
        err = e;
      }
      expect(isPdmError(err) && err.code).toBe('PDM_ERR_MODEL_STATE');
      expect((err as Error).message).toContain(`machine m channel DE_X: ${field}`);
    }
  });
});
