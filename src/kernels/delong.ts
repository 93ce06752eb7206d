import { NeumaierSum } from './neumaier-sum.js';

/**
 * DeLong's structural components of the AUROC (DeLong, DeLong & Clarke-Pearson 1988), computed
 * the fast way (Sun & Xu 2014): sort each class once, then each sample's component is a count by
 * binary search, ties counting half — O(n log n) instead of the O(m·n) pair table.
 *
 *   V10_i = (#{negatives < x_i} + ½ #{negatives = x_i}) / n    for each positive x_i
 *   V01_j = (#{positives > y_j} + ½ #{positives = y_j}) / m    for each negative y_j
 *
 * AUROC = mean(V10) = mean(V01). Components keep the order of the samples given, so two models
 * scored on the same samples can be compared pairwise.
 */
export interface DelongComponents {
  auroc: number;
  v10: Float64Array;
  v01: Float64Array;
}

/** Elements of a sorted array strictly below v, and equal to it. */
function countBelow(sorted: Float64Array, v: number): { below: number; equal: number } {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  hi = sorted.length;
  while (end < hi) {
    const mid = (end + hi) >>> 1;
    if (sorted[mid] <= v) end = mid + 1;
    else hi = mid;
  }
  return { below: lo, equal: end - lo };
}

/**
 * @param positives scores of the positive samples, in sample order
 * @param negatives scores of the negative samples, in sample order
 * @returns null without positives or negatives
 */
export function delongComponents(positives: Float64Array, negatives: Float64Array): DelongComponents | null {
  const m = positives.length;
  const n = negatives.length;
  if (m === 0 || n === 0) return null;
  const sortedPos = positives.slice().sort();
  const sortedNeg = negatives.slice().sort();
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  const total = new NeumaierSum();
  for (let i = 0; i < m; i++) {
    const { below, equal } = countBelow(sortedNeg, positives[i]);
    v10[i] = (below + equal / 2) / n;
    total.add(v10[i]);
  }
  for (let j = 0; j < n; j++) {
    const { below, equal } = countBelow(sortedPos, negatives[j]);
    v01[j] = (m - below - equal + equal / 2) / m;
  }
  return { auroc: total.value / m, v10, v01 };
}

/** Sample covariance of two equally long arrays of at least two elements (divides by length − 1). */
export function covariance(a: Float64Array, b: Float64Array): number {
  const k = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < k; i++) {
    meanA += a[i];
    meanB += b[i];
  }
  meanA /= k;
  meanB /= k;
  const sum = new NeumaierSum();
  for (let i = 0; i < k; i++) sum.add((a[i] - meanA) * (b[i] - meanB));
  return sum.value / (k - 1);
}

/**
 * Whether DeLong's variance exists: each class needs two samples, since S10 and S01 are sample
 * variances (pROC divides by m − 1 and answers NaN with one positive or one negative).
 */
export const hasDelongVariance = ({ v10, v01 }: DelongComponents): boolean => v10.length >= 2 && v01.length >= 2;

/**
 * DeLong's variance of one AUROC: S10 / m + S01 / n, S the sample variances of the components.
 *
 * @returns null with fewer than two positives or two negatives ({@link hasDelongVariance})
 * @example delongVariance(delongComponents(pos, neg)!)
 */
export function delongVariance(c: DelongComponents): number | null {
  if (!hasDelongVariance(c)) return null;
  return covariance(c.v10, c.v10) / c.v10.length + covariance(c.v01, c.v01) / c.v01.length;
}

/**
 * The variance of AUROC_a − AUROC_b for two models on the same samples (DeLong's paired test):
 * Var_a + Var_b − 2 Cov_ab, each term S10 / m + S01 / n of the components' (co)variances.
 *
 * @returns null with fewer than two positives or two negatives
 */
export function delongDifferenceVariance(a: DelongComponents, b: DelongComponents): number | null {
  const varA = delongVariance(a);
  const varB = delongVariance(b);
  if (varA === null || varB === null) return null;
  const cov = covariance(a.v10, b.v10) / a.v10.length + covariance(a.v01, b.v01) / a.v01.length;
  return varA + varB - 2 * cov;
}
