/**
 * Exponential degradation model with Bayesian updating (Gebraeel, Lawley, Li & Ryan 2005,
 * "Residual-life distributions from component degradation signals: a Bayesian approach").
 *
 * The health index grows exponentially once degradation has begun, so its log L is linear in the
 * time tau since onset:  L(tau) = theta + beta * tau + eps,  eps ~ N(0, sigma^2),
 * with a random intercept and slope per asset, (theta, beta) ~ N(mu0, Sigma0) across the fleet
 * (the prior, fitted from run-to-failure histories when there are any). The posterior after the
 * asset's own observations is again normal (conjugate), computed here from running sums in O(1).
 *
 * Residual life: the failure threshold D is crossed by time tau + r with probability
 *     P(L(tau + r) >= D) = Phi(g(r)),  g(r) = (m_theta + m_beta (tau + r) - D) / sqrt(v(tau + r) + sigma^2),
 *     v(u) = var(theta) + 2u cov(theta, beta) + u^2 var(beta),
 * truncated to r >= 0 (the asset has not failed yet), as in the paper. Its limit Phi(m_beta/sd_beta)
 * is below 1: the probability that the slope is not positive, i.e. that this trend never reaches
 * the threshold; the caller decides where that mass goes (the fleet's life distribution).
 *
 * Two departures, both measured in MODELS.md: the noise variance comes from the asset's own
 * residuals pooled with the prior's (not assumed known), and the data's information is divided by
 * the noise autocorrelation factor (1 + rho) / (1 - rho) estimated from first differences, because
 * a smoothed health index sampled every few seconds is far from independent and the textbook
 * posterior would otherwise be absurdly narrow.
 */

import { normalCdf } from './normal.ts';
import type { TrendSums } from './onset-cusum.ts';

export interface DegradationPrior {
  /** Prior mean of (theta, beta): log-index at onset (nepers) and its slope (nepers per second). */
  meanTheta: number;
  meanBeta: number;
  varTheta: number;
  varBeta: number;
  covThetaBeta: number;
  /** Noise variance of the log-index around its trend and the weight (pseudo-observations) it carries. */
  noiseVar: number;
  noiseWeight: number;
  /** Brownian variant: diffusion rate of the log-index (nepers^2 per second) and its weight in seconds. */
  diffusion: number;
  diffusionWeightS: number;
}

/**
 * The prior when no training history gives one: the signal's baseline spread `sd` stands in for
 * the noise, and its spread per baseline duration for the diffusion, each worth a baseline's
 * duration of evidence; the slope is vague (`slopeScale` nepers per baseline duration).
 */
export function vagueDegradationPrior(meanTheta: number, sd: number, baselineDurationS: number, slopeScale: number): DegradationPrior {
  const slopeSd = slopeScale / baselineDurationS;
  return {
    meanTheta,
    meanBeta: 0,
    varTheta: 100,
    varBeta: slopeSd * slopeSd,
    covThetaBeta: 0,
    noiseVar: sd * sd,
    noiseWeight: 10,
    diffusion: (sd * sd) / baselineDurationS,
    diffusionWeightS: baselineDurationS,
  };
}

export interface DegradationPosterior {
  mTheta: number;
  mBeta: number;
  vTheta: number;
  vBeta: number;
  cov: number;
  noiseVar: number;
  /** Effective sample size divided by n (1 = independent noise). */
  informationFactor: number;
}

export function newPosterior(): DegradationPosterior {
  return { mTheta: 0, mBeta: 0, vTheta: 0, vBeta: 0, cov: 0, noiseVar: 0, informationFactor: 1 };
}

/** Conjugate update from the running sums; writes into `out`. */
export function updatePosterior(
  out: DegradationPosterior,
  sums: TrendSums,
  prior: DegradationPrior,
  correctAutocorrelation: boolean,
): DegradationPosterior {
  const { n, st, stt, sl, stl, sll } = sums;
  // Own residual variance from the least-squares line (when it is determined).
  let rss = 0;
  let dof = 0;
  const det = n * stt - st * st;
  if (n >= 3 && det > 0) {
    const b = (n * stl - st * sl) / det;
    const a = (sl - b * st) / n;
    rss = Math.max(0, sll - a * sl - b * stl);
    dof = n - 2;
  }
  const noiseVar = (prior.noiseWeight * prior.noiseVar + rss) / (prior.noiseWeight + dof);
  let factor = 1;
  if (correctAutocorrelation && dof > 0 && n >= 10 && rss > 0) {
    // For AR(1) noise, var(first difference) = 2 sigma^2 (1 - rho).
    const rho = Math.min(0.995, Math.max(0, 1 - sums.sdd / (n - 1) / (2 * (rss / dof))));
    factor = (1 - rho) / (1 + rho);
  }
  const w = factor / noiseVar;
  // Prior precision.
  const pd = prior.varTheta * prior.varBeta - prior.covThetaBeta * prior.covThetaBeta;
  const p11 = prior.varBeta / pd;
  const p22 = prior.varTheta / pd;
  const p12 = -prior.covThetaBeta / pd;
  const l11 = p11 + w * n;
  const l12 = p12 + w * st;
  const l22 = p22 + w * stt;
  const h1 = p11 * prior.meanTheta + p12 * prior.meanBeta + w * sl;
  const h2 = p12 * prior.meanTheta + p22 * prior.meanBeta + w * stl;
  const ld = l11 * l22 - l12 * l12;
  out.vTheta = l22 / ld;
  out.vBeta = l11 / ld;
  out.cov = -l12 / ld;
  out.mTheta = out.vTheta * h1 + out.cov * h2;
  out.mBeta = out.cov * h1 + out.vBeta * h2;
  out.noiseVar = noiseVar;
  out.informationFactor = factor;
  return out;
}

/** Phi(g): probability that the log-index is at or above `logThreshold` at time u since onset. */
export function exceedanceProbability(p: DegradationPosterior, u: number, logThreshold: number): number {
  const mean = p.mTheta + p.mBeta * u;
  const variance = p.vTheta + 2 * u * p.cov + u * u * p.vBeta + p.noiseVar;
  return normalCdf((mean - logThreshold) / Math.sqrt(variance));
}

/**
 * A trend model's remaining-life CDF for one threshold on a grid of horizons r (r[0] = 0,
 * increasing): out[i] = P(threshold reached within r[i]). Defective (below 1 at the end) when the
 * trend may never reach it.
 */
export interface TrendModel {
  cdfOnGrid(out: Float64Array, r: Float64Array, logThreshold: number): void;
}

/** White-noise model (Gebraeel et al. 2005, first error model): predictions follow the fitted line. */
export class WhiteNoiseTrend implements TrendModel {
  readonly posterior = newPosterior();
  tau = 0;

  update(sums: TrendSums, prior: DegradationPrior, correctAutocorrelation: boolean, tau: number): this {
    updatePosterior(this.posterior, sums, prior, correctAutocorrelation);
    this.tau = tau;
    return this;
  }

  /** Gebraeel's CDF Phi(g(r)), truncated to r >= 0 and made monotone (running maximum). */
  cdfOnGrid(out: Float64Array, r: Float64Array, logThreshold: number): void {
    const base = exceedanceProbability(this.posterior, this.tau, logThreshold);
    if (1 - base < 1e-12) {
      out.fill(1); // at the threshold already
      return;
    }
    let running = 0;
    for (let i = 0; i < r.length; i++) {
      const f = (exceedanceProbability(this.posterior, this.tau + r[i], logThreshold) - base) / (1 - base);
      if (f > running) running = f;
      out[i] = Math.min(1, running);
    }
  }
}

/** Least-squares residual sum of squares and degrees of freedom of the index against time since onset. */
export function residualSumOfSquares(sums: TrendSums): { rss: number; dof: number } {
  const { n, st, stt, sl, stl, sll } = sums;
  const det = n * stt - st * st;
  if (n < 3 || !(det > 0)) return { rss: 0, dof: 0 };
  const b = (n * stl - st * sl) / det;
  const a = (sl - b * st) / n;
  return { rss: Math.max(0, sll - a * sl - b * stl), dof: n - 2 };
}

/**
 * Diffusion rate implied by the scatter of the index about its least-squares line over a span T:
 * a Brownian motion of rate sigma^2, detrended by least squares over [0, T], leaves a mean squared
 * residual of sigma^2 T / 15, so sigma^2 = 15 * residual variance / T. Measurement noise adds to
 * the residual, so this errs on the wide side. Short-lag increments would not do: at a lag of a
 * few windows they measure the window-to-window noise, not the wander that matters for a forecast.
 */
export function diffusionFromResiduals(residualVar: number, span: number): number {
  return span > 0 ? (15 * residualVar) / span : Number.NaN;
}

/**
 * Brownian-motion model (Gebraeel et al. 2005, second error model): L(t) = theta + beta t + sigma W(t).
 * Increments are independent, so the slope's posterior depends on the data only through the
 * rise since onset and its duration (the chord), its precision grows with the duration (not with
 * the number of samples, so the autocorrelation of a smoothed index does not inflate it), and
 * predictions start from the current level and fan out with the diffusion:
 *     L(now + r) ~ N(L_now + m_beta r, r^2 v_beta + sigma^2 r).
 * The diffusion is the asset's own (from its residuals, once it has 10 points since onset) pooled
 * with the prior's, the prior weighing as `noiseWeight` residuals (as for the white-noise variance).
 */
export class BrownianTrend implements TrendModel {
  level = 0;
  mBeta = 0;
  vBeta = 0;
  diffusion = 0;

  update(sums: TrendSums, prior: DegradationPrior): this {
    const span = sums.lastTau;
    const { rss, dof } = residualSumOfSquares(sums);
    const own = sums.n >= 10 && dof > 0 ? diffusionFromResiduals(rss / dof, span) : Number.NaN;
    this.diffusion = Number.isFinite(own) ? (prior.diffusion * prior.noiseWeight + own * dof) / (prior.noiseWeight + dof) : prior.diffusion;
    const precision = 1 / prior.varBeta + span / this.diffusion;
    this.vBeta = 1 / precision;
    this.mBeta = this.vBeta * (prior.meanBeta / prior.varBeta + (sums.lastL - sums.firstL) / this.diffusion);
    this.level = sums.lastL;
    return this;
  }

  /**
   * First passage of the threshold, exactly for a Brownian motion whose drift is normal
   * N(m, v) (the inverse-Gaussian density mixed over the drift; Peng & Tseng 2009, Si et al. 2012):
   *     f(r) = a / sqrt(2 pi r^3 (v r + sigma^2)) * exp(-(a - m r)^2 / (2 r (v r + sigma^2))),  a = D - L_now,
   * integrated over the grid (trapezoids). Unlike Phi(g), which asks whether the path is above the
   * threshold at r, this counts paths that cross and fall back, i.e. the failure the wander causes.
   */
  cdfOnGrid(out: Float64Array, r: Float64Array, logThreshold: number): void {
    const a = logThreshold - this.level;
    if (a <= 0) {
      out.fill(1);
      return;
    }
    out[0] = 0;
    let prev = 0;
    let acc = 0;
    for (let i = 1; i < r.length; i++) {
      const t = r[i];
      const spread = this.vBeta * t + this.diffusion;
      const d = a - this.mBeta * t;
      const f = (a / Math.sqrt(2 * Math.PI * t * t * t * spread)) * Math.exp((-d * d) / (2 * t * spread));
      acc += 0.5 * (f + prev) * (t - r[i - 1]);
      prev = f;
      out[i] = Math.min(1, acc);
    }
  }
}
