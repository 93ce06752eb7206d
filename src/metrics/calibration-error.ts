import { z } from 'zod';
import type { MetricBatch } from '../batch/batch.js';
import { defineMetric, type MetricEntry } from './definition.js';
import { calibrationBins } from '../kernels/stat-scores.js';
import { probabilitiesOf } from './probabilities.js';
import { countsState } from './state.js';

/**
 * The slot of a confidence: the largest i with i/n ≤ confidence, so slot i is [i/n, (i+1)/n), as
 * torchmetrics' `bucketize(right=True) - 1`, and a confidence of exactly 1 lands in slot n. The
 * state keeps that slot apart (the WebAssembly kernel and stored sessions share the layout);
 * `compute` folds it into the last bin, which is closed: [(n − 1)/n, 1].
 */
function binOf(confidence: number, n: number, edges: Float64Array): number {
  let i = Math.min(n, Math.floor(confidence * n));
  if (i < n && edges[i + 1] <= confidence) i++;
  if (i > 0 && edges[i] > confidence) i--;
  return i;
}

/** The bin edges i/n, i = 0..n, as the bins report them. */
const edgesOf = (n: number): Float64Array => Float64Array.from({ length: n + 1 }, (_, i) => i / n);

/**
 * Adds each kept sample's confidence and correctness to its bin, state [count, Σ confidence,
 * Σ accuracy] × (n + 1): binary confidence is p itself and accuracy the label; multiclass the
 * top probability and whether its class (the first maximum) is the label
 * (`_binary_calibration_error_update`, `_multiclass_calibration_error_update`). O(n · C).
 */
function countBins(into: Float64Array, batch: MetricBatch, n: number): void {
  const p = probabilitiesOf(batch);
  const { rows, classes, labels, ignoreIndex, weights } = batch;
  if (batch.task === 'multiclass') {
    // The top probability of each row, its argmax and its bin: one WebAssembly pass.
    calibrationBins(into, p, labels, weights, rows, classes, n, ignoreIndex);
    return;
  }
  const edges = edgesOf(n);
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    if (y === ignoreIndex) continue;
    const confidence = p[i];
    const b = 3 * binOf(confidence, n, edges);
    const w = weights === null ? 1 : weights[i];
    into[b] += w;
    into[b + 1] += w * confidence;
    into[b + 2] += w * y;
  }
}

interface CalibrationOptions {
  n_bins: number;
  norm: 'l1' | 'l2' | 'max';
}

/**
 * `calibration_error`: the expected (l1), root-mean-square (l2) or maximum gap between accuracy
 * and confidence over equal-width bins, each weighed by its share of samples (Naeini et al.
 * 2015; torchmetrics' `_ce_compute`). `bins` gives each bin's edges, count, mean confidence and
 * accuracy (null when empty) for a reliability diagram. The last bin is closed, [(n − 1)/n, 1]:
 * a confidence of exactly 1 (a saturated logit, a one-hot row) shares it, as scikit-learn's
 * `calibration_curve` and the fix of torchmetrics #3510 bin it (torchmetrics 1.9 still counts it
 * in an (n + 1)-th bin of its own). Null with no sample.
 */
export const calibrationError = defineMetric<CalibrationOptions, Float64Array>({
  name: 'calibration_error',
  summary: 'Gap between confidence and accuracy over equal-width bins (l1: expected, l2, max), with the bins.',
  source: 'torchmetrics *_calibration_error',
  tasks: ['binary', 'multiclass'],
  optionsFor: { binary: ['n_bins', 'norm'], multiclass: ['n_bins', 'norm'] },
  options: z.strictObject({
    n_bins: z.number().int().min(1).max(10_000).default(15).describe('Equal-width bins on [0, 1].'),
    norm: z.enum(['l1', 'l2', 'max']).default('l1').describe('`l1`: expected calibration error; `l2`: root of the weighted squared gaps; `max`: the largest gap.'),
  }),
  needsScores: true,
  state: (options) => countsState(`calibration:n_bins=${options.n_bins}`, 3 * (options.n_bins + 1), (into, batch) => countBins(into, batch, options.n_bins)),
  compute(state, options): MetricEntry {
    const n = options.n_bins;
    // Slot n (confidences of exactly 1) folded into the last bin, closed at 1.
    const bins = state.slice(0, 3 * n);
    for (let k = 0; k < 3; k++) bins[3 * (n - 1) + k] += state[3 * n + k];
    let total = 0;
    for (let b = 0; b < n; b++) total += bins[3 * b];
    const lower: number[] = [];
    const upper: number[] = [];
    const count: number[] = [];
    const confidence: Array<number | null> = [];
    const accuracy: Array<number | null> = [];
    let l1 = 0;
    let l2 = 0;
    let max = 0;
    for (let b = 0; b < n; b++) {
      const k = bins[3 * b];
      lower.push(b / n);
      upper.push(b === n - 1 ? 1 : (b + 1) / n);
      count.push(k);
      confidence.push(k > 0 ? bins[3 * b + 1] / k : null);
      accuracy.push(k > 0 ? bins[3 * b + 2] / k : null);
      if (k === 0) continue;
      const gap = Math.abs(bins[3 * b + 2] / k - bins[3 * b + 1] / k);
      const share = k / total;
      l1 += gap * share;
      l2 += gap * gap * share;
      max = Math.max(max, gap);
    }
    const binsOut = { lower, upper, count, confidence, accuracy };
    if (total === 0) return { calibration_error: null, norm: options.norm, bins: binsOut, warnings: ['no samples: the calibration error is undefined (null)'] };
    const value = options.norm === 'l1' ? l1 : options.norm === 'max' ? max : l2 > 0 ? Math.sqrt(l2) : 0;
    return { calibration_error: value, norm: options.norm, bins: binsOut, warnings: [] };
  },
});
