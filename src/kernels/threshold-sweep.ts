/**
 * Threshold tuning's kernels: the candidate thresholds, the confusion counts at each of them
 * from one sort's cumulative counts, and the choice among them. Decisions are `score >= t`
 * (scikit-learn's `confusion_matrix_at_thresholds` / `TunedThresholdClassifierCV`).
 */
import type { ClassView } from './class-split.js';

/**
 * The lowest and the highest score of a class view's kept elements (ignored labels left out;
 * every other element counts, a zero-weight one too, as scikit-learn's `np.min` / `np.max` of the
 * scores do): the ends of an evenly spaced threshold grid.
 *
 * O(n).
 *
 * @returns [lowest, highest], or null when no element is kept
 */
export function keptScoreRange(view: ClassView): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < view.rows; r++) {
    if (view.ignore !== null && view.labels[view.labelOffset + r * view.labelStride] === view.ignore) continue;
    const s = view.scores[view.scoreOffset + r * view.scoreStride];
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * `numpy.linspace(start, stop, n)` in float64, value for value: element k is k · step + start
 * with step = (stop − start) / (n − 1), the last one `stop` exactly (numpy's `y = arange(n) * step;
 * y += start; y[-1] = stop`); n = 1 is [start]. The grid of `TunedThresholdClassifierCV(thresholds=n)`
 * between the lowest and the highest score.
 *
 * O(n).
 *
 * @param n how many values, n ≥ 1
 * @example linspaceBetween(0, 1, 3) // [0, 0.5, 1]
 */
export function linspaceBetween(start: number, stop: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (n - 1);
  for (let k = 0; k < n; k++) out[k] = step === 0 ? start : k * step + start;
  out[n - 1] = stop;
  return out;
}

/**
 * The cumulative counts at arbitrary thresholds, `score >= t`, read from the counts at the
 * distinct scores (rank counts: `thresholds` descending, `tps` / `fps` the positives and
 * negatives scoring at or above each): for each t, the counts of the lowest distinct score still
 * ≥ t (0 where every score is below t). One binary search per threshold; no second pass over the rows.
 *
 * O(T log D) for T thresholds over D distinct scores.
 *
 * @param thresholds distinct scores, strictly decreasing
 * @param tps cumulative positives (or their weights) at each distinct score
 * @param fps cumulative negatives at each distinct score
 * @param at the thresholds to read, any order
 * @returns positives and negatives with score >= at[k], aligned with `at`
 * @example countsAtThresholds([0.9, 0.4], [1, 2], [0, 1], [0.5, 0.4, 1]) // tps [1, 2, 0], fps [0, 1, 0]
 */
export function countsAtThresholds(
  thresholds: ArrayLike<number>,
  tps: ArrayLike<number>,
  fps: ArrayLike<number>,
  at: ArrayLike<number>,
): { tps: Float64Array; fps: Float64Array } {
  const outTp = new Float64Array(at.length);
  const outFp = new Float64Array(at.length);
  const D = thresholds.length;
  for (let k = 0; k < at.length; k++) {
    const t = at[k];
    // The first index whose score is below t: everything before it scores >= t.
    let lo = 0;
    let hi = D;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (thresholds[mid] >= t) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) {
      outTp[k] = tps[lo - 1];
      outFp[k] = fps[lo - 1];
    }
  }
  return { tps: outTp, fps: outFp };
}

/**
 * The index of the best candidate: the highest `values[k]` among the allowed candidates, and
 * among equal highest values the one with the lowest threshold (the answer's rule: the lowest
 * threshold that reaches the best value). NaN values (undefined objective) never win.
 *
 * O(T).
 *
 * @param thresholds the candidates' thresholds, any order
 * @param values the objective at each candidate; NaN where undefined
 * @param allowed 1 where the candidate meets the constraint; null: all are allowed
 * @returns the index, or −1 when no candidate is allowed with a defined value
 * @example bestThresholdIndex([0.9, 0.5, 0.2], [1, 2, 2], null) // 2
 */
export function bestThresholdIndex(thresholds: ArrayLike<number>, values: ArrayLike<number>, allowed: ArrayLike<number> | null): number {
  let best = -1;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (Number.isNaN(v) || (allowed !== null && allowed[k] === 0)) continue;
    if (best < 0 || v > values[best] || (v === values[best] && thresholds[k] < thresholds[best])) best = k;
  }
  return best;
}

/** The best candidate of an exact sweep (see {@link bestOfSortedSweep}). */
export interface SweepBest {
  /** The chosen threshold, or null when no candidate has a defined, allowed value. */
  threshold: number | null;
  value: number;
  /** Counts at the chosen threshold: positives (weights) scoring ≥ it, negatives likewise. */
  tp: number;
  fp: number;
  /** Distinct scores swept (the candidates), and how many of them have an undefined value (null). */
  candidates: number;
  undefinedValues: number;
}

/**
 * The exact sweep of threshold tuning without its curve: walks the distinct scores of one sort
 * from the highest down (the walk of `rankCountsFromSorted`, counting tp and fp at each), calls
 * `objective` (and `allowed`) at each, and keeps the lowest threshold among the best values —
 * what `bestThresholdIndex` picks from the curve, without making the curve's three arrays.
 *
 * O(n) after the sort.
 *
 * @param positives the positives' scores, ascending; `negatives` likewise
 * @param weights the sorted rows' weights and their sums, or null (each row weighs 1)
 * @param objective the value at the counts (tp, fp, tn, fn), or null where undefined
 * @param allowed whether a candidate's counts meet the constraint, or null for none
 */
export function bestOfSortedSweep(
  positives: Float64Array,
  negatives: Float64Array,
  weights: { positiveWeights: Float64Array; negativeWeights: Float64Array; positiveWeight: number; negativeWeight: number } | null,
  objective: (tp: number, fp: number, tn: number, fn: number) => number | null,
  allowed: ((tp: number, fp: number, tn: number, fn: number) => boolean) | null,
): SweepBest {
  const P = weights ? weights.positiveWeight : positives.length;
  const N = weights ? weights.negativeWeight : negatives.length;
  const best: SweepBest = { threshold: null, value: Number.NaN, tp: 0, fp: 0, candidates: 0, undefinedValues: 0 };
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
    best.candidates++;
    const value = objective(tp, fp, N - fp, P - tp);
    if (value === null) {
      best.undefinedValues++;
      continue;
    }
    if (Number.isNaN(value)) continue;
    if (allowed !== null && !allowed(tp, fp, N - fp, P - tp)) continue;
    // Thresholds decrease along the walk: an equal value is a lower threshold.
    if (best.threshold === null || value >= best.value) {
      best.threshold = v;
      best.value = value;
      best.tp = tp;
      best.fp = fp;
    }
  }
  return best;
}
