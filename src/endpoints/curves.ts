import { rankCountsOfBatch } from '../metrics/rows.js';
import { detOfBatch, precisionRecallOfBatch, rocOfBatch, type DetCurveResponse, type PrecisionRecallResponse, type RocResponse } from '../metrics/curves.js';
import type { DetCurveRequest, PrecisionRecallRequest, RocRequest } from '../schemas/curves.js';
import { invalidField } from '../errors.js';
import { formatRankingBatch, type RankingBatch } from '../batch/ranking-batch.js';
import { checkRanking } from '../batch/limits.js';

/** A curve request's batch, formatted and priced (its binned counts, its sorts) before any is made. */
function pricedCurveBatch(request: RocRequest | PrecisionRecallRequest | DetCurveRequest, what: string): RankingBatch {
  const batch = formatRankingBatch(request);
  checkRanking('', { rows: batch.rows, classes: batch.classes, thresholds: 'thresholds' in request ? request.thresholds : null }, what);
  return batch;
}

export const computeRoc = (request: RocRequest): RocResponse => rocOfBatch(rankCountsOfBatch(pricedCurveBatch(request, 'ROC curves')), request);

export const computePrecisionRecall = (request: PrecisionRecallRequest): PrecisionRecallResponse =>
  precisionRecallOfBatch(rankCountsOfBatch(pricedCurveBatch(request, 'precision-recall curves')), request);

/**
 * POST /v1/det-curve: scikit-learn's `det_curve` of a binary batch.
 *
 * @throws {ProblemError} 400 naming `task` (or `preds`, when the task was inferred from its shape) for a batch that is not binary
 */
export function computeDetCurve(request: DetCurveRequest): DetCurveResponse {
  const batch = pricedCurveBatch(request, 'DET curves');
  if (batch.task !== 'binary') throw invalidField(request.task === undefined ? 'preds' : 'task', `the DET curve is binary (scikit-learn's det_curve): preds [N] and labels [N] of 0/1; this batch is ${batch.task}`);
  return detOfBatch(rankCountsOfBatch(batch), request);
}
