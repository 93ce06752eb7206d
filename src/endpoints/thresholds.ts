import { invalidField } from '../errors.js';
import { checkAnswerValues, checkWork, thresholdCount } from '../batch/limits.js';
import { formatRankingBatch, type RankingBatch } from '../batch/ranking-batch.js';
import { rankCountsOfBatch } from '../metrics/rows.js';
import { tuneThresholds, tuningWork, type ThresholdsOptions, type ThresholdsResponse } from '../metrics/thresholds.js';
import type { ThresholdsRequest } from '../schemas/thresholds.js';

/** Why a multiclass batch has no threshold to tune. */
const MULTICLASS = 'threshold tuning is binary, or multilabel label by label: preds [N] or [N, L] with labels of the same shape; this batch is multiclass';

/**
 * Refuses a multiclass batch, as POST /v1/thresholds does.
 *
 * @param field what names the task in the request: `task`, or `preds` when the task was inferred from them
 * @throws {ProblemError} 400 naming `field`
 */
export function checkThresholdsTask(task: RankingBatch['task'], field: 'task' | 'preds'): void {
  if (task === 'multiclass') throw invalidField(field, MULTICLASS);
}

/**
 * Prices a tuning of `rows` rows × `labels` labels before any row is read: its curve's size with
 * `return_curve` (2 values per threshold and label), its sort and sweep (see `tuningWork`).
 *
 * @throws {ProblemError} 413 naming `return_curve` or `preds`; NeedsWorker inline when large
 */
export function checkThresholdsWork(rows: number, labels: number, options: Pick<ThresholdsOptions, 'thresholds' | 'return_curve'>): void {
  const T = thresholdCount(options.thresholds);
  if (options.return_curve) checkAnswerValues('return_curve', 2 * labels * (T === 0 ? rows : T), `curves of ${labels} label(s)`);
  checkWork('preds', tuningWork(rows, labels, options.thresholds), `threshold tuning over ${rows} rows × ${labels} labels`);
}

/**
 * POST /v1/thresholds: the threshold of a binary batch (multilabel: of each label) that maximises
 * the objective, priced (its curve's size, its sort and sweep) before anything is computed.
 *
 * @throws {ProblemError} 400 naming `task` (or `preds`, when inferred) for a multiclass batch; 413 naming `return_curve` or `preds` when too large
 */
export function computeThresholds(request: ThresholdsRequest): ThresholdsResponse {
  const batch = formatRankingBatch(request);
  checkThresholdsTask(batch.task, request.task === undefined ? 'preds' : 'task');
  checkThresholdsWork(batch.rows, batch.task === 'binary' ? 1 : batch.classes, request);
  return tuneThresholds(rankCountsOfBatch(batch), request);
}
