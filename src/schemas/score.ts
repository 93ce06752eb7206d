import { z } from 'zod';
import { AurocRequest, AurocResponse } from './auroc.js';
import { AveragePrecisionRequest, AveragePrecisionResponse } from './average-precision.js';
import { Task, namedExamples } from './common.js';
import { FocalLossRequest, FocalLossResponse } from './focal-loss.js';

/** Focal-loss options inside /v1/score: the /v1/focal-loss fields that are not the batch. */
export const ScoreLossOptions = FocalLossRequest.pick({ alpha: true, gamma: true, reduction: true, return_grad: true, num_classes: true }).meta({
  id: 'ScoreLossOptions',
  description: 'The /v1/focal-loss options, without the batch.',
});

const AurocMetric = AurocRequest.pick({ average: true, multi_class: true, max_fpr: true, thresholds: true, ci: true }).extend({ name: z.literal('auroc') });
const AveragePrecisionMetric = AveragePrecisionRequest.pick({ average: true, thresholds: true, ci: true }).extend({
  name: z.literal('average_precision'),
});
export const MetricName = z.enum(['auroc', 'average_precision']);
const metricNames = MetricName.options.map((n) => `"${n}"`).join(', ');
const MetricOptions = z.discriminatedUnion('name', [AurocMetric, AveragePrecisionMetric]);

/**
 * A metric of /v1/score: a name, or an object with a name and that metric's options. An unknown
 * name says which names exist; a known name with a bad option says what is wrong with the
 * option (zod's union would say only "Invalid input").
 */
const MetricEntry = z.union([MetricName, MetricOptions], {
  error: (issue) => {
    const input = issue.input as unknown;
    const name = typeof input === 'string' ? input : input && typeof input === 'object' ? (input as { name?: unknown }).name : undefined;
    if (typeof name !== 'string' || !(MetricName.options as readonly string[]).includes(name)) {
      return `unknown metric ${JSON.stringify(name ?? input)}: allowed names are ${metricNames}, or an object {"name": ..., options}`;
    }
    const inner = MetricOptions.safeParse(input);
    const first = inner.success ? undefined : inner.error.issues[0];
    return first ? `${name}: ${[...first.path].map(String).join('/') || 'options'}: ${first.message}` : `invalid ${name} options`;
  },
});

export const ScoreRequest = z
  .strictObject({
    preds: FocalLossRequest.shape.preds,
    labels: FocalLossRequest.shape.labels,
    task: FocalLossRequest.shape.task,
    input: FocalLossRequest.shape.input,
    ignore_index: FocalLossRequest.shape.ignore_index,
    loss: ScoreLossOptions.nullable()
      .optional()
      .describe('Focal-loss options as in /v1/focal-loss (absent: their defaults); null skips the loss.'),
    metrics: z
      .array(MetricEntry)
      .default(['auroc'])
      .describe('Metric names, or objects with a name and that metric\'s options. Metrics see [B, N, C] batches as B·N samples.'),
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
    loss: FocalLossResponse.nullable(),
    metrics: z.object({ auroc: AurocResponse.optional(), average_precision: AveragePrecisionResponse.optional() }),
  })
  .meta({ id: 'ScoreResult', description: 'The loss and metrics of one batch.' });
export type ScoreResponse = z.infer<typeof ScoreResponse>;
