import { z } from 'zod';
import { defineMetric, threshold, type MetricEntry } from './definition.js';
import { withSamplewise, type MultidimAverage } from './samplewise.js';
import { exactMatchState, multiclassExactMatchState, samplewiseExactMatchState } from './stat-scores.js';

/**
 * `exact_match`: the share of samples whose every decision is right. Multiclass: the rows
 * predicted right over the rows (micro accuracy), or over `[N, ...]` inputs the samples whose
 * every kept position is right ({@link multiclassExactMatchState}). Multilabel: rows whose kept
 * labels all match. Ignored samples (multiclass) and rows with every entry ignored (multilabel) are left
 * out, where torchmetrics counts them as matches. No sample: 0 (torchmetrics), with a warning.
 */
const globalExactMatch = defineMetric<{ threshold: number; multidim_average?: MultidimAverage }, Float64Array>({
  name: 'exact_match',
  summary: 'Share of samples with every decision right (multilabel: subset accuracy).',
  source: 'torchmetrics *_exact_match',
  tasks: ['multiclass', 'multilabel'],
  optionsFor: { multiclass: [], multilabel: ['threshold'] },
  options: z.strictObject({ threshold }),
  needsScores: false,
  state: (options, config) => (config.task === 'multiclass' ? multiclassExactMatchState() : exactMatchState(options)),
  compute(counts): MetricEntry {
    const [matched, rows] = counts;
    if (rows === 0) return { exact_match: 0, warnings: ['no samples: exact_match is 0/0; 0, as torchmetrics answers'] };
    return { exact_match: matched / rows, warnings: [] };
  },
});

/** `exact_match`, with torchmetrics' `multidim_average` (samplewise: see {@link samplewiseExactMatchState}). */
export const exactMatch = withSamplewise(globalExactMatch, samplewiseExactMatchState, () => 2);
