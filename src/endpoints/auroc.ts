import { rankCountsOfBatch } from '../metrics/rows.js';
import { aurocOfBatch, type AurocResponse } from '../metrics/auroc.js';
import type { AurocRequest } from '../schemas/auroc.js';
import { formatRankingBatch } from '../batch/ranking-batch.js';
import { checkRanking, resamplesOf } from '../batch/limits.js';

/**
 * AUROC of one batch, as torchmetrics' `AUROC` and scikit-learn's `roc_auc_score`: validate,
 * format, count (one sort per class), compute, average over the defined classes.
 *
 * @throws {ProblemError} 400 for input that breaks the contract
 */
export function computeAuroc(request: AurocRequest): AurocResponse {
  const batch = formatRankingBatch(request);
  const shape = { rows: batch.rows, classes: batch.classes, thresholds: request.thresholds, resamples: resamplesOf(request.ci), oneVsOne: request.multi_class === 'ovo' };
  checkRanking('', shape, 'AUROC');
  return aurocOfBatch(rankCountsOfBatch(batch), request);
}
