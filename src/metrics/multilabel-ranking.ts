import { z } from 'zod';
import { torchSigmoid } from '../kernels/stat-scores.js';
import type { RankingBatch } from '../batch/ranking-batch.js';
import type { MetricConfig } from '../batch/batch.js';
import { defineMetric, type Derived, type MetricEntry } from './definition.js';
import { concatRows, rowsState, type RowsState } from './rows.js';
import { depth } from '../batch/limits.js';

/** One row's kept scores (probabilities: σ of logits, as torchmetrics ranks them) and labels. */
interface Row {
  scores: number[];
  relevant: boolean[];
  /** The row's sample weight. */
  weight: number;
}

/** The rows of a state, ignored entries left out of their row. */
function rowsOf(state: RowsState, config: MetricConfig, derived: Derived): Row[] {
  return derived('multilabel_rows', () => {
    const batch: RankingBatch = concatRows(state, config);
    const { rows, classes, scores, labels, ignoreIndex, scoresAreLogOdds } = batch;
    const out: Row[] = [];
    for (let i = 0; i < rows; i++) {
      const row: Row = { scores: [], relevant: [], weight: batch.weights === null ? 1 : batch.weights[i] };
      for (let j = i * classes; j < (i + 1) * classes; j++) {
        if (labels[j] === ignoreIndex) continue;
        row.scores.push(scoresAreLogOdds ? torchSigmoid(scores[j]) : scores[j]);
        row.relevant.push(labels[j] === 1);
      }
      // A row whose every label is ignored says nothing (scikit-learn has no such row): left out.
      if (row.scores.length > 0) out.push(row);
    }
    return out;
  });
}

/** The mean of a per-row value over the rows, null (with a warning) without rows. */
function meanOverRows(name: string, rows: Row[], value: (row: Row) => number): MetricEntry {
  if (rows.length === 0) return { [name]: null, warnings: [`no samples: ${name} is undefined (null)`] };
  // scikit-learn's sample_weight: the weighted mean over rows.
  let total = 0;
  let norm = 0;
  for (const row of rows) {
    if (row.weight === 0) continue;
    total += row.weight * value(row);
    norm += row.weight;
  }
  if (norm === 0) return { [name]: null, warnings: [`every row weighs 0: ${name} is undefined (null)`] };
  return { [name]: total / norm, warnings: [] };
}

/**
 * A multilabel ranking metric: the mean over rows of a per-row value, on the rows state the
 * ranking metrics share; no options.
 */
function perRowMetric(name: string, summary: string, source: string, value: (row: Row) => number) {
  return defineMetric<object, RowsState>({
    name,
    summary,
    source,
    tasks: ['multilabel'],
    optionsFor: { multilabel: [] },
    options: z.strictObject({}),
    needsScores: true,
    state: () => rowsState,
    // Each row's labels ranked: a sort of L scores per row, and with tied scores up to L² pairs.
    work: (_options, config, rows) => rows * config.classes * (depth(config.classes) + config.classes),
    compute: (state, _options, config, derived) => meanOverRows(name, rowsOf(state, config, derived), value),
  });
}

/**
 * `coverage_error`: how far down the ranking one must go to cover every true label, i.e. the
 * number of labels scored at least as high as the lowest-scored true label; 0 for a row with
 * none (torchmetrics' `_multilabel_coverage_error_update`, scikit-learn's `coverage_error`).
 */
export const coverageError = perRowMetric(
  'coverage_error',
  'Labels to go down the ranking to cover every true label (mean over samples).',
  'torchmetrics multilabel_coverage_error, scikit-learn coverage_error',
  ({ scores, relevant }) => {
    let lowest = Infinity;
    for (let j = 0; j < scores.length; j++) if (relevant[j] && scores[j] < lowest) lowest = scores[j];
    if (lowest === Infinity) return 0;
    let covered = 0;
    for (const s of scores) if (s >= lowest) covered++;
    return covered;
  },
);

/**
 * `ranking_average_precision` (label ranking average precision): per row, the mean over true
 * labels of the share of true labels among those scored at least as high; 1 for a row whose
 * labels are all true or all false (torchmetrics' `_multilabel_ranking_average_precision_update`,
 * scikit-learn's `label_ranking_average_precision_score`; ties take the lowest place).
 */
export const rankingAveragePrecision = perRowMetric(
  'ranking_average_precision',
  'Label ranking average precision (mean over samples).',
  'torchmetrics multilabel_ranking_average_precision, scikit-learn label_ranking_average_precision_score',
  ({ scores, relevant }) => {
    const trueCount = relevant.filter(Boolean).length;
    if (trueCount === 0 || trueCount === scores.length) return 1;
    let sum = 0;
    for (let j = 0; j < scores.length; j++) {
      if (!relevant[j]) continue;
      let above = 0; // labels scored at least as high as j
      let trueAbove = 0;
      for (let k = 0; k < scores.length; k++) {
        if (scores[k] >= scores[j]) {
          above++;
          if (relevant[k]) trueAbove++;
        }
      }
      sum += trueAbove / above;
    }
    return sum / trueCount;
  },
);

/**
 * `ranking_loss`: per row, the share of (true, false) label pairs ordered wrongly, a tie
 * counting as wrong (scikit-learn's `label_ranking_loss`; torchmetrics breaks ties by its sort
 * order); 0 for a row whose labels are all true or all false (torchmetrics divides by all rows).
 */
export const rankingLoss = perRowMetric(
  'ranking_loss',
  'Share of (true, false) label pairs ranked wrongly (mean over samples).',
  'torchmetrics multilabel_ranking_loss, scikit-learn label_ranking_loss',
  ({ scores, relevant }) => {
    let trues = 0;
    let wrong = 0;
    for (let j = 0; j < scores.length; j++) {
      if (!relevant[j]) continue;
      trues++;
      for (let k = 0; k < scores.length; k++) if (!relevant[k] && scores[k] >= scores[j]) wrong++;
    }
    const falses = scores.length - trues;
    return trues === 0 || falses === 0 ? 0 : wrong / (trues * falses);
  },
);
