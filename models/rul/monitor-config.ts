/**
 * Configuration of the per-asset health and remaining-life model (`AssetMonitor`): the one source
 * of defaults and documentation. None of the defaults was tuned to a data set; each is a
 * conventional choice stated with its reason, and MODELS.md measures the alternatives.
 */
import { z } from 'zod';
import { AnomalyConfigSpec } from '../anomaly/anomaly-config.ts';
import { SystemEventSpec } from '../health/system-event.ts';

export const OnsetSpec = z
  .strictObject({
    drift: z
      .number()
      .min(0)
      .default(0.5)
      .describe('CUSUM reference drift, in baseline standard deviations of the health index (detects shifts of about 2 x drift)'),
    threshold: z
      .number()
      .positive()
      .optional()
      .describe(
        "CUSUM decision threshold, same units; when absent (the default) it is derived from falseOnsetsPerYear at the asset's window interval",
      ),
    falseOnsetsPerYear: z
      .number()
      .positive()
      .default(1)
      .describe(
        'false degradation onsets a healthy machine may raise per year of operation: sets the decision threshold from the window interval the baseline shows (about 19 at one window a second, 16 at one every 10 s), instead of a fixed number of windows',
      ),
    longRunVariance: z
      .number()
      .positive()
      .default(1.25)
      .describe(
        "long-run variance of the standardised smoothed index over its baseline spread, used to set the threshold: a running median keeps the index's slow fluctuations (pi/2 for a normal index; measured 1.24 with the 5-window median on stationary healthy features); 1 without smoothing",
      ),
    cap: z.number().positive().default(4).describe('largest step one window may add (so one impulsive window cannot trip it)'),
    baselineGuard: z
      .number()
      .min(0)
      .default(3)
      .describe(
        "standard errors of the baseline's health-index mean (1/sqrt(baseline windows) of its spread) added to the drift of the CUSUM that decides (the onset is still dated by the unguarded one): a baseline whose mean came out low by chance would otherwise eat the drift and let a healthy machine trip it within hours",
      ),
  })
  .describe('degradation onset: one-sided CUSUM on the smoothed health index');

export const WeibullPriorSpec = z.strictObject({
  shapeMedian: z.number().positive().default(1.5).describe('prior median of the fleet Weibull shape (bearing fatigue: about 1.1-1.5)'),
  shapeLogSd: z.number().positive().default(0.6).describe('prior spread of the shape, in natural-log units'),
  minShape: z
    .number()
    .positive()
    .default(0.2)
    .describe(
      'smallest shape allowed (1 = wear-out only: the failure rate never falls with age, so the expected remaining life never grows)',
    ),
});

export const RulSpec = z
  .strictObject({
    failureThreshold: z
      .number()
      .gt(1)
      .optional()
      .describe('failure threshold on the health index (x baseline); overrides the thresholds learned from training histories'),
    defaultFailureThreshold: z
      .number()
      .gt(1)
      .default(4)
      .describe('threshold used when neither failureThreshold nor training histories give one: features at 4x (+12 dB) their baseline'),
    coverage: z.number().gt(0).lt(1).default(0.9).describe('probability covered by the reported remaining-life interval'),
    correctAutocorrelation: z
      .boolean()
      .default(true)
      .describe('divide the information of the health-index samples by their autocorrelation factor'),
    horizonFactor: z
      .number()
      .min(1)
      .default(10)
      .describe('remaining lives beyond horizonFactor x max(age, longest training life) are reported as that horizon'),
    thresholds: z
      .enum(['all', 'lowest'])
      .default('lowest')
      .describe(
        "with training histories: 'all' = every history's health index at failure, equally likely; 'lowest' = the lowest of them (conservative)",
      ),
    unreachedThresholds: z
      .boolean()
      .default(true)
      .describe(
        "with thresholds learnt from training histories: a running asset's failure level is above its current health index, so training failure levels it has already passed are dropped (above all of them: the current level plus their scatter); remaining life never reads 0 s while it runs",
      ),
    noise: z
      .enum(['white', 'brownian'])
      .default('brownian')
      .describe(
        "error model of the log health index around its trend (Gebraeel et al. 2005): independent 'white' noise, or a 'brownian' motion",
      ),
    combine: z
      .enum(['trend', 'trend+fleet', 'mixture', 'first'])
      .default('first')
      .describe(
        "after onset: 'trend' = degradation model alone (mass it never assigns lies beyond the horizon); 'trend+fleet' = that mass goes to the fleet life distribution; 'mixture' = half trend+fleet, half fleet; 'first' = the asset fails at the first of the trend's crossing and the fleet's (age-conditioned) life, combined as independent",
      ),
    fleetModel: z
      .enum(['weibull', 'kernel', 'matched'])
      .default('kernel')
      .describe(
        "the fleet's life distribution: 'weibull' = Bayesian Weibull through the training lives; 'kernel' = the training lives themselves, each smeared by a log-normal kernel whose width is cross-validated on them (kernel-fleet.ts); 'matched' = that, each life weighted by how closely the asset's health index has followed that history's at the same ages (trajectory.ts)",
      ),
    kernelBandwidth: z
      .number()
      .positive()
      .max(3)
      .optional()
      .describe(
        "width of the 'kernel' and 'matched' fleets' log-normal kernels, in nepers of life; default cross-validated on the training lives. Set it when the plant knows its lives' scatter better than a few histories tell (bearing fatigue lives scatter about 0.85 nepers)",
      ),
    stageFleet: z
      .boolean()
      .default(false)
      .describe(
        "after onset, the fleet part also includes the training histories' time from onset to failure (conditioned on the time since onset)",
      ),
    calibration: z
      .strictObject({
        method: z
          .enum(['none', 'scale', 'residual'])
          .default('none')
          .describe(
            "remaining-life distribution calibrated on the training histories by an inner leave-one-out (calibration.ts): 'scale' stretches or shrinks the log interval about the median until it would have covered the truth at `coverage` of the inner cases; 'residual' replaces the model's spread by its inner errors; 'none' keeps the model's",
          ),
        point: z
          .boolean()
          .default(false)
          .describe(
            'also scale the score-optimal point by the factor that would have scored best on the inner cases (below 1 when the model was too long on the training histories)',
          ),
        fractions: z
          .array(z.number().gt(0).lt(1))
          .min(1)
          .default([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95])
          .describe('fractions of life at which each training history is cut in the inner leave-one-out (the second half of life, evenly)'),
      })
      .default({ method: 'none', point: false, fractions: [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95] }),
    featureLimit: z
      .strictObject({
        features: z.array(z.string().min(1)).min(1).describe("features whose largest value is limited (e.g. every channel's velocity RMS)"),
        limit: z
          .number()
          .positive()
          .describe("the limit, in the features' unit (e.g. 4.5 mm/s, the ISO 20816-3 zone C/D boundary of a group 2 rigid machine)"),
      })
      .optional()
      .describe(
        "a second failure criterion: the asset also fails when the largest of these features reaches the limit (remaining life is then the first of the two crossings); the stream sets it from the machine's ISO 20816-3 class",
      ),
    lifeExponent: z
      .number()
      .positive()
      .default(3)
      .describe(
        'ISO 281 life exponent for scaling training histories run at another load: life ∝ load^-p (3 ball bearings, 10/3 roller bearings); used only when operating conditions are given',
      ),
    weibullPrior: WeibullPriorSpec.default(WeibullPriorSpec.parse({})),
    vagueSlopeScale: z
      .number()
      .positive()
      .default(10)
      .describe('without training histories, the slope prior has a spread of this many nepers per baseline duration (i.e. vague)'),
  })
  .describe('remaining useful life');

export const MonitorConfigSpec = z
  .strictObject({
    anomaly: AnomalyConfigSpec.default(AnomalyConfigSpec.parse({})),
    smoothingWindows: z
      .number()
      .int()
      .min(1)
      .refine((n) => n % 2 === 1, { message: 'must be odd' })
      .default(5)
      .describe('running-median length for the health index'),
    onset: OnsetSpec.default(OnsetSpec.parse({})),
    rul: RulSpec.default(RulSpec.parse({})),
    systemEvent: SystemEventSpec.default(SystemEventSpec.parse({})),
    outOfSpecFraction: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.5)
      .describe('a degrading asset past this fraction of the log failure threshold is out of specification (0.5 of 4x = 2x baseline)'),
  })
  .describe('per-asset health and remaining-life model');

export type MonitorConfig = z.output<typeof MonitorConfigSpec>;
export type MonitorConfigInput = z.input<typeof MonitorConfigSpec>;
