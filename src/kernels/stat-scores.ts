import { WasmKernel, type WasmExports } from './wasm-module.js';
import { wasmBase64 } from './wasm/stat-scores.wasm.js';

/**
 * Counts of hard decisions: the update stage of torchmetrics' threshold metrics
 * (`_binary_confusion_matrix_update`, `_multiclass_stat_scores_update`,
 * `_multiclass_confusion_matrix_update`, `_multilabel_confusion_matrix_update`). The counting
 * functions add into `into` (counts as float64: exact up to 2^53) and skip samples whose label
 * is `ignore`. Where they take `weights` (one per sample: per row, multilabel rows weighing each
 * entry), counts become weighted counts, scikit-learn's `sample_weight`; null counts each as 1.
 * O(n) unless stated.
 */

/**
 * torch's float64 `sigmoid`, 1 / (1 + e^-x), in the same form, so that a logit compares with a
 * threshold exactly as torchmetrics' `preds.sigmoid() > threshold` does.
 */
export const torchSigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Binary decisions `p > threshold` (p = σ(score) for logits) counted into a 2 × 2 matrix
 * [[tn, fp], [fn, tp]] (row: label, column: decision), at `offset` in `into`.
 *
 * @param scores scores, read at `start + k·stride` for k < n
 * @param labels 0/1 labels at the same positions as the scores
 */
export function binaryConfusionCounts(
  into: Float64Array,
  offset: number,
  scores: Float64Array,
  labels: Int32Array,
  start: number,
  stride: number,
  n: number,
  threshold: number,
  logits: boolean,
  ignore: number | null,
  weights: Float64Array | null = null,
): void {
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let tp = 0;
  for (let k = 0, i = start; k < n; k++, i += stride) {
    const y = labels[i];
    if (y === ignore) continue;
    const w = weights === null ? 1 : weights[k];
    const p = logits ? torchSigmoid(scores[i]) : scores[i];
    if (p > threshold) {
      if (y === 1) tp += w;
      else fp += w;
    } else if (y === 1) fn += w;
    else tn += w;
  }
  into[offset] += tn;
  into[offset + 1] += fp;
  into[offset + 2] += fn;
  into[offset + 3] += tp;
}

interface StatScoresExports extends WasmExports {
  argmax_rows(scores: number, rows: number, classes: number, out: number): void;
  confusion_from_scores(scores: number, labels: number, rows: number, classes: number, hasIgnore: number, ignore: number, counts: number): void;
  calibration_bins(scores: number, labels: number, weights: number, rows: number, classes: number, hasIgnore: number, ignore: number, hasWeights: number, n: number, bins: number): void;
  group_confusion_from_scores(
    scores: number,
    labels: number,
    groups: number,
    weights: number,
    rows: number,
    classes: number,
    hasIgnore: number,
    ignore: number,
    hasWeights: number,
    counts: number,
    kept: number,
  ): void;
}

const kernel = new WasmKernel<StatScoresExports>(wasmBase64);

/** Scores up to which the JavaScript loop is quicker than a call into WebAssembly. */
const SMALL_BATCH = 4096;

/** Rows copied into the WebAssembly memory per call: about 256 KiB of scores, warm in cache. */
const chunkRows = (classes: number) => Math.max(2, Math.floor(32_768 / classes));

/**
 * The predicted class of each row: the first index of the row's maximum, as `torch.argmax` on
 * CPU. In WebAssembly (src/kernels/wasm/stat-scores.c: two rows per step, branch-free, so an
 * unpredictable maximum costs no mispredicted branch), fed in chunks so the memory it needs
 * stays small. O(n · C).
 *
 * @param scores rows × classes, row-major
 * @returns one class index per row
 */
export function argmaxRows(scores: Float64Array, rows: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  if (rows * classes <= SMALL_BATCH) {
    // A small batch costs less than the copy into WebAssembly memory: the same rule in JavaScript.
    for (let i = 0, base = 0; i < rows; i++, base += classes) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (scores[base + c] > scores[base + best]) best = c;
      out[i] = best;
    }
    return out;
  }
  const step = Math.max(1, Math.min(rows, chunkRows(classes)));
  const [scoresAt, outAt] = kernel.layout(step * classes * 8, step * 4);
  const wasm = kernel.exports;
  const scoreView = new Float64Array(wasm.memory.buffer, scoresAt, step * classes);
  const outView = new Int32Array(wasm.memory.buffer, outAt, step);
  for (let start = 0; start < rows; start += step) {
    const n = Math.min(step, rows - start);
    scoreView.set(scores.subarray(start * classes, (start + n) * classes));
    wasm.argmax_rows(scoresAt, n, classes, outAt);
    out.set(outView.subarray(0, n), start);
  }
  return out;
}

/**
 * A multiclass confusion matrix from scores, C × C row-major, counts[label · C + argmax], added
 * into `into`: {@link argmaxRows} and {@link multiclassConfusionCounts} in one pass in
 * WebAssembly, fed in chunks (no predicted classes are written out); a small batch in JavaScript.
 * O(n · C).
 *
 * @param scores rows × classes, row-major
 */
export function confusionFromScores(into: Float64Array, scores: Float64Array, labels: Int32Array, rows: number, classes: number, ignore: number | null): void {
  if (rows * classes <= SMALL_BATCH) {
    multiclassConfusionCounts(into, labels, argmaxRows(scores, rows, classes), classes, ignore);
    return;
  }
  const step = Math.min(rows, chunkRows(classes));
  const [scoresAt, labelsAt, countsAt] = kernel.layout(step * classes * 8, step * 4, classes * classes * 8);
  const wasm = kernel.exports;
  const counts = new Float64Array(wasm.memory.buffer, countsAt, classes * classes).fill(0);
  const scoreView = new Float64Array(wasm.memory.buffer, scoresAt, step * classes);
  const labelView = new Int32Array(wasm.memory.buffer, labelsAt, step);
  for (let start = 0; start < rows; start += step) {
    const n = Math.min(step, rows - start);
    scoreView.set(scores.subarray(start * classes, (start + n) * classes));
    labelView.set(labels.subarray(start, start + n));
    wasm.confusion_from_scores(scoresAt, labelsAt, n, classes, ignore === null ? 0 : 1, ignore ?? 0, countsAt);
  }
  for (let k = 0; k < counts.length; k++) into[k] += counts[k];
}

/**
 * A multiclass confusion matrix per group, G × C × C group-major: row i adds its weight (1
 * without weights) to `into[(groups[i] · C + label) · C + predicted]` and 1 to `kept[groups[i]]`
 * (rows kept, unweighted); rows whose label is `ignore` count nowhere. Each cell sums its rows in
 * row order, so group g's block is {@link multiclassConfusionCounts} of group g's rows alone. The
 * plain loop: small batches, class indices, and the reference of {@link groupConfusionFromScores}.
 * O(n).
 *
 * @param into G · C · C counts, added to; kept G row counts, added to
 * @param predicted one class per row (argmax, or the class indices sent)
 * @param groups one id per row, each < G
 */
export function groupConfusionCounts(
  into: Float64Array,
  kept: Float64Array,
  labels: Int32Array,
  predicted: Int32Array,
  groups: Int32Array,
  classes: number,
  ignore: number | null,
  weights: Float64Array | null = null,
): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y === ignore) continue;
    const g = groups[i];
    into[(g * classes + y) * classes + predicted[i]] += weights === null ? 1 : weights[i];
    kept[g] += 1;
  }
}

/**
 * {@link groupConfusionCounts} from scores: the argmax of each row (its first maximum, as
 * {@link argmaxRows}) and its count into its group's block in one WebAssembly pass
 * (group_confusion_from_scores in src/kernels/wasm/stat-scores.c), fed in chunks, so no
 * predicted classes are written out and the rows are read once. A small batch runs the same
 * rule in JavaScript. O(n · C).
 *
 * @param into G · C · C counts (G = `groupCount`), added to; kept G row counts, added to
 * @param scores rows × classes, row-major, without NaN
 * @param weights one per row, or null (each row counts 1)
 */
export function groupConfusionFromScores(
  into: Float64Array,
  kept: Float64Array,
  scores: Float64Array,
  labels: Int32Array,
  groups: Int32Array,
  weights: Float64Array | null,
  rows: number,
  classes: number,
  groupCount: number,
  ignore: number | null,
): void {
  if (rows * classes <= SMALL_BATCH) {
    groupConfusionCounts(into, kept, labels, argmaxRows(scores, rows, classes), groups, classes, ignore, weights);
    return;
  }
  const step = Math.min(rows, chunkRows(classes));
  const size = groupCount * classes * classes;
  // Many groups of many classes make a large block: an instance of its own past 1 MiB, so the
  // shared one stays small (see WasmKernel.forInput).
  const instance = kernel.forInput(size * 8);
  const [scoresAt, labelsAt, groupsAt, weightsAt, countsAt, keptAt] = instance.layout(step * classes * 8, step * 4, step * 4, weights ? step * 8 : 0, size * 8, groupCount * 8);
  const wasm = instance.exports;
  const memory = wasm.memory.buffer;
  const counts = new Float64Array(memory, countsAt, size).fill(0);
  const keptCounts = new Float64Array(memory, keptAt, groupCount).fill(0);
  const scoreView = new Float64Array(memory, scoresAt, step * classes);
  const labelView = new Int32Array(memory, labelsAt, step);
  const groupView = new Int32Array(memory, groupsAt, step);
  const weightView = new Float64Array(memory, weightsAt, weights ? step : 0);
  for (let start = 0; start < rows; start += step) {
    const n = Math.min(step, rows - start);
    scoreView.set(scores.subarray(start * classes, (start + n) * classes));
    labelView.set(labels.subarray(start, start + n));
    groupView.set(groups.subarray(start, start + n));
    if (weights) weightView.set(weights.subarray(start, start + n));
    wasm.group_confusion_from_scores(scoresAt, labelsAt, groupsAt, weightsAt, n, classes, ignore === null ? 0 : 1, ignore ?? 0, weights ? 1 : 0, countsAt, keptAt);
  }
  for (let k = 0; k < size; k++) into[k] += counts[k];
  // Unweighted, a group's kept rows are its block's sum (exact integers); the kernel counts them only when weighted.
  const block = classes * classes;
  for (let g = 0; g < groupCount; g++) {
    if (weights) kept[g] += keptCounts[g];
    else for (let k = g * block; k < (g + 1) * block; k++) kept[g] += counts[k];
  }
}

/**
 * The reliability bins of torchmetrics' multiclass calibration error, added into `bins`
 * ([count, Σ confidence, Σ accuracy] × (n + 1), weighted when `weights` is given): each kept
 * row's top probability is its confidence (its first maximum, as {@link argmaxRows}), whether
 * that class is the label its accuracy; bin i is [i/n, (i+1)/n), a confidence of exactly 1 in
 * bin n. The argmax and the binning are one WebAssembly pass, fed in chunks.
 *
 * O(n · C).
 *
 * @param probabilities rows × classes, row-major, each in [0, 1]
 */
export function calibrationBins(
  bins: Float64Array,
  probabilities: Float64Array,
  labels: Int32Array,
  weights: Float64Array | null,
  rows: number,
  classes: number,
  n: number,
  ignore: number | null,
): void {
  const step = Math.max(2, Math.min(rows, chunkRows(classes)));
  const [scoresAt, labelsAt, weightsAt, binsAt] = kernel.layout(step * classes * 8, step * 4, step * 8, 3 * (n + 1) * 8);
  const wasm = kernel.exports;
  const out = new Float64Array(wasm.memory.buffer, binsAt, 3 * (n + 1)).fill(0);
  const scoreView = new Float64Array(wasm.memory.buffer, scoresAt, step * classes);
  const labelView = new Int32Array(wasm.memory.buffer, labelsAt, step);
  const weightView = new Float64Array(wasm.memory.buffer, weightsAt, step);
  for (let start = 0; start < rows; start += step) {
    const count = Math.min(step, rows - start);
    scoreView.set(probabilities.subarray(start * classes, (start + count) * classes));
    labelView.set(labels.subarray(start, start + count));
    if (weights) weightView.set(weights.subarray(start, start + count));
    wasm.calibration_bins(scoresAt, labelsAt, weightsAt, count, classes, ignore === null ? 0 : 1, ignore ?? 0, weights ? 1 : 0, n, binsAt);
  }
  for (let k = 0; k < out.length; k++) bins[k] += out[k];
}

/**
 * torchmetrics 1.9's top-k prediction (`_refine_preds_oh`): a row predicts its label when the
 * label is among its k highest scores, else its highest score's class. Ties are broken towards
 * the lower index, at the k-th place and at the top (`torch.topk` leaves that order
 * unspecified). Rows whose label is not a class (ignored) get -1. O(n · C), whatever k.
 */
export function topKPredictions(scores: Float64Array, labels: Int32Array, rows: number, classes: number, k: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0, base = 0; i < rows; i++, base += classes) {
    const y = labels[i];
    if (y < 0 || y >= classes) {
      out[i] = -1;
      continue;
    }
    const sy = scores[base + y];
    let ahead = 0; // classes ranked above the label: a higher score, or the same score and a lower index
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const v = scores[base + c];
      if (v > sy || (v === sy && c < y)) ahead++;
      if (v > scores[base + best]) best = c;
    }
    out[i] = ahead < k ? y : best;
  }
  return out;
}

/**
 * A multiclass confusion matrix, C × C row-major, counts[label · C + predicted]
 * (`_multiclass_confusion_matrix_update`). Samples with label `ignore` are skipped. O(n).
 */
export function multiclassConfusionCounts(into: Float64Array, labels: Int32Array, predicted: Int32Array, classes: number, ignore: number | null, weights: Float64Array | null = null): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y === ignore) continue;
    into[y * classes + predicted[i]] += weights === null ? 1 : weights[i];
  }
}

/**
 * Multiclass stat scores from one predicted class per row (`_multiclass_stat_scores_update`),
 * added into `into` as [tn, fp, fn, tp] per class, the layout of the binary counts: a right row
 * is a true positive of its class; a wrong one a false positive of the predicted class and a
 * false negative of its label; every other class counts it a true negative. Samples with label
 * `ignore` are skipped. O(n + C): the state is 4 · C numbers, however many classes.
 */
export function multiclassStatCounts(into: Float64Array, labels: Int32Array, predicted: Int32Array, classes: number, ignore: number | null, weights: Float64Array | null = null): void {
  let kept = 0;
  const add = new Float64Array(4 * classes);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y === ignore) continue;
    const w = weights === null ? 1 : weights[i];
    kept += w;
    const p = predicted[i];
    if (p === y) add[4 * y + 3] += w;
    else {
      add[4 * p + 1] += w;
      add[4 * y + 2] += w;
    }
  }
  for (let c = 0; c < classes; c++) {
    const fp = add[4 * c + 1];
    const fn = add[4 * c + 2];
    const tp = add[4 * c + 3];
    into[4 * c] += kept - fp - fn - tp;
    into[4 * c + 1] += fp;
    into[4 * c + 2] += fn;
    into[4 * c + 3] += tp;
  }
}

/**
 * Rows whose kept entries all match their decisions, and rows with at least one kept entry
 * (multilabel exact match, `_multilabel_exact_match_update`; a row whose every entry is ignored
 * is left out rather than counted as a match). Adds [matched, rows] into `into`.
 */
export function exactMatchCounts(
  into: Float64Array,
  scores: Float64Array,
  labels: Int32Array,
  rows: number,
  width: number,
  threshold: number,
  logits: boolean,
  ignore: number | null,
  weights: Float64Array | null = null,
): void {
  let matched = 0;
  let counted = 0;
  for (let i = 0; i < rows; i++) {
    let kept = false;
    let match = true;
    for (let j = i * width, end = j + width; j < end; j++) {
      const y = labels[j];
      if (y === ignore) continue;
      kept = true;
      const p = logits ? torchSigmoid(scores[j]) : scores[j];
      if ((p > threshold ? 1 : 0) !== y) {
        match = false;
        break;
      }
    }
    if (!kept) {
      // A row broken off early had a kept entry; only a row of ignored entries lands here.
      continue;
    }
    const w = weights === null ? 1 : weights[i];
    counted += w;
    if (match) matched += w;
  }
  into[0] += matched;
  into[1] += counted;
}

/** Adds the stat scores [tn, fp, fn, tp] per class that a C × C confusion matrix holds. O(C²). */
export function statCountsFromMatrix(into: Float64Array, matrix: Float64Array, classes: number): void {
  let total = 0;
  for (let i = 0; i < matrix.length; i++) total += matrix[i];
  for (let c = 0; c < classes; c++) {
    let row = 0;
    let column = 0;
    for (let j = 0; j < classes; j++) {
      row += matrix[c * classes + j];
      column += matrix[j * classes + c];
    }
    const tp = matrix[c * classes + c];
    into[4 * c] += total - row - column + tp;
    into[4 * c + 1] += column - tp;
    into[4 * c + 2] += row - tp;
    into[4 * c + 3] += tp;
  }
}
