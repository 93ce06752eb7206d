import { z } from 'zod';
import { invalidField, payloadTooLarge } from '../errors.js';
import { argmaxRows, binaryConfusionCounts, torchSigmoid, confusionFromScores, exactMatchCounts, groupConfusionCounts, groupConfusionFromScores, multiclassConfusionCounts, multiclassStatCounts, statCountsFromMatrix, topKPredictions } from '../kernels/stat-scores.js';
import { derivedFromBatch, type MetricBatch, type MetricConfig } from '../batch/batch.js';
import { keepGroupRowCounts } from '../batch/groups.js';
import { groupExactMatchCounts, groupStatCounts } from '../kernels/group-counts.js';
import { averageOption, defineMetric, statScoreOptions, threshold, topK, underived, type Derived, type MetricEntry } from './definition.js';
import { countsState, type StateSpec } from './state.js';
import { perSampleState, rowsPerSample, withSamplewise } from './samplewise.js';

/** tp, fp, tn, fn per class (binary: one class), as torchmetrics' `_stat_scores_update` returns them. */
export interface StatScores {
  tp: Float64Array;
  fp: Float64Array;
  tn: Float64Array;
  fn: Float64Array;
}

/** The decision options a state depends on. */
export interface DecisionOptions {
  threshold?: number;
  top_k?: number;
}

/** Where a batch keeps its predicted classes per top_k (see derivedFromBatch). */
const PREDICTED = Symbol('predicted classes');

/**
 * One predicted class per row of a multiclass batch: the class indices sent, the argmax of the
 * scores (k = 1), or torchmetrics' top-k rule ({@link topKPredictions}).
 */
export function predictedClasses(batch: MetricBatch, k: number): Int32Array {
  if (batch.classIndices) return batch.classIndices;
  const byK = derivedFromBatch(batch, PREDICTED, () => new Map<number, Int32Array>());
  let predicted = byK.get(k);
  if (!predicted) {
    predicted = k === 1 ? argmaxRows(batch.preds, batch.rows, batch.classes) : topKPredictions(batch.preds, batch.labels, batch.rows, batch.classes, k);
    byK.set(k, predicted);
  }
  return predicted;
}

/**
 * The stat-score state (torchmetrics' `tp`, `fp`, `tn`, `fn` states): [tn, fp, fn, tp] per
 * class (binary: one), 4 · C numbers whatever the number of rows. Binary and multilabel count
 * `p > threshold`; multiclass one predicted class per row (argmax, or the top-k rule). Every
 * threshold metric but the confusion matrix and kappa reads it, so one request counts the batch
 * once per threshold (or top_k).
 */
export function statState(config: MetricConfig, options: DecisionOptions): StateSpec<Float64Array> {
  const { task, classes } = config;
  if (task === 'multiclass') {
    const k = options.top_k ?? 1;
    const fromMatrix = k === 1 && classes <= MAX_MATRIX_CLASSES;
    return countsState(
      `stat_scores:top_k=${k}`,
      4 * classes,
      (into, batch) => {
        if (fromMatrix) statCountsFromMatrix(into, batchConfusion(batch), classes);
        else multiclassStatCounts(into, batch.labels, predictedClasses(batch, k), classes, batch.ignoreIndex, batch.weights);
      },
      1,
      fromMatrix ? (into, batch) => forEachGroupMatrix(batch, (g, matrix) => statCountsFromMatrix(into.subarray(4 * classes * g, 4 * classes * (g + 1)), matrix, classes)) : undefined,
    );
  }
  const t = options.threshold ?? 0.5;
  return countsState(
    `stat_scores:threshold=${t}`,
    4 * classes,
    (into, batch) => {
      const logits = batch.input === 'logits';
      // Multilabel entries weigh their row's weight.
      for (let c = 0; c < classes; c++) binaryConfusionCounts(into, 4 * c, batch.preds, batch.labels, c, classes, batch.rows, t, logits, batch.ignoreIndex, batch.weights);
    },
    1,
    // By group: every group's counts in one pass over the rows, which counts each group's rows on the way.
    (into, batch) => {
      const { groups, numGroups } = batch;
      if (groups === undefined || numGroups === undefined) throw new Error('stat scores by group: the batch has no groups');
      const kept = new Float64Array(numGroups);
      groupStatCounts(into, batch.preds, batch.labels, groups, batch.rows, t, batch.input === 'logits', batch.ignoreIndex, batch.weights, classes, kept);
      keepGroupRowCounts(batch, kept);
    },
  );
}

/**
 * The samplewise stat-score state: [tn, fp, fn, tp] per class (binary: one) for each sample, over
 * its rows (its extra dimensions), weighted by the elements' weights; ignored elements count
 * nowhere. Its key is never a global state's, so the two never share a compute group.
 */
export function samplewiseStatState(config: MetricConfig, options: DecisionOptions): StateSpec<Float64Array> {
  const { task, classes } = config;
  if (task === 'multiclass') {
    const k = options.top_k ?? 1;
    return perSampleState(`stat_scores:samplewise:top_k=${k}`, 4 * classes, (into, batch, n) => {
      const m = rowsPerSample(batch);
      const predicted = predictedClasses(batch, k).subarray(n * m, (n + 1) * m);
      multiclassStatCounts(into, batch.labels.subarray(n * m, (n + 1) * m), predicted, classes, batch.ignoreIndex, batch.weights?.subarray(n * m, (n + 1) * m) ?? null);
    });
  }
  const t = options.threshold ?? 0.5;
  return perSampleState(`stat_scores:samplewise:threshold=${t}`, 4 * classes, (into, batch, n) => {
    const m = rowsPerSample(batch);
    const from = n * m * classes;
    const preds = batch.preds.subarray(from, from + m * classes);
    const labels = batch.labels.subarray(from, from + m * classes);
    const weights = batch.weights?.subarray(n * m, (n + 1) * m) ?? null;
    for (let c = 0; c < classes; c++) binaryConfusionCounts(into, 4 * c, preds, labels, c, classes, m, t, batch.input === 'logits', batch.ignoreIndex, weights);
  });
}

/**
 * The samplewise exact-match state: [positions matched, positions] per sample, as torchmetrics'
 * `_multiclass_exact_match_update` / `_multilabel_exact_match_update` count them: multiclass, a
 * sample matches when every kept position is right ([1, 1] or [0, 1]); multilabel, the positions
 * whose every label is right, of its positions. An ignored element counts as right (torchmetrics
 * replaces it by the decision); an element of weight 0 likewise changes nothing.
 */
export function samplewiseExactMatchState(config: MetricConfig, options: DecisionOptions): StateSpec<Float64Array> {
  const t = options.threshold ?? 0.5;
  return perSampleState(`exact_match:samplewise:threshold=${t}`, 2, (into, batch, n) => {
    const m = rowsPerSample(batch);
    const { classes, labels, ignoreIndex, weights } = batch;
    const right = (row: number, j: number, decision: number) => labels[j] === ignoreIndex || (weights !== null && weights[row] === 0) || decision === labels[j];
    if (config.task === 'multiclass') {
      const predicted = predictedClasses(batch, 1);
      let all = 1;
      for (let r = n * m; r < (n + 1) * m; r++) if (!right(r, r, predicted[r])) all = 0;
      into[0] = all;
      into[1] = 1;
      return;
    }
    const logits = batch.input === 'logits';
    for (let r = n * m; r < (n + 1) * m; r++) {
      let all = 1;
      for (let j = r * classes; j < (r + 1) * classes; j++) {
        const p = logits ? torchSigmoid(batch.preds[j]) : batch.preds[j];
        if (!right(r, j, p > t ? 1 : 0)) all = 0;
      }
      into[0] += all;
    }
    into[1] = m;
  });
}

/**
 * The confusion-matrix state: multiclass the C × C matrix, label-major (torchmetrics' `confmat`);
 * binary and multilabel their stat-score state, whose 2 × 2 per label it is. Multiclass is
 * limited to {@link MAX_MATRIX_CLASSES} classes (see {@link checkMatrixClasses}).
 */
export function confusionState(config: MetricConfig, options: DecisionOptions): StateSpec<Float64Array> {
  const { task, classes } = config;
  if (task !== 'multiclass') return statState(config, options);
  return countsState(
    'confusion_matrix',
    classes * classes,
    (into, batch) => {
      const matrix = batchConfusion(batch);
      for (let i = 0; i < matrix.length; i++) into[i] += matrix[i];
    },
    1,
    (into, batch) => into.set(groupConfusion(batch)),
  );
}

/** Where a batch with groups keeps its confusion matrix per group. */
const GROUP_CONFUSION = Symbol('confusion matrix per group');

/**
 * A multiclass batch's C × C confusion matrix (top-1) of each group, G × C × C, group-major, in
 * one pass over the rows: from scores, the argmax and the count in one WebAssembly pass
 * ({@link groupConfusionFromScores}); from class indices, a count of them. Group g's block is
 * what {@link batchConfusion} makes of group g's rows alone, ignored rows left out, weighted rows
 * summed in row order. Every grouped multiclass count of the threshold family (stat scores,
 * confusion matrix, exact match) reads it, so the rows are read once. O(rows · C + G·C²).
 */
function groupConfusion(batch: MetricBatch): Float64Array {
  return derivedFromBatch(batch, GROUP_CONFUSION, () => {
    const { rows, classes, labels, ignoreIndex, weights, groups, numGroups, classIndices } = batch;
    if (groups === undefined || numGroups === undefined) throw new Error('groupConfusion: the batch has no groups');
    const out = new Float64Array(numGroups * classes * classes);
    const kept = new Float64Array(numGroups);
    if (classIndices) groupConfusionCounts(out, kept, labels, classIndices, groups, classes, ignoreIndex, weights);
    else groupConfusionFromScores(out, kept, batch.preds, labels, groups, weights, rows, classes, numGroups, ignoreIndex);
    keepGroupRowCounts(batch, kept);
    return out;
  });
}

/** Calls `each(g, matrix)` with each group's confusion matrix (a view of {@link groupConfusion}). */
function forEachGroupMatrix(batch: MetricBatch, each: (group: number, matrix: Float64Array) => void): void {
  const all = groupConfusion(batch);
  const block = batch.classes * batch.classes;
  for (let g = 0; g < (batch.numGroups ?? 0); g++) each(g, all.subarray(g * block, (g + 1) * block));
}

/** Where a batch keeps its confusion matrix (see derivedFromBatch). */
const CONFUSION = Symbol('confusion matrix');

/**
 * A multiclass batch's C × C confusion matrix (top-1), made once per batch: from class indices,
 * or argmax and count in one WebAssembly pass for large batches. The stat scores of small class
 * counts read it too, so the rows are counted once for the whole threshold family.
 */
function batchConfusion(batch: MetricBatch): Float64Array {
  return derivedFromBatch(batch, CONFUSION, () => {
    const { rows, classes, labels, ignoreIndex } = batch;
    const matrix = new Float64Array(classes * classes);
    if (batch.classIndices || batch.weights) multiclassConfusionCounts(matrix, labels, predictedClasses(batch, 1), classes, ignoreIndex, batch.weights);
    else confusionFromScores(matrix, batch.preds, labels, rows, classes, ignoreIndex);
    return matrix;
  });
}


/** The most classes a C × C state may have: 1,048,576 counts (8 MiB), an ImageNet-1k matrix. */
export const MAX_MATRIX_CLASSES = 1024;

/** 413 for a multiclass C × C state beyond {@link MAX_MATRIX_CLASSES}. */
export function checkMatrixClasses(name: string, config: MetricConfig, path: string): void {
  if (config.task === 'multiclass' && config.classes > MAX_MATRIX_CLASSES) {
    const message = `${name} keeps a C × C matrix: at most ${MAX_MATRIX_CLASSES} classes (this batch has ${config.classes}, ${(config.classes ** 2).toLocaleString('en')} counts)`;
    throw payloadTooLarge(`${path}: ${message}`, [{ path, message }]);
  }
}

/** Multilabel exact match: [rows matched, rows counted]. */
export function exactMatchState(options: DecisionOptions): StateSpec<Float64Array> {
  const t = options.threshold ?? 0.5;
  return countsState(
    `exact_match:threshold=${t}`,
    2,
    (into, batch: MetricBatch) => {
      exactMatchCounts(into, batch.preds, batch.labels, batch.rows, batch.classes, t, batch.input === 'logits', batch.ignoreIndex, batch.weights);
    },
    1,
    (into, batch: MetricBatch) => {
      if (batch.groups === undefined) throw new Error('exact_match by group: the batch has no groups');
      groupExactMatchCounts(into, batch.preds, batch.labels, batch.groups, batch.rows, batch.classes, t, batch.input === 'logits', batch.ignoreIndex, batch.weights);
    },
  );
}

/**
 * The multiclass exact-match state: [samples matched, samples], weighted. A sample is a row, or
 * with extra dimensions (`[N, ...]` inputs) its positions together, as torchmetrics'
 * `_multiclass_exact_match_update` reads them: it matches when every kept position is predicted
 * right (argmax of the scores, or the class index sent). Ignored positions and positions of
 * weight 0 change nothing; a sample with none kept is left out (torchmetrics counts it as a
 * match). A one-position sample weighs its weight; a sample of several positions weighs 1.
 * O(rows).
 */
export function multiclassExactMatchState(): StateSpec<Float64Array> {
  return countsState(
    'exact_match:multiclass',
    2,
    (into, batch: MetricBatch) => {
      const m = rowsPerSample(batch);
      if (m === 1 && batch.classes <= MAX_MATRIX_CLASSES) {
        // One position per sample: the rows right are the trace of the batch's confusion matrix,
        // which the stat scores of the same request have already made (weighted, ignored rows out).
        const matrix = batchConfusion(batch);
        const c = batch.classes;
        for (let i = 0; i < c; i++) {
          into[0] += matrix[i * c + i];
          for (let j = 0; j < c; j++) into[1] += matrix[i * c + j];
        }
        return;
      }
      const predicted = predictedClasses(batch, 1);
      const { labels, ignoreIndex, weights } = batch;
      for (let start = 0; start < batch.rows; start += m) {
        let kept = 0;
        let right = true;
        for (let r = start; r < start + m; r++) {
          if (labels[r] === ignoreIndex) continue;
          const w = weights === null ? 1 : weights[r];
          if (w === 0) continue;
          kept += w;
          if (predicted[r] !== labels[r]) right = false;
        }
        if (kept === 0) continue;
        const weight = m === 1 ? kept : 1;
        into[1] += weight;
        if (right) into[0] += weight;
      }
    },
    1,
    // Group g's [matched, samples] at 2g, counted as above; a sample's positions are all in its
    // group (groups have one id per sample), so a sample of several positions counts in the
    // group of its first row. One position per sample: each row weighs its weight, and the
    // counts are the trace and the sum of each group's confusion matrix when there is one.
    (into, batch: MetricBatch) => {
      if (rowsPerSample(batch) === 1 && batch.classes <= MAX_MATRIX_CLASSES) {
        forEachGroupMatrix(batch, (g, matrix) => {
          const c = batch.classes;
          for (let i = 0; i < c; i++) {
            into[2 * g] += matrix[i * c + i];
            for (let j = 0; j < c; j++) into[2 * g + 1] += matrix[i * c + j];
          }
        });
        return;
      }
      const predicted = predictedClasses(batch, 1);
      const { labels, ignoreIndex, weights, groups } = batch;
      if (groups === undefined) throw new Error('exact_match by group: the batch has no groups');
      const m = rowsPerSample(batch);
      if (m > 1) {
        for (let start = 0; start < batch.rows; start += m) {
          let kept = 0;
          let right = true;
          for (let r = start; r < start + m; r++) {
            if (labels[r] === ignoreIndex || (weights !== null && weights[r] === 0)) continue;
            kept++;
            if (predicted[r] !== labels[r]) right = false;
          }
          if (kept === 0) continue;
          into[2 * groups[start] + 1] += 1;
          if (right) into[2 * groups[start]] += 1;
        }
        return;
      }
      for (let r = 0; r < batch.rows; r++) {
        if (labels[r] === ignoreIndex) continue;
        const w = weights === null ? 1 : weights[r];
        if (w === 0) continue;
        into[2 * groups[r] + 1] += w;
        if (predicted[r] === labels[r]) into[2 * groups[r]] += w;
      }
    },
  );
}

/**
 * tp, fp, tn, fn per class from a {@link statState}, made once per compute group (`derived`)
 * and shared by its metrics (who must not modify them).
 */
export function statScoresOf(counts: Float64Array, config: MetricConfig, derived: Derived = underived): StatScores {
  return derived('stat_scores', () => {
    const n = config.classes;
    const s: StatScores = { tp: new Float64Array(n), fp: new Float64Array(n), tn: new Float64Array(n), fn: new Float64Array(n) };
    for (let c = 0; c < n; c++) {
      s.tn[c] = counts[4 * c];
      s.fp[c] = counts[4 * c + 1];
      s.fn[c] = counts[4 * c + 2];
      s.tp[c] = counts[4 * c + 3];
    }
    return s;
  });
}

/**
 * The per-class counts of the classes themselves: multiclass and multilabel as they are; binary
 * as its two classes, 0 (whose positives are the negatives) and 1.
 */
export function classCounts(counts: Float64Array, config: MetricConfig, derived: Derived = underived): StatScores {
  const s = statScoresOf(counts, config, derived);
  if (config.task !== 'binary') return s;
  return { tp: Float64Array.of(s.tn[0], s.tp[0]), fp: Float64Array.of(s.fn[0], s.fp[0]), tn: Float64Array.of(s.tp[0], s.tn[0]), fn: Float64Array.of(s.fp[0], s.fn[0]) };
}

/** 400 for `top_k` above the number of classes (torchmetrics' rule), or above 1 with class-index preds. */
export function checkTopK(options: DecisionOptions, config: MetricConfig, path: string): void {
  const k = options.top_k ?? 1;
  if (k > config.classes) throw invalidField(`${path}/top_k`, `must be at most the number of classes (${config.classes}), got ${k}`);
  if (k > 1 && config.classIndices) throw invalidField(`${path}/top_k`, `needs scores [N, C]; preds are class indices, so only top_k 1 applies (got ${k})`);
}

const sum = (values: Float64Array): number => values.reduce((a, b) => a + b, 0);

const StatScoresOptions = z.strictObject({ threshold, average: averageOption, top_k: topK });

/**
 * `stat_scores`: tp, fp, tn, fn and support (tp + fn), per class or averaged as
 * torchmetrics' `_multiclass_stat_scores_compute` averages them (micro: sums; macro: means over
 * every class; weighted: by support).
 */
const globalStatScores = defineMetric<z.output<typeof StatScoresOptions>, Float64Array>({
  name: 'stat_scores',
  summary: 'True / false positives and negatives, and support.',
  source: 'torchmetrics *_stat_scores',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: statScoreOptions(),
  options: StatScoresOptions,
  needsScores: false,
  check: (options, config, path) => checkTopK(options, config, path),
  state: (options, config) => statState(config, options),
  compute(counts, options, config, derived): MetricEntry {
    const s = statScoresOf(counts, config, derived);
    const support = s.tp.map((tp, c) => tp + s.fn[c]);
    const fields = { tp: s.tp, fp: s.fp, tn: s.tn, fn: s.fn, support };
    const warnings: string[] = [];
    if (config.task === 'binary' || options.average === 'micro') {
      return { ...mapFields(fields, (v) => sum(v)), warnings };
    }
    if (options.average === 'none') return { ...mapFields(fields, (v) => Array.from(v)), warnings };
    if (options.average === 'macro') return { ...mapFields(fields, (v) => sum(v) / v.length), warnings };
    const total = sum(support);
    if (total === 0) {
      warnings.push('no class has support: the weighted average is undefined (null)');
      return { ...mapFields(fields, () => null), warnings };
    }
    return { ...mapFields(fields, (v) => v.reduce((acc, x, c) => acc + x * (support[c] / total), 0)), warnings };
  },
});

function mapFields<T>(fields: Record<string, Float64Array>, f: (values: Float64Array) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, f(v)]));
}

/**
 * `stat_scores`, with torchmetrics' `multidim_average`: samplewise, each field holds one value per
 * sample (`[N]`, or `[N, C]` for average "none"), torchmetrics' `[N, 5]` / `[N, C, 5]` by field.
 */
export const statScores = withSamplewise(globalStatScores, (config, options) => samplewiseStatState(config, options), (config) => 4 * config.classes);
