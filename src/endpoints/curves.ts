import { rankCountsOfBatch } from '../metrics/rows.js';
import { aurocExact, aurocFromBinnedCounts, rocFromCounts } from '../kernels/auroc.js';
import { averagePrecisionFromBinnedCounts, averagePrecisionFromCounts, precisionRecallFromCounts } from '../kernels/average-precision.js';
import { allIndices, cornerIndices, evenlyAlongCurve, pick } from '../kernels/curve-points.js';
import type { RankCounts } from '../kernels/rank-counts.js';
import type { z } from 'zod';
import type { PrecisionRecallCurve, PrecisionRecallRequest, PrecisionRecallResponse, RocCurve as RocCurveSchema, RocRequest, RocResponse } from '../schemas/curves.js';
import { classLabel, undefinedClassWarning } from '../metrics/averaging.js';
import { RankCountsCache, thresholdGrid, type Grid } from '../batch/rank-counts-cache.js';
import { formatRankingBatch, type RankingBatch } from '../batch/ranking-batch.js';
import { checkRanking } from '../batch/limits.js';

type RocCurve = z.infer<typeof RocCurveSchema>;
type PrCurve = z.infer<typeof PrecisionRecallCurve>;

function rocCurve(counts: RankCounts, grid: Grid, request: RocRequest): RocCurve {
  const binned = grid.values !== null;
  const curve = rocFromCounts(counts, !binned);
  let keep = allIndices(curve.fpr.length);
  if (request.drop_intermediate && !binned) {
    // scikit-learn drops on the counts before prepending the origin; index 0 is the origin here.
    keep = [0, ...cornerIndices(counts.fps, counts.tps).map((k) => k + 1)];
  }
  if (request.max_points !== undefined) {
    const sub = evenlyAlongCurve(pick(curve.fpr, keep), pick(curve.tpr, keep), request.max_points);
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

function prCurve(counts: RankCounts, grid: Grid, request: PrecisionRecallRequest): PrCurve {
  const curve = precisionRecallFromCounts(counts);
  let keep = allIndices(curve.precision.length);
  if (request.max_points !== undefined) keep = evenlyAlongCurve(curve.recall, curve.precision, request.max_points);
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
export function rocOfBatch(cache: RankCountsCache, request: RocRequest): RocResponse {
  const { task, input } = cache.batch;
  const bothClasses = (counts: RankCounts) => counts.positives > 0 && counts.negatives > 0;
  const { curves, warnings } = curvesOfBatch(cache, request.thresholds, (counts, grid) => rocCurve(counts, grid, request), bothClasses, 'ROC curve');
  if (task !== 'binary') return { task, input, per_class: curves, warnings };
  return { task, input, ...(curves[0] ?? { fpr: null, tpr: null, thresholds: null, auroc: null }), warnings };
}

/** Precision–recall curves: scikit-learn's `precision_recall_curve` or torchmetrics' binned one. */
export function precisionRecallOfBatch(cache: RankCountsCache, request: PrecisionRecallRequest): PrecisionRecallResponse {
  const { task, input } = cache.batch;
  const positives = (counts: RankCounts) => counts.positives > 0;
  const { curves, warnings } = curvesOfBatch(cache, request.thresholds, (counts, grid) => prCurve(counts, grid, request), positives, 'precision-recall curve');
  if (task !== 'binary') return { task, input, per_class: curves, warnings };
  return { task, input, ...(curves[0] ?? { precision: null, recall: null, thresholds: null, average_precision: null, prevalence: null }), warnings };
}

/** A curve request's batch, formatted and priced (its binned counts, its sorts) before any is made. */
function pricedCurveBatch(request: RocRequest | PrecisionRecallRequest, what: string): RankingBatch {
  const batch = formatRankingBatch(request);
  checkRanking('', { rows: batch.rows, classes: batch.classes, thresholds: request.thresholds }, what);
  return batch;
}

export const computeRoc = (request: RocRequest): RocResponse => rocOfBatch(rankCountsOfBatch(pricedCurveBatch(request, 'ROC curves')), request);

export const computePrecisionRecall = (request: PrecisionRecallRequest): PrecisionRecallResponse =>
  precisionRecallOfBatch(rankCountsOfBatch(pricedCurveBatch(request, 'precision-recall curves')), request);
