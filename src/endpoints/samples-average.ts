import { invalidField } from '../errors.js';
import { NeumaierSum } from '../kernels/neumaier-sum.js';
import { rankCountsFromSorted, type RankCounts } from '../kernels/rank-counts.js';
import type { RankingBatch } from '../batch/ranking-batch.js';

/**
 * Multilabel `average: "samples"` of a ranking metric, as scikit-learn's: each row's labels are
 * one binary problem (its kept entries ranked by score), the metric per row, then the mean over
 * rows weighted by `sample_weight`. A row where the metric is undefined (no positive, or for
 * AUROC no negative, label) is left out of the mean and named in one warning (scikit-learn
 * fails or answers NaN there).
 *
 * O(N · L log L).
 *
 * @throws {ProblemError} 400 naming `average` for another task, or `thresholds` when binned
 */
export function samplesAverage(
  batch: RankingBatch,
  thresholds: unknown,
  name: string,
  metric: (counts: RankCounts) => number | null,
): { value: number | null; warning: string | null } {
  if (batch.task !== 'multilabel') throw invalidField('average', `"samples" applies to multilabel only (task is ${batch.task})`);
  if (thresholds !== null) throw invalidField('thresholds', '"samples" is computed exactly (scikit-learn); leave thresholds out');
  const { rows, classes, scores, labels, ignoreIndex, weights } = batch;
  const total = new NeumaierSum();
  const norm = new NeumaierSum();
  let skipped = 0;
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < rows; i++) {
    positives.length = 0;
    negatives.length = 0;
    for (let j = i * classes; j < (i + 1) * classes; j++) {
      if (labels[j] === ignoreIndex) continue;
      (labels[j] === 1 ? positives : negatives).push(scores[j]);
    }
    const value = metric(rankCountsFromSorted(Float64Array.from(positives).sort(), Float64Array.from(negatives).sort()));
    if (value === null) {
      skipped++;
      continue;
    }
    const w = weights ? weights[i] : 1;
    total.add(w * value);
    norm.add(w);
  }
  const value = norm.value > 0 ? total.value / norm.value : null;
  const warning =
    value === null
      ? `no row has a defined ${name}: the samples average is undefined (null)`
      : skipped > 0
        ? `${skipped} row${skipped === 1 ? '' : 's'} with no positive or no negative label: ${name} undefined there, left out of the samples average`
        : null;
  return { value, warning };
}
