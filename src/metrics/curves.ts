/**
 * ROC, precision-recall and DET curves, one family in one file: their options, their answers and the
 * compute stage over a counted batch (exact as scikit-learn, binned as torchmetrics), used by
 * /v1/roc, /v1/precision-recall and sessions' curves. The pure math is kernels/auroc.ts,
 * kernels/average-precision.ts and kernels/curve-points.ts; the tasks are endpoints/curves.ts.
 */
import { z } from 'zod';
import { aurocExact, aurocFromBinnedCounts, rocFromCounts } from '../kernels/auroc.js';
import { averagePrecisionFromBinnedCounts, averagePrecisionFromCounts, precisionRecallFromCounts } from '../kernels/average-precision.js';
import { allIndices, cornerIndices, evenlyAlongCurve, pick } from '../kernels/curve-points.js';
import { detFromCounts } from '../kernels/det-curve.js';
import type { RankCounts } from '../kernels/rank-counts.js';
import { InputUsed, Task } from '../batch/task.js';
import { thresholdGrid, type Grid, type RankCountsCache } from '../batch/rank-counts-cache.js';
import { classLabel, undefinedClassWarning } from './averaging.js';
import { Thresholds } from './binned.js';

const maxPoints = z
  .number()
  .int()
  .min(2)
  .optional()
  .describe('At most this many points per curve, spread evenly along the curve (first and last kept).');

/** The ROC options; /v1/roc's request composes them with the batch fields. */
export const RocOptions = z.strictObject({
  drop_intermediate: z.boolean().default(true).describe('Drop collinear points, as scikit-learn.'),
  max_points: maxPoints,
  thresholds: Thresholds,
});
export type RocOptions = z.output<typeof RocOptions>;

/** The precision-recall options; /v1/precision-recall's request composes them with the batch fields. */
export const PrecisionRecallOptions = z.strictObject({ max_points: maxPoints, thresholds: Thresholds });
export type PrecisionRecallOptions = z.output<typeof PrecisionRecallOptions>;

const points = z.array(z.number());

const thresholdsDoc =
  'Scores as ranked: probabilities, binary / multilabel logits as sent, or for multiclass logits the log-odds z_c - logsumexp(z_j, j != c) (sigmoid of it is softmax p_c). Binned curves: the float32 grid, as torchmetrics.';

export const RocCurve = z.object({
  fpr: points,
  tpr: points,
  thresholds: points.describe(
    `${thresholdsDoc} Exact curves start at the origin (fpr 0, tpr 0), whose threshold is the next double above the highest score (scikit-learn: +inf, which JSON lacks). Descending.`,
  ),
  auroc: z.number(),
}).meta({ id: 'RocCurve', description: 'One ROC curve: its points, their thresholds and the area under it.' });

const undefinedCurve = 'null when the curve is undefined (no positive or no negative samples), with a warning.';

export const RocResponse = z.object({
  task: Task,
  input: InputUsed,
  fpr: points.nullable().optional().describe(`Binary. ${undefinedCurve}`),
  tpr: points.nullable().optional().describe(`Binary. ${undefinedCurve}`),
  thresholds: RocCurve.shape.thresholds.nullable().optional(),
  auroc: z.number().nullable().optional().describe(`Binary. ${undefinedCurve}`),
  per_class: z
    .array(RocCurve.nullable())
    .optional()
    .describe(`Multiclass (one-vs-rest) and multilabel: one curve per class; ${undefinedCurve}`),
  warnings: z.array(z.string()),
}).meta({ id: 'RocResult', description: 'ROC curves of one batch.' });
export type RocResponse = z.infer<typeof RocResponse>;

export const PrecisionRecallCurve = z.object({
  precision: points,
  recall: points,
  thresholds: points.describe(
    `${thresholdsDoc} Every distinct score, ascending (scikit-learn >= 1.1 and torchmetrics do not stop at full recall); one fewer than the points (the final point, precision 1 and recall 0, has none).`,
  ),
  average_precision: z.number(),
  prevalence: z.number().describe('Positives over samples: the precision of a random ranking, the chance level of average precision.'),
}).meta({ id: 'PrecisionRecallCurve', description: 'One precision-recall curve: its points, their thresholds, its average precision and chance level.' });

const undefinedPr = 'null when the curve is undefined (no positive samples: recall has no denominator), with a warning.';

export const PrecisionRecallResponse = z.object({
  task: Task,
  input: InputUsed,
  precision: points.nullable().optional().describe(`Binary. ${undefinedPr}`),
  recall: points.nullable().optional().describe(`Binary. ${undefinedPr}`),
  thresholds: PrecisionRecallCurve.shape.thresholds.nullable().optional(),
  average_precision: z.number().nullable().optional().describe(`Binary. ${undefinedPr}`),
  prevalence: PrecisionRecallCurve.shape.prevalence.nullable().optional(),
  per_class: z.array(PrecisionRecallCurve.nullable()).optional().describe(`Multiclass (one-vs-rest) and multilabel: one curve per class; ${undefinedPr}`),
  warnings: z.array(z.string()),
}).meta({ id: 'PrecisionRecallResult', description: 'Precision-recall curves of one batch.' });
export type PrecisionRecallResponse = z.infer<typeof PrecisionRecallResponse>;

type RocCurveValue = z.infer<typeof RocCurve>;
type PrCurve = z.infer<typeof PrecisionRecallCurve>;

function rocCurve(counts: RankCounts, grid: Grid, options: RocOptions): RocCurveValue {
  const binned = grid.values !== null;
  const curve = rocFromCounts(counts, !binned);
  let keep = allIndices(curve.fpr.length);
  if (options.drop_intermediate && !binned) {
    // scikit-learn drops on the counts before prepending the origin; index 0 is the origin here.
    keep = [0, ...cornerIndices(counts.fps, counts.tps).map((k) => k + 1)];
  }
  if (options.max_points !== undefined) {
    const sub = evenlyAlongCurve(pick(curve.fpr, keep), pick(curve.tpr, keep), options.max_points);
    keep = sub.map((k) => keep[k]);
  }
  return {
    fpr: pick(curve.fpr, keep),
    tpr: pick(curve.tpr, keep),
    thresholds: pick(curve.thresholds, keep),
    // Defined: the class has positives and negatives.
    auroc: (binned ? aurocFromBinnedCounts(counts, null) : aurocExact(counts, null)) as number,
  };
}

function prCurve(counts: RankCounts, grid: Grid, options: PrecisionRecallOptions): PrCurve {
  const curve = precisionRecallFromCounts(counts);
  let keep = allIndices(curve.precision.length);
  if (options.max_points !== undefined) keep = evenlyAlongCurve(curve.recall, curve.precision, options.max_points);
  const last = curve.precision.length - 1;
  return {
    precision: pick(curve.precision, keep),
    recall: pick(curve.recall, keep),
    thresholds: pick(curve.thresholds, keep.filter((k) => k < last)),
    // Defined: the class has positives.
    average_precision: (grid.values ? averagePrecisionFromBinnedCounts(counts) : averagePrecisionFromCounts(counts)) as number,
    prevalence: counts.positives / (counts.positives + counts.negatives),
  };
}

/**
 * One curve per class (binary: the one class), from counts shared through the cache. A class
 * whose curve is undefined (`defined` false: a rate without its denominator) has no curve: `null`,
 * named in `warnings`, never a flat line drawn from zeros.
 */
function curvesOfBatch<Curve>(
  cache: RankCountsCache,
  thresholds: number | number[] | null,
  curveOf: (counts: RankCounts, grid: Grid) => Curve,
  defined: (counts: RankCounts) => boolean,
  name: string,
): { curves: Array<Curve | null>; warnings: string[] } {
  const grid = thresholdGrid(thresholds);
  const { task, classes } = cache.batch;
  const warnings = [...cache.batch.warnings];
  const curves = Array.from({ length: classes }, (_, c) => {
    const counts = cache.ofClass(c, grid);
    if (defined(counts)) return curveOf(counts, grid);
    warnings.push(undefinedClassWarning(name, classLabel(task, c), counts.positives, counts.negatives));
    return null;
  });
  return { curves, warnings };
}

/** ROC curves: scikit-learn's `roc_curve` (exact) or torchmetrics' binned `roc`. */
export function rocOfBatch(cache: RankCountsCache, options: RocOptions): RocResponse {
  const { task, input } = cache.batch;
  const bothClasses = (counts: RankCounts) => counts.positives > 0 && counts.negatives > 0;
  const { curves, warnings } = curvesOfBatch(cache, options.thresholds, (counts, grid) => rocCurve(counts, grid, options), bothClasses, 'ROC curve');
  if (task !== 'binary') return { task, input, per_class: curves, warnings };
  return { task, input, ...(curves[0] ?? { fpr: null, tpr: null, thresholds: null, auroc: null }), warnings };
}

/** Precision–recall curves: scikit-learn's `precision_recall_curve` or torchmetrics' binned one. */
export function precisionRecallOfBatch(cache: RankCountsCache, options: PrecisionRecallOptions): PrecisionRecallResponse {
  const { task, input } = cache.batch;
  const positives = (counts: RankCounts) => counts.positives > 0;
  const { curves, warnings } = curvesOfBatch(cache, options.thresholds, (counts, grid) => prCurve(counts, grid, options), positives, 'precision-recall curve');
  if (task !== 'binary') return { task, input, per_class: curves, warnings };
  return { task, input, ...(curves[0] ?? { precision: null, recall: null, thresholds: null, average_precision: null, prevalence: null }), warnings };
}

/** The DET curve options (issue 26); /v1/det-curve's request composes them with the batch fields. */
export const DetCurveOptions = z.strictObject({
  drop_intermediate: z
    .boolean()
    .default(false)
    .describe('Drop the points whose false-negative rate equals both neighbours\' (horizontal runs on the normal-deviate axes), as scikit-learn\'s det_curve (default false there too).'),
});
export type DetCurveOptions = z.output<typeof DetCurveOptions>;

const undefinedDet = 'null when the curve is undefined (no positive or no negative samples, where scikit-learn raises), with a warning.';

export const DetCurveResponse = z
  .object({
    task: Task,
    input: InputUsed,
    fpr: points.nullable().describe(`False-positive rate at each threshold, decreasing. ${undefinedDet}`),
    fnr: points.nullable().describe(`False-negative rate (1 − recall) at each threshold, increasing. ${undefinedDet}`),
    thresholds: points
      .nullable()
      .describe(
        `${thresholdsDoc} Increasing, from the highest threshold with fnr 0 to the lowest with fpr 0; scikit-learn's +inf threshold (fpr 0, fnr 1), kept when the top score is a negative, is the next double above the top score. ${undefinedDet}`,
      ),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'DetCurveResult', description: 'The detection error tradeoff (DET) curve of one binary batch, as scikit-learn\'s det_curve.' });
export type DetCurveResponse = z.infer<typeof DetCurveResponse>;

/**
 * The DET curve of a binary batch: scikit-learn 1.9's `det_curve(drop_intermediate)` (Martin et
 * al. 1997, "The DET curve in assessment of detection task performance") over the exact rank
 * counts, weighted by `sample_weight`; see {@link detFromCounts}. Null with a warning when the
 * batch lacks positives or negatives.
 */
export function detOfBatch(cache: RankCountsCache, options: DetCurveOptions): DetCurveResponse {
  const { task, input } = cache.batch;
  const bothClasses = (counts: RankCounts) => counts.positives > 0 && counts.negatives > 0;
  const { curves, warnings } = curvesOfBatch(
    cache,
    null,
    (counts) => {
      const curve = detFromCounts(counts, options.drop_intermediate);
      return { fpr: Array.from(curve.fpr), fnr: Array.from(curve.fnr), thresholds: Array.from(curve.thresholds) };
    },
    bothClasses,
    'DET curve',
  );
  return { task, input, ...(curves[0] ?? { fpr: null, fnr: null, thresholds: null }), warnings };
}
