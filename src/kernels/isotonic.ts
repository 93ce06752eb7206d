/**
 * Isotonic regression of 0/1 targets on scores: scikit-learn's `IsotonicRegression` (increasing,
 * `out_of_bounds="clip"`), as `CalibratedClassifierCV(method="isotonic")` fits each class.
 */

/** A fitted isotonic calibrator: breakpoints ascending in `x`, non-decreasing `y` in [0, 1]. */
export interface IsotonicFit {
  /** Scores at the breakpoints, ascending (scikit-learn's `X_thresholds_`). */
  x: Float64Array;
  /** Calibrated probabilities at the breakpoints, non-decreasing (`y_thresholds_`). */
  y: Float64Array;
}

/** Scores closer than this to the first of their group are one score (`_make_unique`'s `np.finfo(float64).resolution`). */
const UNIQUE_RESOLUTION = 1e-15;

/**
 * Fits an increasing isotonic regression of the labels on the scores, given the scores already
 * split by label and sorted ascending (as `splitSorted` / `splitSortedWeighted` of
 * src/kernels/class-split.ts answer them: zero-weight samples dropped).
 *
 * As scikit-learn 1.9 `IsotonicRegression._build_y`: samples ordered by (score, label); scores
 * within 1e-15 of a group's first merged into one point whose target is the weighted mean label
 * (`_make_unique`); the pool-adjacent-violators algorithm (Ayer et al. 1955; Best & Chakravarti
 * 1990), in scikit-learn's in-place form (`_inplace_contiguous_isotonic_regression`); then the
 * interior points of each constant run dropped (`trim_duplicates`), which leaves the same
 * piecewise-linear function.
 *
 * @param negatives scores of label 0, ascending; `negativeWeights` their weights (null: 1 each)
 * @param positives scores of label 1, ascending; `positiveWeights` their weights (null: 1 each)
 * @returns the breakpoints, or null when there is no sample
 *
 * O(n) after the sorts.
 *
 * @example isotonicFitSorted(new Float64Array([0.1, 0.6]), null, new Float64Array([0.4, 0.9]), null)
 * // { x: [0.1, 0.4, 0.6, 0.9], y: [0, 0.5, 0.5, 1] }
 */
export function isotonicFitSorted(
  negatives: Float64Array,
  negativeWeights: Float64Array | null,
  positives: Float64Array,
  positiveWeights: Float64Array | null,
): IsotonicFit | null {
  const total = negatives.length + positives.length;
  if (total === 0) return null;
  const xs = new Float64Array(total);
  const ys = new Float64Array(total);
  const ws = new Float64Array(total);
  let groups = 0;
  let currentX = NaN;
  let sumWY = 0;
  let sumW = 0;
  let i = 0;
  let j = 0;
  while (i < negatives.length || j < positives.length) {
    // Lexicographic (score, label): a negative before a positive of the same score.
    const takeNegative = j === positives.length || (i < negatives.length && negatives[i] <= positives[j]);
    const x = takeNegative ? negatives[i] : positives[j];
    const w = takeNegative ? (negativeWeights === null ? 1 : negativeWeights[i]) : positiveWeights === null ? 1 : positiveWeights[j];
    if (takeNegative) i++;
    else j++;
    if (groups === 0 || x - currentX >= UNIQUE_RESOLUTION) {
      if (groups > 0) {
        ws[groups - 1] = sumW;
        ys[groups - 1] = sumWY / sumW;
      }
      xs[groups++] = x;
      currentX = x;
      sumW = 0;
      sumWY = 0;
    }
    sumW += w;
    if (!takeNegative) sumWY += w;
  }
  ws[groups - 1] = sumW;
  ys[groups - 1] = sumWY / sumW;
  const x = xs.subarray(0, groups);
  const y = ys.subarray(0, groups);
  poolAdjacentViolators(y, ws.subarray(0, groups));
  return trimConstantRuns(x, y);
}

/**
 * The pool-adjacent-violators algorithm in place, as scikit-learn's
 * `_inplace_contiguous_isotonic_regression`: `y` becomes the weighted least-squares
 * non-decreasing fit of itself; `w` is overwritten (pooled weights). O(n).
 */
export function poolAdjacentViolators(y: Float64Array, w: Float64Array): void {
  const n = y.length;
  // target[i]: the last index of the block starting at i, and target[last] its first.
  const target = new Int32Array(n);
  for (let k = 0; k < n; k++) target[k] = k;
  let i = 0;
  while (i < n) {
    let k = target[i] + 1;
    if (k === n) break;
    if (y[i] < y[k]) {
      i = k;
      continue;
    }
    let sumWY = w[i] * y[i];
    let sumW = w[i];
    for (;;) {
      const previous = y[k];
      sumWY += w[k] * y[k];
      sumW += w[k];
      k = target[k] + 1;
      if (k === n || previous < y[k]) {
        y[i] = sumWY / sumW;
        w[i] = sumW;
        target[i] = k - 1;
        target[k - 1] = i;
        if (i > 0) i = target[i - 1];
        break;
      }
    }
  }
  i = 0;
  while (i < n) {
    const k = target[i] + 1;
    y.fill(y[i], i + 1, k);
    i = k;
  }
}

/** Keeps the first and last point of each run of equal `y` (scikit-learn's `trim_duplicates`). */
function trimConstantRuns(x: Float64Array, y: Float64Array): IsotonicFit {
  const n = y.length;
  const keptX: number[] = [];
  const keptY: number[] = [];
  for (let k = 0; k < n; k++) {
    if (k === 0 || k === n - 1 || y[k] !== y[k - 1] || y[k] !== y[k + 1]) {
      keptX.push(x[k]);
      keptY.push(y[k]);
    }
  }
  return { x: Float64Array.from(keptX), y: Float64Array.from(keptY) };
}

/**
 * Applies a fit: linear interpolation between breakpoints, the end values outside them
 * (`out_of_bounds="clip"`; scipy's `interp1d(kind="linear")` on clipped scores). A single
 * breakpoint is a constant. O(m log k) for m scores and k breakpoints.
 *
 * @param scores read at `scores[offset + i * stride]`, i < `rows`
 * @returns the calibrated probabilities, one per row
 */
export function isotonicPredict(fit: IsotonicFit, scores: Float64Array, rows: number, offset = 0, stride = 1): Float64Array {
  const { x, y } = fit;
  const k = x.length;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const s = scores[offset + r * stride];
    if (k === 1 || s <= x[0]) {
      out[r] = y[0];
      continue;
    }
    if (s >= x[k - 1]) {
      out[r] = y[k - 1];
      continue;
    }
    // The last breakpoint at or below s: x[lo] <= s < x[lo + 1].
    let lo = 0;
    let hi = k - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (x[mid] <= s) lo = mid;
      else hi = mid;
    }
    const slope = (y[lo + 1] - y[lo]) / (x[lo + 1] - x[lo]);
    out[r] = slope * (s - x[lo]) + y[lo];
  }
  return out;
}
