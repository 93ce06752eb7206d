import { z } from 'zod';
import { namedExamples } from './common.js';
import { rankingBatchFields } from './ranking.js';
import { DetCurveOptions, PrecisionRecallOptions, RocOptions } from '../metrics/curves.js';

const curveExamples = namedExamples({
  binary: { summary: 'Binary scores', value: { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2], labels: [0, 0, 1, 1, 1, 0] } },
  multiclass: {
    summary: 'Multiclass probabilities: one curve per class',
    value: { preds: [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.5, 0.3, 0.2], [0.3, 0.3, 0.4], [0.2, 0.6, 0.2]], labels: [0, 1, 2, 1, 2, 0] },
  },
});

/** POST /v1/roc: a ranking batch and the ROC options (src/metrics/curves.ts). */
export const RocRequest = z.strictObject({ ...rankingBatchFields, ...RocOptions.shape }).meta(curveExamples);
export type RocRequest = z.infer<typeof RocRequest>;

/** POST /v1/precision-recall: a ranking batch and the precision-recall options (src/metrics/curves.ts). */
export const PrecisionRecallRequest = z.strictObject({ ...rankingBatchFields, ...PrecisionRecallOptions.shape }).meta(curveExamples);
export type PrecisionRecallRequest = z.infer<typeof PrecisionRecallRequest>;

/**
 * POST /v1/det-curve: a binary ranking batch and the DET options (src/metrics/curves.ts). One
 * schema for the batch fields as the other curves; a batch of another task is a 400 (binary only).
 */
export const DetCurveRequest = z
  .strictObject({ ...rankingBatchFields, ...DetCurveOptions.shape })
  .meta(
    namedExamples({
      binary: { summary: 'Binary scores (scikit-learn\'s det_curve example)', value: { preds: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1] } },
      dropIntermediate: {
        summary: 'Tied scores, a negative on top (its +inf threshold kept), drop_intermediate',
        value: { preds: [0.9, 0.8, 0.8, 0.6, 0.55, 0.4, 0.3, 0.2], labels: [0, 1, 0, 1, 1, 0, 1, 0], drop_intermediate: true },
      },
    }),
  );
export type DetCurveRequest = z.infer<typeof DetCurveRequest>;
