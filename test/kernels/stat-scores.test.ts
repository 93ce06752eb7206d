import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argmaxRows, binaryConfusionCounts, confusionFromScores, multiclassConfusionCounts, topKStatCounts } from '../../src/kernels/stat-scores.js';

/** Rows of scores on a coarse grid (ties within a row are common) and labels, some ignored (-1). */
const batchArb = fc.integer({ min: 2, max: 7 }).chain((classes) =>
  fc.integer({ min: 1, max: 40 }).chain((rows) =>
    fc.record({
      classes: fc.constant(classes),
      rows: fc.constant(rows),
      scores: fc.array(fc.integer({ min: -4, max: 4 }).map((k) => k / 4), { minLength: rows * classes, maxLength: rows * classes }),
      labels: fc.array(fc.integer({ min: -1, max: classes - 1 }), { minLength: rows, maxLength: rows }),
      ignore: fc.constantFrom(null, -1),
    }),
  ),
);

describe('stat-score kernels', () => {
  it('the WebAssembly confusion matrix equals argmax (first maximum) then counting, for odd and even row counts and ignored rows', () => {
    fc.assert(
      fc.property(batchArb, ({ classes, rows, scores, labels, ignore }) => {
        const s = Float64Array.from(scores);
        // Without ignore_index every label must be a class.
        const y = Int32Array.from(labels, (v) => (ignore === null && v < 0 ? 0 : v));
        const expected = new Float64Array(classes * classes);
        multiclassConfusionCounts(expected, y, argmaxRows(s, y, rows, classes, ignore), classes, ignore);
        const got = new Float64Array(classes * classes);
        confusionFromScores(got, s, y, rows, classes, ignore);
        expect(Array.from(got)).toEqual(Array.from(expected));
      }),
      { numRuns: 300 },
    );
  });

  it('argmax takes the first maximum, as torch.argmax', () => {
    expect(Array.from(argmaxRows(new Float64Array([0.5, 0.5, 0.2, 0.9, 0.9, 0.9]), new Int32Array([0, 1]), 2, 3, null))).toEqual([0, 0]);
  });

  it('a chunked call equals one over all rows (more rows than one chunk holds)', () => {
    const classes = 3;
    const rows = 40_001;
    const s = Float64Array.from({ length: rows * classes }, (_, i) => ((i * 7919) % 13) / 13);
    const y = Int32Array.from({ length: rows }, (_, i) => i % classes);
    const expected = new Float64Array(classes * classes);
    multiclassConfusionCounts(expected, y, argmaxRows(s, y, rows, classes, null), classes, null);
    const got = new Float64Array(classes * classes);
    confusionFromScores(got, s, y, rows, classes, null);
    expect(Array.from(got)).toEqual(Array.from(expected));
    expect(got.reduce((a, b) => a + b, 0)).toBe(rows);
  });

  it('top-1 stat scores equal those of the confusion matrix; every kept row is tp, fp, tn or fn of each class once', () => {
    fc.assert(
      fc.property(batchArb, fc.integer({ min: 1, max: 7 }), ({ classes, rows, scores, labels, ignore }, k) => {
        const s = Float64Array.from(scores);
        const y = Int32Array.from(labels, (v) => (ignore === null && v < 0 ? 0 : v));
        const topK = Math.min(k, classes);
        const stats = new Float64Array(4 * classes);
        topKStatCounts(stats, s, y, rows, classes, topK, ignore);
        const kept = y.filter((v) => v !== ignore).length;
        for (let c = 0; c < classes; c++) expect(stats[4 * c] + stats[4 * c + 1] + stats[4 * c + 2] + stats[4 * c + 3]).toBe(kept);
        // Each kept row predicts k classes: Σ (tp + fp) = k · kept.
        expect(Array.from({ length: classes }, (_, c) => stats[4 * c] + stats[4 * c + 1]).reduce((a, b) => a + b, 0)).toBe(topK * kept);
        if (topK === 1) {
          const matrix = new Float64Array(classes * classes);
          confusionFromScores(matrix, s, y, rows, classes, ignore);
          for (let c = 0; c < classes; c++) expect(stats[4 * c]).toBe(matrix[c * classes + c]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('binary decisions are p > threshold: a score equal to the threshold is negative', () => {
    const counts = new Float64Array(4);
    binaryConfusionCounts(counts, 0, new Float64Array([0.5, 0.5, 0.7, 0.2]), new Int32Array([1, 0, 1, 0]), 0, 1, 4, 0.5, false, null);
    expect(Array.from(counts)).toEqual([2, 0, 1, 1]); // [tn, fp, fn, tp]
  });
});
