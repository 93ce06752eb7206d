import { z } from 'zod';
import type { MetricConfig } from '../batch/batch.js';
import { defineMetric, threshold, type Derived, type MetricEntry } from './definition.js';
import { classCounts, statState } from './stat-scores.js';

/** Per-class recall, with each class's support and predictions (binary: classes 0 and 1). */
function recalls(counts: Float64Array, config: MetricConfig, derived: Derived) {
  const { tp, fp, fn } = classCounts(counts, config, derived);
  return Array.from(tp, (t, c) => {
    const support = t + fn[c];
    return { recall: support === 0 ? 0 : t / support, support, predicted: t + fp[c] };
  });
}

/**
 * `balanced_accuracy`: the mean recall over the classes present in the labels; `adjusted`
 * rescales it so chance is 0 and perfect is 1: (score − 1/K) / (1 − 1/K). scikit-learn's
 * `balanced_accuracy_score` (binary: the two classes 0 and 1). Null with no labelled sample,
 * or adjusted with a single class present.
 */
export const balancedAccuracy = defineMetric<{ threshold: number; adjusted: boolean }, Float64Array>({
  name: 'balanced_accuracy',
  summary: 'Mean recall over the classes present in the labels; `adjusted`: chance is 0.',
  source: 'scikit-learn balanced_accuracy_score',
  tasks: ['binary', 'multiclass'],
  optionsFor: { binary: ['threshold', 'adjusted'], multiclass: ['adjusted'] },
  options: z.strictObject({ threshold, adjusted: z.boolean().default(false).describe('Rescale so that chance scores 0 (scikit-learn).') }),
  needsScores: false,
  state: (options, config) => statState(config, options),
  compute(counts, options, config, derived): MetricEntry {
    const present = recalls(counts, config, derived).filter((r) => r.support > 0);
    if (present.length === 0) return { balanced_accuracy: null, warnings: ['no labelled samples: balanced_accuracy is undefined (null)'] };
    let score = present.reduce((a, r) => a + r.recall, 0) / present.length;
    if (options.adjusted) {
      if (present.length === 1) return { balanced_accuracy: null, warnings: ['adjusted balanced_accuracy needs two classes present in the labels; one is: undefined (null)'] };
      const chance = 1 / present.length;
      score = (score - chance) / (1 - chance);
    }
    return { balanced_accuracy: score, warnings: [] };
  },
});

/**
 * `geometric_mean`: the geometric mean of per-class recalls over the classes present in the
 * labels or the decisions, a 0/0 recall counting 0 (imbalanced-learn's `geometric_mean_score`,
 * average "multiclass"; for two classes √(TPR · TNR)). Null with no sample.
 */
export const geometricMean = defineMetric<{ threshold: number }, Float64Array>({
  name: 'geometric_mean',
  summary: 'Geometric mean of per-class recalls (binary: √(TPR·TNR)).',
  source: 'imbalanced-learn geometric_mean_score',
  tasks: ['binary', 'multiclass'],
  optionsFor: { binary: ['threshold'], multiclass: [] },
  options: z.strictObject({ threshold }),
  needsScores: false,
  state: (options, config) => statState(config, options),
  compute(counts, _options, config, derived): MetricEntry {
    const present = recalls(counts, config, derived).filter((r) => r.support > 0 || r.predicted > 0);
    if (present.length === 0) return { geometric_mean: null, warnings: ['no samples: geometric_mean is undefined (null)'] };
    const warnings = present.some((r) => r.support === 0) ? ['a class is predicted but absent from the labels: its recall is 0/0, counted as 0 (imbalanced-learn)'] : [];
    const value = present.length === 2 ? Math.sqrt(present[0].recall * present[1].recall) : Math.exp(present.reduce((a, r) => a + Math.log(r.recall), 0) / present.length);
    return { geometric_mean: value, warnings };
  },
});
