import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aurocFromCounts, aurocFromSplit } from '../../src/kernels/auroc.js';
import { splitSorted, splitSortedWeighted, type ClassView } from '../../src/kernels/class-split.js';
import { rankCountsFromSorted } from '../../src/kernels/rank-counts.js';

/** A binary view of positives and negatives laid out one after the other. */
function view(positives: ArrayLike<number>, negatives: ArrayLike<number>): ClassView {
  const scores = Float64Array.from([...Array.from(positives), ...Array.from(negatives)]);
  const labels = Int32Array.from(scores, (_, i) => (i < positives.length ? 1 : 0));
  return { rows: scores.length, scores, scoreOffset: 0, scoreStride: 1, labels, labelOffset: 0, labelStride: 1, positive: 1, negative: null, ignore: null };
}

const auroc = (positives: number[], negatives: number[]) => aurocFromSplit(splitSorted(view(positives, negatives)));

/** The definition: the share of (positive, negative) pairs ranked right, ties counting half. */
function naivePairs(positives: number[], negatives: number[]): number {
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

// Few distinct values, so ties are common.
const tiedScore = fc.integer({ min: 0, max: 20 }).map((k) => k / 20);
const twoClasses = fc.record({
  positives: fc.array(tiedScore, { minLength: 1, maxLength: 60 }),
  negatives: fc.array(tiedScore, { minLength: 1, maxLength: 60 }),
});

describe('exact AUROC', () => {
  it('agrees with a naive O(n²) pair count on data with ties', () => {
    fc.assert(
      fc.property(twoClasses, ({ positives, negatives }) => {
        expect(auroc(positives, negatives)).toBeCloseTo(naivePairs(positives, negatives), 12);
      }),
    );
  });

  it('agrees with the trapezoid over its own ROC counts', () => {
    fc.assert(
      fc.property(twoClasses, ({ positives, negatives }) => {
        const split = splitSorted(view(positives, negatives));
        expect(aurocFromCounts(rankCountsFromSorted(split.positives, split.negatives))).toBeCloseTo(aurocFromSplit(split)!, 12);
      }),
    );
  });

  it('AUROC(1 − s) = 1 − AUROC(s)', () => {
    fc.assert(
      fc.property(twoClasses, ({ positives, negatives }) => {
        const flipped = auroc(positives.map((s) => 1 - s), negatives.map((s) => 1 - s))!;
        expect(flipped).toBeCloseTo(1 - auroc(positives, negatives)!, 12);
      }),
    );
  });

  it('is invariant under a strictly increasing transform of the scores', () => {
    const f = (s: number) => Math.exp(3 * s) + s ** 3;
    fc.assert(
      fc.property(twoClasses, ({ positives, negatives }) => {
        expect(auroc(positives.map(f), negatives.map(f))).toBe(auroc(positives, negatives));
      }),
    );
  });

  it('is undefined (null) without positives or without negatives', () => {
    expect(auroc([], [0.1, 0.2])).toBeNull();
    expect(auroc([0.3], [])).toBeNull();
  });

  it('compares scores at full double precision', () => {
    expect(auroc([0.1 + 2 ** -55], [0.1])).toBe(1);
    expect(auroc([1 - 2 ** -53], [1 - 2 ** -52])).toBe(1);
  });
});

describe('splitSorted', () => {
  const distributions = {
    uniform: fc.double({ min: 0, max: 1, noNaN: true }),
    logits: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    'wide exponents': fc.double({ min: -1e300, max: 1e300, noNaN: true }),
    ties: fc.integer({ min: -3, max: 3 }).map((k) => k / 4),
  };
  const sameValues = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => v === b[i]);

  it.each(Object.entries(distributions))('sorts each class like the engine and counts pairs exactly (%s)', (_name, value) => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.array(value, { maxLength: 300 }), (positives, negatives) => {
        const split = splitSorted(view(positives, negatives));
        // -0 and 0 compare equal, so either order of them is a correct sort.
        expect(sameValues(split.positives, Float64Array.from(positives).sort())).toBe(true);
        expect(sameValues(split.negatives, Float64Array.from(negatives).sort())).toBe(true);
        if (positives.length && negatives.length) expect(split.twiceMannWhitney / 2 / (positives.length * negatives.length)).toBeCloseTo(naivePairs(positives, negatives), 12);
      }),
    );
  });

  it('reads strided columns, honours ignore and an explicit negative label', () => {
    // Column 1 of a [4, 2] matrix; label 2 is ignored; label 3 is neither positive nor negative.
    const scores = new Float64Array([9, 0.1, 9, 0.7, 9, 0.4, 9, 0.2]);
    const labels = new Int32Array([1, 0, 2, 3]);
    const split = splitSorted({ rows: 4, scores, scoreOffset: 1, scoreStride: 2, labels, labelOffset: 0, labelStride: 1, positive: 1, negative: 0, ignore: 2 });
    expect(Array.from(split.positives)).toEqual([0.1]);
    expect(Array.from(split.negatives)).toEqual([0.7]);
  });

  it('sorts past 8 · 2^10 samples, where a second distribution pass sorts each first-level bucket, and counts pairs as the counts do', () => {
    const n = 1_300_000;
    const positives = Float64Array.from({ length: n / 2 }, () => Math.random());
    const negatives = Float64Array.from({ length: n / 2 }, () => Math.round(Math.random() * 1000) / 1000);
    const split = splitSorted(view(positives, negatives));
    expect(sameValues(split.positives, positives.slice().sort())).toBe(true);
    expect(sameValues(split.negatives, negatives.slice().sort())).toBe(true);
    expect(aurocFromSplit(split)).toBe(aurocFromCounts(rankCountsFromSorted(split.positives, split.negatives)));
    // The weighted split, past the same size: weight 1 everywhere is the unweighted split.
    const weighted = splitSortedWeighted(view(positives, negatives), new Float64Array(n).fill(1), 1);
    expect(sameValues(weighted.positives, split.positives) && sameValues(weighted.negatives, split.negatives)).toBe(true);
    expect(weighted.twiceMannWhitney).toBe(split.twiceMannWhitney);
  });

  it('sorts large smooth and skewed inputs, and counts their pairs as the counts do', () => {
    for (const gen of [() => Math.random(), () => Math.exp(-Math.random() * 700), () => Math.round(Math.random() * 10), () => (Math.random() < 0.5 ? 0 : 1e300 * Math.random())]) {
      const positives = Float64Array.from({ length: 60_000 }, gen);
      const negatives = Float64Array.from({ length: 90_000 }, gen);
      const split = splitSorted(view(positives, negatives));
      expect(sameValues(split.positives, positives.slice().sort())).toBe(true);
      expect(sameValues(split.negatives, negatives.slice().sort())).toBe(true);
      expect(aurocFromSplit(split)).toBe(aurocFromCounts(rankCountsFromSorted(split.positives, split.negatives)));
    }
  });
});
