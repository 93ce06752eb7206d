import { z } from 'zod';
import { namedExamples } from './common.js';
import { Task } from '../batch/task.js';
import { BootstrapOptions, Interval } from '../metrics/confidence.js';
import { InputUsed, PerClass, rankingBatchFields } from './ranking.js';
import { Average } from '../metrics/averaging.js';
import { Thresholds } from '../metrics/binned.js';

export const AveragePrecisionRequest = z
  .strictObject({
    ...rankingBatchFields,
    average: Average.default('macro').describe(
      '`macro` (default) and `weighted` (by positives) average the defined classes; `micro` pools every (sample, class) pair; `samples` (multilabel, scikit-learn) the AP of each row over its labels, averaged over rows (weighted by sample_weight); `none` returns per_class only.',
    ),
    thresholds: Thresholds,
    ci: BootstrapOptions,
  })
  .meta({
    ...namedExamples({
      binary: { summary: 'Binary scores', value: { preds: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1] } },
      bootstrap: {
        summary: 'Binary with a bootstrap 95% interval',
        value: { preds: [0.1, 0.4, 0.35, 0.8, 0.7, 0.2], labels: [0, 0, 1, 1, 1, 0], ci: { method: 'bootstrap', n_resamples: 1000, seed: 1 } },
      },
      multiclassNone: {
        summary: 'Multiclass logits, per class',
        value: { preds: [[2.0, -1.0, 0.5], [0.1, 1.5, -0.3], [-0.7, 0.2, 2.2], [1.2, 0.3, -0.5]], labels: [0, 1, 2, 2], average: 'none' },
      },
    }),
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
}).meta({ id: 'AveragePrecisionResult', description: 'Average precision of one batch (also the `average_precision` entry of /v1/score).' });

export type AveragePrecisionResponse = z.infer<typeof AveragePrecisionResponse>;
