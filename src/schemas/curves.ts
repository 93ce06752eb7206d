import { z } from 'zod';
import { namedExamples } from './common.js';
import { Task } from '../batch/task.js';
import { rankingBatchFields } from './ranking.js';
import { InputUsed } from '../batch/task.js';
import { Thresholds } from '../metrics/binned.js';

const maxPoints = z
  .number()
  .int()
  .min(2)
  .optional()
  .describe('At most this many points per curve, spread evenly along the curve (first and last kept).');

const curveExamples = namedExamples({
  binary: { summary: 'Binary scores', value: { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2], labels: [0, 0, 1, 1, 1, 0] } },
  multiclass: {
    summary: 'Multiclass probabilities: one curve per class',
    value: { preds: [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.5, 0.3, 0.2], [0.3, 0.3, 0.4], [0.2, 0.6, 0.2]], labels: [0, 1, 2, 1, 2, 0] },
  },
});

export const RocRequest = z
  .strictObject({
    ...rankingBatchFields,
    drop_intermediate: z.boolean().default(true).describe('Drop collinear points, as scikit-learn.'),
    max_points: maxPoints,
    thresholds: Thresholds,
  })
  .meta(curveExamples);
export type RocRequest = z.infer<typeof RocRequest>;

const points = z.array(z.number());

const thresholdsDoc =
  'Scores as ranked: probabilities, binary / multilabel logits as sent, or for multiclass logits the log-odds z_c - logsumexp(z_j, j != c) (sigmoid of it is softmax p_c). Binned curves: the float32 grid, as torchmetrics.';

export const RocCurve = z.object({
  fpr: points,
  tpr: points,
  thresholds: points.describe(
    `${thresholdsDoc} Exact curves start at the origin (fpr 0, tpr 0), whose threshold is the next double above the highest score (scikit-learn: +inf, which JSON lacks). Descending.`,
  ),
  auroc: z.number(),
}).meta({ id: 'RocCurve', description: 'One ROC curve: its points, their thresholds and the area under it.' });

const undefinedCurve = 'null when the curve is undefined (no positive or no negative samples), with a warning.';

export const RocResponse = z.object({
  task: Task,
  input: InputUsed,
  fpr: points.nullable().optional().describe(`Binary. ${undefinedCurve}`),
  tpr: points.nullable().optional().describe(`Binary. ${undefinedCurve}`),
  thresholds: RocCurve.shape.thresholds.nullable().optional(),
  auroc: z.number().nullable().optional().describe(`Binary. ${undefinedCurve}`),
  per_class: z
    .array(RocCurve.nullable())
    .optional()
    .describe(`Multiclass (one-vs-rest) and multilabel: one curve per class; ${undefinedCurve}`),
  warnings: z.array(z.string()),
}).meta({ id: 'RocResult', description: 'ROC curves of one batch.' });
export type RocResponse = z.infer<typeof RocResponse>;

export const PrecisionRecallRequest = z
  .strictObject({ ...rankingBatchFields, max_points: maxPoints, thresholds: Thresholds })
  .meta(curveExamples);
export type PrecisionRecallRequest = z.infer<typeof PrecisionRecallRequest>;

export const PrecisionRecallCurve = z.object({
  precision: points,
  recall: points,
  thresholds: points.describe(
    `${thresholdsDoc} Every distinct score, ascending (scikit-learn >= 1.1 and torchmetrics do not stop at full recall); one fewer than the points (the final point, precision 1 and recall 0, has none).`,
  ),
  average_precision: z.number(),
  prevalence: z.number().describe('Positives over samples: the precision of a random ranking, the chance level of average precision.'),
}).meta({ id: 'PrecisionRecallCurve', description: 'One precision-recall curve: its points, their thresholds, its average precision and chance level.' });

const undefinedPr = 'null when the curve is undefined (no positive samples: recall has no denominator), with a warning.';

export const PrecisionRecallResponse = z.object({
  task: Task,
  input: InputUsed,
  precision: points.nullable().optional().describe(`Binary. ${undefinedPr}`),
  recall: points.nullable().optional().describe(`Binary. ${undefinedPr}`),
  thresholds: PrecisionRecallCurve.shape.thresholds.nullable().optional(),
  average_precision: z.number().nullable().optional().describe(`Binary. ${undefinedPr}`),
  prevalence: PrecisionRecallCurve.shape.prevalence.nullable().optional(),
  per_class: z.array(PrecisionRecallCurve.nullable()).optional().describe(`Multiclass (one-vs-rest) and multilabel: one curve per class; ${undefinedPr}`),
  warnings: z.array(z.string()),
}).meta({ id: 'PrecisionRecallResult', description: 'Precision-recall curves of one batch.' });
export type PrecisionRecallResponse = z.infer<typeof PrecisionRecallResponse>;
