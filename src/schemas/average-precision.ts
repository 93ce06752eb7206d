import { z } from 'zod';
import { Task } from './common.js';
import { Average, InputUsed, PerClass, Thresholds, rankingBatchFields } from './ranking.js';

export const AveragePrecisionRequest = z
  .strictObject({
    ...rankingBatchFields,
    average: Average.default('macro').describe(
      '`macro` (default) and `weighted` (by positives) average the defined classes; `micro` pools every (sample, class) pair; `none` returns per_class only.',
    ),
    thresholds: Thresholds,
  })
  .meta({ examples: [{ preds: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1] }] });

export type AveragePrecisionRequest = z.infer<typeof AveragePrecisionRequest>;

export const AveragePrecisionResponse = z.object({
  task: Task,
  input: InputUsed,
  average: Average.nullable().describe('null for binary.'),
  average_precision: z.number().nullable().describe('null when undefined (no positives), or for average none.'),
  per_class: PerClass.optional(),
  warnings: z.array(z.string()),
});

export type AveragePrecisionResponse = z.infer<typeof AveragePrecisionResponse>;
