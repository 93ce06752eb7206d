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
 * @param drawing the answer is drawn (`Accept: image/svg+xml`): the curve is computed whatever
 *   `return_curve` says, and priced as it is
 * @throws {ProblemError} 400 naming `task` (or `preds`, when inferred) for a multiclass batch
 * @throws {ProblemError} 413 naming `return_curve` (or, drawn, `thresholds`) for a curve over the answer limit, `preds` for work over MAX_WORK
 */
export function computeThresholds(request: ThresholdsRequest, drawing = false): ThresholdsResponse {
  const batch = formatRankingBatch(request);
  if (batch.task === 'multiclass') {
    throw invalidField(request.task === undefined ? 'preds' : 'task', 'threshold tuning is binary, or multilabel label by label: preds [N] or [N, L] with labels of the same shape; this batch is multiclass');
  }
  const labels = batch.task === 'binary' ? 1 : batch.classes;
  const T = thresholdCount(request.thresholds);
  const curveValues = 2 * labels * (T === 0 ? batch.rows : T);
  if (request.return_curve) checkAnswerValues('return_curve', curveValues, `curves of ${labels} label(s)`);
  // A drawing has no return_curve to turn off: fewer thresholds (an integer n) make it smaller.
  else if (drawing) checkAnswerValues('thresholds', curveValues, `the drawing's curves of ${labels} label(s) over ${T === 0 ? 'every distinct score' : `${T} thresholds`}`);
  checkWork('preds', tuningWork(batch.rows, labels, request.thresholds), `threshold tuning over ${batch.rows} rows × ${labels} labels`);
  return tuneThresholds(rankCountsOfBatch(batch), drawing ? { ...request, return_curve: true } : request);
}
