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

/** Bits of a radix digit: six passes over a 64-bit key, 2,048 buckets each (a cache-sized scatter). */
const DIGIT_BITS = 11;
const RADIX = 1 << DIGIT_BITS;
const DIGIT_MASK = RADIX - 1;
const PASSES = 6;

/**
 * The digit `p` (bits 11p to 11p + 10) of a 64-bit key held as its low and high 32-bit words.
 * Pass 2 straddles the words.
 */
function digitOf(lo: number, hi: number, p: number): number {
  const shift = p * DIGIT_BITS;
  if (shift + DIGIT_BITS <= 32) return (lo >>> shift) & DIGIT_MASK;
  if (shift >= 32) return (hi >>> (shift - 32)) & DIGIT_MASK;
  return ((lo >>> shift) | (hi << (32 - shift))) & DIGIT_MASK;
}

/** The most samples whose working arrays a thread keeps between fits: 32 bytes a sample, 32 MiB. */
const KEPT_SAMPLES = 1 << 20;

/** Working arrays of one fit, kept between fits up to {@link KEPT_SAMPLES} (fresh, zeroed memory costs a fit of 10⁶ samples a third of its time). */
interface Scratch {
  keys: Uint32Array;
  index: Uint32Array;
  spareKeys: Uint32Array;
  spareIndex: Uint32Array;
  weights: Float64Array;
}

let keptScratch: Scratch | null = null;

/** Working arrays for `n` samples: the kept ones when large enough, else new (kept when within the bound). */
function scratchFor(n: number): Scratch {
  if (keptScratch !== null && keptScratch.index.length >= n) return keptScratch;
  const scratch = { keys: new Uint32Array(2 * n), index: new Uint32Array(n), spareKeys: new Uint32Array(2 * n), spareIndex: new Uint32Array(n), weights: new Float64Array(n) };
  if (n <= KEPT_SAMPLES) keptScratch = scratch;
  return scratch;
}

/**
 * Sorts doubles ascending, stably, by a least-significant-digit radix sort of their IEEE 754 bits
 * made order-preserving (sign bit flipped for non-negative values, every bit for negative ones;
 * −0 lands just before +0): six passes of 11 bits, a pass skipped where every key shares its
 * digit (probabilities share their exponent's high bits). `keys` holds the doubles' bits (low
 * word first, as a Float64Array's Uint32Array view) and `index` a payload sorted along; both are
 * overwritten. Answers the doubles in order, their payloads, and the other buffer of the
 * ping-pong (2n words, free for the caller). Finite doubles only. O(n).
 */
function radixSortDoubles(keys: Uint32Array, index: Uint32Array, spareKeys: Uint32Array, spareIndex: Uint32Array): { sorted: Float64Array; index: Uint32Array; spare: Uint32Array } {
  const n = index.length;
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = keys[i + 1];
    if (hi >>> 31) {
      keys[i] = ~keys[i];
      keys[i + 1] = ~hi;
    } else keys[i + 1] = hi | 0x80000000;
  }
  const counts = new Uint32Array(PASSES * RADIX);
  for (let i = 0; i < 2 * n; i += 2) {
    const lo = keys[i];
    const hi = keys[i + 1];
    counts[lo & DIGIT_MASK]++;
    counts[RADIX + ((lo >>> 11) & DIGIT_MASK)]++;
    counts[2 * RADIX + (((lo >>> 22) | (hi << 10)) & DIGIT_MASK)]++;
    counts[3 * RADIX + ((hi >>> 1) & DIGIT_MASK)]++;
    counts[4 * RADIX + ((hi >>> 12) & DIGIT_MASK)]++;
    counts[5 * RADIX + (hi >>> 23)]++;
  }
  let from: Uint32Array = keys;
  let fromIndex: Uint32Array = index;
  let to: Uint32Array = spareKeys;
  let toIndex: Uint32Array = spareIndex;
  for (let p = 0; p < PASSES; p++) {
    const starts = counts.subarray(p * RADIX, (p + 1) * RADIX);
    if (starts[digitOf(from[0], from[1], p)] === n) continue;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = starts[d];
      starts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const lo = from[2 * i];
      const hi = from[2 * i + 1];
      const at = starts[digitOf(lo, hi, p)]++;
      to[2 * at] = lo;
      to[2 * at + 1] = hi;
      toIndex[at] = fromIndex[i];
    }
    [from, to] = [to, from];
    [fromIndex, toIndex] = [toIndex, fromIndex];
  }
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = from[i + 1];
    if (hi >>> 31) from[i + 1] = hi & 0x7fffffff;
    else {
      from[i] = ~from[i];
      from[i + 1] = ~hi;
    }
  }
  return { sorted: new Float64Array(from.buffer, from.byteOffset, n), index: fromIndex, spare: to };
}

/**
 * Fits an increasing isotonic regression of 0/1 labels on scores, as scikit-learn 1.9
 * `IsotonicRegression(out_of_bounds="clip").fit(scores, labels, sample_weight)` (`_build_y`):
 *
 * 1. samples ordered by (score, label) and, among equals, as given (`np.lexsort((y, X))`, stable):
 *    a stable partition by label, then a stable radix sort of the scores' bits;
 * 2. scores within 1e-15 of a group's first merged into one point whose target is the weighted
 *    mean label (`_make_unique`, summing in that order);
 * 3. the pool-adjacent-violators algorithm (Ayer et al. 1955; Best & Chakravarti 1990) on the
 *    points, in scikit-learn's in-place form ({@link poolAdjacentViolators});
 * 4. the interior points of each constant run dropped (`trim_duplicates`): the same
 *    piecewise-linear function.
 *
 * @param scores finite scores, one per sample
 * @param positive 1 where the sample's label is the positive class, else 0
 * @param weights each sample's weight, all > 0 (scikit-learn drops the others first); null: 1 each
 * @returns the breakpoints, or null when there is no sample
 *
 * O(n): the sort is a radix sort, the rest linear passes over typed arrays. The working arrays
 * (32 bytes a sample) are kept for the thread's next fit up to 2^20 samples; the answer never
 * shares them.
 *
 * @example isotonicFit(new Float64Array([0.1, 0.4, 0.6, 0.9]), new Uint8Array([0, 1, 0, 1]), null)
 * // { x: [0.1, 0.4, 0.6, 0.9], y: [0, 0.5, 0.5, 1] }
 */
export function isotonicFit(scores: Float64Array, positive: Uint8Array, weights: Float64Array | null): IsotonicFit | null {
  const n = scores.length;
  if (n === 0) return null;
  // Negatives first, then positives, each in the given order: the radix sort keeps it among equal scores.
  let negatives = 0;
  for (let i = 0; i < n; i++) negatives += positive[i] ^ 1;
  const bits = new Uint32Array(scores.buffer, scores.byteOffset, 2 * n);
  const scratch = scratchFor(n);
  const keys = scratch.keys.subarray(0, 2 * n);
  const index = scratch.index.subarray(0, n);
  let nextNegative = 0;
  let nextPositive = negatives;
  for (let i = 0; i < n; i++) {
    const at = positive[i] ? nextPositive++ : nextNegative++;
    keys[2 * at] = bits[2 * i];
    keys[2 * at + 1] = bits[2 * i + 1];
    index[at] = i;
  }
  const { sorted, index: order, spare } = radixSortDoubles(keys, index, scratch.spareKeys.subarray(0, 2 * n), scratch.spareIndex.subarray(0, n));
  // _make_unique: one point per group of scores within 1e-15 of its first. The points are written
  // over buffers the sort is done with: x over the sorted scores (a group is written at or before
  // its first score), y over the sort's spare buffer.
  const xs = sorted;
  const ys = new Float64Array(spare.buffer, spare.byteOffset, n);
  const ws = scratch.weights.subarray(0, n);
  let groups = 0;
  let currentX = sorted[0];
  let sumW = 0;
  let sumWY = 0;
  for (let k = 0; k < n; k++) {
    const x = sorted[k];
    const i = order[k];
    const w = weights === null ? 1 : weights[i];
    if (x - currentX >= UNIQUE_RESOLUTION) {
      xs[groups] = currentX;
      ws[groups] = sumW;
      ys[groups++] = sumWY / sumW;
      currentX = x;
      sumW = 0;
      sumWY = 0;
    }
    sumW += w;
    if (positive[i]) sumWY += w;
  }
  xs[groups] = currentX;
  ws[groups] = sumW;
  ys[groups++] = sumWY / sumW;
  const y = ys.subarray(0, groups);
  poolAdjacentViolators(y, ws.subarray(0, groups));
  return trimConstantRuns(xs.subarray(0, groups), y);
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
  const kept = new Uint32Array(n);
  let m = 0;
  for (let k = 0; k < n; k++) if (k === 0 || k === n - 1 || y[k] !== y[k - 1] || y[k] !== y[k + 1]) kept[m++] = k;
  const keptX = new Float64Array(m);
  const keptY = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    keptX[j] = x[kept[j]];
    keptY[j] = y[kept[j]];
  }
  return { x: keptX, y: keptY };
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
