import { aurocExact, aurocFromBinnedCounts, rocFromCounts } from '../kernels/auroc.js';
import { averagePrecisionFromBinnedCounts, averagePrecisionFromCounts, precisionRecallFromCounts } from '../kernels/average-precision.js';
import { allIndices, cornerIndices, evenlyAlongCurve, pick } from '../kernels/curve-points.js';
import type { RankCounts } from '../kernels/rank-counts.js';
import type { PrecisionRecallRequest, PrecisionRecallResponse, RocRequest, RocResponse } from '../schemas/curves.js';
import { classLabel, undefinedClassWarning } from './averaging.js';
import { RankCountsCache, thresholdGrid, type Grid } from './rank-counts-cache.js';
import { formatRankingBatch } from './ranking-batch.js';

type RocCurve = NonNullable<RocResponse['per_class']>[number];
type PrCurve = NonNullable<PrecisionRecallResponse['per_class']>[number];

/** Exact ROC thresholds as scikit-learn 1.2: the origin's is the top score + 1 (JSON has no Infinity). */
const finiteThresholds = (thresholds: Float64Array): Float64Array => {
  if (thresholds.length > 1 && thresholds[0] === Infinity) thresholds[0] = thresholds[1] + 1;
  return thresholds;
};

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
  let keep = allIndices(curve.precision.length);
  if (request.max_points !== undefined) keep = evenlyAlongCurve(curve.recall, curve.precision, request.max_points);
  const last = curve.precision.length - 1;
  return {
    precision: pick(curve.precision, keep),
    recall: pick(curve.recall, keep),
    thresholds: pick(curve.thresholds, keep.filter((k) => k < last)),
    average_precision: binned ? averagePrecisionFromBinnedCounts(counts) : averagePrecisionFromCounts(counts),
  };
}

/**
 * One curve per class (binary: one curve at the top level), from counts shared through the
 * cache; a class whose curve's metric is undefined is named in `warnings`.
 */
function curvesOfBatch<Curve extends object>(
  cache: RankCountsCache,
  thresholds: number | number[] | null,
  curveOf: (counts: RankCounts, grid: Grid) => Curve,
  undefinedIn: (curve: Curve) => boolean,
  name: string,
) {
  const grid = thresholdGrid(thresholds);
  const { task, input, classes } = cache.batch;
  const warnings: string[] = [];
  const curves = Array.from({ length: classes }, (_, c) => {
    const counts = cache.ofClass(c, grid);
    const curve = curveOf(counts, grid);
    if (undefinedIn(curve)) warnings.push(undefinedClassWarning(name, classLabel(task, c), counts.positives, counts.negatives));
    return curve;
  });
  return task === 'binary' ? { task, input, ...curves[0], warnings } : { task, input, per_class: curves, warnings };
}

/** ROC curves: scikit-learn's `roc_curve` (exact) or torchmetrics' binned `roc`. */
export const rocOfBatch = (cache: RankCountsCache, request: RocRequest): RocResponse =>
  curvesOfBatch(cache, request.thresholds, (counts, grid) => rocCurve(counts, grid, request), (curve) => curve.auroc === null, 'ROC curve');

/** Precision–recall curves: scikit-learn's `precision_recall_curve` or torchmetrics' binned one. */
export const precisionRecallOfBatch = (cache: RankCountsCache, request: PrecisionRecallRequest): PrecisionRecallResponse =>
  curvesOfBatch(cache, request.thresholds, (counts, grid) => prCurve(counts, grid, request), (curve) => curve.average_precision === null, 'precision-recall curve');

export const computeRoc = (request: RocRequest): RocResponse => rocOfBatch(new RankCountsCache(formatRankingBatch(request)), request);

export const computePrecisionRecall = (request: PrecisionRecallRequest): PrecisionRecallResponse =>
  precisionRecallOfBatch(new RankCountsCache(formatRankingBatch(request)), request);
