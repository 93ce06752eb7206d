import { WasmKernel, type WasmExports } from './wasm-module.js';
import { wasmBase64 } from './wasm/rank-split.wasm.js';

/**
 * One column of a score matrix seen as a binary problem: element i has score
 * `scores[scoreOffset + i * scoreStride]` and label `labels[labelOffset + i * labelStride]`. It is
 * a positive when the label equals `positive`; a negative when it equals `negative` (or, with
 * `negative` null, any other label); dropped when it equals `ignore` or is neither. Strides let
 * every class of a [N, C] batch be read in place.
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
  negative: number | null;
  ignore: number | null;
}

/** A class's scores split by label, each sorted ascending, with its Mann–Whitney count. */
export interface SplitScores {
  positives: Float64Array;
  negatives: Float64Array;
  /** Twice the Mann–Whitney U: pairs ranked right count 2, ties 1 (an exact integer). */
  twiceMannWhitney: number;
  /**
   * The class's average precision (null without positives), counted in the same WebAssembly walk
   * as the Mann–Whitney count: averagePrecisionFromCounts of the class's exact counts, term for
   * term, so the same double.
   */
  averagePrecision: number | null;
}

/** A class's positive-weight samples split by label, each sorted ascending with its weight. */
export interface WeightedSplit {
  positives: Float64Array;
  positiveWeights: Float64Array;
  negatives: Float64Array;
  negativeWeights: Float64Array;
  /** Summed weights of the positives and of the negatives. */
  positiveWeight: number;
  negativeWeight: number;
  /** Twice the weighted Mann–Whitney U: Σ w_p·w_n over pairs, 2 when ranked right, 1 when tied. */
  twiceMannWhitney: number;
}

interface RankSplitExports extends WasmExports {
  split_sorted_weighted(
    scores: number,
    labels: number,
    weights: number,
    rows: number,
    positive: number,
    hasNegative: number,
    negative: number,
    hasIgnore: number,
    ignore: number,
    codes: number,
    values: number,
    wvalues: number,
    ends: number,
    counts: number,
    sums: number,
  ): number;
  merge_splits(pos: number, posStarts: number, neg: number, negStarts: number, runs: number, values: number, heap: number, at: number, averagePrecision: number): number;
  split_sorted(
    scores: number,
    labels: number,
    rows: number,
    positive: number,
    hasNegative: number,
    negative: number,
    hasIgnore: number,
    ignore: number,
    codes: number,
    values: number,
    ends: number,
    counts: number,
    averagePrecision: number,
  ): number;
}

/** Copies `rows` elements of a strided column into `into` (a plain copy when contiguous). */
function gather<T extends Float64Array | Int32Array>(into: T, from: T, offset: number, stride: number): void {
  if (stride === 1) {
    into.set(from.subarray(offset, offset + into.length));
    return;
  }
  for (let i = 0, at = offset; i < into.length; i++, at += stride) into[i] = from[at];
}

/** The shared instance, for columns up to 1 MiB of kernel memory (see WasmKernel.forInput). */
const shared = new WasmKernel<RankSplitExports>(wasmBase64);

/**
 * Copies a view's scores and labels into kernel memory and gives its label rule as the kernels
 * take it: positive, has_negative, negative, has_ignore, ignore.
 */
function stage(kernel: WasmKernel<RankSplitExports>, view: ClassView, scoresAt: number, labelsAt: number): [number, number, number, number, number] {
  const memory = kernel.exports.memory.buffer;
  gather(new Float64Array(memory, scoresAt, view.rows), view.scores, view.scoreOffset, view.scoreStride);
  gather(new Int32Array(memory, labelsAt, view.rows), view.labels, view.labelOffset, view.labelStride);
  return [view.positive, view.negative === null ? 0 : 1, view.negative ?? 0, view.ignore === null ? 0 : 1, view.ignore ?? 0];
}

/**
 * Splits a class into sorted positive and negative scores and counts its Mann–Whitney statistic
 * and average precision, in WebAssembly (src/kernels/wasm/rank-split.c): one scatter does the
 * split and the first level of a distribution sort; from the top bucket down, a second
 * distribution pass sorts each bucket's runs in cache and one walk of them counts both.
 * Comparisons are at full double precision; ties count half.
 *
 * O(n) expected for smooth score distributions, O(n log n) worst case.
 *
 * @example splitSorted({ rows: 3, scores: new Float64Array([0.9, 0.2, 0.4]), scoreOffset: 0, scoreStride: 1,
 *   labels: new Int32Array([1, 0, 1]), labelOffset: 0, labelStride: 1, positive: 1, negative: null, ignore: null })
 * // { positives: [0.4, 0.9], negatives: [0.2], twiceMannWhitney: 4, averagePrecision: 1 }
 */
export function splitSorted(view: ClassView): SplitScores {
  const { rows } = view;
  // A large column in the kept large instance (up to 16 MiB of input) or one of its own, freed
  // with it: the shared one would keep its 22 bytes a row for the worker's life.
  const kernel = shared.forInput(rows * 22);
  const [scoresAt, labelsAt, codesAt, valuesAt, endsAt, countsAt, apAt] = kernel.layout(
    rows * 8,
    rows * 4,
    rows,
    rows * 8,
    8 * Math.max(1, rows >>> 3) + 8,
    8,
    8,
  );
  const wasm = kernel.exports;
  const twiceMannWhitney = wasm.split_sorted(scoresAt, labelsAt, rows, ...stage(kernel, view, scoresAt, labelsAt), codesAt, valuesAt, endsAt, countsAt, apAt);
  const [p, n] = new Int32Array(wasm.memory.buffer, countsAt, 2);
  const [ap] = new Float64Array(wasm.memory.buffer, apAt, 1);
  const values = new Float64Array(wasm.memory.buffer, valuesAt, p + n).slice();
  return { positives: values.subarray(0, p), negatives: values.subarray(p), twiceMannWhitney, averagePrecision: ap < 0 ? null : ap };
}

/**
 * The split of a class over the union of disjoint sets of rows, from each set's
 * {@link splitSorted}: the parts' sorted positives merged, their negatives merged (a k-way merge
 * in WebAssembly, merge_splits in src/kernels/wasm/rank-split.c), and the Mann–Whitney count and
 * average precision counted by splitSorted's walk over the merged arrays: the same arrays and
 * the same numbers as splitSorted of all the rows, without sorting them again (the overall value
 * of a grouped ranking metric, from its groups' sorts).
 *
 * O(n log R) for R parts of n values in all.
 */
export function mergeSplits(parts: readonly SplitScores[]): SplitScores {
  if (parts.length === 1) return parts[0];
  const runs = parts.length;
  let p = 0;
  let n = 0;
  for (const part of parts) {
    p += part.positives.length;
    n += part.negatives.length;
  }
  const kernel = shared.forInput((p + n) * 16);
  const [posAt, negAt, posStartsAt, negStartsAt, heapAt, runAt, valuesAt, apAt] = kernel.layout(p * 8, n * 8, (runs + 1) * 4, (runs + 1) * 4, runs * 4, runs * 4, (p + n) * 8, 8);
  const wasm = kernel.exports;
  const memory = wasm.memory.buffer;
  const pos = new Float64Array(memory, posAt, p);
  const neg = new Float64Array(memory, negAt, n);
  const posStarts = new Int32Array(memory, posStartsAt, runs + 1);
  const negStarts = new Int32Array(memory, negStartsAt, runs + 1);
  posStarts[0] = 0;
  negStarts[0] = 0;
  for (let r = 0; r < runs; r++) {
    const { positives, negatives } = parts[r];
    pos.set(positives, posStarts[r]);
    neg.set(negatives, negStarts[r]);
    posStarts[r + 1] = posStarts[r] + positives.length;
    negStarts[r + 1] = negStarts[r] + negatives.length;
  }
  const twiceMannWhitney = wasm.merge_splits(posAt, posStartsAt, negAt, negStartsAt, runs, valuesAt, heapAt, runAt, apAt);
  const [ap] = new Float64Array(memory, apAt, 1);
  const values = new Float64Array(memory, valuesAt, p + n).slice();
  return { positives: values.subarray(0, p), negatives: values.subarray(p), twiceMannWhitney, averagePrecision: ap < 0 ? null : ap };
}

/**
 * {@link splitSorted} with a weight per element (scikit-learn's `sample_weight`), in the same
 * WebAssembly pass: elements of weight 0 are dropped (a score only they hold is no threshold),
 * the others split by label and sorted ascending, each score with its weight, with the weighted
 * Mann–Whitney count and the classes' summed weights. Element i weighs
 * `weights[floor(i / weightRepeat)]`: a multilabel row's entries, pooled for micro averaging,
 * each weigh the row's weight. Without `withScores`, only the counts and sums are answered (the
 * sorted arrays are empty): all an AUROC needs.
 *
 * O(n) expected for smooth score distributions, O(n log n) worst case.
 */
export function splitSortedWeighted(view: ClassView, weights: Float64Array, weightRepeat: number, withScores = true): WeightedSplit {
  const { rows } = view;
  const kernel = shared.forInput(rows * 38);
  const [scoresAt, labelsAt, weightsAt, codesAt, valuesAt, wvaluesAt, endsAt, countsAt, sumsAt] = kernel.layout(
    rows * 8,
    rows * 4,
    rows * 8,
    rows,
    rows * 8,
    rows * 8,
    8 * Math.max(1, rows >>> 3) + 8,
    8,
    16,
  );
  const wasm = kernel.exports;
  const rule = stage(kernel, view, scoresAt, labelsAt);
  const into = new Float64Array(wasm.memory.buffer, weightsAt, rows);
  if (weightRepeat === 1) into.set(weights.subarray(0, rows));
  else for (let i = 0; i < rows; i++) into[i] = weights[Math.floor(i / weightRepeat)];
  const twiceMannWhitney = wasm.split_sorted_weighted(scoresAt, labelsAt, weightsAt, rows, ...rule, codesAt, valuesAt, wvaluesAt, endsAt, countsAt, sumsAt);
  const [p, n] = new Int32Array(wasm.memory.buffer, countsAt, 2);
  const [positiveWeight, negativeWeight] = new Float64Array(wasm.memory.buffer, sumsAt, 2);
  // The AUROC alone needs no sorted scores: they stay in the kernel's memory, uncopied.
  const [size, cut] = withScores ? [p + n, p] : [0, 0];
  const values = new Float64Array(wasm.memory.buffer, valuesAt, size).slice();
  const wvalues = new Float64Array(wasm.memory.buffer, wvaluesAt, size).slice();
  return {
    positives: values.subarray(0, cut),
    positiveWeights: wvalues.subarray(0, cut),
    negatives: values.subarray(cut),
    negativeWeights: wvalues.subarray(cut),
    positiveWeight,
    negativeWeight,
    twiceMannWhitney,
  };
}
