import { torchSigmoid } from './stat-scores.js';

/**
 * Probabilities from scores as torchmetrics' `normalize_logits_if_needed` makes them: logits
 * through σ per element (binary, multilabel: `sigmoid`) or softmax per row (multiclass:
 * e^{z_c − max} / Σ_j e^{z_j − max}, torch's form); probabilities as they are. O(n · C).
 *
 * @param scores rows × classes, row-major
 * @returns a new array (the scores are left alone)
 */
export function probabilities(scores: Float64Array, rows: number, classes: number, softmax: boolean, logits: boolean): Float64Array {
  if (!logits) return scores;
  const out = new Float64Array(scores.length);
  if (!softmax) {
    for (let i = 0; i < scores.length; i++) out[i] = torchSigmoid(scores[i]);
    return out;
  }
  for (let base = 0; base < rows * classes; base += classes) {
    let max = scores[base];
    for (let c = 1; c < classes; c++) if (scores[base + c] > max) max = scores[base + c];
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += out[base + c] = Math.exp(scores[base + c] - max);
    for (let c = 0; c < classes; c++) out[base + c] /= sum;
  }
  return out;
}
