import { z } from 'zod';
import { namedExamples } from './common.js';
import { rankingBatchFields } from './ranking.js';
import { CalibrationOptions } from '../metrics/calibration.js';

/** POST /v1/calibration: a batch (binary or multiclass scores) and the calibration options (src/metrics/calibration.ts). */
export const CalibrationRequest = z.strictObject({ ...rankingBatchFields, ...CalibrationOptions.shape }).meta(
  namedExamples({
    sigmoid: {
      summary: 'Binary probabilities, Platt scaling (a, b)',
      value: { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.9, 0.3], labels: [0, 0, 1, 1, 1, 0, 1, 0], method: 'sigmoid' },
    },
    isotonic: {
      summary: 'Binary probabilities, isotonic regression (breakpoints x, y), with the calibrated probabilities',
      value: { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.9, 0.3], labels: [0, 0, 1, 1, 1, 0, 1, 0], method: 'isotonic', return_probs: true },
    },
    temperature: {
      summary: 'Multiclass logits, temperature scaling (T)',
      value: {
        preds: [[4.0, 1.0, -2.0], [0.5, 3.5, 0.0], [-1.0, 0.0, 5.0], [3.0, 2.8, -1.0], [0.2, 0.1, 4.0], [2.0, 4.0, 0.0]],
        labels: [0, 1, 2, 1, 0, 1],
        input: 'logits',
        method: 'temperature',
      },
    },
  }),
);
export type CalibrationRequest = z.output<typeof CalibrationRequest>;
