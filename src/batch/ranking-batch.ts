import { invalidField } from '../errors.js';
import type { ClassView } from '../kernels/class-split.js';
import { logOddsRows } from '../kernels/log-odds.js';
import type { Task } from './task.js';
import { binaryColumn, binaryColumnWarning, emptyBatchShaped, oneHotWarning, flattenIntegers, flattenNumbers, formatShape, pathOf, sameShape, sampleWeights, type LabelTensor, type Tensor } from './tensor.js';

/** The request fields every ranking metric reads (see `rankingBatchFields`). */
export interface RankingBatchRequest {
  preds: unknown;
  labels: unknown;
  task?: Task | undefined;
  input: 'auto' | 'probs' | 'logits';
  ignore_index?: number | undefined;
  num_classes?: number | undefined;
  num_labels?: number | undefined;
  /** One weight per sample (see `sampleWeights`); absent, every sample weighs 1. */
  sample_weight?: unknown;
  /**
   * Not a request field: what becomes of weights beyond 2^±64. Scaled (default) for a stateless
   * answer; refused where counts are added across batches (a session).
   */
  extreme_weights?: 'scale' | 'refuse';
}

/**
 * A validated ranking batch, seen as one binary problem per class (one-vs-rest): the "format"
 * stage of torchmetrics' functional metrics, shared by AUROC, average precision and the curves.
 */
export interface RankingBatch {
  task: Task;
  /** How the scores were read, after `auto` was decided. */
  input: 'probs' | 'logits';
  /** Samples (rows). */
  rows: number;
  /** Columns of `scores`: 1 for binary, C for multiclass, L for multilabel. */
  classes: number;
  /**
   * rows × classes, row-major: what the metrics rank. Probabilities as sent; binary and
   * multilabel logits as sent; multiclass logits as each class's log-odds
   * z_c − log Σ_{j≠c} e^{z_j} (see `logOddsRows`), which ranks as softmax does without its
   * saturation to 1.0.
   */
  scores: Float64Array;
  /**
   * The scores are log-odds (logits input): σ turns them into probabilities where a metric needs
   * them (binned thresholds on [0, 1]); exact metrics are rank-based and use them as they are,
   * which avoids the ties σ and softmax create where they saturate in float64.
   */
  scoresAreLogOdds: boolean;
  /** Binary: rows. Multiclass: rows (class indices). Multilabel: rows × classes. */
  labels: Int32Array;
  ignoreIndex: number | null;
  /**
   * One weight per row (scikit-learn's `sample_weight`: counts become weighted counts), or null
   * when every row weighs 1. A row of weight 0 changes nothing (it is no threshold of a curve).
   */
  weights: Float64Array | null;
  /** Decisions the format stage made that the request did not state, for the response. */
  warnings: string[];
}

/**
 * A request's `sample_weight` (see `sampleWeights`, shaped `expected`), its extreme weights scaled
 * (said in `warnings`) or, where the request's `extreme_weights` says so, refused.
 */
export function requestWeights(request: Pick<RankingBatchRequest, 'sample_weight' | 'extreme_weights'>, expected: readonly number[], warnings: string[]): Float64Array | null {
  return sampleWeights(request.sample_weight, expected, request.extreme_weights === 'refuse' ? 'refuse' : { scale: warnings });
}

function inferTask(predsRank: number, labelsRank: number, given: Task | undefined): Task {
  if (given) return given;
  if (predsRank === 1) return 'binary';
  return labelsRank === 1 ? 'multiclass' : 'multilabel';
}

/**
 * Validates and formats a ranking request: shapes, task, labels, the `auto` input decision
 * (over the samples that are kept) and the log-odds of multiclass logits.
 *
 * @throws {ProblemError} 400 naming the field and index
 */
export function formatRankingBatch(request: RankingBatchRequest): RankingBatch {
  return rankingBatchFromTensors(flattenNumbers('preds', request.preds, 2), flattenIntegers('labels', request.labels, 2), request);
}

/** {@link formatRankingBatch} for tensors already flattened (e.g. by /v1/score's loss stage). */
export function rankingBatchFromTensors(
  sent: Tensor,
  sentLabels: LabelTensor,
  request: Omit<RankingBatchRequest, 'preds' | 'labels'>,
  /** The request field the scores came from, for error paths (`preds_b/2`). */
  predsField = 'preds',
): RankingBatch {
  const warnings: string[] = [];
  const columns = request.task === 'multilabel' ? request.num_labels : request.num_classes;
  const shaped = emptyBatchShaped(sent, sentLabels, request.task, columns, request.task === 'multilabel' ? 'num_labels' : 'num_classes');
  sent = shaped.preds;
  let labels = shaped.labels;
  const column = binaryColumn(sent, labels, request.task);
  if (column && request.task === undefined) warnings.push(binaryColumnWarning(sent.shape));
  let preds = column ?? sent;
  const task = inferTask(preds.shape.length, labels.shape.length, request.task);
  if (task === 'binary' && preds.shape.length > 1 && sameShape(preds.shape, labels.shape)) {
    // Binary scores of any shape are one score per element, as torchmetrics flattens them.
    preds = { data: preds.data, shape: [preds.data.length] };
    labels = { data: labels.data, shape: [labels.data.length] };
  }
  const ignoreIndex = request.ignore_index ?? null;
  const oneHot = request.task === undefined && task === 'multilabel' ? oneHotWarning(labels, ignoreIndex) : null;
  if (oneHot) warnings.push(oneHot);
  const rows = preds.shape[0];
  // Binary has no label axis (one weight per element, shaped like the labels as sent);
  // multiclass and multilabel one weight per row.
  const weights = requestWeights(request, task === 'binary' ? sentLabels.shape : [rows], warnings);

  let classes: number;
  if (task === 'multiclass') {
    if (preds.shape.length !== 2 || labels.shape.length !== 1 || labels.shape[0] !== rows) {
      throw invalidField('labels', `multiclass needs preds [N, C] and labels [N]; got preds ${formatShape(preds.shape)} and labels ${formatShape(labels.shape)}`);
    }
    classes = preds.shape[1];
    if (classes < 2) throw invalidField(predsField, 'multiclass needs at least 2 classes (columns)');
  } else {
    if (!sameShape(preds.shape, labels.shape)) {
      throw invalidField('labels', `${task} needs labels shaped like preds; got preds ${formatShape(preds.shape)} and labels ${formatShape(labels.shape)}`);
    }
    if (task === 'multilabel' && preds.shape.length !== 2) throw invalidField(predsField, `multilabel needs preds [N, L]; got ${formatShape(preds.shape)}`);
    classes = task === 'multilabel' ? preds.shape[1] : 1;
  }
  if (request.num_classes !== undefined && (task !== 'multiclass' || request.num_classes !== classes)) {
    throw invalidField('num_classes', task === 'multiclass' ? `must equal C = ${classes}, got ${request.num_classes}` : `applies to multiclass only (task is ${task})`);
  }
  if (request.num_labels !== undefined && (task !== 'multilabel' || request.num_labels !== classes)) {
    throw invalidField('num_labels', task === 'multilabel' ? `must equal L = ${classes}, got ${request.num_labels}` : `applies to multilabel only (task is ${task})`);
  }

  const upper = task === 'multiclass' ? classes - 1 : 1;
  for (let i = 0; i < labels.data.length; i++) {
    const y = labels.data[i];
    if (y === ignoreIndex) continue;
    if (y < 0 || y > upper) {
      const allowed = task === 'multiclass' ? `0..${upper}` : '0 or 1';
      // Class indices in both preds and labels read as binary when nothing says otherwise.
      const hint = task === 'binary' && request.task === undefined && y > 1 ? '; for multiclass class indices send task "multiclass" and num_classes' : '';
      throw invalidField(pathOf('labels', labels.shape, i), `expected ${allowed}${ignoreIndex === null ? '' : ` or ignore_index ${ignoreIndex}`}, got ${y}${hint}`);
    }
  }
  // Every sample ignored (a batch of padding) is no error: each metric answers null and says why.

  const scores = preds.data;
  const input = request.input === 'auto' ? (allKeptWithinUnit(scores, labels.data, weights, task, classes, ignoreIndex) ? 'probs' : 'logits') : request.input;
  // `auto` has just checked the kept scores (ignored ones may hold anything, as torchmetrics
  // drops them first); only an explicit "probs" is checked here, every score of it.
  if (request.input === 'probs') {
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] < 0 || scores[i] > 1) throw invalidField(pathOf(predsField, preds.shape, i), `input "probs" needs values in [0, 1], got ${scores[i]}`);
    }
  }
  if (request.input === 'auto' && input === 'logits') {
    warnings.push('input "auto": a score lies outside [0, 1], so preds were read as logits (torchmetrics\' rule); send "input" to say which they are');
  }
  const ranked = input === 'logits' && task === 'multiclass' ? logOddsRows(scores, classes) : scores;
  return { task, input, rows, classes, scores: ranked, scoresAreLogOdds: input === 'logits', labels: labels.data, ignoreIndex, weights, warnings };
}

/**
 * torchmetrics' `auto` rule: probabilities unless a kept score lies outside [0, 1]. A sample of
 * weight 0 is not kept (it changes nothing, this decision included).
 */
function allKeptWithinUnit(scores: Float64Array, labels: Int32Array, weights: Float64Array | null, task: Task, classes: number, ignore: number | null): boolean {
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (v >= 0 && v <= 1) continue;
    const label = task === 'multiclass' ? labels[Math.floor(i / classes)] : labels[i];
    const row = task === 'binary' ? i : Math.floor(i / classes);
    if (label !== ignore && (weights === null || weights[row] > 0)) return false;
  }
  return true;
}

/** Class `c` of the batch as a strided view (no copy): its column and who is positive. */
export function classView(batch: RankingBatch, c: number): ClassView {
  const { rows, classes, scores, labels, ignoreIndex, task } = batch;
  return {
    rows,
    scores,
    scoreOffset: c,
    scoreStride: classes,
    labels,
    labelOffset: task === 'multilabel' ? c : 0,
    labelStride: task === 'multilabel' ? classes : 1,
    positive: task === 'multiclass' ? c : 1,
    negative: null,
    ignore: ignoreIndex,
  };
}

/**
 * Every (sample, class) pair pooled into one binary problem: micro averaging, as scikit-learn
 * does for multilabel and multiclass one-vs-rest (labels binarized, then raveled).
 */
export function pooledView(batch: RankingBatch): ClassView {
  const { rows, classes, scores, labels, ignoreIndex, task } = batch;
  let pooledLabels = labels;
  if (task === 'multiclass') {
    // One-hot labels, with ignored samples ignored in every column.
    pooledLabels = new Int32Array(rows * classes);
    for (let i = 0; i < rows; i++) {
      const y = labels[i];
      if (y === ignoreIndex) pooledLabels.fill(-1, i * classes, (i + 1) * classes);
      else pooledLabels[i * classes + y] = 1;
    }
  }
  return {
    rows: rows * classes,
    scores,
    scoreOffset: 0,
    scoreStride: 1,
    labels: pooledLabels,
    labelOffset: 0,
    labelStride: 1,
    positive: 1,
    negative: null,
    ignore: task === 'multiclass' ? -1 : ignoreIndex,
  };
}

/**
 * Samples per class (multiclass) or positives per label (multilabel), ignored ones excluded;
 * weighted supports (summed sample weights) when the batch is weighted, as scikit-learn's
 * `average="weighted"`.
 */
export function supports(batch: RankingBatch): Float64Array {
  const out = new Float64Array(batch.classes);
  const { rows, classes, labels, ignoreIndex, task, weights } = batch;
  for (let i = 0; i < rows; i++) {
    const w = weights ? weights[i] : 1;
    if (task === 'multilabel') {
      for (let c = 0; c < classes; c++) if (labels[i * classes + c] === 1) out[c] += w;
    } else if (labels[i] !== ignoreIndex) out[task === 'multiclass' ? labels[i] : 0] += task === 'binary' ? labels[i] * w : w;
  }
  return out;
}
