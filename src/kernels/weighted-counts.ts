import type { ClassView } from './class-split.js';
import type { RankCounts } from './rank-counts.js';

/**
 * Binned (weighted) rank counts: at each threshold t of the grid (descending, every one kept, as
 * torchmetrics' binned mode), the summed weight of the positives and of the negatives scoring
 * `>= t`; `positives` and `negatives` are the classes' summed weights. Every rate, curve, AUROC
 * and average precision computed from {@link RankCounts} is then weighted as scikit-learn's
 * `sample_weight` makes them (exact counts: `rankCountsFromSorted` with the split's weights). Without
 * weights, the plain counts.
 *
 * @param view the class's elements; element i weighs `weights[floor(i / weightRepeat)]` (a
 *   multilabel row's entries, pooled for micro averaging, each weigh the row's weight), or 1
 *   when `weights` is null
 * @param thresholds descending
 * @param toScale applied to each score before comparing (σ for binned logits), or null
 *
 * O(n log T) (the grid stays in cache).
 */
export function weightedRankCounts(
  view: ClassView,
  weights: Float64Array | null,
  weightRepeat: number,
  thresholds: Float64Array,
  toScale: ((v: number) => number) | null,
): RankCounts {
  const T = thresholds.length;
  const tpAt = new Float64Array(T);
  const fpAt = new Float64Array(T);
  let P = 0;
  let N = 0;
  const { rows, scores, scoreOffset, scoreStride, labels, labelOffset, labelStride, positive, negative, ignore } = view;
  for (let i = 0; i < rows; i++) {
    const y = labels[labelOffset + i * labelStride];
    const isPositive = y === positive;
    if (!isPositive && (y === ignore || (negative !== null && y !== negative))) continue;
    const w = weights === null ? 1 : weights[weightRepeat === 1 ? i : Math.floor(i / weightRepeat)];
    if (isPositive) P += w;
    else N += w;
    const raw = scores[scoreOffset + i * scoreStride];
    const v = toScale ? toScale(raw) : raw;
    // The first (highest) threshold at or below v: every threshold from there down counts it.
    let lo = 0;
    let hi = T;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (thresholds[mid] > v) lo = mid + 1;
      else hi = mid;
    }
    if (lo === T) continue;
    if (isPositive) tpAt[lo] += w;
    else fpAt[lo] += w;
  }
  const tps = new Float64Array(T);
  const fps = new Float64Array(T);
  let tp = 0;
  let fp = 0;
  for (let t = 0; t < T; t++) {
    tp += tpAt[t];
    fp += fpAt[t];
    tps[t] = tp;
    fps[t] = fp;
  }
  return { thresholds: thresholds.slice(), tps, fps, positives: P, negatives: N };
}
