import { z } from 'zod';
import { namedExamples } from './common.js';
import { rankingBatchFields } from './ranking.js';
import { AveragePrecisionOptions } from '../metrics/average-precision.js';

/** POST /v1/average-precision: a ranking batch and the average-precision options (src/metrics/average-precision.ts). */
export const AveragePrecisionRequest = z
  .strictObject({
    ...rankingBatchFields,
    ...AveragePrecisionOptions.shape,
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
