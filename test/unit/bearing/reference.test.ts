/**
 * The healthy reference (models/bearing/reference.ts) on simulated machines whose own "rig line"
 * reaches the envelope exactly where a bearing fault would: a train of impacts at the 6205's
 * BPFI, modulated at shaft rate like an inner race fault, ringing a 2 kHz resonance. Without a
 * reference that machine looks like an inner race fault; with the reference learnt from other
 * healthy recordings of it, the line is discounted and real faults are still named when they
 * exceed it. Plus the grids (orders vs Hz), the arithmetic of the raised floor, sample rates,
 * serialisation, and the inner race modulation rule.
 */
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { defectFrequencies } from '../../../models/bearing/geometry.ts';
import {
  buildReference,
  type EnvelopeReference,
  ReferenceBuilder,
  ReferenceFloor,
  validateReference,
} from '../../../models/bearing/reference.ts';
import { analyzeRecord, referenceFromRecords, WindowAnalyzer } from '../../../models/window-analysis.ts';
import { addImpacts, machineBackground } from './helpers/synthetic.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON output, read field by field by the assertions
type Loose = any;

const bearing = lookupBearing('6205-2RS');
const FS = 12000;
const FR = 29.95;
const f = defectFrequencies(bearing, FR);
const RIG_LINE = { rateHz: f.bpfi, modulationHz: FR, depth: 0.8, resonanceHz: 2000, amplitude: 0.12 };

/** 4 s of the machine in good health: background plus its own line at BPFI. */
function healthyRig(seed: number, fs = FS): Float32Array {
  return addImpacts(machineBackground(fs, FR, 4, seed), fs, { ...RIG_LINE, seed });
}

const rigReference = referenceFromRecords(
  [11, 12].map((seed) => ({ samples: healthyRig(seed), sampleRateHz: FS, shaftHz: FR })),
  { bearing },
);

function diagnose(x: Float32Array, reference?: EnvelopeReference) {
  return analyzeRecord(x, { sampleRateHz: FS, shaftHz: FR, bearing, reference });
}

describe('healthy reference on a machine with its own line at BPFI', () => {
  it('without a reference the machine line is taken for an inner race fault; with it, none, and the line is reported as discounted', () => {
    const x = healthyRig(1);
    expect(diagnose(x).bearing.diagnosis).toBe('inner_race');
    const a = diagnose(x, rigReference);
    expect(a.bearing.diagnosis).toBe('none');
    const h1 = a.bearing.discounted?.find((l) => l.type === 'inner_race' && l.line === 'h1');
    expect(h1, JSON.stringify(a.bearing.discounted)).toBeDefined();
    expect(Math.abs((h1?.hz ?? 0) - f.bpfi)).toBeLessThan(0.02 * f.bpfi);
    expect(h1?.reference_db).toBeGreaterThan(3);
    expect(h1?.snr_db).toBeGreaterThan(h1?.reference_db ?? Infinity);
  });

  it('names a real inner race fault ringing another resonance, and one at the same resonance once it clearly exceeds the machine line', () => {
    const elsewhere = addImpacts(healthyRig(2), FS, {
      rateHz: f.bpfi,
      modulationHz: FR,
      depth: 1,
      resonanceHz: 3500,
      amplitude: 0.2,
      jitter: 0.01,
      seed: 5,
    });
    expect(diagnose(elsewhere, rigReference).bearing.diagnosis).toBe('inner_race');
    const sameBand = addImpacts(healthyRig(2), FS, {
      rateHz: f.bpfi,
      modulationHz: FR,
      depth: 1,
      resonanceHz: 2000,
      amplitude: 0.5,
      jitter: 0.01,
      seed: 5,
    });
    expect(diagnose(sameBand, rigReference).bearing.diagnosis).toBe('inner_race');
  });

  it('still names an outer race fault on that machine', () => {
    const x = addImpacts(healthyRig(3), FS, { rateHz: f.bpfo, resonanceHz: 2000, amplitude: 0.2, jitter: 0.01, seed: 6 });
    expect(diagnose(x, rigReference).bearing.diagnosis).toBe('outer_race');
  });

  it('serves data at another sampling rate: learnt at 48 kHz for 12 kHz data (bands up to 12000 / 2.56 Hz), it matches the 12 kHz reference band for band', () => {
    const ref48 = referenceFromRecords(
      [11, 12].map((seed) => ({ samples: healthyRig(seed, 48000), sampleRateHz: 48000, shaftHz: FR })),
      { bearing, maxFrequencyHz: FS / 2.56 },
    );
    expect(ref48.maxFrequencyHz).toBe(FS / 2.56);
    expect(ref48.bands.length).toBe(rigReference.bands.length);
    for (const [i, b] of ref48.bands.entries()) {
      expect(Math.abs(b.lowHz - rigReference.bands[i].lowHz), `band ${i}`).toBeLessThan(2);
      expect(Math.abs(b.highHz - rigReference.bands[i].highHz), `band ${i}`).toBeLessThan(2);
    }
    expect(diagnose(healthyRig(1), ref48).bearing.diagnosis).toBe('none');
    const fault = addImpacts(healthyRig(2), FS, {
      rateHz: f.bpfi,
      modulationHz: FR,
      depth: 1,
      resonanceHz: 3500,
      amplitude: 0.2,
      jitter: 0.01,
      seed: 5,
    });
    expect(diagnose(fault, ref48).bearing.diagnosis).toBe('inner_race');
  });

  it('works in the stream: a reference fed window by window, serialised and read back, handed to WindowAnalyzer', () => {
    const windowSize = 16384; // 1.37 s at 12 kHz, 41 revolutions
    const builder = new ReferenceBuilder({ bearing });
    for (const seed of [21, 22]) {
      const x = healthyRig(seed);
      for (let start = 0; start + windowSize <= x.length; start += windowSize)
        builder.add({ samples: x.subarray(start, start + windowSize), sampleRateHz: FS, shaftHz: FR });
    }
    expect(builder.windows).toBe(4);
    const reference = validateReference(JSON.parse(JSON.stringify(builder.build())));
    const plain = new WindowAnalyzer({ sampleRateHz: FS, windowSize, shaftHz: FR, bearing });
    const withRef = new WindowAnalyzer({ sampleRateHz: FS, windowSize, shaftHz: FR, bearing, reference });
    const x = healthyRig(1);
    let fooled = 0;
    for (let start = 0; start + windowSize <= x.length; start += windowSize) {
      const w = x.subarray(start, start + windowSize);
      if (plain.analyze(w).bearing.diagnosis === 'inner_race') fooled++;
      const a = withRef.analyze(w);
      expect(a.bearing.diagnosis).toBe('none');
      expect(a.bearing.evidence?.reference_bins_raised).toBeGreaterThan(0);
    }
    expect(fooled, 'the machine line alone should fool the analysis without reference').toBeGreaterThan(0);

    // The stream's workers share one analyzer between channels and give each window its channel's
    // reference (or none): the answers are those of analyzers built for each.
    const shared = new WindowAnalyzer({ sampleRateHz: FS, windowSize, shaftHz: FR, bearing });
    for (let start = 0; start + windowSize <= x.length; start += windowSize) {
      const w = x.subarray(start, start + windowSize);
      expect(shared.analyze(w, { shaftHz: FR, reference })).toEqual(withRef.analyze(w));
      expect(shared.analyze(w, { shaftHz: FR, reference: undefined })).toEqual(plain.analyze(w));
    }
  });
});

describe('reference grids', () => {
  it('sorts lines by what follows the speed: a fixed line stays in one Hz cell, a speed-following one in one order cell', () => {
    const fixedHz = 100;
    const orders = 3.3;
    const builder = new ReferenceBuilder({ bearing });
    for (const [i, shaftHz] of [25, 27.5, 30, 32.5].entries()) {
      const x = machineBackground(FS, shaftHz, 3, 40 + i);
      addImpacts(x, FS, { rateHz: fixedHz, resonanceHz: 2500, amplitude: 0.1, seed: 50 + i });
      addImpacts(x, FS, { rateHz: orders * shaftHz, resonanceHz: 2500, amplitude: 0.1, seed: 60 + i });
      builder.add({ samples: x, sampleRateHz: FS, shaftHz });
    }
    const ref = builder.build();
    // The widest band holds both lines; compare the level each grid gives each line.
    const band = ref.bands.reduce((w, b) => (b.highHz - b.lowHz > w.highHz - w.lowHz ? b : w));
    const level = (grid: Array<[number, number]>, at: number, step: number) =>
      Math.max(0, ...grid.filter(([c]) => Math.abs(c * step - at) <= 1.5 * step).map(([, db]) => db));
    const hzOfFixed = level(band.hz, fixedHz, ref.hzStep);
    const hzOfFollowing = level(band.hz, orders * 28.75, ref.hzStep);
    const ordersOfFollowing = level(band.orders, orders, ref.orderStep);
    const ordersOfFixed = level(band.orders, fixedHz / 28.75, ref.orderStep);
    expect(hzOfFixed).toBeGreaterThan(ordersOfFixed + 3);
    expect(ordersOfFollowing).toBeGreaterThan(hzOfFollowing + 3);
  });

  it('raises the floor by the line level, converted to the resolution, within half the two resolutions (Hz) plus the slip (orders)', () => {
    const ref: EnvelopeReference = {
      format: 'pdm-envelope-reference',
      version: 1,
      windows: 4,
      segments: 16,
      shaftHz: { min: 30, max: 30 },
      binHz: 1,
      maxFrequencyHz: 4000,
      orderStep: 0.01,
      hzStep: 1,
      bands: [{ lowHz: 1000, highHz: 3000, hz: [[100, 10]], orders: [[500, 10]] }],
    };
    const floor = new Float64Array(400).fill(2);
    const out = new Float64Array(400);
    const rf = new ReferenceFloor(ref, 400, 0.01);
    // Same resolution: a 10 dB line multiplies the floor by 10 at 100 Hz +/- 1 Hz.
    rf.apply(out, floor, 400, 1, 30, 1000, 3000);
    expect(rf.lastBand).toBe(0);
    expect([out[98], out[99], out[100], out[101], out[102]]).toEqual([2, 20, 20, 20, 2]);
    // 5 orders at 30 Hz = 150 Hz, tolerance 1 + 1 % of 150 = 2.5 Hz.
    expect([out[147], out[148], out[152], out[153]]).toEqual([2, 20, 20, 2]);
    // Bins twice as wide: the line keeps its power, the noise per bin doubles: 1 + 9 / 2.
    rf.apply(out, floor, 200, 2, 30, 1000, 3000);
    expect(out[50]).toBeCloseTo(2 * 5.5, 12);
    // A band the reference does not overlap by half: every overlapping band counts; none here.
    rf.apply(out, floor, 400, 1, 30, 3100, 3900);
    expect(rf.lastBand).toBe(-1);
    expect(out[100]).toBe(2);
  });
});

describe('reference validation', () => {
  const good = () => JSON.parse(JSON.stringify(rigReference)) as Record<string, Loose>;

  it('round-trips through JSON and gives the same analysis', () => {
    const x = healthyRig(1);
    const a = diagnose(x, rigReference);
    const b = diagnose(x, validateReference(JSON.parse(JSON.stringify(rigReference))));
    expect(b.bearing).toEqual(a.bearing);
  });

  it('refuses a malformed reference naming the field', () => {
    const cases: Array<[(r: Record<string, Loose>) => unknown, RegExp]> = [
      [(r) => ({ ...r, format: 'x' }), /format must be 'pdm-envelope-reference'/],
      [(r) => ({ ...r, version: 2 }), /version must be 1/],
      [(r) => ({ ...r, extra: 1 }), /extra is not a reference field/],
      [(r) => ({ ...r, windows: 0 }), /windows must be a positive integer/],
      [(r) => ({ ...r, bands: [] }), /bands must be a non-empty array/],
      [(r) => ({ ...r, bands: [{ ...r.bands[0], lowHz: 5, highHz: 1 }] }), /bands\[0\] must have 0 <= lowHz < highHz/],
      [(r) => ({ ...r, bands: [{ ...r.bands[0], hz: [[1, 'x']] }] }), /bands\[0\]\.hz\[0\] must be \[cell/],
      [() => [1, 2], /must be an object/],
    ];
    for (const [mutate, message] of cases) {
      try {
        validateReference(mutate(good()), 'machine-7.json');
        expect.fail(`accepted ${message}`);
      } catch (err) {
        expect(isPdmError(err, 'PDM_ERR_CONFIG_INVALID'), String(err)).toBe(true);
        expect((err as Error).message).toMatch(/^machine-7\.json: /);
        expect((err as Error).message).toMatch(message);
      }
    }
  });

  it('WindowAnalyzer refuses a bad reference as a configuration error naming it', () => {
    const bad = { ...good(), version: 9 } as unknown as EnvelopeReference;
    expect(() => new WindowAnalyzer({ sampleRateHz: FS, windowSize: 8192, shaftHz: FR, bearing, reference: bad })).toThrow(
      /window analysis: reference is not a valid healthy reference .*version must be 1/,
    );
  });

  it('the builder refuses bad windows and an empty build', () => {
    const b = new ReferenceBuilder({ bearing });
    expect(() => b.build()).toThrow(/no healthy window/);
    expect(() => b.add({ samples: new Float32Array(100), sampleRateHz: FS, shaftHz: FR })).toThrow(/at least 256 samples/);
    expect(() => b.add({ samples: new Float32Array(8192), sampleRateHz: FS, shaftHz: 0 })).toThrow(/shaft speed must be a positive number/);
    const nan = new Float32Array(8192);
    nan[3] = Number.NaN;
    expect(() => b.add({ samples: nan, sampleRateHz: FS, shaftHz: FR })).toThrow(/NaN or Infinity/);
    expect(() => buildReference([], { bearing, maxFrequencyHz: -1 })).toThrow(/maxFrequencyHz must be a positive number/);
  });
});

describe('inner race needs its 1X modulation', () => {
  it('impacts at BPFI that do not turn through a load zone (no sidebands, no 1X) are not an inner race fault; the same impacts modulated at 1X are', () => {
    const train = { rateHz: f.bpfi, resonanceHz: 3500, amplitude: 0.3, jitter: 0.01, seed: 8 };
    const flat = diagnose(addImpacts(machineBackground(FS, FR, 4, 7), FS, train));
    expect(flat.bearing.diagnosis).toBe('none');
    const w = new WindowAnalyzer({ sampleRateHz: FS, windowSize: 16384, shaftHz: FR, bearing }).analyze(
      addImpacts(machineBackground(FS, FR, 4, 7), FS, train).subarray(0, 16384),
    );
    expect(w.bearing.evidence?.bpfi_h1_present).toBe(1);
    expect(w.bearing.evidence?.bpfi_modulated).toBe(0);
    const modulated = diagnose(addImpacts(machineBackground(FS, FR, 4, 7), FS, { ...train, modulationHz: FR, depth: 1 }));
    expect(modulated.bearing.diagnosis).toBe('inner_race');
  });
});
