/** How near two answers must be (see {@link comparer}). */
export interface Tolerance {
  /** Relative tolerance of non-integers: |a − b| ≤ max(abs, rel · max(|a|, |b|)). */
  rel: number;
  abs: number;
  /**
   * Two integers must be equal (counts), up to {@link MAX_COUNT}: beyond it an integral value is a
   * float that happens to be whole (a ratio of 3.4e15 is one), compared with the tolerance.
   */
  integersExact: boolean;
  /** Both NaN is equal. */
  nanEqual: boolean;
  /** Object keys left out of the comparison (e.g. `warnings`, whose wording may differ). */
  skip: readonly string[];
}

/** The largest integer compared as a count: no count of the tests comes near it, while float64s past it are mostly whole. */
export const MAX_COUNT = 2 ** 32;
const isCount = (x: number): boolean => Number.isInteger(x) && Math.abs(x) <= MAX_COUNT;

/**
 * A comparer of answers field by field (numbers, arrays, typed arrays, objects) to `tolerance`:
 * null when equal, else the path of the first difference.
 */
export function comparer({ rel, abs, integersExact, nanEqual, skip }: Tolerance) {
  const close = (a: unknown, b: unknown, path = ''): string | null => {
    if (typeof a === 'number' && typeof b === 'number') {
      if (integersExact && isCount(a) && isCount(b)) return a === b ? null : `${path}: ${a} vs ${b}`;
      if (nanEqual && Number.isNaN(a) && Number.isNaN(b)) return null;
      if (a === b) return null;
      return Math.abs(a - b) <= Math.max(abs, rel * Math.max(Math.abs(a), Math.abs(b))) ? null : `${path}: ${a} vs ${b}`;
    }
    if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return close(Array.from(a as Float64Array), Array.from(b as Float64Array), path);
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
      for (let i = 0; i < a.length; i++) {
        const m = close(a[i], b[i], `${path}/${i}`);
        if (m) return m;
      }
      return null;
    }
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of keys) {
        if (skip.includes(k)) continue;
        const m = close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`);
        if (m) return m;
      }
      return null;
    }
    return Object.is(a, b) ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  };
  return close;
}

/**
 * Answers compared field by field (numbers, arrays, typed arrays, objects; warnings too), to
 * 1e-12 relative, integers exactly (sums of floating values may add in another order). Null when
 * equal, else the path of the first difference.
 */
export const close = comparer({ rel: 1e-12, abs: 1e-12, integersExact: true, nanEqual: false, skip: [] });
