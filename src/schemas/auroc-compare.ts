import { z } from 'zod';
import { labelTensor, namedExamples, numberTensor } from './common.js';
import { Interval } from '../metrics/confidence.js';
import { rankingBatchFields } from './ranking.js';

export const AurocCompareRequest = z
  .strictObject({
    preds_a: numberTensor(2, 'Model A: binary scores [N] (or one column [N, 1]).'),
    preds_b: numberTensor(2, 'Model B: binary scores [N] (or one column [N, 1]), for the same samples.'),
    labels: labelTensor(1, 'Binary labels [N] of 0/1.'),
    input: rankingBatchFields.input,
    ignore_index: rankingBatchFields.ignore_index,
    level: z.number().gt(0).lt(1).default(0.95).describe('Level of the interval of the difference.'),
  })
  .meta({
    ...namedExamples({
      twoModels: {
        summary: 'Two models on the same seven samples',
        value: { labels: [0, 0, 1, 1, 0, 1, 0], preds_a: [0.1, 0.35, 0.4, 0.8, 0.2, 0.75, 0.1], preds_b: [0.5, 0.92, 0.1, 0.1, 0.8, 0.95, 0.9] },
      },
      closeModels: {
        summary: 'Two close models on twelve samples',
        value: {
          labels: [0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1],
          preds_a: [0.1, 0.35, 0.24, 0.8, 0.2, 0.85, 0.13, 0.85, 0.74, 0.58, 0.71, 0.25],
          preds_b: [0.15, 0.3, 0.3, 0.75, 0.25, 0.8, 0.2, 0.7, 0.7, 0.6, 0.65, 0.3],
        },
      },
    }),
  });
export type AurocCompareRequest = z.infer<typeof AurocCompareRequest>;

export const AurocCompareResponse = z.object({
  auroc_a: z.number().nullable(),
  auroc_b: z.number().nullable(),
  difference: z.number().nullable().describe('auroc_a - auroc_b'),
  ci: Interval.nullable().describe('DeLong interval of the difference, clipped to [-1, 1].'),
  z: z.number().nullable().describe('DeLong statistic; null when the variance of the difference is 0.'),
  p_value: z.number().nullable().describe('Two-sided.'),
  warnings: z.array(z.string()),
}).meta({ id: 'AurocComparison', description: "Two models' AUROCs on the same samples and DeLong's paired test." });
export type AurocCompareResponse = z.infer<typeof AurocCompareResponse>;
