import { z } from 'zod';
import { namedExamples } from './common.js';
import { Task } from '../batch/task.js';
import { ConfidenceOptions, Interval } from '../metrics/confidence.js';
import { InputUsed, PerClass, rankingBatchFields } from './ranking.js';
import { Average } from '../metrics/averaging.js';
import { Thresholds } from '../metrics/binned.js';

export const AurocRequest = z
  .strictObject({
    ...rankingBatchFields,
    average: Average.default('macro').describe(
      '`macro` (default) and `weighted` (by positives) average the defined classes; `micro` pools every (sample, class) pair (multilabel, multiclass one-vs-rest); `samples` (multilabel, scikit-learn) the AUROC of each row over its labels, averaged over rows (weighted by sample_weight); `none` returns per_class only.',
    ),
    multi_class: z.enum(['ovr', 'ovo']).default('ovr').describe('Multiclass: one-vs-rest, or one-vs-one (Hand & Till 2001; macro or weighted).'),
    max_fpr: z
      .number()
      .gt(0)
      .max(1)
      .nullable()
      .default(null)
      .describe('Binary only: standardized partial AUC up to this false-positive rate (McClish), as scikit-learn.'),
    thresholds: Thresholds,
    ci: ConfidenceOptions,
  })
  .meta({
    ...namedExamples({
      binary: { summary: 'Binary scores (the seed example: 0.5)', value: { preds: [0.13, 0.26, 0.08, 0.19, 0.34], labels: [0, 0, 1, 1, 1] } },
      multiclass: {
        summary: 'Multiclass probabilities, one-vs-rest macro',
        value: {
          preds: [
            [0.9, 0.05, 0.05],
            [0.05, 0.9, 0.05],
            [0.05, 0.05, 0.9],
            [0.85, 0.05, 0.1],
            [0.1, 0.1, 0.8],
          ],
          labels: [0, 1, 1, 2, 2],
        },
      },
      delong: {
        summary: 'Binary with a DeLong 95% interval',
        value: {
          preds: [0.1, 0.35, 0.24, 0.8, 0.2, 0.85, 0.13, 0.85, 0.74, 0.58, 0.71, 0.25],
          labels: [0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1],
          ci: { method: 'delong', level: 0.95 },
        },
      },
      multilabelMicro: {
        summary: 'Multilabel logits, micro average, with padding ignored',
        value: { preds: [[2.1, -0.3], [-1.2, 0.8], [0.4, 1.9], [-0.5, -2.2]], labels: [[1, 0], [0, 1], [1, -1], [0, 0]], average: 'micro', ignore_index: -1 },
      },
    }),
  });

export type AurocRequest = z.infer<typeof AurocRequest>;

export const AurocResponse = z.object({
  task: Task,
  input: InputUsed,
  average: Average.nullable().describe('null for binary.'),
  multi_class: z.enum(['ovr', 'ovo']).nullable().describe('null unless multiclass.'),
  auroc: z.number().nullable().describe('null when undefined (no positives or no negatives), or for average none.'),
  per_class: PerClass.optional(),
  per_pair: z
    .array(z.object({ classes: z.array(z.number().int()).length(2).describe('The pair of classes [a, b], a < b.'), auroc: z.number().nullable() }))
    .optional()
    .describe('One-vs-one: the Hand & Till score of each pair of classes.'),
  ci: Interval.nullable().optional().describe('The interval of `auroc`, when `ci` was asked; null where undefined.'),
  variance: z
    .number()
    .nullable()
    .optional()
    .describe('DeLong variance of a binary (or micro-averaged) AUROC; null (with a warning) with fewer than two positives or two negatives.'),
  per_class_ci: z.array(Interval.nullable()).optional().describe('DeLong: one interval per class (one-vs-rest) or label.'),
  warnings: z.array(z.string()),
}).meta({ id: 'AurocResult', description: 'AUROC of one batch (also the `auroc` entry of /v1/score).' });

export type AurocResponse = z.infer<typeof AurocResponse>;
