/**
 * The accumulated diagnosis on simulated faults (helpers/synthetic.ts) for the bearings, speeds
 * and sampling rates of the synthetic suite (48 kHz included), each signal fed as the stream
 * feeds it: consecutive 1 s windows through the workers' analyzer and the processor's accumulator
 * (models/window-sequence.ts). Clear faults (impacts 4x the noise): named in >= 95 % of windows
 * after warm-up. Weak ones (1.5x), where single windows come and go: never another type. Healthy:
 * `none` in every window.
 */
import { describe, expect, it } from 'vitest';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { analyzeWindowSequence } from '../../../models/window-sequence.ts';
import { type SyntheticFault, syntheticVibration } from './helpers/synthetic.ts';

const MACHINES = [
  { bearing: '6205-2RS', fs: 12000, shaftHz: 29.95 },
  { bearing: 'ZA-2115', fs: 20480, shaftHz: 33.3 },
  { bearing: 'FEMTO-PRONOSTIA', fs: 25600, shaftHz: 30 },
  { bearing: '6203-2RS', fs: 48000, shaftHz: 58 },
] as const;
const FAULTS: SyntheticFault[] = ['outer_race', 'inner_race', 'none'];
const SECONDS = 30;
const WARMUP = 10;

describe('accumulated diagnosis of simulated bearing faults, window by window', () => {
  for (const m of MACHINES) {
    it(`${m.bearing} at ${m.shaftHz} Hz, ${m.fs / 1000} kHz`, () => {
      const bearing = lookupBearing(m.bearing);
      for (const fault of FAULTS) {
        for (const impact of [4, 1.5]) {
          if (fault === 'none' && impact !== 4) continue;
          const x = syntheticVibration({ fault, bearing, sampleRateHz: m.fs, shaftHz: m.shaftHz, seconds: SECONDS, impact, seed: 9 });
          const seq = analyzeWindowSequence(x, { sampleRateHz: m.fs, shaftHz: m.shaftHz, bearing });
          const what = `${fault}, impact ${impact}`;
          const named = seq.accumulated.map((a) => a.diagnosis);
          expect(
            named.filter((d) => d !== fault && d !== 'none'),
            what,
          ).toEqual([]);
          if (fault === 'none')
            expect(
              named.every((d) => d === 'none'),
              what,
            ).toBe(true);
          else if (impact === 4) {
            const after = named.slice(WARMUP);
            expect(after.filter((d) => d === fault).length / after.length, what).toBeGreaterThanOrEqual(0.95);
          }
        }
      }
    });
  }
});
