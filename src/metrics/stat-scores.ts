import { z } from 'zod';
import { invalidField } from '../errors.js';
import { binaryConfusionCounts, confusionFromScores, exactMatchCounts, multiclassConfusionCounts, topKStatCounts } from '../kernels/stat-scores.js';
import type { MetricBatch, MetricConfig } from './batch.js';
import { averageOption, defineMetric, statScoreOptions, threshold, topK, type MetricEntry } from './definition.js';
import { countsState, type StateSpec } from './state.js';

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

/**
 * The confusion state of a task: binary [tn, fp, fn, tp]; multiclass the C × C matrix
 * (label-major); multilabel [tn, fp, fn, tp] per label. Threshold metrics, the confusion matrix,
 * Jaccard, MCC and kappa all read it, so one request counts the batch once per threshold.
 */
export function confusionState(config: MetricConfig, options: DecisionOptions): StateSpec<Float64Array> {
  const { task, classes } = config;
  if (task === 'multiclass') {
    return countsState('confusion', classes * classes, (into, batch) => {
      if (batch.classIndices) multiclassConfusionCounts(into, batch.labels, batch.classIndices, classes, batch.ignoreIndex);
      else confusionFromScores(into, batch.preds, batch.labels, batch.rows, classes, batch.ignoreIndex);
    });
  }
  const t = options.threshold ?? 0.5;
  return countsState(`confusion:${t}`, 4 * classes, (into, batch) => {
    const logits = batch.input === 'logits';
    for (let c = 0; c < classes; c++) binaryConfusionCounts(into, 4 * c, batch.preds, batch.labels, c, classes, batch.rows, t, logits, batch.ignoreIndex);
  });
}

/** Multiclass top-k (k > 1): [tp, fp, tn, fn] per class. */
function topKState(config: MetricConfig, k: number): StateSpec<Float64Array> {
  return countsState(`top_k:${k}`, 4 * config.classes, (into, batch) => {
    topKStatCounts(into, batch.preds, batch.labels, batch.rows, config.classes, k, batch.ignoreIndex);
  });
}

/** Multilabel exact match: [rows matched, rows counted]. */
export function exactMatchState(options: DecisionOptions): StateSpec<Float64Array> {
  const t = options.threshold ?? 0.5;
  return countsState(`exact_match:${t}`, 2, (into, batch: MetricBatch) => {
    exactMatchCounts(into, batch.preds, batch.labels, batch.rows, batch.classes, t, batch.input === 'logits', batch.ignoreIndex);
  });
}

/** The state the stat-score metrics read: the confusion state, or top-k counts for k > 1. */
export function statState(config: MetricConfig, options: DecisionOptions): StateSpec<Float64Array> {
  const k = options.top_k ?? 1;
  return config.task === 'multiclass' && k > 1 ? topKState(config, k) : confusionState(config, options);
}

/** Derived once per state: states never change once made, so a state's stat scores are fixed. */
const derived = new WeakMap<Float64Array, StatScores>();

/**
 * tp, fp, tn, fn per class from a {@link statState}, derived once per state and shared by every
 * metric of its compute group (the caller must not modify them).
 */
export function statScoresOf(counts: Float64Array, config: MetricConfig, options: DecisionOptions): StatScores {
  let s = derived.get(counts);
  if (!s) {
    s = deriveStatScores(counts, config, options);
    derived.set(counts, s);
  }
  return s;
}

function deriveStatScores(counts: Float64Array, config: MetricConfig, options: DecisionOptions): StatScores {
  const n = config.classes;
  const s: StatScores = { tp: new Float64Array(n), fp: new Float64Array(n), tn: new Float64Array(n), fn: new Float64Array(n) };
  if (config.task === 'multiclass' && (options.top_k ?? 1) > 1) {
    for (let c = 0; c < n; c++) {
      s.tp[c] = counts[4 * c];
      s.fp[c] = counts[4 * c + 1];
      s.tn[c] = counts[4 * c + 2];
      s.fn[c] = counts[4 * c + 3];
    }
  } else if (config.task === 'multiclass') {
    let total = 0;
    for (let i = 0; i < n * n; i++) total += counts[i];
    for (let c = 0; c < n; c++) {
      let row = 0;
      let column = 0;
      for (let j = 0; j < n; j++) {
        row += counts[c * n + j];
        column += counts[j * n + c];
      }
      const tp = counts[c * n + c];
      s.tp[c] = tp;
      s.fn[c] = row - tp;
      s.fp[c] = column - tp;
      s.tn[c] = total - row - column + tp;
    }
  } else {
    for (let c = 0; c < n; c++) {
      s.tn[c] = counts[4 * c];
      s.fp[c] = counts[4 * c + 1];
      s.fn[c] = counts[4 * c + 2];
      s.tp[c] = counts[4 * c + 3];
    }
  }
  return s;
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
export const statScores = defineMetric<z.output<typeof StatScoresOptions>, Float64Array>({
  name: 'stat_scores',
  summary: 'True / false positives and negatives, and support.',
  source: 'torchmetrics *_stat_scores',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: statScoreOptions(),
  options: StatScoresOptions,
  needsScores: false,
  check: (options, config, path) => checkTopK(options, config, path),
  state: (options, config) => statState(config, options),
  compute(counts, options, config): MetricEntry {
    const s = statScoresOf(counts, config, options);
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
