/**
 * Severity of one fault over the machine's life (life seconds, which run `timeAcceleration`
 * times faster than wall time while the machine runs). Severity is normalised: 1 is the level
 * at which the fault's vibration reaches its failure threshold (see calibration.ts).
 *
 *   ln s(L) = ln s0 + ln(1/s0) · x + σ · B(x),   x = (L − onset) / timeToFailure
 *
 * B is a Brownian bridge (pinned to 0 at onset and at the nominal failure time), sampled on a
 * fixed grid of knots and interpolated linearly, so the path is a pure function of life:
 * rendering, energy and ground truth agree at any time, in any call order. Because the bridge is
 * pinned, the actual failure (first crossing of s = 1) lands at or shortly before the nominal
 * time; `failureLifeS` is that crossing, found exactly on the piecewise-linear path. After x = 1
 * the drift continues without noise, up to `maxSeverity`.
 */
import { mixSeed, Xoshiro128 } from './prng.ts';

export interface GrowthSpec {
  initialSeverity: number;
  /** σ of the wander of ln(severity). */
  noise: number;
  /** Life from onset to nominal failure, s. */
  timeToFailureS: number;
}

const KNOTS = 256;
export const MAX_SEVERITY = 2;

export class DegradationPath {
  readonly onsetLifeS: number;
  readonly timeToFailureS: number;
  /** Life second of the nominal failure (onset + timeToFailure). */
  readonly nominalFailureLifeS: number;
  /** Life second at which the realised path first reaches severity 1. */
  readonly failureLifeS: number;
  readonly #lnS0: number;
  readonly #span: number;
  /** σ·B at knots 0..KNOTS. */
  readonly #wander: Float64Array;

  constructor(growth: GrowthSpec, onsetLifeS: number, seed: number) {
    if (!(growth.timeToFailureS > 0)) throw new RangeError(`timeToFailureS must be positive, got ${growth.timeToFailureS}`);
    this.onsetLifeS = onsetLifeS;
    this.timeToFailureS = growth.timeToFailureS;
    this.nominalFailureLifeS = onsetLifeS + growth.timeToFailureS;
    this.#lnS0 = Math.log(growth.initialSeverity);
    this.#span = -this.#lnS0;
    const rng = new Xoshiro128(mixSeed(seed, 0xdead));
    const walk = new Float64Array(KNOTS + 1);
    const step = Math.sqrt(1 / KNOTS);
    for (let i = 1; i <= KNOTS; i++) walk[i] = walk[i - 1] + step * rng.gaussian();
    this.#wander = new Float64Array(KNOTS + 1);
    for (let i = 0; i <= KNOTS; i++) this.#wander[i] = growth.noise * (walk[i] - (i / KNOTS) * walk[KNOTS]);
    this.failureLifeS = this.#firstCrossing();
  }

  /** ln(severity) at normalised life x ≥ 0. */
  #lnSeverity(x: number): number {
    let wander = 0;
    if (x < 1) {
      const pos = x * KNOTS;
      const i = Math.floor(pos);
      const f = pos - i;
      wander = this.#wander[i] * (1 - f) + this.#wander[i + 1] * f;
    }
    return this.#lnS0 + this.#span * x + wander;
  }

  /** Severity at a life second: 0 before onset, then growing; capped at MAX_SEVERITY. */
  severityAt(lifeS: number): number {
    if (lifeS < this.onsetLifeS) return 0;
    const x = (lifeS - this.onsetLifeS) / this.timeToFailureS;
    return Math.min(MAX_SEVERITY, Math.exp(this.#lnSeverity(x)));
  }

  /** The first x where ln s = 0: the path is linear between knots, so each segment is solved exactly. */
  #firstCrossing(): number {
    let prevX = 0;
    let prev = this.#lnSeverity(0);
    for (let i = 1; i <= KNOTS; i++) {
      const x = i / KNOTS;
      const cur = this.#lnSeverity(x);
      if (cur >= 0) {
        const t = prev >= 0 ? 0 : -prev / (cur - prev);
        return this.onsetLifeS + (prevX + t * (x - prevX)) * this.timeToFailureS;
      }
      prevX = x;
      prev = cur;
    }
    return this.nominalFailureLifeS; // unreachable: the bridge is pinned, ln s(1) = 0
  }
}
