/** The indices 0..n-1 (filled in place: `Array.from` with a mapping function is 7x slower at 1e6). */
export function allIndices(n: number): number[] {
  const indices = new Array<number>(n);
  for (let k = 0; k < n; k++) indices[k] = k;
  return indices;
}

/**
 * scikit-learn's `drop_intermediate` for ROC curves: keeps the first and last points and every
 * point where the curve changes direction (second differences of fps or tps not zero), since
 * collinear points add nothing to the plot or the area.
 *
 * O(T). Returns the kept indices.
 */
export function cornerIndices(fps: ArrayLike<number>, tps: ArrayLike<number>): number[] {
  const T = fps.length;
  if (T <= 2) return allIndices(T);
  const keep = [0];
  for (let k = 1; k < T - 1; k++) {
    const bendFp = fps[k + 1] - 2 * fps[k] + fps[k - 1];
    const bendTp = tps[k + 1] - 2 * tps[k] + tps[k - 1];
    if (bendFp !== 0 || bendTp !== 0) keep.push(k);
  }
  keep.push(T - 1);
  return keep;
}

/**
 * At most `max` points of a curve, spread evenly along its length, so steep and flat stretches
 * both keep their shape; the first and last points are always kept.
 *
 * O(n). Returns the kept indices, ascending.
 */
export function evenlyAlongCurve(x: ArrayLike<number>, y: ArrayLike<number>, max: number): number[] {
  const n = x.length;
  if (n <= max) return allIndices(n);
  const length = new Float64Array(n);
  for (let k = 1; k < n; k++) length[k] = length[k - 1] + Math.hypot(x[k] - x[k - 1], y[k] - y[k - 1]);
  const total = length[n - 1];
  const keep = [0];
  let k = 1;
  for (let m = 1; m < max - 1; m++) {
    const target = (total * m) / (max - 1);
    while (k < n - 1 && length[k] < target) k++;
    if (k > keep[keep.length - 1] && k < n - 1) keep.push(k);
  }
  keep.push(n - 1);
  return keep;
}

/** The elements of `values` at `indices`. */
export const pick = (values: ArrayLike<number>, indices: readonly number[]): number[] => indices.map((k) => values[k]);
