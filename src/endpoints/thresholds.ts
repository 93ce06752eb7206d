import { invalidField } from '../errors.js';
import { checkAnswerValues, checkStateBytes, checkWork, rankingStateBytes, thresholdCount } from '../batch/limits.js';
import { formatRankingBatch } from '../batch/ranking-batch.js';
import { rankCountsOfBatch } from '../metrics/rows.js';
import { tuneThresholds, tuningWork, type ThresholdsResponse } from '../metrics/thresholds.js';
import type { ThresholdsRequest } from '../schemas/thresholds.js';

/** Numbers each label's answer holds besides its curve: threshold, objective, tp, fp, tn, fn. */
export const LABEL_VALUES = 6;

/**
 * POST /v1/thresholds: the threshold of a binary batch (multilabel: of each label) that maximises
 * the objective, priced (its curve's size, its sort and sweep) before anything is computed.
 *
 * @param drawing the answer is drawn (`Accept: image/svg+xml`): the curve is computed whatever
 *   `return_curve` says, and priced as it is
 * @throws {ProblemError} 400 naming `task` (or `preds`, when inferred) for a multiclass batch
 * @throws {ProblemError} 413 naming `preds` for more labels than an answer holds or work over MAX_WORK;
 *   `return_curve` (drawn: `thresholds`) for a curve over the answer limit; `thresholds` for a
 *   grid or list whose counts exceed MAX_STATE_BYTES
 */
export function computeThresholds(request: ThresholdsRequest, drawing = false): ThresholdsResponse {
  const batch = formatRankingBatch(request);
  if (batch.task === 'multiclass') {
    throw invalidField(request.task === undefined ? 'preds' : 'task', 'threshold tuning is binary, or multilabel label by label: preds [N] or [N, L] with labels of the same shape; this batch is multiclass');
  }
  const labels = batch.task === 'binary' ? 1 : batch.classes;
  const T = thresholdCount(request.thresholds);
  // Each label answers its threshold, objective and four counts; a curve two numbers a candidate.
  const fixed = LABEL_VALUES * labels;
  checkAnswerValues('preds', fixed, `the thresholds of ${labels} labels`);
  const curveValues = 2 * labels * (T === 0 ? batch.rows : T);
  if (request.return_curve) checkAnswerValues('return_curve', fixed + curveValues, `curves of ${labels} label(s)`);
  // A drawing has no return_curve to turn off: fewer thresholds (an integer n) make it smaller.
  else if (drawing) checkAnswerValues('thresholds', fixed + curveValues, `the drawing's curves of ${labels} label(s) over ${T === 0 ? 'every distinct score' : `${T} thresholds`}`);
  // A grid or a list is counted into tps and fps per label, as the binned ranking metrics' state.
  if (T > 0) checkStateBytes('thresholds', rankingStateBytes({ rows: batch.rows, classes: labels, thresholds: request.thresholds }), `threshold tuning: counts of ${labels} label(s) × ${T} thresholds`);
  checkWork('preds', tuningWork(batch.rows, labels, request.thresholds), `threshold tuning over ${batch.rows} rows × ${labels} labels`);
  return tuneThresholds(rankCountsOfBatch(batch), drawing ? { ...request, return_curve: true } : request);
}
