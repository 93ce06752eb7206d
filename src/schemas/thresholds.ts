import { z } from 'zod';
import { namedExamples } from './common.js';
import { rankingBatchFields } from './ranking.js';
import { ThresholdsOptions } from '../metrics/thresholds.js';

/** POST /v1/thresholds: a binary or multilabel ranking batch and the tuning options (src/metrics/thresholds.ts). */
export const ThresholdsRequest = z.strictObject({ ...rankingBatchFields, ...ThresholdsOptions.shape }).meta(
  namedExamples({
    f1: { summary: 'The threshold that maximises F1 (exact: every distinct score)', value: { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.55, 0.3], labels: [0, 0, 1, 1, 1, 0, 0, 1], objective: 'f1_score' } },
    cost: {
      summary: 'A cost matrix: a missed positive costs 5, a false alarm 1; with the curve',
      value: { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.55, 0.3], labels: [0, 0, 1, 1, 1, 0, 0, 1], objective: { gain: { tp: 0, fp: -1, tn: 0, fn: -5 } }, return_curve: true },
    },
    constrained: {
      summary: 'Highest recall with precision at least 0.75, over 11 evenly spaced thresholds',
      value: { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.55, 0.3], labels: [0, 0, 1, 1, 1, 0, 0, 1], objective: 'recall', constraint: { metric: 'precision', min: 0.75 }, thresholds: 11 },
    },
  }),
);
export type ThresholdsRequest = z.infer<typeof ThresholdsRequest>;
