import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argmaxRows, calibrationBins, binaryConfusionCounts, confusionFromScores, groupConfusionFromScores, multiclassConfusionCounts, multiclassStatCounts, topKPredictions } from '../../src/kernels/stat-scores.js';
import { mulberry32 } from '../../src/kernels/random.js';

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

/** The first index of each row's maximum, written plainly: what torch.argmax answers. */
function firstMaxima(scores: Float64Array, rows: number, classes: number): number[] {
  return Array.from({ length: rows }, (_, i) => {
    const row = Array.from(scores.subarray(i * classes, (i + 1) * classes));
    return row.indexOf(Math.max(...row));
  });
}

describe('stat-score kernels', () => {
  it('the WebAssembly argmax is the first index of each row maximum, for odd and even row counts', () => {
    fc.assert(
      fc.property(batchArb, ({ classes, rows, scores }) => {
        const s = Float64Array.from(scores);
        expect(Array.from(argmaxRows(s, rows, classes))).toEqual(firstMaxima(s, rows, classes));
      }),
      { numRuns: 300 },
    );
  });

  it('argmax in WebAssembly (large batches) equals the JavaScript loop (small ones), ties included', () => {
    const classes = 7;
    const rows = 5_001; // 35,007 scores: past the JavaScript threshold, odd
    const s = Float64Array.from({ length: rows * classes }, (_, i) => ((i * 104_729) % 5) / 5);
    const large = argmaxRows(s, rows, classes);
    const small = Int32Array.from({ length: rows }, (_, i) => argmaxRows(s.subarray(i * classes, (i + 1) * classes), 1, classes)[0]);
    expect(Array.from(large)).toEqual(Array.from(small));
    expect(Array.from(large)).toEqual(firstMaxima(s, rows, classes));
  });

  it('argmax over more rows than one chunk holds', () => {
    const classes = 3;
    const rows = 40_001;
    const s = Float64Array.from({ length: rows * classes }, (_, i) => ((i * 7919) % 13) / 13);
    expect(Array.from(argmaxRows(s, rows, classes))).toEqual(firstMaxima(s, rows, classes));
  });

  it('the fused WebAssembly confusion matrix equals argmax then counting (ties, ignored rows, odd counts, several chunks)', () => {
    fc.assert(
      fc.property(batchArb, ({ classes, rows, scores, labels, ignore }) => {
        const s = Float64Array.from(scores);
        const y = Int32Array.from(labels, (v) => (ignore === null && v < 0 ? 0 : v));
        const expected = new Float64Array(classes * classes);
        multiclassConfusionCounts(expected, y, Int32Array.from(firstMaxima(s, rows, classes)), classes, ignore);
        const got = new Float64Array(classes * classes);
        confusionFromScores(got, s, y, rows, classes, ignore);
        expect(Array.from(got)).toEqual(Array.from(expected));
      }),
      { numRuns: 300 },
    );
    const classes = 3;
    const rows = 40_001;
    const s = Float64Array.from({ length: rows * classes }, (_, i) => ((i * 7919) % 13) / 13);
    const y = Int32Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? -1 : i % classes));
    const expected = new Float64Array(classes * classes);
    multiclassConfusionCounts(expected, y, argmaxRows(s, rows, classes), classes, -1);
    const got = new Float64Array(classes * classes);
    confusionFromScores(got, s, y, rows, classes, -1);
    expect(Array.from(got)).toEqual(Array.from(expected));
  });

  it('top-k predicts the label when it ranks among the k highest (ties: lower index first), else the first maximum', () => {
    fc.assert(
      fc.property(batchArb, fc.integer({ min: 1, max: 7 }), ({ classes, rows, scores, labels }, k) => {
        const s = Float64Array.from(scores);
        const y = Int32Array.from(labels);
        const got = topKPredictions(s, y, rows, classes, Math.min(k, classes));
        const maxima = firstMaxima(s, rows, classes);
        for (let i = 0; i < rows; i++) {
          if (y[i] < 0) {
            expect(got[i]).toBe(-1);
            continue;
          }
          const order = Array.from({ length: classes }, (_, c) => c).sort((a, b) => s[i * classes + b] - s[i * classes + a] || a - b);
          expect(got[i]).toBe(order.slice(0, Math.min(k, classes)).includes(y[i]) ? y[i] : maxima[i]);
        }
        // top_k 1 is the argmax.
        const top1 = topKPredictions(s, y, rows, classes, 1);
        for (let i = 0; i < rows; i++) if (y[i] >= 0) expect(top1[i]).toBe(maxima[i]);
      }),
      { numRuns: 300 },
    );
  });

  it('stat counts equal those read off the confusion matrix, for every class', () => {
    fc.assert(
      fc.property(batchArb, ({ classes, rows, scores, labels, ignore }) => {
        const s = Float64Array.from(scores);
        const y = Int32Array.from(labels, (v) => (ignore === null && v < 0 ? 0 : v));
        const predicted = argmaxRows(s, rows, classes);
        const matrix = new Float64Array(classes * classes);
        multiclassConfusionCounts(matrix, y, predicted, classes, ignore);
        const stats = new Float64Array(4 * classes);
        multiclassStatCounts(stats, y, predicted, classes, ignore);
        const total = matrix.reduce((a, b) => a + b, 0);
        for (let c = 0; c < classes; c++) {
          let row = 0;
          let column = 0;
          for (let j = 0; j < classes; j++) {
            row += matrix[c * classes + j];
            column += matrix[j * classes + c];
          }
          const tp = matrix[c * classes + c];
          expect([stats[4 * c], stats[4 * c + 1], stats[4 * c + 2], stats[4 * c + 3]]).toEqual([total - row - column + tp, column - tp, row - tp, tp]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('binary decisions are p > threshold: a score equal to the threshold is negative', () => {
    const counts = new Float64Array(4);
    binaryConfusionCounts(counts, 0, new Float64Array([0.5, 0.5, 0.7, 0.2]), new Int32Array([1, 0, 1, 0]), 0, 1, 4, 0.5, false, null);
    expect(Array.from(counts)).toEqual([2, 0, 1, 1]); // [tn, fp, fn, tp]
  });
});

describe('calibrationBins (WebAssembly) equals the per-row definition', () => {
  it('top probability, first maximum, bins [i/n, (i+1)/n) with 1 in bin n, weights and ignored rows', () => {
    // Probabilities on a coarse grid: ties for the maximum and confidences on the bin edges are common.
    const rowsArb = fc.array(fc.tuple(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 3, maxLength: 3 }), fc.integer({ min: -1, max: 2 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(rowsArb, fc.integer({ min: 1, max: 12 }), fc.boolean(), (rows, n, weighted) => {
        const probs = Float64Array.from(rows.flatMap(([p]) => p.map((k) => k / 10)));
        const labels = Int32Array.from(rows.map(([, y]) => y));
        const weights = weighted ? Float64Array.from(rows.map(([, , w]) => w / 2)) : null;
        const got = new Float64Array(3 * (n + 1));
        calibrationBins(got, probs, labels, weights, rows.length, 3, n, -1);
        const want = new Float64Array(3 * (n + 1));
        rows.forEach(([p], i) => {
          if (labels[i] === -1) return;
          const best = p.indexOf(Math.max(...p));
          const confidence = probs[3 * i + best];
          let b = 0;
          for (let k = 1; k <= n; k++) if (k / n <= confidence) b = k;
          const w = weights ? weights[i] : 1;
          want[3 * b] += w;
          want[3 * b + 1] += w * confidence;
          want[3 * b + 2] += best === labels[i] ? w : 0;
        });
        for (let k = 0; k < want.length; k++) expect(got[k]).toBeCloseTo(want[k], 12);
      }),
    );
  });
});

describe('groupConfusionFromScores (WebAssembly) equals counting each row into its group', () => {
  /**
   * Random batches on both sides of the JavaScript threshold (4,096 scores) and over several
   * chunks (32,768 scores each), rows not a multiple of any chunk: scores on a grid of nine
   * values (ties for the maximum are common), labels with ignored ones (-1), weights or not.
   */
  const batchArb = fc.record({
    classes: fc.integer({ min: 2, max: 12 }),
    rows: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 40_000 })),
    groups: fc.integer({ min: 1, max: 9 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    weighted: fc.boolean(),
    ignore: fc.constantFrom(null, -1),
  });

  it('argmax (first maximum, as torch) and count into G × C × C and the rows kept per group, exactly', () => {
    fc.assert(
      fc.property(batchArb, ({ classes, rows, groups, seed, weighted, ignore }) => {
        const random = mulberry32(seed);
        const scores = Float64Array.from({ length: rows * classes }, () => Math.floor(random() * 9) / 8);
        const labels = Int32Array.from({ length: rows }, () => Math.floor(random() * (classes + 1)) - (ignore === null ? 0 : 1));
        for (let i = 0; i < rows; i++) if (labels[i] >= classes) labels[i] = classes - 1;
        const ids = Int32Array.from({ length: rows }, () => Math.floor(random() * groups));
        const weights = weighted ? Float64Array.from({ length: rows }, () => random() * 2) : null;
        // The definition, row by row: the first index of the row's maximum, its weight added to its group's cell.
        const want = new Float64Array(groups * classes * classes);
        const wantKept = new Float64Array(groups);
        for (let i = 0; i < rows; i++) {
          if (labels[i] === ignore) continue;
          let best = 0;
          for (let c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
          want[(ids[i] * classes + labels[i]) * classes + best] += weights ? weights[i] : 1;
          wantKept[ids[i]] += 1;
        }
        const got = new Float64Array(groups * classes * classes);
        const kept = new Float64Array(groups);
        groupConfusionFromScores(got, kept, scores, labels, ids, weights, rows, classes, groups, ignore);
        expect(got).toEqual(want);
        expect(kept).toEqual(wantKept);
      }),
      { numRuns: 60 },
    );
  });
});
