import { z } from 'zod';
import { invalidField } from '../errors.js';
import { InputUsed } from '../batch/task.js';
import type { MetricConfig } from '../batch/batch.js';
import { classView } from '../batch/ranking-batch.js';
import { CLASS_WORK, depth, rankingWork, thresholdCount } from '../batch/limits.js';
import { thresholdGrid, type RankCountsCache } from '../batch/rank-counts-cache.js';
import { bestOfSortedSweep, bestThresholdIndex, countsAtThresholds, keptScoreRange, linspaceBetween } from '../kernels/threshold-sweep.js';
import type { WeightedSplit } from '../kernels/class-split.js';
import { underived, zeroDivisionValue, type ZeroDivision } from './definition.js';
import { metricDefinition } from './registry.js';
import { fbetaRate, precisionRate, recallRate } from './rates.js';
import { matthewsCorrcoefOf, type MatthewsDegenerate } from './agreement.js';
import type { Rate } from './samples-average.js';

/** The catalogue's threshold metrics a threshold can be tuned for (DECISIONS.md). */
export const OBJECTIVE_METRICS = [
  'f1_score',
  'fbeta_score',
  'balanced_accuracy',
  'matthews_corrcoef',
  'cohen_kappa',
  'jaccard_index',
  'geometric_mean',
  'accuracy',
  'precision',
  'recall',
  'specificity',
  'negative_predictive_value',
] as const;

/** The metrics a constraint can bound from below. */
export const CONSTRAINT_METRICS = ['precision', 'recall', 'specificity', 'negative_predictive_value'] as const;

const ObjectiveName = z.enum(OBJECTIVE_METRICS);

const gainEntry = (what: string) => z.number().default(0).describe(`The gain of each ${what} (weighted with sample_weight); default 0.`);

/** `{"gain": {"tp", "fp", "tn", "fn"}}`: the total gain a·TP + b·FP + c·TN + d·FN. */
export const GainObjective = z.strictObject({
  gain: z
    .strictObject({ tp: gainEntry('true positive'), fp: gainEntry('false positive'), tn: gainEntry('true negative'), fn: gainEntry('false negative') })
    .describe('A gain (negative: a cost) per decision of each kind; the objective is their total over the batch.'),
});

/** The options of the threshold tuning (POST /v1/thresholds, a session's thresholds). */
export const ThresholdsOptions = z.strictObject({
  objective: z
    .union([
      ObjectiveName,
      z.looseObject({ name: ObjectiveName }).describe('A metric with its options as in `metrics` (`{"name": "fbeta_score", "beta": 2}`), but no `threshold`: that is what is tuned.'),
      GainObjective,
    ])
    .describe(
      'What to maximise: a threshold metric of the catalogue by name or as an object with its options, or `{"gain": {"tp", "fp", "tn", "fn"}}` (scikit-learn\'s cost-sensitive learning example).',
    ),
  constraint: z
    .strictObject({
      metric: z.enum(CONSTRAINT_METRICS),
      min: z.number().describe('Only thresholds where the metric (zero_division 0) is at least this compete.'),
    })
    .optional()
    .describe('Only thresholds meeting it compete; when none does, `threshold` and `objective` are null with a warning.'),
  thresholds: z
    .union([
      z.number().int().min(1).max(1_000_000),
      z.array(z.number().refine(Number.isFinite, 'must be finite')).min(1),
    ])
    .nullable()
    .default(null)
    .describe(
      'Omitted or null: every distinct score (of rows with weight > 0), exact. An integer n: n evenly spaced values from the lowest to the highest score (`TunedThresholdClassifierCV(thresholds=n)`). A list: those, in any order.',
    ),
  return_curve: z
    .boolean()
    .default(false)
    .describe('Also answer the objective at every threshold (`curve`): exact decreasing (`metric_at_thresholds`), n increasing (`cv_results_`), a list as sent.'),
});
export type ThresholdsOptions = z.output<typeof ThresholdsOptions>;

const count = z.number().describe('Weighted with sample_weight.');
const LabelThreshold = z.object({
  threshold: z.number().nullable().describe('The lowest threshold (decisions `score >= threshold`) reaching the best objective; null when no threshold meets the constraint.'),
  objective: z.number().nullable().describe('The objective at that threshold.'),
  counts: z.object({ tp: count, fp: count, tn: count, fn: count }).nullable().describe('The confusion counts at that threshold.'),
  curve: z
    .object({ thresholds: z.array(z.number()), objective: z.array(z.number().nullable()).describe('null where the objective is undefined.') })
    .optional()
    .describe('With return_curve: the objective at every threshold.'),
  warnings: z.array(z.string()),
});
export type LabelThreshold = z.infer<typeof LabelThreshold>;

/** The answer of POST /v1/thresholds: binary at the top level, multilabel per label. */
export const ThresholdsResponse = z.union([
  LabelThreshold.extend({ input: InputUsed }),
  z.object({ per_label: z.array(LabelThreshold), input: InputUsed, warnings: z.array(z.string()) }),
]);
export type ThresholdsResponse = z.infer<typeof ThresholdsResponse>;

/** An objective of the confusion counts at one threshold: a number, or null where undefined. */
export type CountsObjective = (tp: number, fp: number, tn: number, fn: number) => number | null;

const BINARY: MetricConfig = { task: 'binary', classes: 1, ignoreIndex: null, classIndices: false };

/**
 * A catalogue metric as a function of one binary confusion: its own `compute` on the stat-score
 * state [tn, fp, fn, tp] (src/metrics/stat-scores.ts's layout), so each objective is the formula
 * `/v1/metrics` answers with, not a copy of it.
 *
 * @param path where the options live in the request, for errors (`objective`, `constraint`)
 * @param slow always through `compute`, never the direct formula (tests compare the two)
 * @throws {ProblemError} 400 naming `<path>/<option>` for an option the metric lacks for binary, `threshold` (what is tuned), or a bad value
 */
export function catalogueObjective(name: string, given: Record<string, unknown>, path: string, slow = false): CountsObjective {
  const definition = metricDefinition(name);
  if (!definition) throw invalidField(path, `unknown metric "${name}"`);
  const allowed = new Set<string>((definition.optionsFor.binary ?? []).filter((o) => o !== 'threshold'));
  for (const key of Object.keys(given)) {
    if (key === 'threshold') throw invalidField(`${path}/threshold`, 'the threshold is what is tuned: leave it out');
    if (!allowed.has(key)) throw invalidField(`${path}/${key}`, `unknown option of ${name} here (it takes ${[...allowed].join(', ') || 'none'})`);
  }
  const parsed = definition.options.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidField([path, ...issue.path.map(String)].join('/'), issue.message);
  }
  const options = parsed.data;
  const fast = FAST_OBJECTIVES[name];
  if (fast && !slow) return fast(options as Record<string, unknown>);
  const state = new Float64Array(4);
  return (tp, fp, tn, fn) => {
    state[0] = tn;
    state[1] = fp;
    state[2] = fn;
    state[3] = tp;
    const value = definition.compute(state, options, BINARY, underived)[name];
    return typeof value === 'number' ? value : null;
  };
}

/** A rate objective as `reduceRate` answers a binary batch: num / den, a 0/0 `zero_division`. */
const rateObjective =
  (rate: Rate, zeroDivision: number | null): CountsObjective =>
  (tp, fp, tn, fn) => {
    const [num, den] = rate(tp, fp, tn, fn);
    return den !== 0 ? num / den : zeroDivision;
  };

/**
 * The same objectives without building a metric entry at every threshold (~2 µs each through
 * `compute`, seconds over a million distinct scores): the metrics' own rate and MCC formulas,
 * called directly. test/thresholds.test.ts checks each equals {@link catalogueObjective} on
 * random counts, zeros included. The metrics not listed go through `compute`.
 */
const FAST_OBJECTIVES: Partial<Record<string, (options: Record<string, unknown>) => CountsObjective>> = {
  f1_score: (o) => rateObjective(fbetaRate(1), zeroDivisionValue(o.zero_division as ZeroDivision)),
  fbeta_score: (o) => rateObjective(fbetaRate(o.beta as number), zeroDivisionValue(o.zero_division as ZeroDivision)),
  precision: (o) => rateObjective(precisionRate, zeroDivisionValue(o.zero_division as ZeroDivision)),
  recall: (o) => rateObjective(recallRate, zeroDivisionValue(o.zero_division as ZeroDivision)),
  matthews_corrcoef: (o) => (tp, fp, tn, fn) =>
    matthewsCorrcoefOf(tn + tp, tn + fp + fn + tp, [tn + fp, fn + tp], [tn + fn, fp + tp], [[tn, fp], [fn, tp]], o.degenerate as MatthewsDegenerate),
};

/**
 * The total gain a·TP + b·FP + c·TN + d·FN, summed in the order of a flattened confusion matrix
 * [[tn, fp], [fn, tp]] (scikit-learn's cost-sensitive learning example, `(cm * gain).sum()`).
 */
export const gainObjective =
  ({ tp: a, fp: b, tn: c, fn: d }: { tp: number; fp: number; tn: number; fn: number }): CountsObjective =>
  (tp, fp, tn, fn) =>
    c * tn + b * fp + d * fn + a * tp;

/**
 * The objective a request names.
 *
 * @throws {ProblemError} 400 naming `objective/<option>` (see {@link catalogueObjective})
 */
export function objectiveOf(objective: ThresholdsOptions['objective']): CountsObjective {
  if (typeof objective === 'string') return catalogueObjective(objective, {}, 'objective');
  if (!('name' in objective)) return gainObjective(objective.gain);
  const { name, ...options } = objective;
  return catalogueObjective(name, options, 'objective');
}

/** Work per candidate threshold beyond the sort: one objective (and constraint) from its counts. */
export const OBJECTIVE_WORK = 40;

/**
 * The priced work of a tuning: one sort per label (as the exact ranking metrics), the objective
 * at each candidate (D ≤ rows exact, else the grid's T, each found by binary search).
 */
export function tuningWork(rows: number, classes: number, thresholds: ThresholdsOptions['thresholds']): number {
  const T = thresholdCount(thresholds);
  const candidates = T === 0 ? rows : T;
  return rankingWork({ rows, classes }) + classes * (candidates * (OBJECTIVE_WORK + (T === 0 ? 0 : depth(rows))) + CLASS_WORK);
}

/** The candidate thresholds of one label, and the counts at each (see `countsAtThresholds`). */
interface Candidates {
  thresholds: Float64Array;
  tps: Float64Array;
  fps: Float64Array;
  positives: number;
  negatives: number;
}

function candidatesOf(cache: RankCountsCache, c: number, thresholds: ThresholdsOptions['thresholds']): Candidates | null {
  const exact = cache.ofClass(c, thresholdGrid(null));
  const { positives, negatives } = exact;
  if (thresholds === null) return { thresholds: exact.thresholds, tps: exact.tps, fps: exact.fps, positives, negatives };
  let grid: Float64Array;
  if (typeof thresholds === 'number') {
    const range = keptScoreRange(classView(cache.batch, c));
    if (range === null) return null;
    grid = linspaceBetween(range[0], range[1], thresholds);
  } else grid = Float64Array.from(thresholds);
  const at = countsAtThresholds(exact.thresholds, exact.tps, exact.fps, grid);
  return { thresholds: grid, tps: at.tps, fps: at.fps, positives, negatives };
}

/**
 * Tunes one label's threshold: the objective at every candidate from the cumulative counts of one
 * sort (tp = positives scoring ≥ t, fp likewise, tn = N − fp, fn = P − tp), the constraint
 * likewise, and the lowest threshold among the best allowed values. scikit-learn 1.9's
 * `metric_at_thresholds` (exact) and `TunedThresholdClassifierCV` on frozen scores (n, a list).
 *
 * O(D) after the sort (exact), O(T log D) for a grid of T.
 */
export function tuneLabel(cache: RankCountsCache, c: number, options: ThresholdsOptions, objective: CountsObjective, constraint: CountsObjective | null): LabelThreshold {
  if (options.thresholds === null && !options.return_curve) return tuneLabelExact(cache, c, options, objective, constraint);
  const warnings: string[] = [];
  const candidates = candidatesOf(cache, c, options.thresholds);
  const T = candidates?.thresholds.length ?? 0;
  const values = new Float64Array(T);
  const allowed = constraint === null ? null : new Uint8Array(T);
  let undefinedValues = 0;
  if (candidates) {
    const { tps, fps, positives, negatives } = candidates;
    for (let k = 0; k < T; k++) {
      const tp = tps[k];
      const fp = fps[k];
      const tn = negatives - fp;
      const fn = positives - tp;
      const v = objective(tp, fp, tn, fn);
      if (v === null) undefinedValues++;
      values[k] = v ?? Number.NaN;
      if (allowed) {
        const bound = constraint!(tp, fp, tn, fn);
        allowed[k] = bound !== null && bound >= options.constraint!.min ? 1 : 0;
      }
    }
  }
  if (undefinedValues > 0) warnings.push(`the objective is undefined at ${undefinedValues} threshold${undefinedValues === 1 ? '' : 's'}: null there, and never chosen`);
  const best = candidates ? bestThresholdIndex(candidates.thresholds, values, allowed) : -1;
  const curve = options.return_curve ? curveOf(candidates, values) : undefined;
  if (best < 0) {
    if (T === 0) warnings.push('no rows with weight > 0 (or every one ignored): no threshold to tune; threshold and objective are null');
    else if (options.constraint) warnings.push(`no threshold meets the constraint ${options.constraint.metric} >= ${options.constraint.min}: threshold and objective are null`);
    else warnings.push('the objective is undefined at every threshold: threshold and objective are null');
    return { threshold: null, objective: null, counts: null, ...(curve ? { curve } : {}), warnings };
  }
  const { thresholds, tps, fps, positives, negatives } = candidates!;
  return {
    threshold: thresholds[best],
    objective: values[best],
    counts: { tp: tps[best], fp: fps[best], tn: negatives - fps[best], fn: positives - tps[best] },
    ...(curve ? { curve } : {}),
    warnings,
  };
}

/**
 * {@link tuneLabel} over every distinct score without the curve: one walk of the sorted split
 * ({@link bestOfSortedSweep}), no arrays of thresholds and counts. The same answer and warnings:
 * test/routes/thresholds.test.ts compares it with the curve's choice.
 */
function tuneLabelExact(cache: RankCountsCache, c: number, options: ThresholdsOptions, objective: CountsObjective, constraint: CountsObjective | null): LabelThreshold {
  const warnings: string[] = [];
  const weighted = cache.batch.weights !== null;
  const split = weighted ? cache.weightedSplit(c) : cache.split(c);
  const min = options.constraint?.min;
  const allowed = constraint === null ? null : (tp: number, fp: number, tn: number, fn: number) => { const bound = constraint(tp, fp, tn, fn); return bound !== null && bound >= min!; };
  const best = bestOfSortedSweep(split.positives, split.negatives, weighted ? (split as WeightedSplit) : null, objective, allowed);
  const u = best.undefinedValues;
  if (u > 0) warnings.push(`the objective is undefined at ${u} threshold${u === 1 ? '' : 's'}: null there, and never chosen`);
  if (best.threshold === null) {
    if (best.candidates === 0) warnings.push('no rows with weight > 0 (or every one ignored): no threshold to tune; threshold and objective are null');
    else if (options.constraint) warnings.push(`no threshold meets the constraint ${options.constraint.metric} >= ${options.constraint.min}: threshold and objective are null`);
    else warnings.push('the objective is undefined at every threshold: threshold and objective are null');
    return { threshold: null, objective: null, counts: null, warnings };
  }
  const P = weighted ? (split as WeightedSplit).positiveWeight : split.positives.length;
  const N = weighted ? (split as WeightedSplit).negativeWeight : split.negatives.length;
  return { threshold: best.threshold, objective: best.value, counts: { tp: best.tp, fp: best.fp, tn: N - best.fp, fn: P - best.tp }, warnings };
}

/** The curve in scikit-learn's order: exact decreasing (as the sort gives it), n increasing, a list as sent. */
function curveOf(candidates: Candidates | null, values: Float64Array): NonNullable<LabelThreshold['curve']> {
  if (!candidates) return { thresholds: [], objective: [] };
  return { thresholds: Array.from(candidates.thresholds), objective: Array.from(values, (v) => (Number.isNaN(v) ? null : v)) };
}

/**
 * POST /v1/thresholds' compute stage over the rows of a binary or multilabel batch (each label on
 * its own): see {@link tuneLabel}.
 *
 * @throws {ProblemError} 400 naming `objective/<option>` or `constraint` for options the metric does not take
 */
export function tuneThresholds(cache: RankCountsCache, options: ThresholdsOptions): ThresholdsResponse {
  const objective = objectiveOf(options.objective);
  const constraint = options.constraint ? catalogueObjective(options.constraint.metric, {}, 'constraint/metric') : null;
  const { task, classes, input, warnings } = cache.batch;
  const labels = Array.from({ length: task === 'binary' ? 1 : classes }, (_, c) => tuneLabel(cache, c, options, objective, constraint));
  if (task === 'binary') return { ...labels[0], warnings: [...warnings, ...labels[0].warnings], input };
  return { per_label: labels, input, warnings: [...warnings] };
}
