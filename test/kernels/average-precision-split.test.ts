import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averagePrecisionFromCounts, averagePrecisionFromSplit } from '../../src/kernels/average-precision.js';
import { rankCountsFromSorted } from '../../src/kernels/rank-counts.js';

describe('averagePrecisionFromSplit', () => {
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
