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
 * Walks the distinct scores of two classes, each sorted ascending, from the highest down:
 * `visit(v, tp, fp)` at each, with the positives and negatives (their summed weights, when
 * weighted) scoring `>= v`. Tied scores share one step, which is what gives ties half credit in
 * the AUROC. The one merge behind every exact count, curve and average precision.
 *
 * O(n).
 */
export function forEachThreshold(
  positives: Float64Array,
  negatives: Float64Array,
  weights: SortedWeights | null,
  visit: (v: number, tp: number, fp: number) => void,
): void {
  let i = positives.length - 1;
  let j = negatives.length - 1;
  let tp = 0;
  let fp = 0;
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
    visit(v, tp, fp);
  }
}

/**
 * Builds {@link RankCounts} from the scores of the positives and of the negatives, each already
 * sorted ascending (see `splitSorted`), weighted when `weights` are given (scikit-learn's
 * `sample_weight`: `positives` and `negatives` are then the summed weights).
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
  let k = 0;
  forEachThreshold(positives, negatives, weights, (v, tp, fp) => {
    thresholds[k] = v;
    tps[k] = tp;
    fps[k] = fp;
    k++;
  });
  return {
    thresholds: thresholds.subarray(0, k),
    tps: tps.subarray(0, k),
    fps: fps.subarray(0, k),
    positives: weights ? weights.positiveWeight : positives.length,
    negatives: weights ? weights.negativeWeight : negatives.length,
  };
}
