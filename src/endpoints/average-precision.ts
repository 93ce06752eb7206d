import { rankCountsOfBatch } from '../metrics/rows.js';
import { averagePrecisionOfBatch, type AveragePrecisionResponse } from '../metrics/average-precision.js';
import type { AveragePrecisionRequest } from '../schemas/average-precision.js';
import { formatRankingBatch } from '../batch/ranking-batch.js';
import { checkRanking, resamplesOf } from '../batch/limits.js';

/**
 * Average precision of one batch, as scikit-learn's `average_precision_score` (step-wise, no
 * interpolation) and torchmetrics' binned mode.
 *
 * @throws {ProblemError} 400 for input that breaks the contract
 */
export function computeAveragePrecision(request: AveragePrecisionRequest): AveragePrecisionResponse {
  const batch = formatRankingBatch(request);
  checkRanking('', { rows: batch.rows, classes: batch.classes, thresholds: request.thresholds, resamples: resamplesOf(request.ci) }, 'average precision');
  return averagePrecisionOfBatch(rankCountsOfBatch(batch), request);
}
