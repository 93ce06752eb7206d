import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupExactMatchCounts, groupStatCounts } from '../../src/kernels/group-counts.js';
import { binaryConfusionCounts, exactMatchCounts } from '../../src/kernels/stat-scores.js';
import { mulberry32 } from '../../src/kernels/random.js';

/**
 * The one-pass counts by group equal the plain counts of each group's rows alone, exactly
 * (weighted sums included: both add a group's rows in row order from 0): binary (one label a
 * row) and multilabel (L labels a row), probabilities or logits, ignored entries, weights or not.
 */
const batchArb = fc.record({
  classes: fc.integer({ min: 1, max: 6 }),
  rows: fc.integer({ min: 0, max: 400 }),
  groups: fc.integer({ min: 1, max: 9 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  weighted: fc.boolean(),
  logits: fc.boolean(),
  ignore: fc.constantFrom(null, -1),
  threshold: fc.constantFrom(0.25, 0.5, 0.75),
});

type Shape = typeof batchArb extends fc.Arbitrary<infer T> ? T : never;

function randomBatch({ classes, rows, groups, seed, weighted, logits, ignore }: Shape) {
  const random = mulberry32(seed);
  // Scores on a grid that holds the thresholds (p = threshold decides "no"), logits around 0.
  const scores = Float64Array.from({ length: rows * classes }, () => (logits ? Math.floor(random() * 9) - 4 : Math.floor(random() * 9) / 8));
  const labels = Int32Array.from({ length: rows * classes }, () => Math.floor(random() * 3) - (ignore === null ? 0 : 1));
  for (let j = 0; j < labels.length; j++) if (labels[j] > 1) labels[j] = 1;
  const ids = Int32Array.from({ length: rows }, () => Math.floor(random() * groups));
  const weights = weighted ? Float64Array.from({ length: rows }, () => random() * 2) : null;
  return { scores, labels, ids, weights };
}

/** Group g's rows alone: their scores, labels and weights, in order. */
function rowsOf(g: number, classes: number, { scores, labels, ids, weights }: ReturnType<typeof randomBatch>) {
  const rows = [...ids.keys()].filter((i) => ids[i] === g);
  const pick = <T extends Float64Array | Int32Array>(a: T, Kind: new (n: number) => T, width: number) => {
    const out = new Kind(rows.length * width);
    rows.forEach((r, k) => out.set(a.subarray(r * width, (r + 1) * width), k * width));
    return out;
  };
  return { n: rows.length, scores: pick(scores, Float64Array, classes), labels: pick(labels, Int32Array, classes), weights: weights ? pick(weights, Float64Array, 1) : null };
}

describe('counts by group, one pass', () => {
  it('groupStatCounts: each group block is binaryConfusionCounts of the group rows, and kept counts the rows it keeps', () => {
    fc.assert(
      fc.property(batchArb, (shape) => {
        const { classes, rows, groups, logits, ignore, threshold } = shape;
        const batch = randomBatch(shape);
        const got = new Float64Array(4 * classes * groups);
        const kept = new Float64Array(groups);
        groupStatCounts(got, batch.scores, batch.labels, batch.ids, rows, threshold, logits, ignore, batch.weights, classes, kept);
        for (let g = 0; g < groups; g++) {
          const mine = rowsOf(g, classes, batch);
          const want = new Float64Array(4 * classes);
          for (let c = 0; c < classes; c++) binaryConfusionCounts(want, 4 * c, mine.scores, mine.labels, c, classes, mine.n, threshold, logits, ignore, mine.weights);
          expect(got.subarray(4 * classes * g, 4 * classes * (g + 1))).toEqual(want);
          // A one-label row is kept unless ignored; a multilabel row always.
          const rowsKept = classes === 1 ? mine.labels.filter((y) => y !== ignore).length : mine.n;
          expect(kept[g]).toBe(rowsKept);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('groupExactMatchCounts: each group pair is exactMatchCounts of the group rows', () => {
    fc.assert(
      fc.property(batchArb, (shape) => {
        const { classes, rows, groups, logits, ignore, threshold } = shape;
        const batch = randomBatch(shape);
        const got = new Float64Array(2 * groups);
        groupExactMatchCounts(got, batch.scores, batch.labels, batch.ids, rows, classes, threshold, logits, ignore, batch.weights);
        for (let g = 0; g < groups; g++) {
          const mine = rowsOf(g, classes, batch);
          const want = new Float64Array(2);
          exactMatchCounts(want, mine.scores, mine.labels, mine.n, classes, threshold, logits, ignore, mine.weights);
          expect(got.subarray(2 * g, 2 * g + 2)).toEqual(want);
        }
      }),
      { numRuns: 200 },
    );
  });
});
