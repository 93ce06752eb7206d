import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averagePrecisionFromCounts } from '../../src/kernels/average-precision.js';
import { rankCountsFromSorted } from '../../src/kernels/rank-counts.js';
import { mergeSplits, splitSorted } from '../../src/kernels/class-split.js';

/** A split's own average precision, and the definition's over its exact counts. */
function both(scores: Float64Array, labels: Int32Array): [number | null, number | null] {
  const view = { rows: labels.length, scores, scoreOffset: 0, scoreStride: 1, labels, labelOffset: 0, labelStride: 1, positive: 1, negative: null, ignore: null };
  const { averagePrecision, positives, negatives } = splitSorted(view);
  return [averagePrecision, averagePrecisionFromCounts(rankCountsFromSorted(positives, negatives))];
}

describe("the split's average precision", () => {
  // Sizes past 8 · 2^10 samples crowd the first-level buckets, so each is sorted by a second pass.
  it.each([
    ['smooth, 1.2 million', 1_200_000, () => Math.random()],
    ['ties, 1.2 million', 1_200_000, () => Math.round(Math.random() * 5000) / 5000],
    ['skewed, 200,000', 200_000, () => (Math.random() < 0.5 ? Math.exp(-Math.random() * 700) : Math.random())],
  ])('is counted in its walk (WebAssembly) as the same double as averagePrecisionFromCounts (%s)', (_name, n, score) => {
    const scores = Float64Array.from({ length: n }, score);
    const labels = Int32Array.from({ length: n }, () => (Math.random() < 0.3 ? 1 : 0));
    const [split, counted] = both(scores, labels);
    expect(split).not.toBeNull();
    expect(split).toBe(counted);
  });

  it('is the same double as averagePrecisionFromCounts for small splits, ties and no positives included', () => {
    const scores = fc.array(fc.integer({ min: 0, max: 20 }).map((k) => k / 20), { maxLength: 60 });
    fc.assert(
      fc.property(scores, scores, (p, n) => {
        const labels = Int32Array.from([...p.map(() => 1), ...n.map(() => 0)]);
        const [split, counted] = both(Float64Array.from([...p, ...n]), labels);
        expect(split).toBe(counted);
      }),
      { numRuns: 500 },
    );
  });
});

describe('mergeSplits (WebAssembly k-way merge) of disjoint parts', () => {
  const view = (scores: Float64Array, labels: Int32Array) => ({ rows: labels.length, scores, scoreOffset: 0, scoreStride: 1, labels, labelOffset: 0, labelStride: 1, positive: 1, negative: null, ignore: null });

  it('is splitSorted of all their rows: the same sorted arrays, Mann-Whitney count and average precision (ties across parts, empty parts)', () => {
    // Scores on a coarse grid, so ties fall across parts; a part may have no positives, no negatives or no rows.
    const part = fc.oneof(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.boolean()), { maxLength: 40 }),
      fc.integer({ min: 0, max: 3_000 }).map((n) => Array.from({ length: n }, (_, i) => [(i * 7919) % 13, (i * 104_729) % 3 === 0] as [number, boolean])),
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 9 }), (parts) => {
        const arrays = parts.map((rows) => ({ scores: Float64Array.from(rows, ([k]) => k / 12), labels: Int32Array.from(rows, ([, y]) => (y ? 1 : 0)) }));
        const merged = mergeSplits(arrays.map((a) => splitSorted(view(a.scores, a.labels))));
        const all = splitSorted(view(Float64Array.from(arrays.flatMap((a) => [...a.scores])), Int32Array.from(arrays.flatMap((a) => [...a.labels]))));
        expect(merged.positives).toEqual(all.positives);
        expect(merged.negatives).toEqual(all.negatives);
        expect(merged.twiceMannWhitney).toBe(all.twiceMannWhitney);
        expect(merged.averagePrecision).toBe(all.averagePrecision);
      }),
      { numRuns: 200 },
    );
  });
});
