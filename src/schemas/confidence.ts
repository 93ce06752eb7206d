import { z } from 'zod';

const intervalFields = {
  level: z.number().gt(0).lt(1).default(0.95),
  n_resamples: z.number().int().min(10).max(20_000).default(1000).describe('Bootstrap only.'),
  seed: z.number().int().default(0).describe('Bootstrap only: the same seed gives the same interval.'),
};

/** The interval options of AUROC: DeLong or bootstrap. */
export const ConfidenceOptions = z
  .strictObject({
    method: z.enum(['delong', 'bootstrap']).describe('`delong`: fast DeLong (Sun & Xu 2014), normal interval. `bootstrap`: percentile interval of resamples stratified by class.'),
    ...intervalFields,
  })
  .meta({ id: 'IntervalOptions', description: 'A confidence interval for the metric.' })
  .nullable()
  .default(null)
  .describe('A confidence interval for the metric; null for none.');

/** The interval options of metrics that DeLong does not cover (average precision): bootstrap only. */
export const BootstrapOptions = z
  .strictObject({
    method: z.literal('bootstrap').describe('Percentile interval of resamples stratified by class (DeLong covers AUROC only).'),
    ...intervalFields,
  })
  .meta({ id: 'BootstrapIntervalOptions', description: 'A bootstrap confidence interval for the metric.' })
  .nullable()
  .default(null)
  .describe('A bootstrap confidence interval; null for none.');

export const Interval = z
  .object({
    lower: z.number(),
    upper: z.number(),
    level: z.number(),
    method: z.enum(['delong', 'bootstrap']),
  })
  .meta({ id: 'Interval', description: 'A confidence interval: its bounds, level and method.' });
export type Interval = z.infer<typeof Interval>;
