import { invalidField, payloadTooLarge } from '../errors.js';
import type { Task } from './task.js';
import { rankingBatchFromTensors, requestWeights, type RankingBatch, type RankingBatchRequest } from './ranking-batch.js';
import { emptyBatchShaped, flattenIntegers, flattenNumbers, pathOf, type LabelTensor, type Tensor } from './tensor.js';

/**
 * A formatted batch as every metric reads it: the ranking view (one binary problem per class,
 * see {@link RankingBatch}) plus what hard-decision metrics need: the scores as sent (torchmetrics
 * thresholds σ(logit) and argmaxes raw logits, not log-odds), or the predicted class indices when
 * multiclass `preds` were sent as `[N]` labels.
 */
export interface MetricBatch extends RankingBatch {
  /** rows × classes as sent (empty when `classIndices` is set). */
  preds: Float64Array;
  /** Multiclass preds sent as class indices: the predicted class per row, else null. */
  classIndices: Int32Array | null;
}

/**
 * A value derived from a batch (its predicted classes, its probabilities), made once however many
 * metrics read it, and kept on the batch under a symbol that is not enumerable: copies of the
 * batch (`{ ...batch }`, the chunks a rows state keeps) do not carry it along. A WeakMap here cost
 * garbage-collection time on every request.
 */
export function derivedFromBatch<T>(batch: MetricBatch, key: symbol, make: () => T): T {
  const holder = batch as MetricBatch & Record<symbol, T | undefined>;
  const known = holder[key];
  if (known !== undefined) return known;
  const value = make();
  Object.defineProperty(holder, key, { value, enumerable: false });
  return value;
}

/** The fields of a batch a metric's configuration depends on: the same for every batch of a session. */
export interface MetricConfig {
  task: Task;
  /** 1 (binary), C (multiclass) or L (multilabel). */
  classes: number;
  ignoreIndex: number | null;
  /** Multiclass preds are class indices (no scores). */
  classIndices: boolean;
}

export const configOf = (batch: MetricBatch): MetricConfig => ({
  task: batch.task,
  classes: batch.classes,
  ignoreIndex: batch.ignoreIndex,
  classIndices: batch.classIndices !== null,
});

/**
 * Validates and formats a /v1/metrics batch (torchmetrics' `_format` stage): shapes, task,
 * labels, the `auto` input decision, and multiclass class-index preds (`task: "multiclass"`,
 * `preds` of the rank of `labels`, `num_classes` required).
 *
 * @throws {ProblemError} 400 naming the field and index
 */
export function formatMetricBatch(request: RankingBatchRequest): MetricBatch {
  return metricBatchFromTensors(flattenNumbers('preds', request.preds, 2), flattenIntegers('labels', request.labels, 2), request);
}

/** {@link formatMetricBatch} for tensors already flattened (e.g. by /v1/score's loss stage). */
export function metricBatchFromTensors(sentPreds: Tensor, sentLabels: LabelTensor, request: Omit<RankingBatchRequest, 'preds' | 'labels'>): MetricBatch {
  // An empty multiclass batch is scores [0, C], not class indices: every metric answers it.
  const columns = request.task === 'multilabel' ? request.num_labels : request.num_classes;
  const { preds, labels } = emptyBatchShaped(sentPreds, sentLabels, request.task, columns, request.task === 'multilabel' ? 'num_labels' : 'num_classes');
  if (request.task === 'multiclass' && preds.shape.length === labels.shape.length && preds.shape.length === 1) {
    return classIndexBatch(preds, labels, request);
  }
  const batch = rankingBatchFromTensors(preds, labels, request);
  checkClasses(batch.classes, 'preds');
  return { ...batch, preds: preds.data, classIndices: null };
}

/**
 * The most classes (or labels) a metrics batch may have: per-class states and answers grow with
 * it, and class-index preds let a tiny body name any number.
 */
export const MAX_CLASSES = 32_768;

function checkClasses(classes: number, field: string): void {
  if (classes > MAX_CLASSES) {
    const message = `at most ${MAX_CLASSES} classes per metrics batch (per-class states and answers grow with them); got ${classes}`;
    throw payloadTooLarge(`${field}: ${message}`, [{ path: field, message }]);
  }
}

function classIndexBatch(preds: Tensor, labels: LabelTensor, request: Omit<RankingBatchRequest, 'preds' | 'labels'>): MetricBatch {
  const classes = request.num_classes;
  if (classes === undefined) throw invalidField('num_classes', 'is required when multiclass preds are class indices [N] (it cannot be inferred from them)');
  checkClasses(classes, 'num_classes');
  const rows = preds.shape[0];
  if (labels.shape[0] !== rows) throw invalidField('labels', `needs one label per prediction: preds has ${rows}, labels ${labels.shape[0]}`);
  if (request.input !== 'auto') throw invalidField('input', `class-index preds are neither probabilities nor logits; leave input out (got "${request.input}")`);
  const ignoreIndex = request.ignore_index ?? null;
  const warnings: string[] = [];
  const classIndices = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const p = preds.data[i];
    if (!Number.isInteger(p) || p < 0 || p >= classes) throw invalidField(pathOf('preds', preds.shape, i), `class-index preds must be integers in 0..${classes - 1}, got ${p}`);
    classIndices[i] = p;
    const y = labels.data[i];
    if (y !== ignoreIndex && (y < 0 || y >= classes)) {
      throw invalidField(pathOf('labels', labels.shape, i), `expected 0..${classes - 1}${ignoreIndex === null ? '' : ` or ignore_index ${ignoreIndex}`}, got ${y}`);
    }
  }
  return {
    task: 'multiclass',
    input: 'probs',
    rows,
    classes,
    scores: new Float64Array(0),
    scoresAreLogOdds: false,
    labels: labels.data,
    ignoreIndex,
    weights: requestWeights(request, [rows], warnings),
    warnings,
    preds: new Float64Array(0),
    classIndices,
  };
}

/** Row `i`'s sample weight (1 when the batch has none). */
export const rowWeight = (batch: RankingBatch, i: number): number => (batch.weights === null ? 1 : batch.weights[i]);

/** The sample weight of flat score `i` of a binary or multilabel batch (a multilabel row's entries weigh its weight). */
export const entryWeight = (batch: RankingBatch, i: number): number => rowWeight(batch, batch.task === 'multilabel' ? Math.floor(i / batch.classes) : i);
