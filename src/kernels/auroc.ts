import { NeumaierSum } from './neumaier-sum.js';
import { nextUp } from './next-up.js';
import type { SplitScores, WeightedSplit } from './class-split.js';
import type { RankCounts } from './rank-counts.js';

export interface RocCurve {
  fpr: Float64Array;
  tpr: Float64Array;
  /**
   * Score threshold of each point. The prepended origin's is the next double above the top
   * score: a threshold no score reaches (scikit-learn's +Infinity, which JSON lacks; "top + 1"
   * equals the top score from 2^53 on). Above the largest double it is +Infinity, which the
   * finite check answers as an overflow.
   */
  thresholds: Float64Array;
}

/**
 * ROC points from rank counts: fpr = fps / N, tpr = tps / P. Exact curves start at the origin
 * (scikit-learn's `roc_curve`); binned curves do not (torchmetrics' binned `roc`).
 *
 * O(T). Undefined rates (no positives or no negatives) are 0, as torchmetrics' safe divide.
 */
export function rocFromCounts(counts: RankCounts, fromOrigin: boolean): RocCurve {
  const offset = fromOrigin ? 1 : 0;
  const T = counts.thresholds.length + offset;
  const fpr = new Float64Array(T);
  const tpr = new Float64Array(T);
  const thresholds = new Float64Array(T);
  if (fromOrigin) thresholds[0] = nextUp(counts.thresholds[0] ?? -Infinity);
  const { positives: P, negatives: N } = counts;
  for (let k = 0; k < counts.thresholds.length; k++) {
    fpr[k + offset] = N > 0 ? counts.fps[k] / N : 0;
    tpr[k + offset] = P > 0 ? counts.tps[k] / P : 0;
    thresholds[k + offset] = counts.thresholds[k];
  }
  return { fpr, tpr, thresholds };
}

/** Trapezoidal area under y(x) for non-decreasing x, compensated. O(n). */
export function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const area = new NeumaierSum();
  for (let k = 1; k < x.length; k++) area.add(((x[k] - x[k - 1]) * (y[k] + y[k - 1])) / 2);
  return area.value;
}

/**
 * Standardized partial AUC up to `maxFpr` (McClish 1989), as scikit-learn's `roc_auc_score`
 * with `max_fpr`: the curve is cut at maxFpr with linear interpolation, integrated, and mapped
 * so that chance is 0.5 and a perfect ranking 1.
 *
 *   0.5 · (1 + (A − maxFpr²/2) / (maxFpr − maxFpr²/2))
 *
 * O(T).
 */
export function mcclishPartialAuc(curve: RocCurve, maxFpr: number): number {
  const { fpr, tpr } = curve;
  let stop = 0;
  while (stop < fpr.length && fpr[stop] <= maxFpr) stop++;
  const x = Array.from(fpr.subarray(0, stop));
  const y = Array.from(tpr.subarray(0, stop));
  if (stop < fpr.length) {
    const x0 = stop > 0 ? fpr[stop - 1] : 0;
    const y0 = stop > 0 ? tpr[stop - 1] : 0;
    const w = (maxFpr - x0) / (fpr[stop] - x0);
    x.push(maxFpr);
    y.push(y0 + w * (tpr[stop] - y0));
  }
  const partial = trapezoid(x, y);
  const minArea = 0.5 * maxFpr * maxFpr;
  return 0.5 * (1 + (partial - minArea) / (maxFpr - minArea));
}

/**
 * Area under the ROC curve from exact rank counts: the Mann–Whitney U statistic with ties
 * counted half, Σ (fp_k − fp_{k−1}) (tp_k + tp_{k−1}) / (2 P N), summed over integers so it is
 * exact until P·N reaches 2^52. Equals scikit-learn's `roc_auc_score` (Hanley & McNeil 1982).
 *
 * O(T). Returns `null` when there are no positives or no negatives: the AUROC is undefined.
 */
export function aurocFromCounts(counts: RankCounts): number | null {
  const { tps, fps, positives: P, negatives: N } = counts;
  if (P === 0 || N === 0) return null;
  let twiceArea = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let k = 0; k < tps.length; k++) {
    twiceArea += (fps[k] - prevFp) * (tps[k] + prevTp);
    prevTp = tps[k];
    prevFp = fps[k];
  }
  return twiceArea / (2 * P * N);
}

/**
 * AUROC of a binned curve, as torchmetrics' `binary_auroc(thresholds=...)`: the trapezoid over
 * the points at the thresholds (no origin), or McClish's standardized partial AUC.
 */
export function aurocFromBinnedCounts(counts: RankCounts, maxFpr: number | null): number | null {
  if (counts.positives === 0 || counts.negatives === 0) return null;
  const curve = rocFromCounts(counts, false);
  return maxFpr === null || maxFpr === 1 ? trapezoid(curve.fpr, curve.tpr) : mcclishPartialAuc(curve, maxFpr);
}

/** Exact AUROC, or McClish's partial AUROC when `maxFpr` < 1. */
export function aurocExact(counts: RankCounts, maxFpr: number | null): number | null {
  if (counts.positives === 0 || counts.negatives === 0) return null;
  if (maxFpr === null || maxFpr === 1) return aurocFromCounts(counts);
  return mcclishPartialAuc(rocFromCounts(counts, true), maxFpr);
}

/**
 * Exact AUROC straight from bucketed sorted scores, without materializing the curve: the
 * Mann–Whitney U statistic over P·N (ties count half). Equals {@link aurocFromCounts}.
 *
 * O(n). Returns `null` when there are no positives or no negatives.
 */
export function aurocFromSplit(split: SplitScores): number | null {
  const P = split.positives.length;
  const N = split.negatives.length;
  if (P === 0 || N === 0) return null;
  return split.twiceMannWhitney / (2 * P * N);
}

/**
 * Exact AUROC of a weighted split: the weighted Mann–Whitney U over the product of the classes'
 * summed weights (ties count half). Equals {@link aurocFromCounts} of its weighted counts, and
 * scikit-learn's `roc_auc_score(sample_weight=...)`.
 *
 * O(1) after the split. Returns `null` when either class weighs nothing.
 */
export function aurocFromWeightedSplit(split: WeightedSplit): number | null {
  const P = split.positiveWeight;
  const N = split.negativeWeight;
  if (!(P > 0 && N > 0)) return null;
  return split.twiceMannWhitney / (2 * P * N);
}
