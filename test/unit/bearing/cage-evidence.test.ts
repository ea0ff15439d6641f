/**
 * Cage and rolling-element faults need evidence as strong as the races (issue 13, part 1): a
 * cage-rate line with its second harmonic is what any cage-rate modulation makes (a healthy
 * bearing's uneven ball spacing, a ball defect carried through the load zone by the cage), so
 * it must not name `cage`; a defective cage's once-per-turn impacts (FTF and a comb of
 * harmonics) must. A ball defect is a ball, or `none`, never the cage or a race.
 */
import { describe, expect, it } from 'vitest';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { defectFrequencies } from '../../../models/bearing/geometry.ts';
import { analyzeRecord } from '../../../models/window-analysis.ts';
import { gaussian } from '../models-dsp/helpers/oracle.ts';
import { addImpacts, machineBackground } from './helpers/synthetic.ts';

const FS = 12_000;
const SHAFT_HZ = 29.95;
const SECONDS = 10;
const bearing = lookupBearing('6205-2RS');
const f = defectFrequencies(bearing, SHAFT_HZ);

function diagnose(x: Float32Array): string {
  return analyzeRecord(x, { sampleRateHz: FS, shaftHz: SHAFT_HZ, bearing }).bearing.diagnosis;
}

/**
 * Broadband noise ringing a 3 kHz band whose level follows the cage through the load zone
 * (Stribeck's shape, 1 - d + d max(0, cos)^1.5 at FTF): the cage-rate modulation a healthy
 * bearing's uneven loading, or a ball too small to strike audibly, puts on the envelope.
 */
function cageRateModulation(depth: number, seed: number): Float32Array {
  const x = machineBackground(FS, SHAFT_HZ, SECONDS, seed);
  const noise = gaussian(x.length, seed + 17, 1);
  // A 2.5-3.5 kHz band of it: the difference of two one-pole smoothers is enough of a band-pass here.
  let a = 0;
  let b = 0;
  for (let i = 0; i < x.length; i++) {
    a += 0.9 * (noise[i] - a);
    b += 0.5 * (noise[i] - b);
    const q = Math.cos(2 * Math.PI * f.ftf * (i / FS));
    const m = 1 - depth + depth * (q > 0 ? q * Math.sqrt(q) : 0);
    x[i] += m * (a - b);
  }
  return x;
}

describe('cage and rolling-element evidence', () => {
  it('a cage-rate modulation of the envelope (FTF and 2 x FTF in the SES) is never named cage, at any depth', () => {
    for (const depth of [0.3, 0.6, 0.9]) {
      for (const seed of [1, 2]) expect(diagnose(cageRateModulation(depth, seed)), `depth ${depth}, seed ${seed}`).not.toBe('cage');
    }
  });

  it('a defective cage, striking once per cage turn, is named cage', () => {
    const x = machineBackground(FS, SHAFT_HZ, SECONDS, 5);
    addImpacts(x, FS, { rateHz: f.ftf, resonanceHz: 3200, amplitude: 0.6, jitter: 0.01, seed: 5 });
    expect(diagnose(x)).toBe('cage');
  });

  it('impacts at 2 x BSF with cage-rate modulation are a ball', () => {
    const ball = machineBackground(FS, SHAFT_HZ, SECONDS, 7);
    addImpacts(ball, FS, { rateHz: 2 * f.bsf, modulationHz: f.ftf, depth: 0.9, resonanceHz: 3200, amplitude: 0.3, jitter: 0.01, seed: 7 });
    expect(diagnose(ball)).toBe('rolling_element');
  });

  it('a ball defect at any strength is rolling_element or none, never cage nor a race', () => {
    for (const amplitude of [0.02, 0.05, 0.1, 0.3]) {
      const x = machineBackground(FS, SHAFT_HZ, SECONDS, 9);
      addImpacts(x, FS, { rateHz: 2 * f.bsf, modulationHz: f.ftf, depth: 0.9, resonanceHz: 3200, amplitude, jitter: 0.015, seed: 9 });
      expect(['rolling_element', 'none'], `impact ${amplitude} g`).toContain(diagnose(x));
    }
  });
});
