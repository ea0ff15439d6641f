/**
 * Diagnosis on simulated faults (helpers/synthetic.ts) for bearings, speeds and sampling rates
 * the real recordings do not cover. Impacts 4x the noise: each type must be named correctly;
 * impacts 1.5x the noise: `none` is acceptable, another type never is.
 */
import { describe, expect, it } from 'vitest';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { analyzeRecord } from '../../../models/window-analysis.ts';
import { type SyntheticFault, syntheticVibration } from './helpers/synthetic.ts';

const MACHINES = [
  { bearing: '6205-2RS', fs: 12000, shaftHz: 29.95 },
  { bearing: 'ZA-2115', fs: 20480, shaftHz: 33.3 },
  { bearing: 'FEMTO-PRONOSTIA', fs: 25600, shaftHz: 30 },
  { bearing: '6203-2RS', fs: 48000, shaftHz: 58 },
  { bearing: 'ZA-2115', fs: 25600, shaftHz: 12.5 },
] as const;

const FAULTS: SyntheticFault[] = ['outer_race', 'inner_race', 'rolling_element', 'none'];

describe('diagnosis of simulated bearing faults', () => {
  for (const m of MACHINES) {
    it(`${m.bearing} at ${m.shaftHz} Hz, ${m.fs / 1000} kHz: clear faults named, healthy quiet, weak never misnamed`, () => {
      const bearing = lookupBearing(m.bearing);
      for (const fault of FAULTS) {
        for (const impact of [4, 1.5]) {
          const x = syntheticVibration({ fault, bearing, sampleRateHz: m.fs, shaftHz: m.shaftHz, seconds: 4, impact, seed: 3 });
          const d = analyzeRecord(x, { sampleRateHz: m.fs, shaftHz: m.shaftHz, bearing }).bearing.diagnosis;
          const what = `${fault}, impact ${impact}`;
          // A 6203's ball spin frequency is 1.994 x and 2 x BSF 3.987 x: on shaft harmonics, so
          // masked by design; there `none` is the honest answer for a rolling-element fault.
          const detectable = !(m.bearing === '6203-2RS' && fault === 'rolling_element');
          if (impact === 4 && detectable) expect(d, what).toBe(fault);
          else expect([fault, 'none'], what).toContain(d);
        }
      }
    });
  }

  it('estimates the speed and still names a clear fault when no speed is given', () => {
    const bearing = lookupBearing('6205-2RS');
    const x = syntheticVibration({ fault: 'inner_race', bearing, sampleRateHz: 12000, shaftHz: 29.95, seconds: 4, impact: 4, seed: 5 });
    const a = analyzeRecord(x, { sampleRateHz: 12000, bearing });
    expect(a.shaft.source).toBe('estimated');
    expect(Math.abs(a.shaft.hz / 29.95 - 1)).toBeLessThan(0.005);
    expect(a.bearing.diagnosis).toBe('inner_race');
  });

  it('a none from a record shorter than the bearing needs is not a confident all-clear; a fault it names keeps its confidence', () => {
    const bearing = lookupBearing('6205-2RS');
    const config = { sampleRateHz: 12000, shaftHz: 29.95, bearing };
    const record = (fault: SyntheticFault) =>
      syntheticVibration({ fault, bearing, sampleRateHz: 12000, shaftHz: 29.95, seconds: 4, impact: 4, seed: 7 });
    const healthy = record('none');
    const long = analyzeRecord(healthy, config).bearing;
    expect(long.diagnosis).toBe('none');
    expect(long.evidence!.segment_revolutions).toBeGreaterThanOrEqual(long.evidence!.required_revolutions);
    // 0.5 s: 15 revolutions of the 32 a 6205 needs. The same segment judged as if 15 were enough
    // (segmentRevolutions) gives the unscaled confidence.
    const short = analyzeRecord(healthy.subarray(0, 6000), config).bearing;
    const unscaled = analyzeRecord(healthy.subarray(0, 6000), config, { segmentRevolutions: 14 }).bearing;
    const revolutions = short.evidence!.segment_revolutions;
    expect(revolutions).toBeCloseTo(0.5 * 29.95, 6);
    expect(short.evidence!.required_revolutions).toBe(32);
    expect([short.diagnosis, unscaled.diagnosis]).toStrictEqual(['none', 'none']);
    expect(unscaled.confidence).toBeGreaterThan(0.5);
    expect(short.confidence).toBeCloseTo((unscaled.confidence * revolutions) / 32, 12);
    // A clear outer race fault in the same length: named, its confidence not scaled.
    const faulty = record('outer_race').subarray(0, 6000);
    const named = analyzeRecord(faulty, config).bearing;
    expect(named.diagnosis).toBe('outer_race');
    expect(named.confidence).toBe(analyzeRecord(faulty, config, { segmentRevolutions: 14 }).bearing.confidence);
  });
});
