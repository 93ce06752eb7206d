import { nextUp } from './next-up.js';
import type { RankCounts } from './rank-counts.js';

/** A detection error tradeoff curve: thresholds increasing, fpr decreasing, fnr increasing. */
export interface DetCurve {
  fpr: Float64Array;
  fnr: Float64Array;
  thresholds: Float64Array;
}

/**
 * scikit-learn 1.9's `det_curve` from rank counts (distinct scores descending, cumulative
 * weighted tps and fps): the counts get a first point at scikit-learn's +∞ threshold (tps = fps
 * = 0), here the next double above the top score, as the exact ROC curve's origin; with
 * `dropIntermediate`, points whose tps equals both neighbours' are dropped (horizontal runs on
 * the normal-deviate axes), first and last kept; then the points from the last with fps = 0 to
 * the first with tps = P are kept and reversed:
 *
 *   fpr = fps / N,  fnr = (P − tps) / P,  thresholds ascending.
 *
 * The +∞ point survives only when no positive shares the top score with fps = 0 after it (the
 * top score is a negative). Needs P > 0 and N > 0 (scikit-learn raises otherwise; the caller
 * answers null). O(T).
 */
export function detFromCounts(counts: RankCounts, dropIntermediate: boolean): DetCurve {
  const n = counts.thresholds.length + 1;
  let tps = new Float64Array(n);
  let fps = new Float64Array(n);
  let thresholds = new Float64Array(n);
  thresholds[0] = nextUp(counts.thresholds[0] ?? -Infinity);
  tps.set(counts.tps, 1);
  fps.set(counts.fps, 1);
  thresholds.set(counts.thresholds, 1);
  if (dropIntermediate && n > 2) {
    const keep = [0];
    for (let k = 1; k < n - 1; k++) if (tps[k] !== tps[k - 1] || tps[k + 1] !== tps[k]) keep.push(k);
    keep.push(n - 1);
    tps = Float64Array.from(keep, (k) => tps[k]);
    fps = Float64Array.from(keep, (k) => fps[k]);
    thresholds = Float64Array.from(keep, (k) => thresholds[k]);
  }
  const m = tps.length;
  const positives = tps[m - 1];
  const negatives = fps[m - 1];
  // numpy's searchsorted(fps, fps[0], "right") − 1: the last point with no false positive.
  let first = 0;
  while (first + 1 < m && fps[first + 1] === fps[0]) first++;
  // searchsorted(tps, tps[-1]) + 1: through the first point with every positive found.
  let last = 0;
  while (tps[last] < positives) last++;
  const length = last - first + 1;
  const out: DetCurve = { fpr: new Float64Array(length), fnr: new Float64Array(length), thresholds: new Float64Array(length) };
  for (let k = 0; k < length; k++) {
    const at = last - k;
    out.fpr[k] = fps[at] / negatives;
    out.fnr[k] = (positives - tps[at]) / positives;
    out.thresholds[k] = thresholds[at];
  }
  return out;
}
