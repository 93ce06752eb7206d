import { NeumaierSum } from './neumaier-sum.js';
import type { RankCounts } from './rank-counts.js';

export interface PrecisionRecallCurve {
  precision: Float64Array;
  recall: Float64Array;
  /** Ascending, one fewer than the points: the last point (precision 1, recall 0) has none. */
  thresholds: Float64Array;
}

/**
 * Average precision from exact rank counts, as scikit-learn's `average_precision_score`:
 * the step-wise sum Σ_k (R_k − R_{k−1}) · P_k over thresholds from the highest down, with no
 * interpolation (Manning et al., "Introduction to Information Retrieval", ch. 8).
 *
 * O(T). Returns `null` when there are no positives: the metric is undefined.
 */
export function averagePrecisionFromCounts(counts: RankCounts): number | null {
  const { tps, fps, positives: P } = counts;
  if (P === 0) return null;
  const sum = new NeumaierSum();
  let prevTp = 0;
  for (let k = 0; k < tps.length; k++) {
    const tp = tps[k];
    if (tp !== prevTp) sum.add(((tp - prevTp) / P) * (tp / (tp + fps[k])));
    prevTp = tp;
  }
  return sum.value;
}

/**
 * Precision–recall curve from rank counts, at every threshold, ascending, and a final point
 * (precision 1, recall 0) without threshold: scikit-learn's `precision_recall_curve` (since 1.1
 * it no longer stops where full recall is first reached) and torchmetrics' exact and binned
 * curves. Where nothing scores at or above a binned threshold, precision is 1 (torchmetrics).
 *
 * O(T). Recall needs positives: the caller answers `null` for a class without them.
 */
export function precisionRecallFromCounts(counts: RankCounts): PrecisionRecallCurve {
  const { tps, fps, thresholds, positives: P } = counts;
  const T = tps.length;
  const precision = new Float64Array(T + 1);
  const recall = new Float64Array(T + 1);
  const ascending = new Float64Array(T);
  for (let k = T - 1, out = 0; k >= 0; k--, out++) {
    const predicted = tps[k] + fps[k];
    precision[out] = predicted > 0 ? tps[k] / predicted : 1;
    recall[out] = tps[k] / P;
    ascending[out] = thresholds[k];
  }
  precision[T] = 1;
  recall[T] = 0;
  return { precision, recall, thresholds: ascending };
}

/**
 * Average precision of a binned curve, as torchmetrics: −Σ (R_{k+1} − R_k) · P_k over the
 * ascending curve. Returns `null` without positives.
 */
export function averagePrecisionFromBinnedCounts(counts: RankCounts): number | null {
  if (counts.positives === 0) return null;
  const { precision, recall } = precisionRecallFromCounts(counts);
  const sum = new NeumaierSum();
  for (let k = 0; k + 1 < recall.length; k++) sum.add(-(recall[k + 1] - recall[k]) * precision[k]);
  return sum.value;
}
