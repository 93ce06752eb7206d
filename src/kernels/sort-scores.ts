const SMALL = 32;
const MAX_DEPTH = 4;

function insertionSort(a: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

function distributionSort(a: Float64Array, lo: number, hi: number, scratch: Float64Array, depth: number): void {
  const n = hi - lo;
  if (n <= SMALL) return insertionSort(a, lo, hi);
  if (depth > MAX_DEPTH) {
    a.subarray(lo, hi).sort();
    return;
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = lo; i < hi; i++) {
    const v = a[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return;
  const buckets = Math.max(2, n >>> 2);
  // Rounded subtraction and multiplication are monotone, so bucket order is value order.
  const scale = (buckets - 1) / (max - min);
  if (!Number.isFinite(scale)) {
    a.subarray(lo, hi).sort();
    return;
  }
  const ends = new Int32Array(buckets);
  for (let i = lo; i < hi; i++) ends[((a[i] - min) * scale) | 0]++;
  let sum = 0;
  for (let k = 0; k < buckets; k++) {
    const c = ends[k];
    ends[k] = sum;
    sum += c;
  }
  for (let i = lo; i < hi; i++) {
    const v = a[i];
    scratch[lo + ends[((v - min) * scale) | 0]++] = v;
  }
  a.set(scratch.subarray(lo, hi), lo);
  let start = lo;
  for (let k = 0; k < buckets; k++) {
    const end = lo + ends[k];
    if (end - start > 1) distributionSort(a, start, end, scratch, depth + 1);
    start = end;
  }
}

/**
 * Sorts finite float64 values ascending, in place, comparing them at full precision.
 *
 * A distribution (bucket) sort on the values themselves: n/4 buckets between the minimum and the
 * maximum, recursing into crowded buckets, insertion sort for small ones, and the engine's
 * comparison sort as the fallback for pathological spreads. On 10^6 uniform scores it is about
 * 3x faster than `Float64Array.prototype.sort` (load/README.md), because scores that a model
 * produces are spread smoothly over their range.
 *
 * O(n) expected for smooth distributions, O(n log n) worst case; O(n) scratch.
 *
 * @example sortScores(new Float64Array([0.3, 0.1, 0.2])) // Float64Array [0.1, 0.2, 0.3]
 */
export function sortScores(values: Float64Array): Float64Array {
  if (values.length > 1) distributionSort(values, 0, values.length, new Float64Array(values.length), 0);
  return values;
}
