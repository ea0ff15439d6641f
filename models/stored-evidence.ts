/**
 * What the processor stores of a window beyond its scalar features, built from the arrays and
 * the fault evidence the analysis already computed (WindowAnalyzer.storedEvidence): the
 * amplitude spectrum up to fs/2.56 and the squared envelope spectrum (SES) up to 10 x the
 * bearing's highest defect frequency, both peak-hold downsampled to a fixed number of lines
 * (dsp/peak-hold.ts), and per defect family the lines the decision looked at. Pure: no I/O.
 */
import type { CandidateEvidence } from './bearing/fault-evidence.ts';
import { FAULT_KEYS } from './bearing/fault-evidence.ts';
import type { DefectFrequencies } from './bearing/geometry.ts';
import { peakHold, peakHoldAxis } from './dsp/peak-hold.ts';

/** A spectrum on an even axis: values[j] at startHz + j x stepHz. */
export interface StoredSpectrum {
  startHz: number;
  stepHz: number;
  values: Float64Array;
}

export interface WindowSpectra {
  /** Hann amplitude spectrum of the acceleration (g, peak), 0..fs/2.56 (the usable band of a sensor chain with an anti-alias filter). */
  amplitude: StoredSpectrum;
  /** With a bearing and a shaft speed: the SES (mean square per bin, g^2), 0..10 x the highest defect frequency. */
  envelope?: StoredSpectrum;
}

/** Usable band of a sampled vibration signal: fs / 2.56 (the anti-alias filter's roll-off above it). */
export const USABLE_BAND_DIVISOR = 2.56;
/** The SES is kept up to this many times the bearing's highest defect frequency (its harmonics and sidebands). */
export const ENVELOPE_SPAN_HARMONICS = 10;

export function storedSpectra(
  amplitude: { values: Float64Array; binHz: number; sampleRateHz: number },
  envelope: { power: Float64Array; bins: number; binHz: number; freqs: DefectFrequencies } | undefined,
  lines: number,
): WindowSpectra {
  const a = peakHoldAxis(amplitude.binHz, amplitude.values.length, amplitude.sampleRateHz / USABLE_BAND_DIVISOR, lines);
  const out: WindowSpectra = { amplitude: { startHz: a.startHz, stepHz: a.stepHz, values: new Float64Array(a.lines) } };
  peakHold(out.amplitude.values, amplitude.values, amplitude.binHz, a);
  if (envelope !== undefined) {
    const f = envelope.freqs;
    const top = ENVELOPE_SPAN_HARMONICS * Math.max(f.bpfo, f.bpfi, f.bsf, f.ftf);
    const ses = envelope.power.subarray(0, envelope.bins);
    const e = peakHoldAxis(envelope.binHz, envelope.bins, top, lines);
    out.envelope = { startHz: e.startHz, stepHz: e.stepHz, values: new Float64Array(e.lines) };
    peakHold(out.envelope.values, ses, envelope.binHz, e);
  }
  return out;
}

/** One harmonic h x f of a defect family as the fault evidence measured it in the SES. */
export interface HarmonicEvidence {
  /** Line found, Hz (0: no local maximum in the search window). */
  hz: number;
  /** The SES at that line (g^2); 0 when none. */
  level: number;
  /** Its level over the local floor, dB, and the presence threshold it had to pass, dB. */
  overFloorDb: number;
  thresholdDb: number;
  present: boolean;
  /** Modulation sidebands found around it (0..2) and the larger one's dB over the floor. */
  sidebands: number;
  sidebandDb: number;
}

export interface FamilyEvidence {
  family: 'bpfo' | 'bpfi' | 'bsf' | 'ftf';
  /** Kinematic defect frequency at the window's measured shaft speed, Hz. */
  defectHz: number;
  /** Spacing of the sidebands the family uses (shaft speed for BPFI, FTF for BSF, 0: none), Hz. */
  sidebandSpacingHz: number;
  /** Fundamental the lines found imply (the anchor line / its order), Hz; 0 when not anchored. */
  baseHz: number;
  harmonics: HarmonicEvidence[];
  /** Summed dB by which present harmonics and sidebands pass their thresholds (the decision's score). */
  strengthDb: number;
  /** Whether the decision's support rule holds (diagnosis.ts isSupported). */
  supported: boolean;
  /** Rank of examination (0 strongest), -1 when not anchored. */
  rank: number;
}

export function familyEvidence(
  candidates: readonly CandidateEvidence[],
  freqs: DefectFrequencies,
  shaftHz: number,
  ses: Float64Array,
  binHz: number,
  supported: (c: CandidateEvidence) => boolean,
): FamilyEvidence[] {
  return candidates.map((c) => {
    const family = FAULT_KEYS[c.kind];
    const harmonics: HarmonicEvidence[] = [];
    for (let i = 0; i < c.harmonics; i++) {
      const hz = c.lineHz[i];
      harmonics.push({
        hz,
        // lineHz is bin x binHz exactly (fault-evidence.ts), so the bin is recovered by rounding.
        level: hz > 0 ? (ses[Math.round(hz / binHz)] ?? 0) : 0,
        overFloorDb: c.snrDb[i],
        thresholdDb: c.thresholdDb[i],
        present: c.present[i] === 1,
        sidebands: c.sidebands[i],
        sidebandDb: c.sidebandSnrDb[i],
      });
    }
    return {
      family,
      defectHz: freqs[family],
      sidebandSpacingHz: c.kind === 'inner_race' ? shaftHz : c.kind === 'rolling_element' ? freqs.ftf : 0,
      baseHz: c.baseHz,
      harmonics,
      strengthDb: c.strengthDb,
      supported: supported(c),
      rank: c.rank,
    };
  });
}
