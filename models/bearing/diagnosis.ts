/**
 * The decision: which fault type, if any, the evidence names, built for the asymmetry that
 * naming the wrong fault is worse than naming none.
 *
 * 1. A fault type is *supported* only if its fundamental (for a rolling element: BSF or 2 x BSF,
 *    whichever is stronger) is present and corroborated: by another harmonic, or (inner race,
 *    rolling element) by a modulation sideband of a present line. One line, however tall, is never enough:
 *    machines have many lines that are not bearings. The cage needs FTF (over the race anchors'
 *    threshold), 2 x FTF, 3 x FTF and most of its comb 4..8 x FTF at the bearing's FTF (an
 *    impulsive once-per-cage-turn series, not the smooth cage-rate modulation that healthy
 *    bearings and ball defects show as FTF and 2 x FTF).
 * 2. Lines already explained by a stronger fault type's lattice cannot support a weaker one (see
 *    fault-evidence.ts).
 * 3. The strongest supported type wins only with a margin: its evidence (summed dB by which its
 *    present harmonics and sidebands exceed their noise thresholds) must be at least `margin`
 *    times every other type's. Two types both
 *    claiming the spectrum means we do not know which: the answer is `none`.
 * 4. The named fault must be what dominates the envelope: the strongest harmonic series of the
 *    SES, searched without regard to the geometry, must be one of the winner's harmonics or
 *    their shaft-rate sidebands. Otherwise something else modulates the
 *    band more strongly (another bearing, a gear, an electrical defect) and the winner's lines
 *    may be its by-products: `none`.
 * 5. An inner race fault must show its 1X modulation: the defect turns with the shaft through
 *    the load zone, so its impacts are amplitude-modulated at shaft rate. Where BPFI stands high
 *    enough above the noise that its sidebands BPFI +/- fr would show even at 10 % modulation,
 *    one of them must be present and no more than 20 dB under BPFI; where BPFI is weaker, one
 *    of them must still be present (the SES's 1X line alone is not enough: any 1X modulation of
 *    the band makes it). See FaultEvidence `innerRaceModulationDb`.
 * 6. The cage (FTF, below shaft speed) is named only when no other type's fundamental is present:
 *    rolling-element and outer race faults modulate at FTF too, and sub-synchronous lines are
 *    common in machines with loose parts. For the same reason cage evidence is not a runner-up
 *    against another type. The exception is a fundamental that is a tooth of the cage's own comb
 *    (BPFO is balls x FTF) when the cage's family is the strongest of the SES: there it is the
 *    cage's by-product (FaultEvidence.explainedByCage).
 *
 * Confidence of a fault: (1 - exp(-strength / scale)) x (1 - runner-up / strength), i.e. how much
 * evidence there is times how clearly it beats the alternatives. Confidence of `none`:
 * exp(-strength of the strongest type / scale), lower when some type has partial evidence.
 */
import type { CandidateEvidence, FaultEvidence, FaultKind } from './fault-evidence.ts';

export type Diagnosis = FaultKind | 'none';

export interface DecisionOptions {
  /** Winner's strength / runner-up's strength required (> 1). */
  margin: number;
  /** dB of evidence at which the confidence's strength term reaches 1 - 1/e. */
  strengthScaleDb: number;
}

export const DEFAULT_DECISION_OPTIONS: DecisionOptions = { margin: 2, strengthScaleDb: 20 };

export interface DecisionResult {
  diagnosis: Diagnosis;
  confidence: number;
  /** Strength of the best type other than the diagnosed one (or of the strongest, for `none`). */
  runnerUpDb: number;
  /** A supported winner was rejected because another harmonic series dominates the SES. */
  dominated: boolean;
}

export function isSupported(c: CandidateEvidence): boolean {
  if (!c.anchored) return false;
  // Cage: a defective cage strikes once per cage turn, an impulsive series whose SES comb keeps
  // its height over many harmonics. FTF with a 2 x FTF is what any cage-rate modulation makes
  // (the uneven ball spacing of a healthy bearing, a ball defect carried through the load zone
  // by the cage, whose Stribeck shape has a fast-falling 2nd harmonic), so the first three
  // harmonics must all stand, the first over the threshold the race anchors use.
  // The comb must also carry on: most (3) of its teeth 4..8 x FTF present.
  if (c.kind === 'cage') return c.harmonics >= 3 && c.present[1] === 1 && c.present[2] === 1 && c.combTeeth >= 3;
  if (!c.modulated) return false;
  return c.harmonicsPresent >= 2 || c.sidebandsPresent >= 1;
}

export function decide(out: DecisionResult, evidence: FaultEvidence, options: DecisionOptions = DEFAULT_DECISION_OPTIONS): DecisionResult {
  const candidates = evidence.candidates;
  let best: CandidateEvidence | undefined;
  let othersWithFundamental = 0;
  for (const c of candidates) {
    if (c.kind !== 'cage' && c.anchored && !evidence.explainedByCage(c)) othersWithFundamental++;
  }
  for (const c of candidates) {
    if (!isSupported(c)) continue;
    if (c.kind === 'cage' && othersWithFundamental > 0) continue;
    if (best === undefined || c.strengthDb > best.strengthDb) best = c;
  }
  let runnerUp = 0;
  let strongest = 0;
  for (const c of candidates) {
    // Cage-rate lines are by-products of rolling-element (and outer race) faults, which the cage
    // carries through the load zone: they never veto another type (rule 6 keeps the cage from
    // winning against them).
    // With the cage named, types whose anchor is a tooth of its comb are its by-products too.
    const byCage = best?.kind === 'cage' && evidence.explainedByCage(c);
    if (c !== best && c.kind !== 'cage' && !byCage && c.strengthDb > runnerUp) runnerUp = c.strengthDb;
    if (c.strengthDb > strongest) strongest = c.strengthDb;
  }
  const scale = options.strengthScaleDb;
  const dominated = best !== undefined && evidence.dominant.hz > 0 && !evidence.explainsDominant(evidence.dominant.hz, best.kind);
  out.dominated = dominated;
  if (best === undefined || best.strengthDb < options.margin * runnerUp || dominated) {
    out.diagnosis = 'none';
    out.runnerUpDb = strongest;
    out.confidence = Math.exp(-strongest / scale);
    return out;
  }
  out.diagnosis = best.kind;
  out.runnerUpDb = runnerUp;
  out.confidence = (1 - Math.exp(-best.strengthDb / scale)) * (1 - runnerUp / best.strengthDb);
  return out;
}
