import { rankCountsOfBatch } from '../metrics/rows.js';
import { averagePrecisionFromBinnedCounts, averagePrecisionFromCounts } from '../kernels/average-precision.js';
import type { RankCounts } from '../kernels/rank-counts.js';
import type { AveragePrecisionRequest, AveragePrecisionResponse } from '../schemas/average-precision.js';
import { averageDefined, classLabel, undefinedClassWarning } from '../metrics/averaging.js';
import { BOOTSTRAP_UNDEFINED, bootstrapInterval } from '../metrics/confidence.js';
import { RankCountsCache, thresholdGrid, withRows, type Grid, type RankCountsSource } from '../batch/rank-counts-cache.js';
import { formatRankingBatch } from '../batch/ranking-batch.js';
import { checkRanking, resamplesOf } from '../batch/limits.js';
import { samplesAverage } from './samples-average.js';

export type AveragePrecisionOptions = Pick<AveragePrecisionRequest, 'average' | 'thresholds'> & Partial<Pick<AveragePrecisionRequest, 'ci'>>;

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

/**
 * Average precision of one batch, as scikit-learn's `average_precision_score` (step-wise, no
 * interpolation) and torchmetrics' binned mode.
 *
 * @throws {ProblemError} 400 for input that breaks the contract
 */
export function computeAveragePrecision(request: AveragePrecisionRequest): AveragePrecisionResponse {
  const batch = formatRankingBatch(request);
  checkRanking('', { rows: batch.rows, classes: batch.classes, thresholds: request.thresholds, resamples: resamplesOf(request.ci) }, 'average precision');
  return averagePrecisionOfBatch(rankCountsOfBatch(batch), request);
}
