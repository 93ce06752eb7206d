import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averagePrecisionFromCounts, averagePrecisionFromSplit } from '../../src/kernels/average-precision.js';
import { rankCountsFromSorted } from '../../src/kernels/rank-counts.js';
import { splitSorted } from '../../src/kernels/class-split.js';

describe('averagePrecisionFromSplit', () => {
  // Sizes past 8 · 2^10 samples crowd the first-level buckets, so each is sorted by a second pass.
  it.each([
    ['smooth, 1.2 million', 1_200_000, () => Math.random()],
    ['ties, 1.2 million', 1_200_000, () => Math.round(Math.random() * 5000) / 5000],
    ['skewed, 200,000', 200_000, () => (Math.random() < 0.5 ? Math.exp(-Math.random() * 700) : Math.random())],
  ])('the split counts its own average precision (WebAssembly), the same double as the JavaScript one (%s)', (_name, n, score) => {
    const scores = Float64Array.from({ length: n }, score);
    const labels = Int32Array.from({ length: n }, () => (Math.random() < 0.3 ? 1 : 0));
    const view = { rows: n, scores, scoreOffset: 0, scoreStride: 1, labels, labelOffset: 0, labelStride: 1, positive: 1, negative: null, ignore: null };
    const { averagePrecision, ...plain } = splitSorted(view);
    expect(averagePrecision).not.toBeUndefined();
    expect(averagePrecision).toBe(averagePrecisionFromSplit(plain));
  });

  it('counts the same double as the JavaScript one for small splits, ties included', () => {
    const scores = fc.array(fc.integer({ min: 0, max: 20 }).map((k) => k / 20), { maxLength: 60 });
    fc.assert(
      fc.property(scores, scores, (p, n) => {
        const labels = Int32Array.from([...p.map(() => 1), ...n.map(() => 0)]);
        const view = { rows: labels.length, scores: Float64Array.from([...p, ...n]), scoreOffset: 0, scoreStride: 1, labels, labelOffset: 0, labelStride: 1, positive: 1, negative: null, ignore: null };
        const { averagePrecision, ...plain } = splitSorted(view);
        expect(averagePrecision).toBe(averagePrecisionFromSplit(plain));
      }),
      { numRuns: 500 },
    );
  });

  it('is the same double as averagePrecisionFromCounts of the same sorted scores, ties included', () => {
    const scores = fc.array(fc.integer({ min: 0, max: 20 }).map((k) => k / 20), { maxLength: 60 });
    fc.assert(
      fc.property(scores, scores, (p, n) => {
        const positives = Float64Array.from(p).sort();
        const negatives = Float64Array.from(n).sort();
        expect(averagePrecisionFromSplit({ positives, negatives, twiceMannWhitney: 0 })).toBe(averagePrecisionFromCounts(rankCountsFromSorted(positives, negatives)));
      }),
      { numRuns: 500 },
    );
  });
});
