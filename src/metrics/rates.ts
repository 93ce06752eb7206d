import { z } from 'zod';
import type { Task } from '../batch/task.js';
import { classesPhrase } from './averaging.js';
import type { MetricConfig } from '../batch/batch.js';
import { averageOption, defineMetric, statScoreOptions, threshold, topK, zeroDivision, zeroDivisionValue, type MetricEntry, type ZeroDivision } from './definition.js';
import { checkTopK, samplewiseStatState, statScoresOf, statState, type StatScores } from './stat-scores.js';
import { withSamplesAverage, type Rate } from './samples-average.js';
import { withSamplewise, type MultidimAverage } from './samplewise.js';

/** A rate of the confusion counts: numerator and denominator. */

interface RateOptions {
  threshold: number;
  average: 'micro' | 'macro' | 'weighted' | 'samples' | 'none';
  top_k: number;
  zero_division?: ZeroDivision;
  multidim_average?: MultidimAverage;
}

interface RateSpec {
  name: string;
  summary: string;
  source: string;
  /** The rate for a task (accuracy counts tn too in binary and multilabel). */
  rate: (task: Task) => Rate;
  /** What a 0 denominator means, for the warning. */
  zeroReason: string;
  /** Hamming distance: the answer is 1 − the rate. */
  complement?: boolean;
  /**
   * torchmetrics passes `top_k` to this metric's reduce step, so with top_k > 1 its macro
   * average leaves out the classes with tp + fn = 0 instead of tp + fp + fn = 0 (accuracy,
   * precision, recall, negative predictive value; not specificity, F-scores, Hamming distance).
   */
  topKExclusion?: boolean;
}

/**
 * The reduce stage of torchmetrics' stat-score metrics (`_precision_recall_reduce`,
 * `_accuracy_reduce`, `_fbeta_reduce`, `_specificity_reduce`, ... and
 * `_adjust_weights_safe_divide`): binary is the rate of the counts; micro the rate of the summed
 * counts; macro the mean of per-class rates over the classes with tp + fp + fn > 0 (multiclass;
 * tp + fn > 0 for top_k > 1; every label for multilabel); weighted by support (tp + fn). A 0/0
 * rate is `zero_division` (0 where the metric has no such option), with a warning; an average
 * over no weight is 0, as torchmetrics answers, with a warning.
 *
 * `zero_division: "nan"` is scikit-learn's `np.nan` (`_prf_divide`, then `_nanaverage`): a 0/0
 * rate is null, left out of the macro and weighted averages; an average with no defined value
 * left is null; a weighted average whose defined values all weigh 0 is their plain mean.
 */
export function reduceRate(spec: RateSpec, s: StatScores, config: MetricConfig, options: RateOptions): MetricEntry {
  const { task, classes } = config;
  const rate = spec.rate(task);
  const zd = zeroDivisionValue(options.zero_division);
  const nan = zd === null;
  const f = (x: number | null) => (x === null || !spec.complement ? x : 1 - x);
  const warnings: string[] = [];
  const what = spec.complement
    ? `its accuracy is 0/0 (${spec.zeroReason}), ${zd}, so ${spec.name} is ${f(zd)}`
    : `${spec.name} is 0/0 (${spec.zeroReason}); ${nan ? 'null by zero_division "nan"' : `${zd} by zero_division`}`;
  // Classes whose rate is 0/0, told in one warning each kind (kept in, or left out of the macro average).
  const zeroKept: number[] = [];
  const zeroLeftOut: number[] = [];
  /** The rate of class `c` (-1: the pooled counts); a 0/0 is zero_division, noted for a warning. */
  const rateOf = (tp: number, fp: number, tn: number, fn: number, c: number, excluded = false): number | null => {
    const [num, den] = rate(tp, fp, tn, fn);
    if (den !== 0) return num / den;
    if (c < 0) warnings.push(`${task === 'binary' ? 'the batch' : 'the pooled (micro) counts'}: ${what}`);
    else (excluded ? zeroLeftOut : zeroKept).push(c);
    return zd;
  };
  const flush = () => {
    // Under "nan" every 0/0 class is left out of an average (scikit-learn's _nanaverage).
    const leftOut = nan && options.average !== 'none' ? `, left out of the ${options.average} average` : '';
    if (zeroKept.length > 0) warnings.push(`${classesPhrase(task, zeroKept)}: ${what}${leftOut}`);
    if (zeroLeftOut.length > 0) warnings.push(`${classesPhrase(task, zeroLeftOut)}: ${what}, left out of the macro average`);
  };
  const sum = (v: Float64Array) => v.reduce((a, b) => a + b, 0);
  if (task === 'binary') return { [spec.name]: f(rateOf(s.tp[0], s.fp[0], s.tn[0], s.fn[0], -1)), warnings };
  const macro = task === 'multiclass' && options.average === 'macro';
  const supportOnly = spec.topKExclusion === true && options.top_k > 1;
  const excluded = (c: number) => macro && (supportOnly ? s.tp[c] + s.fn[c] === 0 : s.tp[c] + s.fp[c] + s.fn[c] === 0);
  const perClass: (number | null)[] = new Array(classes);
  for (let c = 0; c < classes; c++) perClass[c] = f(rateOf(s.tp[c], s.fp[c], s.tn[c], s.fn[c], c, excluded(c)));
  if (options.average === 'micro') {
    // Beside a micro average, the warning is about the pooled counts, not the classes.
    const value = f(rateOf(sum(s.tp), sum(s.fp), sum(s.tn), sum(s.fn), -1));
    return { [spec.name]: value, per_class: perClass, warnings };
  }
  flush();
  if (options.average === 'none') return { [spec.name]: null, per_class: perClass, warnings };
  if (nan) return { [spec.name]: nanAverage(spec.name, perClass, options.average, (c) => (options.average === 'weighted' ? s.tp[c] + s.fn[c] : excluded(c) ? 0 : 1), warnings), per_class: perClass, warnings };
  let weighted = 0;
  let norm = 0;
  for (let c = 0; c < classes; c++) {
    const w = options.average === 'weighted' ? s.tp[c] + s.fn[c] : excluded(c) ? 0 : 1;
    weighted += w * (perClass[c] as number);
    norm += w;
  }
  if (norm === 0) warnings.push(`no class carries weight in the ${options.average} average: 0, as torchmetrics answers`);
  return { [spec.name]: norm === 0 ? 0 : weighted / norm, per_class: perClass, warnings };
}

/**
 * scikit-learn's `_nanaverage` over per-class values where a 0/0 is null (`zero_division: "nan"`):
 * the values that are not null, weighted by `weight(c)` (macro: 1, or 0 for a class torchmetrics
 * leaves out; weighted: support). Null, with a warning, when no value is left; the plain mean of
 * the values left when they all weigh 0 (weighted), as `_nanaverage` falls back to `np.average`
 * without weights. O(C).
 */
export function nanAverage(name: string, perClass: readonly (number | null)[], average: string, weight: (c: number) => number, warnings: string[]): number | null {
  let weighted = 0;
  let norm = 0;
  let plain = 0;
  let left = 0;
  for (let c = 0; c < perClass.length; c++) {
    const v = perClass[c];
    if (v === null || (average === 'macro' && weight(c) === 0)) continue;
    weighted += weight(c) * v;
    norm += weight(c);
    plain += v;
    left++;
  }
  if (left === 0) {
    warnings.push(`no class has a defined ${name}: the ${average} average is undefined (null), as scikit-learn's zero_division=np.nan answers`);
    return null;
  }
  return norm === 0 ? plain / left : weighted / norm;
}

const withZeroDivision = z.strictObject({ threshold, average: averageOption, top_k: topK, zero_division: zeroDivision });
const withoutZeroDivision = z.strictObject({ threshold, average: averageOption, top_k: topK });

/** The global stat-score block of one sample: [tn, fp, fn, tp] per class. */
export const statBlock = (config: MetricConfig): number => 4 * config.classes;

function rateMetric(spec: RateSpec, takesZeroDivision: boolean) {
  return withSamplewise(defineMetric<RateOptions, Float64Array>({
    name: spec.name,
    summary: spec.summary,
    source: spec.source,
    tasks: ['binary', 'multiclass', 'multilabel'],
    optionsFor: takesZeroDivision ? statScoreOptions('zero_division') : statScoreOptions(),
    options: takesZeroDivision ? withZeroDivision : withoutZeroDivision,
    needsScores: false,
    check: (options, config, path) => checkTopK(options, config, path),
    state: (options, config) => statState(config, options),
    compute: (counts, options, config, derived) => reduceRate(spec, statScoresOf(counts, config, derived), config, options),
  }), samplewiseStatState, statBlock);
}

export const recallRate: Rate = (tp, _fp, _tn, fn) => [tp, tp + fn];
const agreementRate: Rate = (tp, fp, tn, fn) => [tp + tn, tp + fp + tn + fn];

export const accuracy = rateMetric(
  {
    name: 'accuracy',
    summary: 'Share of correct decisions (multiclass: per-class recall; top_k).',
    source: 'torchmetrics *_accuracy',
    rate: (task) => (task === 'multiclass' ? recallRate : agreementRate),
    zeroReason: 'no samples',
    topKExclusion: true,
  },
  false,
);

export const hammingDistance = rateMetric(
  {
    name: 'hamming_distance',
    summary: 'Share of wrong decisions: 1 − accuracy.',
    source: 'torchmetrics *_hamming_distance',
    rate: (task) => (task === 'multiclass' ? recallRate : agreementRate),
    zeroReason: 'no samples',
    complement: true,
  },
  false,
);

export const precisionRate: Rate = (tp, fp) => [tp, tp + fp];

export const precision = withSamplesAverage(
  rateMetric({ name: 'precision', summary: 'tp / (tp + fp).', source: 'torchmetrics *_precision', rate: () => precisionRate, zeroReason: 'nothing predicted positive', topKExclusion: true }, true),
  () => precisionRate,
);

export const recall = withSamplesAverage(
  rateMetric({ name: 'recall', summary: 'tp / (tp + fn): sensitivity, true-positive rate.', source: 'torchmetrics *_recall', rate: () => recallRate, zeroReason: 'no positive samples', topKExclusion: true }, true),
  () => recallRate,
);

export const specificity = rateMetric(
  { name: 'specificity', summary: 'tn / (tn + fp): true-negative rate.', source: 'torchmetrics *_specificity', rate: () => (_tp, fp, tn) => [tn, tn + fp], zeroReason: 'no negative samples' },
  false,
);

export const negativePredictiveValue = rateMetric(
  {
    name: 'negative_predictive_value',
    summary: 'tn / (tn + fn).',
    source: 'torchmetrics *_negative_predictive_value',
    rate: () => (_tp, _fp, tn, fn) => [tn, tn + fn],
    zeroReason: 'nothing predicted negative',
    topKExclusion: true,
  },
  true,
);

/**
 * F-beta as torchmetrics writes it, (1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp); where that
 * overflows (β² or its products beyond float64), the same ratio divided through by β², which
 * tends to recall as β grows.
 */
export const fbetaRate =
  (beta: number): Rate =>
  (tp, fp, _tn, fn) => {
    const b2 = beta * beta;
    const num = (1 + b2) * tp;
    const den = num + b2 * fn + fp;
    if (Number.isFinite(den)) return [num, den];
    const scaled = (1 / b2 + 1) * tp;
    return [scaled, scaled + fn + fp / b2];
  };

export const f1Score = withSamplesAverage(
  rateMetric(
    { name: 'f1_score', summary: 'Harmonic mean of precision and recall.', source: 'torchmetrics *_f1_score', rate: () => fbetaRate(1), zeroReason: 'no positive samples and nothing predicted positive' },
    true,
  ),
  () => fbetaRate(1),
);

interface FbetaOptions extends RateOptions {
  beta: number;
}

export const fbetaScore = withSamplesAverage(withSamplewise(defineMetric<FbetaOptions, Float64Array>({
  name: 'fbeta_score',
  summary: 'F-beta: recall weighs beta times as much as precision (`beta` required).',
  source: 'torchmetrics *_fbeta_score',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: statScoreOptions('zero_division', 'beta'),
  options: withZeroDivision.extend({
    beta: z
      .number({ error: (issue) => (issue.input === undefined ? 'is required: fbeta_score needs beta > 0 (recall weighs beta times as much as precision)' : undefined) })
      .gt(0)
      .describe('Required: the weight of recall (> 0).'),
  }),
  needsScores: false,
  check: (options, config, path) => checkTopK(options, config, path),
  state: (options, config) => statState(config, options),
  compute: (counts, options, config, derived) =>
    reduceRate(
      { name: 'fbeta_score', summary: '', source: '', rate: () => fbetaRate(options.beta), zeroReason: 'no positive samples and nothing predicted positive' },
      statScoresOf(counts, config, derived),
      config,
      options,
    ),
}), samplewiseStatState, statBlock), (options) => fbetaRate(options.beta));
