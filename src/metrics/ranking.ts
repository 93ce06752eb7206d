import { AurocRequest } from '../schemas/auroc.js';
import { classPairs } from '../batch/limits.js';
import { AveragePrecisionRequest } from '../schemas/average-precision.js';
import { aurocOfBatch, type AurocOptions } from '../endpoints/auroc.js';
import { averagePrecisionOfBatch, type AveragePrecisionOptions } from '../endpoints/average-precision.js';
import type { MetricConfig } from '../batch/batch.js';
import { defineMetric, type MetricEntry } from './definition.js';
import { checkThresholds, rankCountsSource, rankingComputeWork, rankingState, type RankingState } from './binned.js';

/** The per-batch fields of the ranking answers that a metrics entry does not repeat. */
const entryOf = ({ task, input, ...entry }: { task: unknown; input: unknown; warnings: string[] }): MetricEntry => entry;

/** `auroc`: as /v1/auroc (exact or binned, ovr / ovo, max_fpr, DeLong or bootstrap intervals). */
export const auroc = defineMetric<AurocOptions, RankingState>({
  name: 'auroc',
  summary: 'Area under the ROC curve, as /v1/auroc.',
  source: 'torchmetrics *_auroc, scikit-learn roc_auc_score',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: {
    binary: ['max_fpr', 'thresholds', 'ci'],
    multiclass: ['average', 'multi_class', 'thresholds', 'ci'],
    multilabel: ['average', 'thresholds', 'ci'],
  },
  options: AurocRequest.pick({ average: true, multi_class: true, max_fpr: true, thresholds: true, ci: true }),
  // One-vs-one answers every pair of classes (two classes and a value each).
  answerSize: (config, options) => config.classes + (options.multi_class === 'ovo' ? 3 * classPairs(config.classes) : 0),
  needsScores: true,
  check: checkThresholds,
  state: rankingState,
  work: rankingComputeWork,
  compute: (state, options, config: MetricConfig, derived) => entryOf(aurocOfBatch(rankCountsSource(state, options.thresholds, config, derived), options)),
});

/** `average_precision`: as /v1/average-precision. */
export const averagePrecision = defineMetric<AveragePrecisionOptions, RankingState>({
  name: 'average_precision',
  summary: 'Average precision (area under the step-wise PR curve), as /v1/average-precision.',
  source: 'torchmetrics *_average_precision, scikit-learn average_precision_score',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: { binary: ['thresholds', 'ci'], multiclass: ['average', 'thresholds', 'ci'], multilabel: ['average', 'thresholds', 'ci'] },
  options: AveragePrecisionRequest.pick({ average: true, thresholds: true, ci: true }),
  needsScores: true,
  check: checkThresholds,
  state: rankingState,
  work: rankingComputeWork,
  compute: (state, options, config, derived) => entryOf(averagePrecisionOfBatch(rankCountsSource(state, options.thresholds, config, derived), options)),
});
