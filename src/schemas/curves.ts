import { z } from 'zod';
import { Task } from './common.js';
import { InputUsed, Thresholds, rankingBatchFields } from './ranking.js';

const maxPoints = z
  .number()
  .int()
  .min(2)
  .optional()
  .describe('At most this many points per curve, spread evenly along the curve (first and last kept).');

const curveExample = { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2], labels: [0, 0, 1, 1, 1, 0] };

export const RocRequest = z
  .strictObject({
    ...rankingBatchFields,
    drop_intermediate: z.boolean().default(true).describe('Drop collinear points, as scikit-learn.'),
    max_points: maxPoints,
    thresholds: Thresholds,
  })
  .meta({ examples: [curveExample] });
export type RocRequest = z.infer<typeof RocRequest>;

const points = z.array(z.number());

export const RocCurve = z.object({
  fpr: points,
  tpr: points,
  thresholds: points.describe('Exact curves start at the origin, whose threshold is the highest score + 1 (scikit-learn 1.2).'),
  auroc: z.number().nullable(),
});

export const RocResponse = z.object({
  task: Task,
  input: InputUsed,
  ...RocCurve.partial().shape,
  per_class: z.array(RocCurve).optional().describe('Multiclass (one-vs-rest) and multilabel: one curve per class.'),
  warnings: z.array(z.string()),
});
export type RocResponse = z.infer<typeof RocResponse>;

export const PrecisionRecallRequest = z
  .strictObject({ ...rankingBatchFields, max_points: maxPoints, thresholds: Thresholds })
  .meta({ examples: [curveExample] });
export type PrecisionRecallRequest = z.infer<typeof PrecisionRecallRequest>;

export const PrecisionRecallCurve = z.object({
  precision: points,
  recall: points,
  thresholds: points.describe('Ascending; one fewer than the points (the final point, precision 1 and recall 0, has none).'),
  average_precision: z.number().nullable(),
});

export const PrecisionRecallResponse = z.object({
  task: Task,
  input: InputUsed,
  ...PrecisionRecallCurve.partial().shape,
  per_class: z.array(PrecisionRecallCurve).optional(),
  warnings: z.array(z.string()),
});
export type PrecisionRecallResponse = z.infer<typeof PrecisionRecallResponse>;
