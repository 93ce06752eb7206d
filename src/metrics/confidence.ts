import { z } from 'zod';
import { delongComponents, delongVariance } from '../kernels/delong.js';
import { normalUpperQuantile } from '../kernels/normal.js';
import { mulberry32, quantileSorted } from '../kernels/random.js';
import { RankCountsCache } from '../batch/rank-counts-cache.js';
import type { RankingBatch } from '../batch/ranking-batch.js';

/*
 * The options and the answer of a confidence interval: their one schema, which the request
 * schemas of AUROC, average precision and the AUROC comparison compose (src/schemas/).
 */

const intervalFields = {
  level: z.number().gt(0).lt(1).default(0.95),
  n_resamples: z.number().int().min(10).max(20_000).default(1000).describe('Bootstrap only.'),
  seed: z.number().int().default(0).describe('Bootstrap only: the same seed gives the same interval.'),
};

/** Interval options taking `method` as given: a named component, null (the default) for none. */
const intervalOptions = <M extends z.ZodType>(method: M, id: string, description: string) =>
  z
    .strictObject({ method, ...intervalFields })
    .meta({ id, description })
    .nullable()
    .default(null)
    .describe(`${description} null for none.`);

/** The interval options of AUROC: DeLong or bootstrap. */
export const ConfidenceOptions = intervalOptions(
  z.enum(['delong', 'bootstrap']).describe('`delong`: fast DeLong (Sun & Xu 2014), normal interval. `bootstrap`: percentile interval of resamples stratified by class.'),
  'IntervalOptions',
  'A confidence interval for the metric.',
);

/** The interval options of metrics that DeLong does not cover (average precision): bootstrap only. */
export const BootstrapOptions = intervalOptions(
  z.literal('bootstrap').describe('Percentile interval of resamples stratified by class (DeLong covers AUROC only).'),
  'BootstrapIntervalOptions',
  'A bootstrap confidence interval for the metric.',
);

export const Interval = z
  .object({
    lower: z.number(),
    upper: z.number(),
    level: z.number(),
    method: z.enum(['delong', 'bootstrap']),
  })
  .meta({ id: 'Interval', description: 'A confidence interval: its bounds, level and method.' });
export type Interval = z.infer<typeof Interval>;

/** Options whose `ci` a caller may leave out (the metrics entry and /v1/score pass none). */
export type CiOptional<O extends { ci: unknown }> = Omit<O, 'ci'> & Partial<Pick<O, 'ci'>>;

const clip = (v: number) => Math.min(1, Math.max(0, v));

/** A DeLong interval, or why there is none. */
export type DelongResult = { interval: Interval; variance: number } | { interval: null; variance: null; reason: string };

/** Why DeLong gives no interval for a class with these counts (ones it gives none for). */
export function delongUndefinedReason(positives: number, negatives: number): string {
  if (positives === 0 || negatives === 0) return 'the AUROC is undefined (no positive or no negative samples)';
  return `DeLong's variance needs at least two positive and two negative samples (got ${positives} and ${negatives})`;
}

/**
 * DeLong's normal interval for one AUROC, clipped to [0, 1], with its variance; none (with the
 * reason) where the AUROC or its variance is undefined.
 */
export function delongInterval(positives: Float64Array, negatives: Float64Array, level: number): DelongResult {
  const components = delongComponents(positives, negatives);
  const variance = components && delongVariance(components);
  if (components === null || variance === null) {
    return { interval: null, variance: null, reason: delongUndefinedReason(positives.length, negatives.length) };
  }
  const half = normalUpperQuantile((1 - level) / 2) * Math.sqrt(variance);
  return { interval: { lower: clip(components.auroc - half), upper: clip(components.auroc + half), level, method: 'delong' }, variance };
}

/** Row indices by stratum: the class (multiclass), the label (binary), one stratum (multilabel); ignored and weight-0 rows left out. */
function strata(batch: RankingBatch): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < batch.rows; i++) {
    const key = batch.task === 'multilabel' ? 0 : batch.labels[i];
    if (batch.task !== 'multilabel' && key === batch.ignoreIndex) continue;
    // A row of weight 0 changes nothing: it is not resampled either.
    if (batch.weights !== null && batch.weights[i] === 0) continue;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(i);
  }
  return [...groups.values()];
}

/** The batch restricted to `rows` (with repetition), in that order, each row with its weight. */
function resample(batch: RankingBatch, rows: Int32Array): RankingBatch {
  const { classes, scores, labels, task, weights } = batch;
  const labelWidth = task === 'multilabel' ? classes : 1;
  const newScores = new Float64Array(rows.length * classes);
  const newLabels = new Int32Array(rows.length * labelWidth);
  // Element by element: a subarray per row cost two allocations a row, most of a resample's time.
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    for (let c = 0; c < classes; c++) newScores[r * classes + c] = scores[i * classes + c];
    for (let c = 0; c < labelWidth; c++) newLabels[r * labelWidth + c] = labels[i * labelWidth + c];
  }
  const newWeights = weights && Float64Array.from(rows, (i) => weights[i]);
  return { ...batch, rows: rows.length, scores: newScores, labels: newLabels, weights: newWeights };
}

export const BOOTSTRAP_UNDEFINED = 'no bootstrap resample has a defined value: the interval is undefined (null)';

/**
 * A percentile bootstrap interval of any batch metric (an averaged AUROC, average precision):
 * `n` resamples drawn with replacement within each class (so every resample keeps the class
 * balance), each row keeping its sample weight, the metric recomputed on each, and the (1 − level)/2 and (1 + level)/2 quantiles of
 * the defined values (Efron & Tibshirani 1993, ch. 13).
 *
 * O(n_resamples · metric cost).
 *
 * @returns null when no resample gives a defined value
 */
export function bootstrapInterval(
  batch: RankingBatch,
  metric: (cache: RankCountsCache) => number | null,
  options: { level: number; n_resamples: number; seed: number },
): Interval | null {
  const random = mulberry32(options.seed);
  const groups = strata(batch);
  const total = groups.reduce((sum, g) => sum + g.length, 0);
  const values: number[] = [];
  const rows = new Int32Array(total);
  for (let b = 0; b < options.n_resamples; b++) {
    let k = 0;
    for (const group of groups) for (let j = 0; j < group.length; j++) rows[k++] = group[Math.floor(random() * group.length)];
    const value = metric(new RankCountsCache(resample(batch, rows)));
    if (value !== null) values.push(value);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const tail = (1 - options.level) / 2;
  return { lower: quantileSorted(values, tail), upper: quantileSorted(values, 1 - tail), level: options.level, method: 'bootstrap' };
}
