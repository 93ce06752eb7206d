import { torchSigmoid } from './stat-scores.js';

/**
 * Binary decisions `p > threshold` (p = σ(score) for logits) counted per group: for each of the
 * `classes` labels of a row (binary: one; multilabel: L, scores and labels [rows, L]), group g's
 * [tn, fp, fn, tp] of label c at `4·(g·classes + c)` of `into` (the layout of
 * `binaryConfusionCounts`), each entry weighing its row's weight (1 without weights). Entries
 * whose label is `ignore` count nowhere. Each count adds its entries in row order from 0, so
 * group g's block is what `binaryConfusionCounts` makes of group g's rows alone. Pure; O(rows ·
 * classes), one pass.
 *
 * @param into zeroed, 4 × groups × classes long
 * @param scores one score per entry; labels 0/1 (or `ignore`); groups one id per row, < groups
 * @param kept when given, the rows each group keeps are added to it (as `groupRowCounts` counts
 *   them): a row of one label when its label is not `ignore`; a multilabel row always
 */
export function groupStatCounts(
  into: Float64Array,
  scores: Float64Array,
  labels: Int32Array,
  groups: Int32Array,
  rows: number,
  threshold: number,
  logits: boolean,
  ignore: number | null,
  weights: Float64Array | null,
  classes = 1,
  kept: Float64Array | null = null,
): void {
  if (classes === 1) {
    for (let i = 0; i < rows; i++) {
      const y = labels[i];
      if (y === ignore) continue;
      const p = logits ? torchSigmoid(scores[i]) : scores[i];
      // tn, fp, fn, tp: label 0/1 picks the pair, the decision the member.
      into[4 * groups[i] + 2 * y + (p > threshold ? 1 : 0)] += weights === null ? 1 : weights[i];
      if (kept !== null) kept[groups[i]] += 1;
    }
    return;
  }
  for (let i = 0, j = 0; i < rows; i++) {
    const w = weights === null ? 1 : weights[i];
    const block = 4 * classes * groups[i];
    if (kept !== null) kept[groups[i]] += 1;
    for (let c = 0; c < classes; c++, j++) {
      const y = labels[j];
      if (y === ignore) continue;
      const p = logits ? torchSigmoid(scores[j]) : scores[j];
      into[block + 4 * c + 2 * y + (p > threshold ? 1 : 0)] += w;
    }
  }
}

/**
 * Multilabel exact match per group: group g's [rows matched, rows counted] at `2·g`, each row
 * weighing its weight, as `exactMatchCounts` counts a batch (a row whose entries are all
 * ignored is left out; a row matches when every kept entry's decision `p > threshold` is its
 * label). Each count adds its rows in row order from 0. Pure; O(rows · width), one pass.
 *
 * @param into zeroed, 2 × groups long
 * @param scores, labels [rows, width]; groups one id per row
 */
export function groupExactMatchCounts(
  into: Float64Array,
  scores: Float64Array,
  labels: Int32Array,
  groups: Int32Array,
  rows: number,
  width: number,
  threshold: number,
  logits: boolean,
  ignore: number | null,
  weights: Float64Array | null,
): void {
  for (let i = 0; i < rows; i++) {
    let any = false;
    let match = true;
    for (let j = i * width, end = j + width; j < end; j++) {
      const y = labels[j];
      if (y === ignore) continue;
      any = true;
      const p = logits ? torchSigmoid(scores[j]) : scores[j];
      if ((p > threshold ? 1 : 0) !== y) {
        match = false;
        break;
      }
    }
    if (!any) continue;
    const w = weights === null ? 1 : weights[i];
    into[2 * groups[i] + 1] += w;
    if (match) into[2 * groups[i]] += w;
  }
}
