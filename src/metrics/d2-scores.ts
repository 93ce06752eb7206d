import { z } from 'zod';
import { rowWeight, type MetricBatch, type MetricConfig } from '../batch/batch.js';
import { defineMetric, type MetricEntry } from './definition.js';
import { BRIER_KEY, LOG_LOSS_KEY, clip, countBrier, countLogLoss, rowsOffWarning } from './losses.js';
import { countsState, type StateSpec } from './state.js';

/** Columns of the null model's class weights: binary has two classes, 0 and 1. */
const columnsOf = (config: MetricConfig): number => (config.task === 'binary' ? 2 : config.classes);

/**
 * Adds each kept row's weight to W_c of its class at `at`: the null model's probabilities are the
 * weighted class prevalence W_c / Σ W. O(n).
 */
function countClasses(into: Float64Array, at: number, batch: MetricBatch): void {
  const { rows, labels, ignoreIndex } = batch;
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    if (y !== ignoreIndex) into[at + y] += rowWeight(batch, i);
  }
}

/**
 * The state of a D² score: the loss's own state ([Σ w · loss, Σ w, rows off a unit sum], the
 * layout of `log_loss` / `brier_score`, counted by the same function) followed by
 * [W_0 … W_{K−1}]. One count state, merged by adding, so sessions carry it as any other. It
 * `contains` the loss's state (key `lossKey`): `log_loss` asked with `d2_log_loss_score` (and
 * `brier_score` with `d2_brier_score`) reads this state, so the loss is summed once over the rows.
 */
function d2State(name: string, config: MetricConfig, lossKey: string, countLoss: (into: Float64Array, batch: MetricBatch) => void): StateSpec<Float64Array> {
  const state = countsState(`${name}:${config.task}`, 3 + columnsOf(config), (into, batch) => {
    countLoss(into.subarray(0, 3), batch);
    countClasses(into, 3, batch);
  });
  return { ...state, contains: lossKey };
}

/**
 * 1 − loss / null loss, or null (with a warning) where D² is undefined: fewer than two classes
 * carry weight, so the null model predicts the one class present and is perfect. That covers
 * scikit-learn's "fewer than two samples" (NaN); with more rows of one class scikit-learn
 * answers 1 − loss / (W · −log(1 − ε)) for the log loss, a number near −10^15 that measures
 * the clip, not the model, and NaN or −∞ for the Brier score: null here for both.
 */
function d2Entry(name: string, state: Float64Array, nullLoss: (weights: Float64Array, total: number) => number, loss: number): MetricEntry {
  const weights = state.subarray(3);
  let total = 0;
  let present = 0;
  for (let c = 0; c < weights.length; c++) {
    total += weights[c];
    if (weights[c] > 0) present++;
  }
  if (present < 2) return { [name]: null, warnings: [`fewer than two classes carry weight (the null model is perfect): ${name} is undefined (null); scikit-learn answers NaN for fewer than two samples`] };
  const warnings = state[2] > 0 ? [rowsOffWarning(name, state[2])] : [];
  return { [name]: 1 - loss / nullLoss(weights, total), warnings };
}

/**
 * `d2_log_loss_score` (binary, multiclass): D² = 1 − Σ w · logloss(p) / Σ w · logloss(π), the
 * fraction of log loss explained against the null model that predicts the weighted class
 * prevalence π_c = W_c / W on every row; the null loss is Σ_c W_c · −log clip(π_c). Probabilities
 * as `log_loss` reads them (σ / softmax of logits, clipped to [ε, 1 − ε], rows not rescaled).
 * scikit-learn 1.9 `d2_log_loss_score(labels=[0, 1] or range(C))`. Null where fewer than two
 * classes carry weight (see {@link d2Entry}).
 */
export const d2LogLossScore = defineMetric<object, Float64Array>({
  name: 'd2_log_loss_score',
  summary: 'D² of the log loss: 1 − log loss / log loss of the (weighted) class prevalence.',
  source: 'scikit-learn d2_log_loss_score',
  tasks: ['binary', 'multiclass'],
  optionsFor: { binary: [], multiclass: [] },
  options: z.strictObject({}),
  needsScores: true,
  answerSize: () => 1,
  state: (_options, config) => d2State('d2_log_loss_score', config, LOG_LOSS_KEY, countLogLoss),
  compute: (state) =>
    d2Entry(
      'd2_log_loss_score',
      state,
      (weights, total) => {
        let sum = 0;
        for (let c = 0; c < weights.length; c++) if (weights[c] > 0) sum -= weights[c] * Math.log(clip(weights[c] / total));
        return sum;
      },
      state[0],
    ),
});

/**
 * `d2_brier_score` (binary, multiclass): D² = 1 − Σ w · Brier(p) / Σ w · Brier(π), against the
 * null model of the weighted class prevalence π_c = W_c / W, whose summed Brier loss over the
 * one-hot labels is Σ_i w_i Σ_c (π_c − [c = y_i])² = W · (1 − Σ_c π_c²). Binary reads each row as
 * [1 − p, p], which doubles both losses alike (their ratio is scikit-learn's). scikit-learn 1.9
 * `d2_brier_score` (Brier 1950; the Brier skill score). Null as `d2_log_loss_score`.
 */
export const d2BrierScore = defineMetric<object, Float64Array>({
  name: 'd2_brier_score',
  summary: 'D² of the Brier score: 1 − Brier / Brier of the (weighted) class prevalence.',
  source: 'scikit-learn d2_brier_score',
  tasks: ['binary', 'multiclass'],
  optionsFor: { binary: [], multiclass: [] },
  options: z.strictObject({}),
  needsScores: true,
  answerSize: () => 1,
  state: (_options, config) => d2State('d2_brier_score', config, BRIER_KEY, countBrier),
  compute: (state, _options, config) =>
    d2Entry(
      'd2_brier_score',
      state,
      (weights, total) => {
        let squares = 0;
        for (let c = 0; c < weights.length; c++) squares += (weights[c] / total) ** 2;
        return total * (1 - squares);
      },
      // Binary: the state holds Σ w (p − y)², half of the two-column Brier sum.
      config.task === 'binary' ? 2 * state[0] : state[0],
    ),
});
