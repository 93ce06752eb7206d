import { z } from 'zod';
import { defineMetric, threshold, type MetricEntry } from './definition.js';
import { statScoresOf, statState } from './stat-scores.js';

/**
 * `class_likelihood_ratios` (binary): scikit-learn 1.9's `class_likelihood_ratios(labels=[0, 1],
 * replace_undefined_by=np.nan)` of the decisions `p > threshold` (σ of a logit), read from the
 * stat-score state the threshold metrics share (so a session merges it as theirs):
 *
 * - LR+ = TPR / FPR = tp · (tn + fp) / (fp · (tp + fn)), undefined when fp = 0;
 * - LR− = FNR / TNR = fn · (tn + fp) / (tn · (tp + fn)), undefined when tn = 0;
 * - both undefined without positive samples (tp + fn = 0).
 *
 * An undefined ratio is null with a warning (scikit-learn's NaN). Counts are weighted by
 * `sample_weight`; rows whose label is `ignore_index` are left out. O(1) over the state.
 */
export const classLikelihoodRatios = defineMetric<{ threshold: number }, Float64Array>({
  name: 'class_likelihood_ratios',
  summary: 'Positive and negative likelihood ratios, TPR / FPR and FNR / TNR (null where undefined).',
  source: 'scikit-learn class_likelihood_ratios',
  tasks: ['binary'],
  optionsFor: { binary: ['threshold'] },
  options: z.strictObject({ threshold }),
  needsScores: false,
  answerSize: () => 2,
  state: (options, config) => statState(config, options),
  compute(counts, _options, config, derived): MetricEntry {
    const s = statScoresOf(counts, config, derived);
    const [tp, fp, tn, fn] = [s.tp[0], s.fp[0], s.tn[0], s.fn[0]];
    const positives = tp + fn;
    const negatives = tn + fp;
    if (positives === 0) {
      return {
        positive_likelihood_ratio: null,
        negative_likelihood_ratio: null,
        warnings: ['no positive samples: positive_likelihood_ratio and negative_likelihood_ratio are undefined (null)'],
      };
    }
    const warnings: string[] = [];
    let positive: number | null = null;
    if (fp === 0) warnings.push('no false positives (fpr = 0): positive_likelihood_ratio is undefined (null)');
    else positive = (tp * negatives) / (fp * positives);
    let negative: number | null = null;
    if (tn === 0) warnings.push('no true negatives (tnr = 0): negative_likelihood_ratio is undefined (null)');
    else negative = (fn * negatives) / (tn * positives);
    return { positive_likelihood_ratio: positive, negative_likelihood_ratio: negative, warnings };
  },
});
