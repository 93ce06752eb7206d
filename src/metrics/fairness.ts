import { z } from 'zod';
import { invalidField } from '../errors.js';
import type { MetricConfig } from '../batch/batch.js';
import { groupStatCounts } from '../kernels/group-counts.js';
import { defineMetric, threshold, type MetricEntry } from './definition.js';
import { countsState, type StateSpec } from './state.js';

/**
 * Group fairness of binary decisions (torchmetrics 1.9 `functional/classification/group_fairness.py`),
 * as GROUPS.md states its conventions. The three metrics share one state per threshold: each
 * group's [tn, fp, fn, tp] (`groupStatCounts`), so rows are counted once.
 */
type FairnessOptions = { threshold: number };

const FairnessOptions = z.strictObject({ threshold });

/** Group g's [tn, fp, fn, tp] by decision `p > threshold`, over the rows kept (ignore_index dropped first). */
function groupCountsState(options: FairnessOptions, config: MetricConfig): StateSpec<Float64Array> {
  const groups = config.groups ?? 1;
  const t = options.threshold;
  return countsState(`group_stat_scores:threshold=${t}:groups=${groups}`, 4 * groups, (into, batch) => {
    if (batch.groups === undefined || batch.numGroups !== groups) throw invalidField('groups', `needs one group id per sample, of ${groups} groups`);
    groupStatCounts(into, batch.preds, batch.labels, batch.groups, batch.rows, t, batch.input === 'logits', batch.ignoreIndex, batch.weights);
  });
}

/** A 400 naming `groups` when the batch has none: the fairness metrics compare groups. */
const needsGroups = (name: string) => (_options: FairnessOptions, config: MetricConfig) => {
  if (config.groups === undefined) throw invalidField('groups', `${name} compares groups: send one group id per sample in "groups"`);
};

/** torchmetrics' `_safe_divide`: a/b, and 0 where b is 0 (flagged so the caller can warn). */
const safeDivide = (a: number, b: number): { value: number; zero: boolean } => (b === 0 ? { value: 0, zero: true } : { value: a / b, zero: false });

/**
 * The ratio of the lowest group rate to the highest (torchmetrics' `_compute_binary_demographic_parity`
 * and `_compute_binary_equal_opportunity`: `_safe_divide(min, max)`), over the groups with rows;
 * ties name the lowest group id (`torch.argmin`/`argmax` pick the first). `per_group` is every
 * group's rate, null for a group without rows.
 */
function rateRatio(name: string, counts: Float64Array, groups: number, rateOf: (tn: number, fp: number, fn: number, tp: number) => { value: number; zero: boolean }, zeroWarning: string): MetricEntry {
  const warnings: string[] = [];
  const perGroup: (number | null)[] = [];
  let minGroup = -1;
  let maxGroup = -1;
  const zeros: number[] = [];
  for (let g = 0; g < groups; g++) {
    const [tn, fp, fn, tp] = counts.subarray(4 * g, 4 * g + 4);
    if (tn + fp + fn + tp === 0) {
      perGroup.push(null);
      continue;
    }
    const rate = rateOf(tn, fp, fn, tp);
    if (rate.zero) zeros.push(g);
    perGroup.push(rate.value);
    if (minGroup < 0 || rate.value < (perGroup[minGroup] as number)) minGroup = g;
    if (maxGroup < 0 || rate.value > (perGroup[maxGroup] as number)) maxGroup = g;
  }
  if (zeros.length > 0) warnings.push(`group${zeros.length === 1 ? '' : 's'} ${zeros.join(', ')}: ${zeroWarning}; 0, as torchmetrics' _safe_divide answers`);
  if (minGroup < 0) return { [name]: null, min_group: null, max_group: null, per_group: perGroup, warnings: [...warnings, `no group has rows: ${name} is undefined`] };
  const min = perGroup[minGroup] as number;
  const max = perGroup[maxGroup] as number;
  if (minGroup === maxGroup && perGroup.filter((r) => r !== null).length === 1) warnings.push(`one group has rows: ${name} is its rate over itself`);
  const ratio = safeDivide(min, max);
  if (ratio.zero) warnings.push(`the highest group rate is 0: ${name} is 0/0; 0, as torchmetrics' _safe_divide answers`);
  return { [name]: ratio.value, min_group: minGroup, max_group: maxGroup, per_group: perGroup, warnings };
}

const fairness = (name: string, summary: string, source: string, compute: (counts: Float64Array, groups: number) => MetricEntry) =>
  defineMetric<FairnessOptions, Float64Array>({
    name,
    summary,
    source,
    tasks: ['binary'],
    optionsFor: { binary: ['threshold'] },
    options: FairnessOptions,
    answerSize: (config) => 4 * (config.groups ?? 1) + 2,
    needsScores: false,
    check: needsGroups(name),
    state: groupCountsState,
    compute: (counts, _options, config) => compute(counts, config.groups ?? 1),
  });

/**
 * `demographic_parity`: min over groups of the positive-prediction rate (tp + fp) / n_g ÷ its
 * max (torchmetrics 1.9 `demographic_parity(preds, groups, threshold)`); `min_group`,
 * `max_group`, `per_group` by group id. O(G) from the counts.
 */
export const demographicParity = fairness(
  'demographic_parity',
  'Binary, with groups: the lowest group positive-prediction rate over the highest (1 is parity).',
  'torchmetrics demographic_parity',
  (counts, groups) => rateRatio('demographic_parity', counts, groups, (tn, fp, fn, tp) => ({ value: (tp + fp) / (tn + fp + fn + tp), zero: false }), ''),
);

/**
 * `equal_opportunity`: min over groups of the true-positive rate tp / (tp + fn) ÷ its max
 * (torchmetrics 1.9 `equal_opportunity(preds, target, groups, threshold)`); a group with rows but
 * no positives has rate 0 (`_safe_divide`) and counts in min and max, with a warning.
 */
export const equalOpportunity = fairness(
  'equal_opportunity',
  'Binary, with groups: the lowest group true-positive rate over the highest (1 is equal opportunity).',
  'torchmetrics equal_opportunity',
  (counts, groups) => rateRatio('equal_opportunity', counts, groups, (_tn, _fp, fn, tp) => safeDivide(tp, tp + fn), 'no positives, so its true-positive rate is 0/0'),
);

/**
 * `groups_stat_rates`: each group's [tp, fp, tn, fn] divided by its size (torchmetrics 1.9
 * `binary_groups_stat_rates`, keyed by group id rather than by position among the groups with
 * rows); null for a group without rows.
 */
export const groupsStatRates = fairness('groups_stat_rates', 'Binary, with groups: each group\'s [tp, fp, tn, fn] over its size.', 'torchmetrics binary_groups_stat_rates', (counts, groups) => {
  const perGroup: (number[] | null)[] = [];
  for (let g = 0; g < groups; g++) {
    const [tn, fp, fn, tp] = counts.subarray(4 * g, 4 * g + 4);
    const n = tn + fp + fn + tp;
    perGroup.push(n === 0 ? null : [tp / n, fp / n, tn / n, fn / n]);
  }
  const empty = perGroup.flatMap((r, g) => (r === null ? [g] : []));
  return { groups_stat_rates: null, per_group: perGroup, warnings: empty.length > 0 ? [`groups ${empty.join(', ')} have no rows (null)`] : [] };
});
