import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averagePrecisionFromCounts, averagePrecisionFromSplit } from '../../src/kernels/average-precision.js';
import { rankCountsFromSorted } from '../../src/kernels/rank-counts.js';
import { splitSorted } from '../../src/kernels/class-split.js';

describe('averagePrecisionFromSplit', () => {
  it('past 2^20 samples the split counts its own average precision (WebAssembly): the same double as the JavaScript one', () => {
    const n = 1_200_000;
    const scores = Float64Array.from({ length: n }, () => Math.round(Math.random() * 5000) / 5000);
    const labels = Int32Array.from({ length: n }, () => (Math.random() < 0.3 ? 1 : 0));
    const split = splitSorted({ rows: n, scores, scoreOffset: 0, scoreStride: 1, labels, labelOffset: 0, labelStride: 1, positive: 1, negative: null, ignore: null });
    const { averagePrecision, ...plain } = split;
    expect(averagePrecision).not.toBeUndefined();
    expect(averagePrecision).toBe(averagePrecisionFromSplit(plain));
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
