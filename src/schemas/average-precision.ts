import { z } from 'zod';
import { Task } from './common.js';
import { ConfidenceOptions, Interval } from './confidence.js';
import { Average, InputUsed, PerClass, Thresholds, rankingBatchFields } from './ranking.js';

export const AveragePrecisionRequest = z
  .strictObject({
    ...rankingBatchFields,
    average: Average.default('macro').describe(
      '`macro` (default) and `weighted` (by positives) average the defined classes; `micro` pools every (sample, class) pair; `none` returns per_class only.',
    ),
    thresholds: Thresholds,
    ci: ConfidenceOptions.describe('Bootstrap only for average precision.'),
  })
  .meta({
    examples: [
      { preds: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1] },
      { preds: [0.1, 0.4, 0.35, 0.8, 0.7, 0.2], labels: [0, 0, 1, 1, 1, 0], ci: { method: 'bootstrap', n_resamples: 1000, seed: 1 } },
    ],
  });

export type AveragePrecisionRequest = z.infer<typeof AveragePrecisionRequest>;

export const AveragePrecisionResponse = z.object({
  task: Task,
  input: InputUsed,
  average: Average.nullable().describe('null for binary.'),
  average_precision: z.number().nullable().describe('null when undefined (no positives), or for average none.'),
  per_class: PerClass.optional(),
  ci: Interval.nullable().optional(),
  warnings: z.array(z.string()),
});

export type AveragePrecisionResponse = z.infer<typeof AveragePrecisionResponse>;
