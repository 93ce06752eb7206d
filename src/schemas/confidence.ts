import { z } from 'zod';

const intervalFields = {
  level: z.number().gt(0).lt(1).default(0.95),
  n_resamples: z.number().int().min(10).max(20_000).default(1000).describe('Bootstrap only.'),
  seed: z.number().int().default(0).describe('Bootstrap only: the same seed gives the same interval.'),
};

/** Interval options taking `method` as given: a named component, null (the default) for none. */
const intervalOptions = <M extends z.ZodType>(method: M, id: string, description: string) =>
  z
    .strictObject({ method, ...intervalFields })
    .meta({ id, description })
    .nullable()
    .default(null)
    .describe(`${description} null for none.`);

/** The interval options of AUROC: DeLong or bootstrap. */
export const ConfidenceOptions = intervalOptions(
  z.enum(['delong', 'bootstrap']).describe('`delong`: fast DeLong (Sun & Xu 2014), normal interval. `bootstrap`: percentile interval of resamples stratified by class.'),
  'IntervalOptions',
  'A confidence interval for the metric.',
);

/** The interval options of metrics that DeLong does not cover (average precision): bootstrap only. */
export const BootstrapOptions = intervalOptions(
  z.literal('bootstrap').describe('Percentile interval of resamples stratified by class (DeLong covers AUROC only).'),
  'BootstrapIntervalOptions',
  'A bootstrap confidence interval for the metric.',
);

export const Interval = z
  .object({
    lower: z.number(),
    upper: z.number(),
    level: z.number(),
    method: z.enum(['delong', 'bootstrap']),
  })
  .meta({ id: 'Interval', description: 'A confidence interval: its bounds, level and method.' });
export type Interval = z.infer<typeof Interval>;
