import { z } from 'zod';
import { labelTensor, namedExamples } from './common.js';
import { Task } from '../batch/task.js';
import { MetricResult, MetricSpec, MetricsRequest } from './metrics.js';
import { InputUsed } from '../batch/task.js';
import { FocalLossRequest, FocalLossResponse } from './focal-loss.js';

/** Focal-loss options inside /v1/score: the /v1/focal-loss fields that are not the batch. */
export const ScoreLossOptions = FocalLossRequest.pick({ alpha: true, gamma: true, reduction: true, return_grad: true, num_classes: true }).meta({
  id: 'ScoreLossOptions',
  description: 'The /v1/focal-loss options, without the batch.',
});

export const ScoreRequest = z
  .strictObject({
    preds: FocalLossRequest.shape.preds,
    labels: FocalLossRequest.shape.labels,
    task: FocalLossRequest.shape.task,
    input: FocalLossRequest.shape.input,
    ignore_index: FocalLossRequest.shape.ignore_index,
    sample_weight: FocalLossRequest.shape.sample_weight,
    groups: labelTensor(
      2,
      'As in /v1/metrics, one group id per sample in 0..num_groups-1, shaped as sample_weight: [N] (multilabel: one per row), [B, N] with [B, N, C] logits and [B, N] labels (each of the B·N samples in its group). Read by the metrics only: the loss is not grouped.',
    ).optional(),
    num_groups: MetricsRequest.shape.num_groups,
    loss: ScoreLossOptions.nullable()
      .optional()
      .describe('Focal-loss options as in /v1/focal-loss (absent: their defaults); null skips the loss.'),
    metrics: z
      .array(MetricSpec)
      .default(['auroc'])
      .describe('As in /v1/metrics: names, or objects with a name, an optional key and that metric\'s options. Metrics see [B, N, C] batches as B·N samples.'),
  })
  .meta({
    ...namedExamples({
      lossAndMetrics: {
        summary: 'Multiclass logits: loss and gradient, AUROC and weighted average precision',
        value: {
          preds: [[2.0, -1.0, 0.5], [0.1, 1.5, -0.3], [-0.7, 0.2, 2.2], [1.2, 0.3, -0.5]],
          labels: [0, 1, 2, 0],
          loss: { gamma: 2, alpha: 0.25, return_grad: true },
          metrics: ['auroc', { name: 'average_precision', average: 'weighted' }],
        },
      },
      metricsOnly: {
        summary: 'Binary scores, metrics only (loss null)',
        value: { preds: [0.13, 0.26, 0.08, 0.19, 0.34, 0.71], labels: [0, 0, 1, 1, 1, 1], input: 'probs', loss: null, metrics: ['auroc', 'average_precision'] },
      },
    }),
  });
export type ScoreRequest = z.infer<typeof ScoreRequest>;

export const ScoreResponse = z
  .object({
    task: Task,
    input: InputUsed.nullable().describe('How preds were read, after `auto` was decided (null with neither loss nor metrics).'),
    loss: FocalLossResponse.nullable(),
    metrics: z.record(z.string(), MetricResult).describe('Each metric asked, under its key, as /v1/metrics answers it.'),
    warnings: z.array(z.string()).describe('Decisions about the batch that it did not state ([B, 1] read as binary, one-hot labels, logits inferred by auto).'),
  })
  .meta({ id: 'ScoreResult', description: 'The loss and metrics of one batch.' });
export type ScoreResponse = z.infer<typeof ScoreResponse>;
