import { invalidField } from '../errors.js';
import { aurocExact, aurocFromBinnedCounts, rocFromCounts } from '../kernels/auroc.js';
import { averagePrecisionFromBinnedCounts, averagePrecisionFromCounts, precisionRecallFromCounts } from '../kernels/average-precision.js';
import { cornerIndices, evenlyAlongCurve, pick } from '../kernels/curve-points.js';
import type { RankCounts } from '../kernels/rank-counts.js';
import type { PrecisionRecallRequest, PrecisionRecallResponse, RocRequest, RocResponse } from '../schemas/curves.js';
import { undefinedClassWarning } from './averaging.js';
import { RankCountsCache, thresholdGrid, type Grid } from './rank-counts-cache.js';
import { formatRankingBatch, type RankingBatch } from './ranking-batch.js';

type RocCurve = NonNullable<RocResponse['per_class']>[number];
type PrCurve = NonNullable<PrecisionRecallResponse['per_class']>[number];

/** The classes to draw and how to name them in warnings. */
function curveClasses(batch: RankingBatch): Array<{ c: number; who: string }> {
  return Array.from({ length: batch.classes }, (_, c) => ({
    c,
    who: batch.task === 'binary' ? 'the batch' : `${batch.task === 'multiclass' ? 'class' : 'label'} ${c}`,
  }));
}

/** Exact ROC thresholds as scikit-learn 1.2: the origin's is the top score + 1 (JSON has no Infinity). */
const finiteThresholds = (thresholds: Float64Array): Float64Array => {
  if (thresholds.length > 1 && thresholds[0] === Infinity) thresholds[0] = thresholds[1] + 1;
  return thresholds;
};

function rocCurve(counts: RankCounts, grid: Grid, request: RocRequest): RocCurve {
  const binned = grid.values !== null;
  const curve = rocFromCounts(counts, !binned);
  let keep = Array.from({ length: curve.fpr.length }, (_, k) => k);
  if (request.drop_intermediate && !binned) {
    // scikit-learn drops on the counts before prepending the origin; index 0 is the origin here.
    keep = [0, ...cornerIndices(counts.fps, counts.tps).map((k) => k + 1)];
  }
  if (request.max_points !== undefined) {
    const sub = evenlyAlongCurve(pick(curve.fpr, keep), pick(curve.tpr, keep), request.max_points);
    keep = sub.map((k) => keep[k]);
  }
  const thresholds = binned ? curve.thresholds : finiteThresholds(curve.thresholds);
  return {
    fpr: pick(curve.fpr, keep),
    tpr: pick(curve.tpr, keep),
    thresholds: pick(thresholds, keep),
    auroc: binned ? aurocFromBinnedCounts(counts, null) : aurocExact(counts, null),
  };
}

function prCurve(counts: RankCounts, grid: Grid, request: PrecisionRecallRequest): PrCurve {
  const binned = grid.values !== null;
  const curve = precisionRecallFromCounts(counts, binned);
  let keep = Array.from({ length: curve.precision.length }, (_, k) => k);
  if (request.max_points !== undefined) keep = evenlyAlongCurve(curve.recall, curve.precision, request.max_points);
  const last = curve.precision.length - 1;
  return {
    precision: pick(curve.precision, keep),
    recall: pick(curve.recall, keep),
    thresholds: pick(curve.thresholds, keep.filter((k) => k < last)),
    average_precision: binned ? averagePrecisionFromBinnedCounts(counts) : averagePrecisionFromCounts(counts),
  };
}

function checkMaxPoints(maxPoints: number | undefined): void {
  if (maxPoints !== undefined && maxPoints < 2) throw invalidField('max_points', 'must be at least 2');
}

/** ROC curves: scikit-learn's `roc_curve` (exact) or torchmetrics' binned `roc`. */
export function rocOfBatch(cache: RankCountsCache, request: RocRequest): RocResponse {
  checkMaxPoints(request.max_points);
  const grid = thresholdGrid(request.thresholds);
  const warnings: string[] = [];
  const curves = curveClasses(cache.batch).map(({ c, who }) => {
    const counts = cache.ofClass(c, grid);
    const curve = rocCurve(counts, grid, request);
    if (curve.auroc === null) warnings.push(undefinedClassWarning('ROC curve', who, counts.positives, counts.negatives));
    return curve;
  });
  const base = { task: cache.batch.task, input: cache.batch.input, warnings };
  return cache.batch.task === 'binary' ? { ...base, ...curves[0] } : { ...base, per_class: curves };
}

/** Precision–recall curves: scikit-learn's `precision_recall_curve` or torchmetrics' binned one. */
export function precisionRecallOfBatch(cache: RankCountsCache, request: PrecisionRecallRequest): PrecisionRecallResponse {
  checkMaxPoints(request.max_points);
  const grid = thresholdGrid(request.thresholds);
  const warnings: string[] = [];
  const curves = curveClasses(cache.batch).map(({ c, who }) => {
    const counts = cache.ofClass(c, grid);
    const curve = prCurve(counts, grid, request);
    if (curve.average_precision === null) warnings.push(undefinedClassWarning('precision-recall curve', who, counts.positives, counts.negatives));
    return curve;
  });
  const base = { task: cache.batch.task, input: cache.batch.input, warnings };
  return cache.batch.task === 'binary' ? { ...base, ...curves[0] } : { ...base, per_class: curves };
}

export const computeRoc = (request: RocRequest): RocResponse => rocOfBatch(new RankCountsCache(formatRankingBatch(request)), request);

export const computePrecisionRecall = (request: PrecisionRecallRequest): PrecisionRecallResponse =>
  precisionRecallOfBatch(new RankCountsCache(formatRankingBatch(request)), request);
