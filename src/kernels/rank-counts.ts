/**
 * The sufficient statistics of every ranking metric: for each distinct score, from the highest
 * down, how many positives (`tps`) and negatives (`fps`) score at or above it. This is
 * scikit-learn's `_binary_clf_curve`; ROC, precision-recall, AUROC and average precision are all
 * computed from it.
 */
export interface RankCounts {
  /** Distinct scores, descending. */
  thresholds: Float64Array;
  /** Cumulative true positives at each threshold (exact integers in float64, to 2^53). */
  tps: Float64Array;
  /** Cumulative false positives at each threshold. */
  fps: Float64Array;
  positives: number;
  negatives: number;
}

/** The sample weights of sorted scores (see `splitSortedWeighted`), aligned with them, and their sums. */
export interface SortedWeights {
  positiveWeights: Float64Array;
  negativeWeights: Float64Array;
  positiveWeight: number;
  negativeWeight: number;
}

/**
 * Builds {@link RankCounts} from the scores of the positives and of the negatives, each already
 * sorted ascending (see `splitSorted`), merged from the top; tied scores share one threshold,
 * which is what gives ties half credit in the AUROC. Weighted when `weights` are given
 * (scikit-learn's `sample_weight`: each score adds its weight, and `positives` and `negatives`
 * are the summed weights).
 *
 * O(n).
 *
 * @example rankCountsFromSorted(new Float64Array([0.4, 0.9]), new Float64Array([0.4]))
 * // thresholds [0.9, 0.4], tps [1, 2], fps [0, 1]
 */
export function rankCountsFromSorted(positives: Float64Array, negatives: Float64Array, weights: SortedWeights | null = null): RankCounts {
  const thresholds = new Float64Array(positives.length + negatives.length);
  const tps = new Float64Array(thresholds.length);
  const fps = new Float64Array(thresholds.length);
  let i = positives.length - 1;
  let j = negatives.length - 1;
  let tp = 0;
  let fp = 0;
  let k = 0;
  while (i >= 0 || j >= 0) {
    const v = j < 0 || (i >= 0 && positives[i] >= negatives[j]) ? positives[i] : negatives[j];
    while (i >= 0 && positives[i] === v) {
      tp += weights === null ? 1 : weights.positiveWeights[i];
      i--;
    }
    while (j >= 0 && negatives[j] === v) {
      fp += weights === null ? 1 : weights.negativeWeights[j];
      j--;
    }
    thresholds[k] = v;
    tps[k] = tp;
    fps[k] = fp;
    k++;
  }
  return {
    thresholds: thresholds.subarray(0, k),
    tps: tps.subarray(0, k),
    fps: fps.subarray(0, k),
    positives: weights ? weights.positiveWeight : positives.length,
    negatives: weights ? weights.negativeWeight : negatives.length,
  };
}
