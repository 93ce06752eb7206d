import { invalidField, payloadTooLarge } from '../errors.js';
import type { Task } from './task.js';
import { readGroups } from './groups.js';
import { rankingBatchFromTensors, requestWeights, type RankingBatch, type RankingBatchRequest } from './ranking-batch.js';
import { TypedTensor, emptyBatchShaped, flattenIntegers, flattenNumbers, formatShape, pathOf, sampleWeights, type LabelTensor, type Tensor } from './tensor.js';

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
  /**
   * Rows per sample when the request had extra dimensions (`[N, ...]` binary, `[N, C, ...]`
   * multiclass, `[N, L, ...]` multilabel): each sample's extra positions are consecutive rows (the
   * product of the extra sizes), so `rows / sampleRows` samples. Absent for a batch without them.
   */
  sampleRows?: number;
  /**
   * The request's `groups`: one group id per row, each in 0…numGroups−1 (see `readGroups` in
   * groups.ts); absent for a batch sent without them.
   */
  groups?: Int32Array;
  /** The group count G (`num_groups`, else the largest id + 1); set with `groups`. */
  numGroups?: number;
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
  /** The batch had extra dimensions (`sampleRows`), which `multidim_average: "samplewise"` needs. */
  multidim?: boolean;
  /** The group count G of a batch sent with `groups` (a session's `num_groups`); absent without groups. */
  groups?: number;
}

export const configOf = (batch: MetricBatch): MetricConfig => ({
  task: batch.task,
  classes: batch.classes,
  ignoreIndex: batch.ignoreIndex,
  classIndices: batch.classIndices !== null,
  multidim: batch.sampleRows !== undefined,
  ...(batch.numGroups === undefined ? {} : { groups: batch.numGroups }),
});

/** The group fields of a metrics request (GROUPS.md): one id per sample, and the group count. */
export interface GroupsRequest {
  groups?: unknown;
  num_groups?: number | undefined;
}

/**
 * A batch with its `groups` read and checked (see `readGroups`): unchanged when the request has
 * none (`num_groups` alone is a 400: it counts the ids of `groups`). `groups` has one id per
 * sample, shaped `shape` (default `[N]`, N the samples): a batch with extra dimensions (`[N, ...]`,
 * `sampleRows` rows per sample) takes one id per sample N, and every position of the sample, each
 * a row, belongs to its group (torchmetrics' group fairness splits `[N, ...]` preds by `groups [N]`
 * alike); its ids are repeated per row here, so every grouped state reads one id per row.
 *
 * @param shape the shape of the ids where it is not `[N]` (a loss batch's `[B, N]` labels); its
 *   elements must be the batch's rows
 * @throws {ProblemError} 400 naming `groups`, `groups/<i>` or `num_groups`
 */
export function withGroups(batch: MetricBatch, request: GroupsRequest, shape?: readonly number[]): MetricBatch {
  if (request.groups === undefined) {
    if (request.num_groups !== undefined) throw invalidField('num_groups', 'counts the ids of "groups"; send groups with it');
    return batch;
  }
  const perSample = batch.sampleRows ?? 1;
  const samples = batch.rows / perSample;
  const why = shape !== undefined && shape.length > 1 ? ' like the labels (as sample_weight)' : perSample > 1 ? ` (one per sample N of the [N, ...] inputs: every position of a sample belongs to its group)` : '';
  const { ids, count } = readGroups(request.groups, request.num_groups, shape ?? [samples], why);
  if (ids.length !== samples) throw new Error(`withGroups: ${ids.length} group ids for ${samples} samples`);
  if (perSample === 1) return { ...batch, groups: ids, numGroups: count };
  const rows = new Int32Array(batch.rows);
  for (let n = 0; n < samples; n++) rows.fill(ids[n], n * perSample, (n + 1) * perSample);
  return { ...batch, groups: rows, numGroups: count };
}

/**
 * Validates and formats a /v1/metrics batch (torchmetrics' `_format` stage): shapes, task,
 * labels, the `auto` input decision, and multiclass class-index preds (`task: "multiclass"`,
 * `preds` of the rank of `labels`, `num_classes` required).
 *
 * @throws {ProblemError} 400 naming the field and index
 */
export function formatMetricBatch(request: RankingBatchRequest & GroupsRequest): MetricBatch {
  const preds = flattenNumbers('preds', request.preds, MAX_METRICS_RANK);
  const labels = flattenIntegers('labels', request.labels, MAX_METRICS_RANK);
  const multidim = multidimRows(preds, labels, request);
  if (multidim === null) return withGroups(metricBatchFromTensors(preds, labels, request), request);
  const batch = metricBatchFromTensors(multidim.preds, multidim.labels, { ...request, task: multidim.task, sample_weight: multidim.weights });
  return withGroups({ ...batch, sampleRows: multidim.sampleRows }, request);
}

/** The deepest /v1/metrics tensors: multiclass scores of images, [N, C, H, W]. */
export const MAX_METRICS_RANK = 4;

/**
 * torchmetrics' format stage for inputs with extra dimensions `...`: binary preds and labels
 * [N, ...]; multiclass scores [N, C, ...] (or class indices [N, ...]) with labels [N, ...];
 * multilabel preds and labels [N, L, ...]. Each sample's M extra positions (the product of the
 * extra sizes) become M consecutive rows, so the rows are [N·M] (binary, class indices),
 * [N·M, C] or [N·M, L]: `multidim_average: "global"` pools them as torchmetrics flattens them,
 * `"samplewise"` counts each sample's rows alone. `sample_weight` is per element, shaped like the
 * labels (multilabel: without the label axis, [N, ...]). Null for a batch without extra
 * dimensions (rank 2 and less, as before), whose format is unchanged. A task must be given for
 * same-shaped inputs of rank 3 and more (binary and multilabel read alike).
 *
 * O(elements): one transposing copy for multiclass scores and multilabel.
 *
 * @throws {ProblemError} 400 naming `task`, `labels` or `sample_weight`
 */
function multidimRows(preds: Tensor, labels: LabelTensor, request: RankingBatchRequest): { preds: Tensor; labels: LabelTensor; task: Task; weights: TypedTensor | undefined; sampleRows: number } | null {
  const p = preds.shape;
  const l = labels.shape;
  const sameShape = p.length === l.length && p.every((size, d) => size === l[d]);
  const scoresOf = p.length >= 3 && p.length === l.length + 1 && p[0] === l[0] && p.slice(2).every((size, d) => size === l[d + 1]);
  let task = request.task;
  if (task === undefined) {
    if (scoresOf) task = 'multiclass';
    else if (sameShape && p.length >= 3) throw invalidField('task', `preds and labels ${formatShape(p)} with extra dimensions are binary [N, ...] or multilabel [N, L, ...]: say which with task`);
    else return null;
  }
  const n = p[0];
  let m: number;
  let data = preds.data;
  let labelData = labels.data;
  let rowsShape: number[];
  let weightShape: number[];
  if (task === 'binary' && sameShape && p.length >= 2) {
    m = preds.data.length / n;
    rowsShape = [n * m];
    weightShape = l;
  } else if (task === 'multiclass' && sameShape && p.length >= 2) {
    m = preds.data.length / n;
    rowsShape = [n * m];
    weightShape = l;
  } else if (task === 'multiclass' && scoresOf) {
    m = labels.data.length / n;
    data = moveAxisLast(preds.data, n, p[1], m);
    rowsShape = [n * m, p[1]];
    weightShape = l;
  } else if (task === 'multilabel' && sameShape && p.length >= 3) {
    m = preds.data.length / (n * p[1]);
    data = moveAxisLast(preds.data, n, p[1], m);
    labelData = moveAxisLast(labels.data, n, p[1], m);
    rowsShape = [n * m, p[1]];
    weightShape = [n, ...p.slice(2)];
  } else return null;
  // Errors name the element as sent (`labels/1/0/2`), before the rows are rearranged.
  const upper = task !== 'multiclass' ? 1 : scoresOf ? p[1] - 1 : request.num_classes === undefined ? Infinity : request.num_classes - 1;
  const ignore = request.ignore_index ?? null;
  for (let i = 0; i < labels.data.length; i++) {
    const y = labels.data[i];
    if (y !== ignore && (y < 0 || y > upper)) {
      throw invalidField(pathOf('labels', l, i), `expected ${upper === 1 && task !== 'multiclass' ? '0 or 1' : `0..${upper}`}${ignore === null ? '' : ` or ignore_index ${ignore}`}, got ${y}`);
    }
  }
  const weights = sampleWeights(request.sample_weight, weightShape, 'keep');
  return {
    preds: { data, shape: rowsShape },
    labels: { data: labelData, shape: rowsShape.length === 2 && task === 'multilabel' ? rowsShape : [n * m] },
    task,
    weights: weights === null ? undefined : new TypedTensor(weights, [n * m]),
    sampleRows: m,
  };
}

/** [N, K, M] row-major as [N, M, K]: each sample's axis 1 moved last (its M positions become rows of K). */
function moveAxisLast<T extends Float64Array | Int32Array>(data: T, n: number, k: number, m: number): T {
  const out = new (data.constructor as new (length: number) => T)(data.length);
  for (let s = 0; s < n; s++) {
    const base = s * k * m;
    for (let c = 0; c < k; c++) for (let j = 0; j < m; j++) out[base + j * k + c] = data[base + c * m + j];
  }
  return out;
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
