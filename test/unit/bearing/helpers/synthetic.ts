/**
 * Synthetic bearing vibration (after the model of Randall, Antoni & Chobsaard 2001 used by most
 * envelope-analysis papers): a train of impacts at the defect's repetition rate with 1 % random
 * jitter in spacing (slip), each exciting a structural resonance (a decaying sinusoid), amplitude
 * modulated by the passage through the load zone (inner race: at shaft rate; rolling element: at
 * cage rate), plus shaft harmonics and Gaussian noise. Used to check the diagnosis on machines,
 * speeds and sampling rates the real recordings do not cover.
 */
import { defectFrequencies, type BearingGeometry } from '../../../../models/bearing/geometry.ts';
import { gaussian, seededRandom } from '../../models-dsp/helpers/oracle.ts';

export type SyntheticFault = 'outer_race' | 'inner_race' | 'rolling_element' | 'none';

export interface SyntheticOptions {
  fault: SyntheticFault;
  bearing: BearingGeometry;
  sampleRateHz: number;
  shaftHz: number;
  seconds: number;
  /** Impact amplitude relative to the noise's standard deviation (default 4). */
  impact?: number;
  resonanceHz?: number;
  seed?: number;
}

export function syntheticVibration(o: SyntheticOptions): Float32Array {
  const n = Math.round(o.seconds * o.sampleRateHz);
  const fs = o.sampleRateHz;
  const noise = gaussian(n, o.seed ?? 1, 0.05);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / fs;
    // Shaft harmonics (unbalance, misalignment): present on every machine.
    x[i] = noise[i] + 0.02 * Math.sin(2 * Math.PI * o.shaftHz * t) + 0.008 * Math.sin(2 * Math.PI * 2 * o.shaftHz * t + 1);
  }
  if (o.fault === 'none') return x;
  const f = defectFrequencies(o.bearing, o.shaftHz);
  const rate = o.fault === 'outer_race' ? f.bpfo : o.fault === 'inner_race' ? f.bpfi : 2 * f.bsf;
  const modHz = o.fault === 'inner_race' ? o.shaftHz : o.fault === 'rolling_element' ? f.ftf : 0;
  const res = o.resonanceHz ?? Math.min(3000, fs / 5);
  const decay = res / 12; // about 12 cycles of ringing per impact
  const amp = (o.impact ?? 4) * 0.05;
  const rnd = seededRandom((o.seed ?? 1) * 7919);
  let tImpact = rnd() / rate;
  const ring = Math.ceil((5 / decay) * fs);
  while (tImpact < o.seconds) {
    const m = modHz > 0 ? 0.5 + 0.5 * Math.cos(2 * Math.PI * modHz * tImpact) : 1;
    const i0 = Math.ceil(tImpact * fs);
    for (let i = i0; i < Math.min(n, i0 + ring); i++) {
      const dt = i / fs - tImpact;
      x[i] += amp * m * Math.exp(-decay * dt) * Math.sin(2 * Math.PI * res * dt);
    }
    tImpact += (1 + 0.01 * (2 * rnd() - 1)) / rate;
  }
  return x;
}
