import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aurocFromCounts } from '../../src/kernels/auroc.js';
import { rankCounts } from '../../src/kernels/rank-counts.js';
import { sortScores } from '../../src/kernels/sort-scores.js';

const auroc = (positives: number[], negatives: number[]) => aurocFromCounts(rankCounts(Float64Array.from(positives), Float64Array.from(negatives)));

/** The definition: the share of (positive, negative) pairs ranked right, ties counting half. */
function naivePairs(positives: number[], negatives: number[]): number {
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

// Few distinct values, so ties are common.
const tiedScore = fc.integer({ min: 0, max: 20 }).map((k) => k / 20);
const twoClasses = fc.record({
  positives: fc.array(tiedScore, { minLength: 1, maxLength: 40 }),
  negatives: fc.array(tiedScore, { minLength: 1, maxLength: 40 }),
});

describe('exact AUROC', () => {
  it('agrees with a naive O(n²) pair count on data with ties', () => {
    fc.assert(
      fc.property(twoClasses, ({ positives, negatives }) => {
        expect(auroc(positives, negatives)).toBeCloseTo(naivePairs(positives, negatives), 12);
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

describe('sortScores', () => {
  const distributions = {
    uniform: fc.double({ min: 0, max: 1, noNaN: true }),
    logits: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    'wide exponents': fc.double({ min: -1e300, max: 1e300, noNaN: true }),
    ties: fc.integer({ min: -3, max: 3 }).map((k) => k / 4),
  };
  it.each(Object.entries(distributions))('sorts like the engine (%s)', (_name, value) => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 400 }), (values) => {
        const ours = sortScores(Float64Array.from(values));
        const engine = Float64Array.from(values).sort();
        // -0 and 0 compare equal, so either order of them is a correct sort.
        expect(Array.from(ours).every((v, i) => v === engine[i])).toBe(true);
      }),
    );
  });

  it('sorts large smooth and skewed inputs', () => {
    for (const gen of [() => Math.random(), () => Math.exp(-Math.random() * 700), () => Math.round(Math.random() * 10)]) {
      const values = Float64Array.from({ length: 100_000 }, gen);
      expect(sortScores(values.slice())).toEqual(values.slice().sort());
    }
  });
});
