import { WasmKernel, type WasmExports } from './wasm-module.js';
import { wasmBase64 } from './wasm/stat-scores.wasm.js';

/**
 * Confusion counts of hard decisions: the update stage of torchmetrics' threshold metrics
 * (`_binary_confusion_matrix_update`, `_multiclass_confusion_matrix_update`,
 * `_multiclass_stat_scores_update` with `top_k`, `_multilabel_confusion_matrix_update`).
 * Every function adds into `into` (counts as float64: exact up to 2^53) and skips samples whose
 * label is `ignore`. O(n) unless stated.
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
): void {
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let tp = 0;
  for (let k = 0, i = start; k < n; k++, i += stride) {
    const y = labels[i];
    if (y === ignore) continue;
    const p = logits ? torchSigmoid(scores[i]) : scores[i];
    if (p > threshold) {
      if (y === 1) tp++;
      else fp++;
    } else if (y === 1) fn++;
    else tn++;
  }
  into[offset] += tn;
  into[offset + 1] += fp;
  into[offset + 2] += fn;
  into[offset + 3] += tp;
}

/**
 * The predicted class of each row: the first index of the row's maximum, as `torch.argmax` on
 * CPU. Rows whose label is `ignore` get -1.
 *
 * @param scores rows × classes, row-major
 */
export function argmaxRows(scores: Float64Array, labels: Int32Array, rows: number, classes: number, ignore: number | null): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    if (labels[i] === ignore) {
      out[i] = -1;
      continue;
    }
    const base = i * classes;
    let best = 0;
    let max = scores[base];
    for (let c = 1; c < classes; c++) {
      if (scores[base + c] > max) {
        max = scores[base + c];
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * A multiclass confusion matrix, C × C row-major, counts[label · C + predicted]
 * (`_multiclass_confusion_matrix_update`). Samples with label `ignore` are skipped.
 */
export function multiclassConfusionCounts(into: Float64Array, labels: Int32Array, predicted: Int32Array, classes: number, ignore: number | null): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y === ignore) continue;
    into[y * classes + predicted[i]]++;
  }
}

interface StatScoresExports extends WasmExports {
  confusion_from_scores(scores: number, labels: number, rows: number, classes: number, hasIgnore: number, ignore: number, counts: number): void;
}

const kernel = new WasmKernel<StatScoresExports>(wasmBase64);

/** Rows copied into the WebAssembly memory per call: about 256 KiB of scores, warm in cache. */
const chunkRows = (classes: number) => Math.max(2, Math.floor(32_768 / classes));

/**
 * A multiclass confusion matrix from scores, C × C row-major, counts[label · C + argmax]: the
 * argmax (first index of the row's maximum, as `torch.argmax` on CPU) and the count in one pass,
 * in WebAssembly (src/kernels/wasm/stat-scores.c: two rows per step, branch-free), fed in chunks
 * so the memory it needs stays small. Same counts as {@link argmaxRows} then
 * {@link multiclassConfusionCounts}. O(n · C).
 *
 * @param scores rows × classes, row-major
 */
export function confusionFromScores(into: Float64Array, scores: Float64Array, labels: Int32Array, rows: number, classes: number, ignore: number | null): void {
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
 * Top-k stat scores per class, counted into `into` as [tp, fp, tn, fn] × C (class-major): a row
 * predicts the k classes of highest score, ties broken towards the lower index (torchmetrics'
 * `select_topk` through `torch.topk`, which does the same on CPU). O(n · C · k).
 */
export function topKStatCounts(into: Float64Array, scores: Float64Array, labels: Int32Array, rows: number, classes: number, k: number, ignore: number | null): void {
  const chosen = new Uint8Array(classes);
  let kept = 0;
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    if (y === ignore) continue;
    kept++;
    chosen.fill(0);
    const base = i * classes;
    for (let pick = 0; pick < k; pick++) {
      let best = -1;
      for (let c = 0; c < classes; c++) {
        if (chosen[c] === 0 && (best < 0 || scores[base + c] > scores[base + best])) best = c;
      }
      chosen[best] = 1;
    }
    for (let c = 0; c < classes; c++) {
      if (chosen[c] === 1) into[4 * c + (c === y ? 0 : 1)]++;
      else if (c === y) into[4 * c + 3]++;
    }
  }
  // Every kept row that neither predicts nor is class c is a true negative of c.
  for (let c = 0; c < classes; c++) into[4 * c + 2] += kept - into[4 * c] - into[4 * c + 1] - into[4 * c + 3];
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
    counted++;
    if (match) matched++;
  }
  into[0] += matched;
  into[1] += counted;
}
