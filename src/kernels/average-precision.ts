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
 * Precision–recall curve from rank counts.
 *
 * Exact (scikit-learn 1.2 `precision_recall_curve`): thresholds ascending from the one where
 * full recall is first reached; a final point (precision 1, recall 0) without threshold.
 * Binned (torchmetrics): every threshold ascending, precision 1 where nothing is predicted
 * positive, and the same final point.
 *
 * O(T).
 */
export function precisionRecallFromCounts(counts: RankCounts, binned: boolean): PrecisionRecallCurve {
  const { tps, fps, thresholds, positives: P } = counts;
  const T = tps.length;
  // Exact curves stop where full recall is first reached (the rest adds nothing).
  let last = T - 1;
  if (!binned) {
    const full = tps[T - 1];
    last = 0;
    while (tps[last] < full) last++;
  }
  const points = last + 1;
  const precision = new Float64Array(points + 1);
  const recall = new Float64Array(points + 1);
  const ascending = new Float64Array(points);
  for (let k = last, out = 0; k >= 0; k--, out++) {
    const predicted = tps[k] + fps[k];
    precision[out] = predicted > 0 ? tps[k] / predicted : binned ? 1 : 0;
    recall[out] = P > 0 ? tps[k] / P : binned ? 0 : 1;
    ascending[out] = thresholds[k];
  }
  precision[points] = 1;
  recall[points] = 0;
  return { precision, recall, thresholds: ascending };
}

/**
 * Average precision of a binned curve, as torchmetrics: −Σ (R_{k+1} − R_k) · P_k over the
 * ascending curve. Returns `null` without positives.
 */
export function averagePrecisionFromBinnedCounts(counts: RankCounts): number | null {
  if (counts.positives === 0) return null;
  const { precision, recall } = precisionRecallFromCounts(counts, true);
  const sum = new NeumaierSum();
  for (let k = 0; k + 1 < recall.length; k++) sum.add(-(recall[k + 1] - recall[k]) * precision[k]);
  return sum.value;
}
