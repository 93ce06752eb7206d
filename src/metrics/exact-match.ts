import { z } from 'zod';
import { defineMetric, threshold, type MetricEntry } from './definition.js';
import { confusionState, exactMatchState } from './stat-scores.js';

/**
 * `exact_match`: the share of samples whose every decision is right. Multiclass: the trace of
 * the confusion matrix over its total (micro accuracy). Multilabel: rows whose kept labels all
 * match. Ignored samples (multiclass) and rows with every entry ignored (multilabel) are left
 * out, where torchmetrics counts them as matches. No sample: 0 (torchmetrics), with a warning.
 */
export const exactMatch = defineMetric<{ threshold: number }, Float64Array>({
  name: 'exact_match',
  summary: 'Share of samples with every decision right (multilabel: subset accuracy).',
  source: 'torchmetrics *_exact_match',
  tasks: ['multiclass', 'multilabel'],
  optionsFor: { multiclass: [], multilabel: ['threshold'] },
  options: z.strictObject({ threshold }),
  needsScores: false,
  state: (options, config) => (config.task === 'multiclass' ? confusionState(config, options) : exactMatchState(options)),
  compute(counts, _options, config): MetricEntry {
    let matched = counts[0];
    let rows = counts[1];
    if (config.task === 'multiclass') {
      const n = config.classes;
      matched = 0;
      rows = 0;
      for (let i = 0; i < n * n; i++) rows += counts[i];
      for (let c = 0; c < n; c++) matched += counts[c * n + c];
    }
    if (rows === 0) return { exact_match: 0, warnings: ['no samples: exact_match is 0/0; 0, as torchmetrics answers'] };
    return { exact_match: matched / rows, warnings: [] };
  },
});
