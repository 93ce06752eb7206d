/**
 * Average precision, one family in one file: its options, its answer, the compute stage over a
 * formatted batch (step-wise exact, binned, micro, samples, bootstrap interval) and the
 * `average_precision` metric of the registry. The pure math is kernels/average-precision.ts;
 * /v1/average-precision's task is endpoints/average-precision.ts.
 */
import { z } from 'zod';
import { averagePrecisionFromBinnedCounts, averagePrecisionFromCounts } from '../kernels/average-precision.js';
import type { RankCounts } from '../kernels/rank-counts.js';
import { RankCountsCache, thresholdGrid, withRows, type Grid, type RankCountsSource } from '../batch/rank-counts-cache.js';
import { Average, PerClass, averageDefined, classLabel, undefinedClassWarning } from './averaging.js';
import { Thresholds, checkThresholds, rankCountsSource, rankingAnswerFields, rankingComputeWork, rankingEntry, rankingState, type RankingState } from './binned.js';
import { BOOTSTRAP_UNDEFINED, type CiOptional, BootstrapOptions, Interval, bootstrapInterval } from './confidence.js';
import { defineMetric } from './definition.js';
import { samplesAverage } from './samples-average.js';

/**
 * The average-precision options, their one schema: /v1/average-precision and /v1/score compose
 * it with the batch fields (src/schemas/), the `average_precision` metric takes it as is.
 */
export const AveragePrecisionOptions = z.strictObject({
  average: Average.default('macro').describe(
    '`macro` (default) and `weighted` (by positives) average the defined classes; `micro` pools every (sample, class) pair; `samples` (multilabel, scikit-learn) the AP of each row over its labels, averaged over rows (weighted by sample_weight); `none` returns per_class only.',
  ),
  thresholds: Thresholds,
  ci: BootstrapOptions,
});
export type AveragePrecisionOptions = CiOptional<z.output<typeof AveragePrecisionOptions>>;

/** The average precision of one batch: /v1/average-precision's answer, and the `average_precision` entry of /v1/score. */
export const AveragePrecisionResponse = z.object({
  ...rankingAnswerFields,
  average_precision: z.number().nullable().describe('null when undefined (no positives), or for average none.'),
  per_class: PerClass.optional(),
  ci: Interval.nullable().optional(),
  warnings: z.array(z.string()),
}).meta({ id: 'AveragePrecisionResult', description: 'Average precision of one batch (also the `average_precision` entry of /v1/score).' });

export type AveragePrecisionResponse = z.infer<typeof AveragePrecisionResponse>;

const apOf = (counts: RankCounts, grid: Grid) => (grid.values ? averagePrecisionFromBinnedCounts(counts) : averagePrecisionFromCounts(counts));

/** The compute stage of average precision over a formatted batch, reusing (and filling) `cache`. */
export function averagePrecisionOfBatch(source: RankCountsSource, options: AveragePrecisionOptions): AveragePrecisionResponse {
  const response = averagePrecisionPoint(source, options);
  const ci = options.ci ?? null;
  if (ci === null) return response;
  const interval = bootstrapInterval(withRows(source).batch, (resampled) => averagePrecisionPoint(resampled, options).average_precision, ci);
  return { ...response, ci: interval, warnings: interval ? response.warnings : [...response.warnings, BOOTSTRAP_UNDEFINED] };
}

function averagePrecisionPoint(cache: RankCountsSource, options: AveragePrecisionOptions): AveragePrecisionResponse {
  const { batch } = cache;
  const grid = thresholdGrid(options.thresholds);
  const warnings = [...batch.warnings];
  const base = { task: batch.task, input: batch.input, average: batch.task === 'binary' ? null : options.average };

  const perClass: Array<number | null> = [];
  // Exact and unweighted: the split's own (counted in its walk, no counts made); else from counts.
  const fromSplit = grid.values === null && cache instanceof RankCountsCache && cache.batch.weights === null ? cache : null;
  for (let c = 0; c < batch.classes; c++) {
    let value: number | null;
    if (fromSplit) {
      const split = fromSplit.split(c);
      value = split.averagePrecision;
      if (value === null) warnings.push(undefinedClassWarning('average precision', classLabel(batch.task, c), split.positives.length, split.negatives.length));
    } else {
      const counts = cache.ofClass(c, grid);
      value = apOf(counts, grid);
      if (value === null) warnings.push(undefinedClassWarning('average precision', classLabel(batch.task, c), counts.positives, counts.negatives));
    }
    perClass.push(value);
  }
  if (batch.task === 'binary') return { ...base, average_precision: perClass[0], warnings };

  let ap: number | null;
  if (options.average === 'samples') {
    const { value, warning } = samplesAverage(withRows(cache).batch, options.thresholds, 'average precision', averagePrecisionFromCounts);
    return { ...base, average_precision: value, per_class: perClass, warnings: warning ? [...warnings, warning] : warnings };
  }
  if (options.average === 'none') ap = null;
  else if (options.average === 'micro') ap = apOf(cache.pooled(grid), grid);
  else ap = averageDefined(perClass, options.average === 'weighted' ? cache.supports() : null);
  if (ap === null && options.average !== 'none') warnings.push('no class has positive samples: the average precision is undefined (null)');
  return { ...base, average_precision: ap, per_class: perClass, warnings };
}

/** `average_precision`: as /v1/average-precision. */
export const averagePrecision = defineMetric<AveragePrecisionOptions, RankingState>({
  name: 'average_precision',
  summary: 'Average precision (area under the step-wise PR curve), as /v1/average-precision.',
  source: 'torchmetrics *_average_precision, scikit-learn average_precision_score',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: { binary: ['thresholds', 'ci'], multiclass: ['average', 'thresholds', 'ci'], multilabel: ['average', 'thresholds', 'ci'] },
  options: AveragePrecisionOptions,
  needsScores: true,
  check: checkThresholds,
  state: rankingState,
  work: rankingComputeWork,
  compute: (state, options, config, derived) => rankingEntry(averagePrecisionOfBatch(rankCountsSource(state, options.thresholds, config, derived), options)),
});
