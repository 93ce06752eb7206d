import { z } from 'zod';
import { namedExamples } from './common.js';
import { rankingBatchFields } from './ranking.js';
import { AurocOptions } from '../metrics/auroc.js';

/** POST /v1/auroc: a ranking batch and the AUROC options (src/metrics/auroc.ts). */
export const AurocRequest = z
  .strictObject({
    ...rankingBatchFields,
    ...AurocOptions.shape,
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
