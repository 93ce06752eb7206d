import { z } from 'zod';
import { rocFromCounts } from '../kernels/auroc.js';
import type { RankCounts } from '../kernels/rank-counts.js';
import { torchSigmoid } from '../kernels/stat-scores.js';
import type { Task } from '../batch/task.js';
import { classesPhrase } from './averaging.js';
import { thresholdGrid, type Grid, type RankCountsSource } from '../batch/rank-counts-cache.js';
import type { MetricConfig } from '../batch/batch.js';
import { defineMetric, type Derived, type MetricEntry } from './definition.js';
import { Thresholds, checkThresholds, rankCountsSource, rankingComputeWork, rankingState, type RankingState } from './binned.js';

/**
 * The metrics read off one class's ROC or precision–recall curve at an operating point:
 * torchmetrics 1.9's `*_precision_at_fixed_recall`, `*_recall_at_fixed_precision`,
 * `*_sensitivity_at_specificity`, `*_specificity_at_sensitivity`, `*_eer` and `*_logauc`, exact
 * (every distinct score a threshold) or binned (`thresholds`), on the rows state the ranking
 * metrics share, so their counts come from the same sorts.
 *
 * Thresholds are answered on the probability scale, as torchmetrics (which applies σ or softmax
 * before ranking) reports them: σ of a logit, softmax's p of multiclass log-odds; a binned
 * threshold as asked (float64 `linspace`, or the list as sent).
 */

/** A class's ROC curve in decreasing-threshold order, thresholds on the probability scale. */
interface Roc {
  fpr: Float64Array;
  tpr: Float64Array;
  thresholds: Float64Array;
}

/** The threshold of point `k` of `counts` (descending), on the probability scale. */
function thresholdAt(counts: RankCounts, k: number, grid: Grid, logOdds: boolean): number {
  if (grid.asked) return grid.asked[grid.asked.length - 1 - k];
  return logOdds ? torchSigmoid(counts.thresholds[k]) : counts.thresholds[k];
}

/**
 * torchmetrics' `_binary_roc_compute`: exact curves start at the origin with threshold 1, binned
 * ones have one point per threshold (no origin); fpr = fps / N, tpr = tps / P.
 */
function rocOf(counts: RankCounts, grid: Grid, logOdds: boolean): Roc {
  const exact = grid.values === null;
  const { fpr, tpr } = rocFromCounts(counts, exact);
  const offset = exact ? 1 : 0;
  const thresholds = new Float64Array(fpr.length);
  if (exact) thresholds[0] = 1;
  for (let k = 0; k < counts.thresholds.length; k++) thresholds[k + offset] = thresholdAt(counts, k, grid, logOdds);
  return { fpr, tpr, thresholds };
}

/** An operating point: the metric's value and the threshold reaching it; null where none does. */
interface OperatingPoint {
  value: number | null;
  threshold: number | null;
}

const UNREACHED: OperatingPoint = { value: null, threshold: null };

/**
 * torchmetrics' `_precision_at_recall` (or, `byRecall`, `_recall_at_precision`): among the
 * points of the precision–recall curve whose other rate reaches the minimum, the highest value,
 * ties broken by the other rate, then by the threshold (Python's `max` over (p, r, t) tuples,
 * `_lexargmax`). The final point (precision 1, recall 0) has no threshold and is no candidate.
 * A binned threshold nothing reaches has no precision (torchmetrics' NaN) and is no candidate
 * either. Where the best value is 0, torchmetrics answers a NaN threshold: null here.
 */
function fixedRatePoint(counts: RankCounts, grid: Grid, logOdds: boolean, minimum: number, byRecall: boolean): OperatingPoint {
  const { tps, fps, positives: P } = counts;
  let best = -1;
  let bestOther = -1;
  let bestK = -1;
  for (let k = 0; k < tps.length; k++) {
    const predicted = tps[k] + fps[k];
    if (predicted === 0) continue;
    const precision = tps[k] / predicted;
    const recall = tps[k] / P;
    const [value, other] = byRecall ? [recall, precision] : [precision, recall];
    if (!(other >= minimum)) continue;
    // Points run from the highest threshold down: a tie keeps the higher threshold seen first.
    if (value > best || (value === best && other > bestOther)) {
      best = value;
      bestOther = other;
      bestK = k;
    }
  }
  if (bestK < 0 || best === 0) return UNREACHED;
  return { value: best, threshold: thresholdAt(counts, bestK, grid, logOdds) };
}

/**
 * torchmetrics' `_sensitivity_at_specificity` (or, `bySpecificity`, `_specificity_at_sensitivity`):
 * among the ROC points whose other rate reaches the minimum (specificity as 1 − fpr), the first
 * highest value in decreasing-threshold order (`torch.argmax`).
 */
function fixedRocPoint(roc: Roc, minimum: number, bySpecificity: boolean): OperatingPoint {
  let bestK = -1;
  let best = -1;
  for (let k = 0; k < roc.fpr.length; k++) {
    const sensitivity = roc.tpr[k];
    const specificity = 1 - roc.fpr[k];
    const [value, other] = bySpecificity ? [specificity, sensitivity] : [sensitivity, specificity];
    if (other >= minimum && value > best) {
      best = value;
      bestK = k;
    }
  }
  return bestK < 0 ? UNREACHED : { value: best, threshold: roc.thresholds[bestK] };
}

/**
 * Equal error rate, torchmetrics' `_binary_eer_compute`: at the first ROC point minimising
 * |fpr − (1 − tpr)|, the mean (fpr + 1 − tpr) / 2 of the two error rates.
 */
export function equalErrorRate(fpr: ArrayLike<number>, tpr: ArrayLike<number>): number {
  let bestK = 0;
  let best = Infinity;
  for (let k = 0; k < fpr.length; k++) {
    const gap = Math.abs(fpr[k] - (1 - tpr[k]));
    if (gap < best) {
      best = gap;
      bestK = k;
    }
  }
  return (fpr[bestK] + (1 - tpr[bestK])) / 2;
}

/**
 * torchmetrics' `interp`: the curve's value at x by the segment from the last point with
 * fpr ≤ x (clamped to the first and last segments, which it extends); a vertical segment has
 * slope 0 (`_safe_divide`).
 */
function interpolate(x: number, fpr: ArrayLike<number>, tpr: ArrayLike<number>): number {
  let lo = 0;
  let hi = fpr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (fpr[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  const k = Math.min(Math.max(lo - 1, 0), fpr.length - 2);
  const dx = fpr[k + 1] - fpr[k];
  const slope = dx === 0 ? 0 : (tpr[k + 1] - tpr[k]) / dx;
  return slope * x + (tpr[k] - slope * fpr[k]);
}

/**
 * LogAUC over [a, b] (torchmetrics' `_binary_logauc_compute`): the ROC curve interpolated at the
 * range's ends, the trapezoid of tpr over log10(fpr) between them, divided by log10(b / a). The
 * points are ordered by (fpr, tpr), so points sharing a false-positive rate add no area in any
 * order: the true area under the log-scaled curve (torchmetrics' unstable sort can differ there).
 *
 * O(T log T). A curve of fewer than two points has no area: 0, as torchmetrics.
 */
export function logAuc(fpr: ArrayLike<number>, tpr: ArrayLike<number>, [a, b]: readonly [number, number]): number {
  if (fpr.length < 2) return 0;
  const points: Array<[number, number]> = [
    [a, interpolate(a, fpr, tpr)],
    [b, interpolate(b, fpr, tpr)],
  ];
  for (let k = 0; k < fpr.length; k++) if (fpr[k] >= a && fpr[k] <= b) points.push([fpr[k], tpr[k]]);
  points.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  let area = 0;
  for (let k = 1; k < points.length; k++) {
    area += ((Math.log10(points[k][0]) - Math.log10(points[k - 1][0])) * (points[k][1] + points[k - 1][1])) / 2;
  }
  return area / (Math.log10(b) - Math.log10(a));
}

/**
 * torchmetrics' macro ROC (`_multiclass_roc_compute`, average "macro"): every class's false
 * positive rates pooled and sorted, and at each the mean over classes of the interpolated tpr.
 */
function macroRoc(curves: readonly Roc[]): { fpr: Float64Array; tpr: Float64Array } {
  const fpr = Float64Array.from(curves.flatMap((c) => Array.from(c.fpr))).sort();
  const tpr = new Float64Array(fpr.length);
  for (const curve of curves) for (let k = 0; k < fpr.length; k++) tpr[k] += interpolate(fpr[k], curve.fpr, curve.tpr);
  for (let k = 0; k < tpr.length; k++) tpr[k] /= curves.length;
  return { fpr, tpr };
}

/** How a class's curve is read: its counts, ROC, and whether it is defined. */
interface ClassCurves {
  cache: RankCountsSource;
  grid: Grid;
  logOdds: boolean;
  counts(c: number): RankCounts;
  roc(c: number): Roc;
}

function classCurves(state: RankingState, config: MetricConfig, derived: Derived, thresholds: Thresholds): ClassCurves {
  const cache = rankCountsSource(state, thresholds, config, derived);
  const grid = thresholdGrid(thresholds);
  const logOdds = cache.batch.scoresAreLogOdds;
  const counts = (c: number) => cache.ofClass(c, grid);
  return { cache, grid, logOdds, counts, roc: (c) => rocOf(counts(c), grid, logOdds) };
}

/**
 * Which samples a class's curve needs to exist: the ROC curve positives and negatives (its rates
 * divide by both), the precision–recall curve positives only (precision tps / (tps + fps) and
 * recall tps / P are defined without negatives: precision is 1 at every threshold).
 */
type Needs = 'positives and negatives' | 'positives';

/**
 * A value per class (binary: the one class) where the class's curve exists (`needs`); the
 * others null, named in one warning (METRICS.md: as AUROC is).
 */
function perDefinedClass<T>(curves: ClassCurves, config: MetricConfig, name: string, warnings: string[], of: (c: number) => T, needs: Needs = 'positives and negatives'): Array<T | null> {
  const undefinedClasses: number[] = [];
  const values = Array.from({ length: config.classes }, (_, c) => {
    const { positives, negatives } = curves.counts(c);
    if (positives > 0 && (negatives > 0 || needs === 'positives')) return of(c);
    undefinedClasses.push(c);
    return null;
  });
  if (undefinedClasses.length > 0) {
    const lacking = needs === 'positives' ? 'no positive samples' : 'no positive or no negative samples';
    warnings.push(`${whoOf(config.task, undefinedClasses)} ${undefinedClasses.length === 1 ? 'has' : 'have'} ${lacking}: ${name} is undefined (null)`);
  }
  return values;
}

const whoOf = (task: Task, classes: number[]) => (task === 'binary' ? 'the batch' : classesPhrase(task, classes));

/** The four at-fixed metrics, alike but for their curve, rates and option name. */
function atFixedMetric<K extends string>(spec: {
  name: string;
  minimum: K;
  value: string;
  other: string;
  summary: string;
  /** The samples the metric's curve needs (precision–recall: positives; ROC: both). */
  needs: Needs;
  point: (curves: ClassCurves, c: number, minimum: number) => OperatingPoint;
}) {
  type Options = Record<K, number> & { thresholds: Thresholds };
  const options = z.strictObject({
    [spec.minimum]: z
      .number({ error: (issue) => (issue.input === undefined ? `is required: ${spec.name} needs ${spec.minimum} in [0, 1]` : undefined) })
      .min(0)
      .max(1)
      .describe(`The lowest ${spec.other} an operating point may have, in [0, 1] (required).`),
    thresholds: Thresholds,
  } as Record<K | 'thresholds', z.ZodType>) as unknown as z.ZodType<Options>;
  const names = [spec.minimum, 'thresholds'] as const;
  return defineMetric<Options, RankingState>({
    name: spec.name,
    summary: spec.summary,
    source: `torchmetrics *_${spec.name}`,
    tasks: ['binary', 'multiclass', 'multilabel'],
    optionsFor: { binary: names, multiclass: names, multilabel: names } as never,
    options,
    answerSize: (config) => 2 * config.classes,
    needsScores: true,
    check: checkThresholds,
    state: rankingState,
    work: rankingComputeWork,
    compute: (state, opts, config, derived) => {
      const warnings: string[] = [];
      const minimum = opts[spec.minimum];
      const curves = classCurves(state, config, derived, opts.thresholds);
      const points = perDefinedClass(curves, config, spec.name, warnings, (c) => spec.point(curves, c, minimum), spec.needs);
      const unreached = points.flatMap((p, c) => (p !== null && p.value === null ? [c] : []));
      if (unreached.length > 0) {
        warnings.push(`${whoOf(config.task, unreached)}: no threshold gives ${spec.other} >= ${minimum}, so ${spec.value} and its threshold are null (torchmetrics answers 0 and a placeholder threshold)`);
      }
      if (config.task === 'binary') return { [spec.name]: points[0]?.value ?? null, threshold: points[0]?.threshold ?? null, warnings };
      return { [spec.name]: null, per_class: points.map((p) => p?.value ?? null), thresholds: points.map((p) => p?.threshold ?? null), warnings };
    },
  });
}

export const precisionAtFixedRecall = atFixedMetric({
  name: 'precision_at_fixed_recall',
  minimum: 'min_recall',
  value: 'precision',
  other: 'recall',
  summary: 'The highest precision at a threshold whose recall is at least `min_recall`, with that threshold.',
  needs: 'positives',
  point: (curves, c, minimum) => fixedRatePoint(curves.counts(c), curves.grid, curves.logOdds, minimum, false),
});

export const recallAtFixedPrecision = atFixedMetric({
  name: 'recall_at_fixed_precision',
  minimum: 'min_precision',
  value: 'recall',
  other: 'precision',
  summary: 'The highest recall at a threshold whose precision is at least `min_precision`, with that threshold.',
  needs: 'positives',
  point: (curves, c, minimum) => fixedRatePoint(curves.counts(c), curves.grid, curves.logOdds, minimum, true),
});

export const sensitivityAtSpecificity = atFixedMetric({
  name: 'sensitivity_at_specificity',
  minimum: 'min_specificity',
  value: 'sensitivity',
  other: 'specificity',
  summary: 'The highest sensitivity at a threshold whose specificity is at least `min_specificity`, with that threshold.',
  needs: 'positives and negatives',
  point: (curves, c, minimum) => fixedRocPoint(curves.roc(c), minimum, false),
});

export const specificityAtSensitivity = atFixedMetric({
  name: 'specificity_at_sensitivity',
  minimum: 'min_sensitivity',
  value: 'specificity',
  other: 'sensitivity',
  summary: 'The highest specificity at a threshold whose sensitivity is at least `min_sensitivity`, with that threshold.',
  needs: 'positives and negatives',
  point: (curves, c, minimum) => fixedRocPoint(curves.roc(c), minimum, true),
});

type EerOptions = { thresholds: Thresholds; average: 'micro' | 'macro' | 'none' | null };

/** `eer`: the equal error rate, per class unless `average` (multiclass) pools or averages curves. */
export const eer = defineMetric<EerOptions, RankingState>({
  name: 'eer',
  summary: 'Equal error rate: where the false positive and false negative rates meet on the ROC curve.',
  source: 'torchmetrics *_eer',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: { binary: ['thresholds'], multiclass: ['thresholds', 'average'], multilabel: ['thresholds'] },
  options: z.strictObject({
    thresholds: Thresholds,
    average: z
      .enum(['micro', 'macro', 'none'])
      .nullable()
      .default(null)
      .describe('Multiclass: null / `none` (default) one EER per class; `micro` of the pooled ROC curve; `macro` of the mean ROC curve (torchmetrics\' macro `roc`).'),
  }),
  needsScores: true,
  check: checkThresholds,
  state: rankingState,
  work: rankingComputeWork,
  compute: (state, options, config, derived): MetricEntry => {
    const warnings: string[] = [];
    const curves = classCurves(state, config, derived, options.thresholds);
    if (options.average === 'micro') {
      const pooled = curves.cache.pooled(curves.grid);
      if (pooled.positives === 0 || pooled.negatives === 0) return { eer: null, warnings: ['the pooled samples have no positive or no negative: EER is undefined (null)'] };
      const roc = rocOf(pooled, curves.grid, curves.logOdds);
      return { eer: equalErrorRate(roc.fpr, roc.tpr), warnings };
    }
    const rocs = perDefinedClass(curves, config, 'EER', warnings, (c) => curves.roc(c));
    if (options.average === 'macro') {
      const defined = rocs.filter((r): r is Roc => r !== null);
      if (defined.length === 0) return { eer: null, warnings: [...warnings, 'no class has both positive and negative samples: EER is undefined (null)'] };
      if (defined.length < rocs.length) warnings.push('the mean ROC curve averages the classes where it is defined');
      const mean = macroRoc(defined);
      return { eer: equalErrorRate(mean.fpr, mean.tpr), warnings };
    }
    const perClass = rocs.map((r) => (r === null ? null : equalErrorRate(r.fpr, r.tpr)));
    if (config.task === 'binary') return { eer: perClass[0], warnings };
    return { eer: null, per_class: perClass, warnings };
  },
});

const FprRange = z
  .array(z.number())
  .length(2)
  .default([0.001, 0.1])
  .refine(([a, b]) => a > 0 && a < b && b <= 1, { message: 'needs 0 < a < b <= 1 (log10 of a false positive rate of 0 is -infinity)' })
  .describe('[a, b]: the false positive rates the area spans, 0 < a < b <= 1 (default [0.001, 0.1]).');

type LogAucOptions = { fpr_range: [number, number]; average: 'macro' | 'none'; thresholds: Thresholds };

/** `logauc`: the area under the ROC curve with a log-scaled false positive rate, over `fpr_range`. */
export const logauc = defineMetric<LogAucOptions, RankingState>({
  name: 'logauc',
  summary: 'Area under the ROC curve over log10(fpr) in `fpr_range`, scaled to [0, 1]: ranking quality where false positives are rare.',
  source: 'torchmetrics *_logauc',
  tasks: ['binary', 'multiclass', 'multilabel'],
  optionsFor: { binary: ['fpr_range', 'thresholds'], multiclass: ['fpr_range', 'average', 'thresholds'], multilabel: ['fpr_range', 'average', 'thresholds'] },
  options: z.strictObject({
    fpr_range: FprRange,
    average: z.enum(['macro', 'none']).default('macro').describe('`macro` (default): mean over the classes where it is defined; `none`: per_class only.'),
    thresholds: Thresholds,
  }) as unknown as z.ZodType<LogAucOptions>,
  needsScores: true,
  check: checkThresholds,
  state: rankingState,
  work: rankingComputeWork,
  compute: (state, options, config, derived): MetricEntry => {
    const warnings: string[] = [];
    const curves = classCurves(state, config, derived, options.thresholds);
    const perClass = perDefinedClass(curves, config, 'LogAUC', warnings, (c) => {
      const roc = curves.roc(c);
      return logAuc(roc.fpr, roc.tpr, options.fpr_range);
    });
    if (config.task === 'binary') return { logauc: perClass[0], warnings };
    const defined = perClass.filter((v): v is number => v !== null);
    const value = options.average === 'none' || defined.length === 0 ? null : defined.reduce((s, v) => s + v, 0) / defined.length;
    return { logauc: value, per_class: perClass, warnings };
  },
});
