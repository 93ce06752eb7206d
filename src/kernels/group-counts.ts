import { torchSigmoid } from './stat-scores.js';

/**
 * Binary decisions `p > threshold` (p = σ(score) for logits) counted per group: group g's
 * [tn, fp, fn, tp] at `4·g` of `into` (the layout of `binaryConfusionCounts`), each row weighing
 * its weight (1 without weights). Rows whose label is `ignore` count nowhere. Pure; O(rows).
 *
 * @param into zeroed, 4 × groups long
 * @param scores one score per row; labels 0/1 (or `ignore`); groups one id per row, < groups
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
): void {
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    if (y === ignore) continue;
    const p = logits ? torchSigmoid(scores[i]) : scores[i];
    // tn, fp, fn, tp: label 0/1 picks the pair, the decision the member.
    into[4 * groups[i] + 2 * y + (p > threshold ? 1 : 0)] += weights === null ? 1 : weights[i];
  }
}
