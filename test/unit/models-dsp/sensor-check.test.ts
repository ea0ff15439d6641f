/**
 * The sensor checks (models/sensor/sensor-check.ts) through the window analysis: every fault
 * injected into real recordings is reported `check_function` with its reason (zone `unknown`,
 * no diagnosis), and no window of any shared CWRU or FEMTO record is (the false-positive count
 * MODELS.md reports).
 */
import { describe, expect, it } from 'vitest';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { SensorCheck } from '../../../models/sensor/sensor-check.ts';
import { WindowAnalyzer } from '../../../models/window-analysis.ts';
import {
  EXPECTED_REASON,
  inject,
  type RecordedFault,
  readF32,
  recordSets,
  SHARED_DATA,
  scanSet,
} from '../../../tools/harness/sensor-faults.ts';

/** Records and their sampling rates: the healthy baseline is 48 kHz (cwru/metadata.json). */
const CWRU: Array<[string, number]> = [
  ['cwru/normal/97_Normal_0_DE.f32', 48_000],
  ['cwru/12k_DE/105_IR007_0_DE.f32', 12_000],
  ['cwru/12k_DE/130_OR007at6_0_FE.f32', 12_000],
  ['cwru/12k_DE/222_B021_0_DE.f32', 12_000],
  ['cwru/12k_DE/3005_B028_0_DE.f32', 12_000],
];
const FAULTS: RecordedFault[] = ['zero', 'constant', 'offset', 'clip', 'noiseless', 'upsampled', 'held', 'mains'];

function analyse(x: Float32Array, fs: number, shaftHz?: number) {
  return new WindowAnalyzer({
    sampleRateHz: fs,
    windowSize: x.length,
    bearing: lookupBearing('6205-2RS'),
    ...(shaftHz ? { shaftHz } : {}),
  }).analyze(x);
}

describe('sensor faults injected into recorded windows are reported with their reason', () => {
  for (const [file, rate] of CWRU) {
    const record = readF32(`${SHARED_DATA}/${file}`);
    // Two 1 s windows of the stream.
    const windows = [record.subarray(rate, 2 * rate), record.subarray(3 * rate, 4 * rate)];
    it(`${file}: healthy windows are ok; each fault is check_function with its reason, zone unknown, no diagnosis`, () => {
      for (const w of windows) {
        const ok = analyse(w, rate, 29.95);
        expect(ok.sensor).toMatchObject({ status: 'ok', reasons: [] });
        for (const fault of FAULTS) {
          const fs = fault === 'upsampled' ? 2 * rate : rate;
          const a = analyse(inject(fault, w, rate), fs, 29.95);
          expect(a.sensor.status, `${fault}`).toBe('check_function');
          expect(a.sensor.reasons, `${fault}: ${JSON.stringify(a.sensor.evidence)}`).toContain(EXPECTED_REASON[fault]);
          expect(a.iso20816.zone).toBe('unknown');
          expect(a.bearing).toEqual({ diagnosis: 'none', confidence: 0 });
        }
      }
    });
  }

  it('FEMTO snapshots (2560 samples at 25.6 kHz): flat, clipped, too quiet, held, hum only', () => {
    for (const [file, index] of [
      ['femto/raw/Bearing1_1_horiz.f32', 10],
      ['femto/raw/Bearing2_2_vert.f32', 40],
      ['femto/raw/Bearing3_2_horiz.f32', 100],
    ] as const) {
      const x = readF32(`${SHARED_DATA}/${file}`).subarray(index * 2560, (index + 1) * 2560);
      expect(analyse(x, 25_600).sensor.status).toBe('ok');
      // The offset test needs three 50 ms segments: a 0.1 s snapshot has two (MODELS.md).
      for (const fault of FAULTS.filter((f) => f !== 'offset')) {
        const a = analyse(inject(fault, x, 25_600, 50), fault === 'upsampled' ? 51_200 : 25_600);
        expect(a.sensor.reasons, `${file} ${fault}: ${JSON.stringify(a.sensor.evidence)}`).toContain(EXPECTED_REASON[fault]);
      }
    }
  });

  it('a 2-pole motor whose 1X dominates beside the grid frequency (its slip) is not hum', () => {
    const fs = 12_000;
    const hum = inject('mains', new Float32Array(12_000), fs, 50);
    expect(analyse(hum, fs).sensor.reasons).toContain('mains_only');
    // 1X at 49.6 Hz (0.8 % slip) and 2X, 96 % of the power, over a sensor's broadband floor of 1e-4 g/sqrt(Hz).
    const noise = inject('mains', new Float32Array(12_000), fs, 50, 3).map((v, i) => (v - hum[i]) * (1e-4 / 4.4e-6));
    const motor = Float32Array.from(
      noise,
      (v, i) => v + 0.05 * Math.sin((2 * Math.PI * 49.6 * i) / fs) + 0.01 * Math.sin((2 * Math.PI * 99.2 * i) / fs),
    );
    const a = analyse(motor, fs, 49.6);
    expect(a.sensor.evidence!.mains_share).toBeLessThan(0.95);
    expect(a.sensor).toMatchObject({ status: 'ok', reasons: [] });
  });

  it('a quiet signal on a coarse ADC repeats samples at any phase: not a held rate; a 3x hold is', () => {
    const x = readF32(`${SHARED_DATA}/${CWRU[1][0]}`).subarray(0, 12_000);
    let ss = 0;
    for (const v of x) ss += v * v;
    const rms = Math.sqrt(ss / x.length);
    // 1 LSB of 1 mg (16 bits over ±32 g) at 1 mg RMS: about a quarter of successive samples are equal.
    const coarse = Float32Array.from(x, (v) => 1e-3 * Math.round(v / rms));
    const a = analyse(coarse, 12_000, 29.95);
    expect(a.sensor.evidence!.held_share).toBeGreaterThan(0.2);
    expect(a.sensor.evidence!.hold_contrast).toBeLessThan(0.1);
    expect(a.sensor.reasons).not.toContain('sample_rate');
    const held3 = Float32Array.from(x, (_, i) => x[i - (i % 3)]);
    expect(analyse(held3, 12_000, 29.95).sensor.reasons).toContain('sample_rate');
  });

  it('thresholds are configurable, and validated', () => {
    const x = readF32(`${SHARED_DATA}/${CWRU[1][0]}`).subarray(0, 12_000);
    const clipped = inject('clip', x, 12_000);
    expect(analyse(clipped, 12_000).sensor.reasons).toContain('clipping');
    const lenient = new WindowAnalyzer({ sampleRateHz: 12_000, windowSize: 12_000, sensorCheck: { clipShare: 0.5 } }).analyze(clipped);
    expect(lenient.sensor.reasons).not.toContain('clipping');
    expect(
      new WindowAnalyzer({ sampleRateHz: 12_000, windowSize: 12_000, sensorCheck: false }).analyze(new Float32Array(12_000)).sensor,
    ).toEqual({
      status: 'ok',
      reasons: [],
    });
    expect(() => new WindowAnalyzer({ sampleRateHz: 12_000, windowSize: 12_000, sensorCheck: { noiseFloorG: -1 } })).toThrow(/sensorCheck/);
    expect(() => new SensorCheck(12_000, 12_000, 8193, 12_000 / 16_384, { mainsShare: 1.5 })).toThrow(/below 1/);
  });
});

describe('no false sensor fault on the shared recordings', () => {
  for (const set of recordSets()) {
    it(`${set.name}: every window ok`, () => {
      const r = scanSet(set);
      expect(r.windows).toBeGreaterThanOrEqual(18);
      expect({ flagged: r.flagged, reasons: r.reasons }).toEqual({ flagged: 0, reasons: {} });
    }, 120_000);
  }
});
