/**
 * Synthetic bearing vibration (after the model of Randall, Antoni & Chobsaard 2001 used by most
 * envelope-analysis papers): a train of impacts at the defect's repetition rate with 1 % random
 * jitter in spacing (slip), each exciting a structural resonance (a decaying sinusoid), amplitude
 * modulated by the passage through the load zone (inner race: at shaft rate; rolling element: at
 * cage rate), plus shaft harmonics and Gaussian noise. Used to check the diagnosis on machines,
 * speeds and sampling rates the real recordings do not cover.
 */
import { type BearingGeometry, defectFrequencies } from '../../../../models/bearing/geometry.ts';
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

export interface ImpactTrain {
  /** Impacts per second (a defect frequency, or a machine line's rate). */
  rateHz: number;
  /** Amplitude modulation of the impacts, 1 + depth x cos(2 pi modHz t) (0: none). */
  modulationHz?: number;
  depth?: number;
  resonanceHz: number;
  /** Peak amplitude of one impact, g. */
  amplitude: number;
  /** Random spacing jitter, relative (0.01 for a bearing's slip; 0 for a machine's own clockwork). */
  jitter?: number;
  seed?: number;
}

/**
 * Adds a train of impacts, each ringing a resonance, to `x` (in place): a bearing defect, or a
 * machine line that reaches the envelope the same way (a rattling part, a rig's own impacts).
 */
export function addImpacts(x: Float32Array, sampleRateHz: number, t: ImpactTrain): Float32Array {
  const fs = sampleRateHz;
  const seconds = x.length / fs;
  const decay = t.resonanceHz / 12;
  const ring = Math.ceil((5 / decay) * fs);
  const rnd = seededRandom((t.seed ?? 1) * 104729);
  const jitter = t.jitter ?? 0;
  let at = rnd() / t.rateHz;
  while (at < seconds) {
    const m = t.modulationHz !== undefined && t.modulationHz > 0 ? 1 + (t.depth ?? 1) * Math.cos(2 * Math.PI * t.modulationHz * at) : 1;
    const i0 = Math.ceil(at * fs);
    for (let i = i0; i < Math.min(x.length, i0 + ring); i++) {
      const dt = i / fs - at;
      x[i] += t.amplitude * m * Math.exp(-decay * dt) * Math.sin(2 * Math.PI * t.resonanceHz * dt);
    }
    at += (1 + jitter * (2 * rnd() - 1)) / t.rateHz;
  }
  return x;
}

/** Gaussian noise (std 0.05 g) plus shaft harmonics, as every machine has. */
export function machineBackground(sampleRateHz: number, shaftHz: number, seconds: number, seed: number): Float32Array {
  const n = Math.round(seconds * sampleRateHz);
  const noise = gaussian(n, seed, 0.05);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRateHz;
    x[i] = noise[i] + 0.02 * Math.sin(2 * Math.PI * shaftHz * t) + 0.008 * Math.sin(2 * Math.PI * 2 * shaftHz * t + 1);
  }
  return x;
}
