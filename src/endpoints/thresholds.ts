import { invalidField } from '../errors.js';
import { checkAnswerValues, checkWork, thresholdCount } from '../batch/limits.js';
import { formatRankingBatch } from '../batch/ranking-batch.js';
import { rankCountsOfBatch } from '../metrics/rows.js';
import { tuneThresholds, tuningWork, type ThresholdsResponse } from '../metrics/thresholds.js';
import type { ThresholdsRequest } from '../schemas/thresholds.js';

/**
 * POST /v1/thresholds: the threshold of a binary batch (multilabel: of each label) that maximises
 * the objective, priced (its curve's size, its sort and sweep) before anything is computed.
 *
 * @throws {ProblemError} 400 naming `task` (or `preds`, when inferred) for a multiclass batch; 413 naming `return_curve` or `preds` when too large
 */
export function computeThresholds(request: ThresholdsRequest): ThresholdsResponse {
  const batch = formatRankingBatch(request);
  if (batch.task === 'multiclass') {
    throw invalidField(request.task === undefined ? 'preds' : 'task', 'threshold tuning is binary, or multilabel label by label: preds [N] or [N, L] with labels of the same shape; this batch is multiclass');
  }
  const labels = batch.task === 'binary' ? 1 : batch.classes;
  const T = thresholdCount(request.thresholds);
  if (request.return_curve) checkAnswerValues('return_curve', 2 * labels * (T === 0 ? batch.rows : T), `curves of ${labels} label(s)`);
  checkWork('preds', tuningWork(batch.rows, labels, request.thresholds), `threshold tuning over ${batch.rows} rows × ${labels} labels`);
  return tuneThresholds(rankCountsOfBatch(batch), request);
}
