import { sortScores } from './sort-scores.js';

/**
 * One column of a score matrix seen as a binary problem: element i has score
 * `scores[scoreOffset + i * scoreStride]` and label `labels[labelOffset + i * labelStride]`; it is
 * a positive when the label equals `positive`, dropped when it equals `ignore`, else a negative.
 * Strides let every class of a [N, C] batch be read in place, without copying columns.
 */
export interface ClassView {
  rows: number;
  scores: Float64Array;
  scoreOffset: number;
  scoreStride: number;
  labels: Int32Array;
  labelOffset: number;
  labelStride: number;
  positive: number;
  ignore: number | null;
}

/**
 * The scores of the positives and of the negatives, each sorted ascending, grouped into value
 * buckets shared by both. `values` holds the positives, then the negatives; `ends[2k]` is where
 * bucket k of the positives ends and `ends[2k + 1]` where its negatives end, and every value of
 * bucket k is strictly below every value of bucket k + 1.
 */
export interface SplitScores {
  positives: Float64Array;
  negatives: Float64Array;
  ends: Int32Array;
}

const SMALL_RUN = 32;

function sortRun(values: Float64Array, start: number, end: number): void {
  if (end - start <= SMALL_RUN) {
    for (let i = start + 1; i < end; i++) {
      const v = values[i];
      let j = i - 1;
      while (j >= start && values[j] > v) {
        values[j + 1] = values[j];
        j--;
      }
      values[j + 1] = v;
    }
  } else sortScores(values.subarray(start, end));
}

/**
 * Splits a class into sorted positive and negative scores in three passes over the data (range,
 * histogram, scatter) plus small sorts inside value buckets: the split and the first level of a
 * distribution sort are one operation, so a 10^6-sample AUROC moves each score once.
 *
 * Buckets are linear in the score between its minimum and maximum, about eight samples each;
 * rounded subtraction and multiplication are monotone, so bucket order is value order. The
 * positive and negative counters of a bucket sit side by side, which keeps the scatter's random
 * accesses to one cache line. Crowded buckets (skewed scores) are finished by `sortScores`.
 *
 * O(n) expected for smooth score distributions, O(n log n) worst case.
 */
export function splitSorted(view: ClassView): SplitScores {
  const { rows, scores, scoreOffset, scoreStride, labels, labelOffset, labelStride, positive } = view;
  // A number no integer label equals stands in for "nothing ignored": one comparison type in the loops.
  const ignore = view.ignore ?? 0.5;
  let min = Infinity;
  let max = -Infinity;
  let kept = 0;
  const scoreEnd = scoreOffset + rows * scoreStride;
  for (let si = scoreOffset, li = labelOffset; si < scoreEnd; si += scoreStride, li += labelStride) {
    if (labels[li] === ignore) continue;
    const v = scores[si];
    if (v < min) min = v;
    if (v > max) max = v;
    kept++;
  }
  let buckets = Math.max(1, kept >>> 3);
  let scale = max > min ? (buckets - 1) / (max - min) : 0;
  if (!(scale > 0 && Number.isFinite(scale))) {
    buckets = 1;
    scale = 0;
  }

  const ends = new Int32Array(2 * buckets);
  for (let si = scoreOffset, li = labelOffset; si < scoreEnd; si += scoreStride, li += labelStride) {
    const y = labels[li];
    if (y === ignore) continue;
    ends[2 * (((scores[si] - min) * scale) | 0) + (y === positive ? 0 : 1)]++;
  }
  // Counts → start offsets (positives from 0, negatives after them); the scatter makes them ends.
  let positiveCount = 0;
  for (let k = 0; k < buckets; k++) positiveCount += ends[2 * k];
  let posStart = 0;
  let negStart = positiveCount;
  for (let k = 0; k < buckets; k++) {
    const pc = ends[2 * k];
    const nc = ends[2 * k + 1];
    ends[2 * k] = posStart;
    ends[2 * k + 1] = negStart;
    posStart += pc;
    negStart += nc;
  }
  const values = new Float64Array(kept);
  for (let si = scoreOffset, li = labelOffset; si < scoreEnd; si += scoreStride, li += labelStride) {
    const y = labels[li];
    if (y === ignore) continue;
    const v = scores[si];
    values[ends[2 * (((v - min) * scale) | 0) + (y === positive ? 0 : 1)]++] = v;
  }
  posStart = 0;
  negStart = positiveCount;
  for (let k = 0; k < buckets; k++) {
    if (ends[2 * k] - posStart > 1) sortRun(values, posStart, ends[2 * k]);
    if (ends[2 * k + 1] - negStart > 1) sortRun(values, negStart, ends[2 * k + 1]);
    posStart = ends[2 * k];
    negStart = ends[2 * k + 1];
  }
  return { positives: values.subarray(0, positiveCount), negatives: values.subarray(positiveCount), ends };
}

/**
 * Twice the Mann–Whitney U statistic from bucketed sorted scores: a positive beats every
 * negative of a lower bucket outright, so only pairs inside a bucket are compared, by merging
 * two short sorted runs (ties count 1 of 2). An exact integer while below 2^53.
 *
 * O(n).
 */
export function twiceMannWhitney(split: SplitScores): number {
  const { ends } = split;
  // One buffer: positives at [0, P), negatives at [P, P + N), as splitSorted lays them out.
  const values = new Float64Array(split.positives.buffer, split.positives.byteOffset, split.positives.length + split.negatives.length);
  let twice = 0;
  let negBelow = 0;
  let posStart = 0;
  let negStart = split.positives.length;
  for (let k = 0; k < ends.length; k += 2) {
    const posEnd = ends[k];
    const negEnd = ends[k + 1];
    const pc = posEnd - posStart;
    const nc = negEnd - negStart;
    if (pc > 0) {
      twice += 2 * pc * negBelow;
      if (nc > 0) {
        // Runs of equal positives are counted once, so heavy ties stay linear.
        let j = negStart;
        let i = posStart;
        while (i < posEnd) {
          const v = values[i];
          let g = i + 1;
          while (g < posEnd && values[g] === v) g++;
          while (j < negEnd && values[j] < v) j++;
          let t = j;
          while (t < negEnd && values[t] === v) t++;
          twice += (g - i) * (2 * (j - negStart) + (t - j));
          i = g;
        }
      }
    }
    negBelow += nc;
    posStart = posEnd;
    negStart = negEnd;
  }
  return twice;
}
