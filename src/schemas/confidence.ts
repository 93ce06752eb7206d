import { z } from 'zod';

export const ConfidenceOptions = z
  .strictObject({
    method: z.enum(['delong', 'bootstrap']).describe('`delong`: fast DeLong (Sun & Xu 2014), normal interval. `bootstrap`: percentile interval of resamples stratified by class.'),
    level: z.number().gt(0).lt(1).default(0.95),
    n_resamples: z.number().int().min(10).max(20_000).default(1000).describe('Bootstrap only.'),
    seed: z.number().int().default(0).describe('Bootstrap only: the same seed gives the same interval.'),
  })
  .nullable()
  .default(null)
  .describe('A confidence interval for the metric; null for none.');

export const Interval = z.object({
  lower: z.number(),
  upper: z.number(),
  level: z.number(),
  method: z.enum(['delong', 'bootstrap']),
});
export type Interval = z.infer<typeof Interval>;
