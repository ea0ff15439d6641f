/**
 * Configuration of the per-stream anomaly model: the one source of defaults, validation and
 * documentation (`.describe()`), validated once by `validateConfig` from `common/config.ts`.
 * Defaults are generic (no data set in mind): a 60-window baseline, an alarm raised when the
 * calibrated score stays above 3 standard normal units for 6 windows and cleared below 2 for 6.
 */
import { z } from 'zod';

export const BaselineSpec = z
  .strictObject({
    windows: z.number().int().min(2).default(60).describe('the baseline ends after this many windows...'),
    durationS: z
      .number()
      .positive()
      .optional()
      .describe('...or once this many seconds have passed since its first window, whichever comes first (but never before minWindows)'),
    minWindows: z.number().int().min(2).default(20).describe('fewest windows a duration-bounded baseline may have'),
  })
  .describe('how long the healthy baseline is learned, per machine and operating mode');

export const TransformSpec = z.enum(['log', 'linear']);
export const DirectionSpec = z.enum(['up', 'both']);

export const AlarmSpec = z
  .strictObject({
    raise: z.number().default(3).describe('score level (standard normal units) above which windows count toward raising the alarm'),
    raiseWindows: z.number().int().min(1).default(6).describe('consecutive windows above `raise` that raise the alarm'),
    clear: z.number().default(2).describe('score level below which windows count toward clearing the alarm'),
    clearWindows: z.number().int().min(1).default(6).describe('consecutive windows below `clear` that clear the alarm'),
  })
  .refine((a) => a.clear <= a.raise, { message: 'clear must not be above raise (hysteresis)' })
  .describe('alarm with hysteresis on the anomaly score');

export const AnomalyConfigSpec = z
  .strictObject({
    features: z.array(z.string().min(1)).min(1).optional().describe('feature names to use; default: every key of the first record, sorted'),
    baseline: BaselineSpec.default(BaselineSpec.parse({})),
    transform: z
      .record(z.string(), TransformSpec)
      .default({})
      .describe("per-feature override; default 'log' when the feature stayed positive through the baseline, else 'linear'"),
    direction: z
      .record(z.string(), DirectionSpec)
      .default({})
      .describe("per-feature override; default 'up' (only increases are anomalous) for log features, 'both' for linear ones"),
    healthIndex: z
      .enum(['mean', 'max'])
      .default('mean')
      .describe('how the one-sided log-ratios of the positive features combine into the health index: their mean, or the largest'),
    energy: z
      .boolean()
      .default(false)
      .describe('fuse the residual of electrical power against load (learned in the baseline) as a feature'),
    alarm: AlarmSpec.default(AlarmSpec.parse({})),
  })
  .describe('per-stream anomaly model');

export type BaselineConfig = z.output<typeof BaselineSpec>;
export type AlarmConfig = z.output<typeof AlarmSpec>;
export type AnomalyConfig = z.output<typeof AnomalyConfigSpec>;
export type AnomalyConfigInput = z.input<typeof AnomalyConfigSpec>;
export type Transform = z.output<typeof TransformSpec>;
export type Direction = z.output<typeof DirectionSpec>;
