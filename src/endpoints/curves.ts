import { rankCountsOfBatch } from '../metrics/rows.js';
import { precisionRecallOfBatch, rocOfBatch, type PrecisionRecallResponse, type RocResponse } from '../metrics/curves.js';
import type { PrecisionRecallRequest, RocRequest } from '../schemas/curves.js';
import { formatRankingBatch, type RankingBatch } from '../batch/ranking-batch.js';
import { checkRanking } from '../batch/limits.js';

/** A curve request's batch, formatted and priced (its binned counts, its sorts) before any is made. */
function pricedCurveBatch(request: RocRequest | PrecisionRecallRequest, what: string): RankingBatch {
  const batch = formatRankingBatch(request);
  checkRanking('', { rows: batch.rows, classes: batch.classes, thresholds: request.thresholds }, what);
  return batch;
}

export const computeRoc = (request: RocRequest): RocResponse => rocOfBatch(rankCountsOfBatch(pricedCurveBatch(request, 'ROC curves')), request);

export const computePrecisionRecall = (request: PrecisionRecallRequest): PrecisionRecallResponse =>
  precisionRecallOfBatch(rankCountsOfBatch(pricedCurveBatch(request, 'precision-recall curves')), request);
