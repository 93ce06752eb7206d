import { invalidField } from '../errors.js';
import { checkAnswerValues, checkStateBytes, checkWork, rankingStateBytes, thresholdCount } from '../batch/limits.js';
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

/** Numbers each label's answer holds besides its curve: threshold, objective, tp, fp, tn, fn. */
export const LABEL_VALUES = 6;

/**
 * Prices a tuning of `rows` rows × `labels` labels before any row is read: its answer (six numbers
 * a label, and with `return_curve`, or drawn, 2 values per threshold and label), a grid's or a
 * list's counts per label (as binned state), its sort and sweep (see `tuningWork`).
 *
 * @param drawing the answer is drawn (`Accept: image/svg+xml`): its curve is priced whatever `return_curve` says
 * @throws {ProblemError} 413 naming `preds` (labels, work), `return_curve` (drawn: `thresholds`) for a curve over the answer limit, `thresholds` over MAX_STATE_BYTES; NeedsWorker inline when large
 */
export function checkThresholdsWork(rows: number, labels: number, options: Pick<ThresholdsOptions, 'thresholds' | 'return_curve'>, drawing = false): void {
  const T = thresholdCount(options.thresholds);
  const fixed = LABEL_VALUES * labels;
  checkAnswerValues('preds', fixed, `the thresholds of ${labels} labels`);
  const curveValues = 2 * labels * (T === 0 ? rows : T);
  if (options.return_curve) checkAnswerValues('return_curve', fixed + curveValues, `curves of ${labels} label(s)`);
  // A drawing has no return_curve to turn off: fewer thresholds (an integer n) make it smaller.
  else if (drawing) checkAnswerValues('thresholds', fixed + curveValues, `the drawing's curves of ${labels} label(s) over ${T === 0 ? 'every distinct score' : `${T} thresholds`}`);
  // A grid or a list is counted into tps and fps per label, as the binned ranking metrics' state.
  if (T > 0) checkStateBytes('thresholds', rankingStateBytes({ rows, classes: labels, thresholds: options.thresholds }), `threshold tuning: counts of ${labels} label(s) × ${T} thresholds`);
  checkWork('preds', tuningWork(rows, labels, options.thresholds), `threshold tuning over ${rows} rows × ${labels} labels`);
}

/**
 * POST /v1/thresholds: the threshold of a binary batch (multilabel: of each label) that maximises
 * the objective, priced ({@link checkThresholdsWork}) before anything is computed.
 *
 * @param drawing the answer is drawn (`Accept: image/svg+xml`): the curve is computed whatever
 *   `return_curve` says, and priced as it is
 * @throws {ProblemError} 400 naming `task` (or `preds`, when inferred) for a multiclass batch; 413 (see {@link checkThresholdsWork})
 */
export function computeThresholds(request: ThresholdsRequest, drawing = false): ThresholdsResponse {
  const batch = formatRankingBatch(request);
  checkThresholdsTask(batch.task, request.task === undefined ? 'preds' : 'task');
  checkThresholdsWork(batch.rows, batch.task === 'binary' ? 1 : batch.classes, request, drawing);
  return tuneThresholds(rankCountsOfBatch(batch), drawing ? { ...request, return_curve: true } : request);
}
