import { z } from 'zod';
import { AurocRequest, AurocResponse } from './auroc.js';
import { AveragePrecisionRequest, AveragePrecisionResponse } from './average-precision.js';
import { Task } from './common.js';
import { FocalLossRequest, FocalLossResponse } from './focal-loss.js';

/** Focal-loss options inside /v1/score: the /v1/focal-loss fields that are not the batch. */
export const ScoreLossOptions = FocalLossRequest.pick({ alpha: true, gamma: true, reduction: true, return_grad: true, num_classes: true });

const AurocMetric = AurocRequest.pick({ average: true, multi_class: true, max_fpr: true, thresholds: true, ci: true }).extend({ name: z.literal('auroc') });
const AveragePrecisionMetric = AveragePrecisionRequest.pick({ average: true, thresholds: true, ci: true }).extend({
  name: z.literal('average_precision'),
});
export const MetricName = z.enum(['auroc', 'average_precision']);

export const ScoreRequest = z
  .strictObject({
    preds: FocalLossRequest.shape.preds,
    labels: FocalLossRequest.shape.labels,
    task: FocalLossRequest.shape.task,
    input: FocalLossRequest.shape.input,
    ignore_index: FocalLossRequest.shape.ignore_index,
    loss: ScoreLossOptions.nullable().prefault({}).describe('Focal-loss options as in /v1/focal-loss; null skips the loss.'),
    metrics: z
      .array(z.union([MetricName, z.discriminatedUnion('name', [AurocMetric, AveragePrecisionMetric])]))
      .default(['auroc'])
      .describe('Metric names, or objects with a name and that metric\'s options. Metrics see [B, N, C] batches as B·N samples.'),
  })
  .meta({
    examples: [
      {
        preds: [
          [2.0, -1.0, 0.5],
          [0.1, 1.5, -0.3],
          [-0.7, 0.2, 2.2],
          [1.2, 0.3, -0.5],
        ],
        labels: [0, 1, 2, 0],
        loss: { gamma: 2, alpha: 0.25 },
        metrics: ['auroc', { name: 'average_precision', average: 'weighted' }],
      },
    ],
  });
export type ScoreRequest = z.infer<typeof ScoreRequest>;

export const ScoreResponse = z.object({
  task: Task,
  loss: FocalLossResponse.nullable(),
  metrics: z.object({ auroc: AurocResponse.optional(), average_precision: AveragePrecisionResponse.optional() }),
});
export type ScoreResponse = z.infer<typeof ScoreResponse>;
