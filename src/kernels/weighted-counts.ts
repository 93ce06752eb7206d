import type { ClassView } from './class-split.js';
import type { RankCounts } from './rank-counts.js';

/**
 * Weighted rank counts, scikit-learn's `_binary_clf_curve` with `sample_weight`: at each
 * threshold t (descending), the summed weight of the positives and of the negatives scoring
 * `>= t`; `positives` and `negatives` are the classes' summed weights. Every rate, curve, AUROC
 * and average precision computed from {@link RankCounts} is then weighted as scikit-learn's.
 *
 * - exact (`dropUnweighted`): `thresholds` are the class's distinct scores; a score only
 *   zero-weight samples hold is no threshold (scikit-learn drops zero-weight samples first);
 * - binned: `thresholds` are the grid, descending, every one kept (torchmetrics' binned mode,
 *   with weighted counts).
 *
 * @param view the class's elements; element i weighs `weights[floor(i / weightRepeat)]` (a
 *   multilabel row's entries, pooled for micro averaging, each weigh the row's weight)
 * @param thresholds descending
 * @param toScale applied to each score before comparing (σ for binned logits), or null
 *
 * O(n log T).
 */
export function weightedRankCounts(
  view: ClassView,
  weights: Float64Array,
  weightRepeat: number,
  thresholds: Float64Array,
  toScale: ((v: number) => number) | null,
  dropUnweighted: boolean,
): RankCounts {
  const T = thresholds.length;
  const tpAt = new Float64Array(T);
  const fpAt = new Float64Array(T);
  const used = new Uint8Array(T);
  let P = 0;
  let N = 0;
  const { rows, scores, scoreOffset, scoreStride, labels, labelOffset, labelStride, positive, negative, ignore } = view;
  for (let i = 0; i < rows; i++) {
    const y = labels[labelOffset + i * labelStride];
    const isPositive = y === positive;
    if (!isPositive && (y === ignore || (negative !== null && y !== negative))) continue;
    const w = weights[weightRepeat === 1 ? i : Math.floor(i / weightRepeat)];
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
    if (w > 0) used[lo] = 1;
  }
  const kept = new Float64Array(T);
  const tps = new Float64Array(T);
  const fps = new Float64Array(T);
  let tp = 0;
  let fp = 0;
  let k = 0;
  for (let t = 0; t < T; t++) {
    tp += tpAt[t];
    fp += fpAt[t];
    if (dropUnweighted && !used[t]) continue;
    kept[k] = thresholds[t];
    tps[k] = tp;
    fps[k] = fp;
    k++;
  }
  return { thresholds: kept.subarray(0, k), tps: tps.subarray(0, k), fps: fps.subarray(0, k), positives: P, negatives: N };
}
