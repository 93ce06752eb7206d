/**
 * AUROC, one family in one file: its options, its answer, argument validation, the compute
 * stage over a formatted batch (exact from sorted scores, binned from counts, one-vs-one, the
 * samples average, DeLong and bootstrap intervals), and the `auroc` metric of the registry. The
 * pure math is kernels/auroc.ts; /v1/auroc's task is endpoints/auroc.ts.
 */
import { z } from 'zod';
import { invalidField } from '../errors.js';
import { aurocExact, aurocFromBinnedCounts, aurocFromCounts, aurocFromSplit, aurocFromWeightedSplit } from '../kernels/auroc.js';
import { splitSorted, type SplitScores } from '../kernels/class-split.js';
import { classPairs } from '../batch/limits.js';
import { thresholdGrid, withRows, type Grid, type RankCountsSource } from '../batch/rank-counts-cache.js';
import { classView, supports, type RankingBatch } from '../batch/ranking-batch.js';
import type { MetricConfig } from '../batch/batch.js';
import { Average, PerClass, averageDefined, classLabel, undefinedClassWarning } from './averaging.js';
import { Thresholds, checkThresholds, rankCountsSource, rankingAnswerFields, rankingComputeWork, rankingEntry, rankingState, type RankingState } from './binned.js';
import { BOOTSTRAP_UNDEFINED, type CiOptional, ConfidenceOptions, Interval, bootstrapInterval, delongInterval } from './confidence.js';
import { defineMetric } from './definition.js';
import { samplesAverage } from './samples-average.js';

/**
 * The AUROC options, their one schema: /v1/auroc and /v1/score compose it with the batch fields
 * (src/schemas/), the `auroc` metric takes it as is. `ci` may be absent where a caller has none.
 */
export const AurocOptions = z.strictObject({
  average: Average.default('macro').describe(
    '`macro` (default) and `weighted` (by positives) average the defined classes; `micro` pools every (sample, class) pair (multilabel, multiclass one-vs-rest); `samples` (multilabel, scikit-learn) the AUROC of each row over its labels, averaged over rows (weighted by sample_weight); `none` returns per_class only.',
  ),
  multi_class: z.enum(['ovr', 'ovo']).default('ovr').describe('Multiclass: one-vs-rest, or one-vs-one (Hand & Till 2001; macro or weighted).'),
  max_fpr: z
    .number()
    .gt(0)
    .max(1)
    .nullable()
    .default(null)
    .describe('Binary only: standardized partial AUC up to this false-positive rate (McClish), as scikit-learn.'),
  thresholds: Thresholds,
  ci: ConfidenceOptions,
});
export type AurocOptions = CiOptional<z.output<typeof AurocOptions>>;

/** The AUROC of one batch: /v1/auroc's answer, and the `auroc` entry of /v1/score. */
export const AurocResponse = z.object({
  ...rankingAnswerFields,
  multi_class: z.enum(['ovr', 'ovo']).nullable().describe('null unless multiclass.'),
  auroc: z.number().nullable().describe('null when undefined (no positives or no negatives), or for average none.'),
  per_class: PerClass.optional(),
  per_pair: z
    .array(z.object({ classes: z.array(z.number().int()).length(2).describe('The pair of classes [a, b], a < b.'), auroc: z.number().nullable() }))
    .optional()
    .describe('One-vs-one: the Hand & Till score of each pair of classes.'),
  ci: Interval.nullable().optional().describe('The interval of `auroc`, when `ci` was asked; null where undefined.'),
  variance: z
    .number()
    .nullable()
    .optional()
    .describe('DeLong variance of a binary (or micro-averaged) AUROC; null (with a warning) with fewer than two positives or two negatives.'),
  per_class_ci: z.array(Interval.nullable()).optional().describe('DeLong: one interval per class (one-vs-rest) or label.'),
  warnings: z.array(z.string()),
}).meta({ id: 'AurocResult', description: 'AUROC of one batch (also the `auroc` entry of /v1/score).' });

export type AurocResponse = z.infer<typeof AurocResponse>;

/** Argument validation: option combinations the libraries reject, rejected with the field named. */
function checkAurocOptions(options: AurocOptions, cache: RankCountsSource): void {
  const { batch } = cache;
  if (options.max_fpr !== null && batch.task !== 'binary') throw invalidField('max_fpr', `applies to binary AUROC only (task is ${batch.task})`);
  if (options.multi_class === 'ovo') {
    if (withRows(cache).batch.weights) throw invalidField('multi_class', '"ovo" takes no sample_weight (scikit-learn has no weighted one-vs-one AUROC); use "ovr"');
    if (batch.task !== 'multiclass') throw invalidField('multi_class', `"ovo" applies to multiclass only (task is ${batch.task})`);
    if (options.average !== 'macro' && options.average !== 'weighted') throw invalidField('average', `"ovo" supports macro or weighted, got "${options.average}"`);
    if (options.thresholds !== null) throw invalidField('thresholds', '"ovo" is computed exactly; binned thresholds are not supported');
  }
}

/** AUROC of class `c`: straight from its sorted scores when exact, else from its curve. */
function aurocOfClass(cache: RankCountsSource, c: number, grid: Grid, maxFpr: number | null): { auroc: number | null; positives: number; negatives: number } {
  if (grid.values === null && maxFpr === null) {
    const rows = withRows(cache);
    if (rows.batch.weights !== null) {
      const split = rows.weightedSplit(c, false);
      return { auroc: aurocFromWeightedSplit(split), positives: split.positiveWeight, negatives: split.negativeWeight };
    }
    const split = rows.split(c);
    return { auroc: aurocFromSplit(split), positives: split.positives.length, negatives: split.negatives.length };
  }
  const counts = cache.ofClass(c, grid);
  const auroc = grid.values ? aurocFromBinnedCounts(counts, maxFpr) : aurocExact(counts, maxFpr);
  return { auroc, positives: counts.positives, negatives: counts.negatives };
}

/** Hand & Till (2001) one-vs-one AUROC, as scikit-learn's `multi_class="ovo"`. */
function aurocOneVsOne(batch: RankingBatch, weighted: boolean, warnings: string[]): Pick<AurocResponse, 'auroc' | 'per_pair'> {
  const counts = supports(batch);
  const kept = counts.reduce((a, b) => a + b, 0);
  // Class a's column, ranking the samples of class a (positives) against those of class b.
  const pairAuroc = (a: number, b: number) => aurocFromSplit(splitSorted({ ...classView(batch, a), positive: a, negative: b })) as number;
  const pairScores: Array<number | null> = [];
  const prevalence: number[] = [];
  const perPair: NonNullable<AurocResponse['per_pair']> = [];
  for (let a = 0; a < batch.classes; a++) {
    for (let b = a + 1; b < batch.classes; b++) {
      let score: number | null = null;
      if (counts[a] > 0 && counts[b] > 0) score = (pairAuroc(a, b) + pairAuroc(b, a)) / 2;
      else {
        const absent = counts[a] === 0 ? a : b;
        warnings.push(`classes ${a} and ${b}: class ${absent} has no samples, so the pair's AUROC is undefined (null) and left out of the average`);
      }
      pairScores.push(score);
      prevalence.push((counts[a] + counts[b]) / kept);
      perPair.push({ classes: [a, b], auroc: score });
    }
  }
  return { auroc: averageDefined(pairScores, weighted ? prevalence : null), per_pair: perPair };
}

/**
 * The compute stage of AUROC over a formatted batch, reusing (and filling) `cache`, with the
 * confidence interval asked for.
 */
export function aurocOfBatch(source: RankCountsSource, options: AurocOptions): AurocResponse {
  const response = aurocPoint(source, options);
  const ci = options.ci ?? null;
  if (ci === null) return response;
  const cache = withRows(source);
  const { batch } = cache;
  if (ci.method === 'bootstrap') {
    const interval = bootstrapInterval(batch, (resampled) => aurocPoint(resampled, options).auroc, ci);
    return { ...response, ci: interval, warnings: interval ? response.warnings : [...response.warnings, BOOTSTRAP_UNDEFINED] };
  }
  if (batch.weights) throw invalidField('ci/method', 'DeLong has no weighted form: with sample_weight, use "bootstrap" (it resamples rows with their weights)');
  if (options.thresholds !== null || options.max_fpr !== null || options.multi_class === 'ovo') {
    throw invalidField('ci/method', 'DeLong intervals are for the exact, full, one-vs-rest AUROC; use "bootstrap" with thresholds, max_fpr or ovo');
  }
  const warnings = [...response.warnings];
  const delong = (split: SplitScores, who: string) => {
    const result = delongInterval(split.positives, split.negatives, ci.level);
    if (result.interval === null) warnings.push(`${who}: no DeLong interval (null): ${result.reason}`);
    return result;
  };
  if (batch.task === 'binary') {
    const result = delong(cache.split(0), 'the batch');
    return { ...response, ci: result.interval, variance: result.variance, warnings };
  }
  const perClass = Array.from({ length: batch.classes }, (_, c) => delong(cache.split(c), classLabel(batch.task, c)).interval);
  if (options.average === 'micro') {
    const result = delong(cache.pooledSplit(), 'the pooled (micro) AUROC');
    return { ...response, ci: result.interval, variance: result.variance, per_class_ci: perClass, warnings };
  }
  if (options.average !== 'none') warnings.push('DeLong intervals are given per class; ask for "bootstrap" to get an interval of the averaged AUROC');
  return { ...response, ci: null, per_class_ci: perClass, warnings };
}

/** AUROC without an interval. */
function aurocPoint(cache: RankCountsSource, options: AurocOptions): AurocResponse {
  const { batch } = cache;
  checkAurocOptions(options, cache);
  const grid = thresholdGrid(options.thresholds);
  const warnings = [...batch.warnings];
  const base = {
    task: batch.task,
    input: batch.input,
    average: batch.task === 'binary' ? null : options.average,
    multi_class: batch.task === 'multiclass' ? options.multi_class : null,
  };

  if (batch.task === 'binary') {
    const { auroc, positives, negatives } = aurocOfClass(cache, 0, grid, options.max_fpr);
    if (auroc === null) warnings.push(undefinedClassWarning('AUROC', 'the batch', positives, negatives));
    return { ...base, auroc, warnings };
  }
  if (options.multi_class === 'ovo') {
    return { ...base, ...aurocOneVsOne(withRows(cache).batch, options.average === 'weighted', warnings), warnings };
  }

  const perClass: Array<number | null> = [];
  for (let c = 0; c < batch.classes; c++) {
    const { auroc: value, positives, negatives } = aurocOfClass(cache, c, grid, null);
    if (value === null) {
      warnings.push(undefinedClassWarning('AUROC', classLabel(batch.task, c), positives, negatives));
    }
    perClass.push(value);
  }
  let auroc: number | null;
  if (options.average === 'samples') {
    const { value, warning } = samplesAverage(withRows(cache).batch, options.thresholds, 'AUROC', aurocFromCounts);
    return { ...base, auroc: value, per_class: perClass, warnings: warning ? [...warnings, warning] : warnings };
  }
  if (options.average === 'none') auroc = null;
  else if (options.average === 'micro') {
    if (grid.values) auroc = aurocFromBinnedCounts(cache.pooled(grid), null);
    else {
      const rows = withRows(cache);
      auroc = rows.batch.weights ? aurocFromWeightedSplit(rows.weightedSplit('pooled', false)) : aurocFromSplit(rows.pooledSplit());
    }
  } else auroc = averageDefined(perClass, options.average === 'weighted' ? cache.supports() : null);
  if (auroc === null && options.average !== 'none') warnings.push('no class has both positive and negative samples: the AUROC is undefined (null)');
  return { ...base, auroc, per_class: perClass, warnings };
}

/** `auroc`: as /v1/auroc (exact or binned, ovr / ovo, max_fpr, DeLong or bootstrap intervals). */
export const auroc = defineMetric<AurocOptions, RankingState>({
  name: 'auroc',
  summary: 'Area under the ROC curve, as /v1/auroc.',
  source: 'torchmetrics *_auroc, scikit-learn roc_auc_score',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: {
    binary: ['max_fpr', 'thresholds', 'ci'],
    multiclass: ['average', 'multi_class', 'thresholds', 'ci'],
    multilabel: ['average', 'thresholds', 'ci'],
  },
  options: AurocOptions,
  // One-vs-one answers every pair of classes (two classes and a value each).
  answerSize: (config, options) => config.classes + (options.multi_class === 'ovo' ? 3 * classPairs(config.classes) : 0),
  needsScores: true,
  check: checkThresholds,
  state: rankingState,
  work: rankingComputeWork,
  compute: (state, options, config: MetricConfig, derived) => rankingEntry(aurocOfBatch(rankCountsSource(state, options.thresholds, config, derived), options)),
});
