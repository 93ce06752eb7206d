import { invalidField } from '../errors.js';
import { mergeSplits, splitSorted, splitSortedWeighted, type ClassView, type SplitScores, type WeightedSplit } from '../kernels/class-split.js';
import { rankCountsFromSorted, type RankCounts } from '../kernels/rank-counts.js';
import { linspaceFloat32, linspaceFloat64 } from '../kernels/linspace.js';
import { torchSigmoid } from '../kernels/stat-scores.js';
import { weightedRankCounts } from '../kernels/weighted-counts.js';
import { classView, pooledView, supports, type RankingBatch } from './ranking-batch.js';

/** Exact mode (`values` null) or a binned threshold grid, with a key to share counts by. */
export interface Grid {
  key: string;
  /** The thresholds scores are compared with (float32, as torchmetrics holds them), ascending. */
  values: Float64Array | null;
  /** The same thresholds as asked (float64 linspace, or the list as sent): what an answer reports. */
  asked: Float64Array | null;
}

/**
 * The threshold grid of a `thresholds` option, in float32 as torchmetrics holds it (its
 * `torch.linspace(0, 1, n)` or `torch.tensor(list)`, default dtype float32), so binned answers
 * equal torchmetrics' on the same scores: exact, n evenly spaced on [0, 1], or the given list,
 * strictly increasing once rounded to float32.
 *
 * @param field the option's path in errors (`metrics/2/thresholds`)
 * @throws {ProblemError} 400 for a list that is not strictly increasing in float32
 */
export function thresholdGrid(thresholds: number | number[] | null, field = 'thresholds'): Grid {
  if (thresholds === null) return { key: 'exact', values: null, asked: null };
  if (typeof thresholds === 'number') return { key: `linspace:${thresholds}`, values: linspaceFloat32(thresholds), asked: linspaceFloat64(thresholds) };
  const values = Float64Array.from(thresholds, Math.fround);
  for (let k = 1; k < values.length; k++) {
    if (!(values[k] > values[k - 1])) {
      const same = thresholds[k] > thresholds[k - 1] ? ' (distinct, but equal once rounded to float32 as torchmetrics holds thresholds)' : '';
      throw invalidField(`${field}/${k}`, `must be strictly increasing (${thresholds[k]} after ${thresholds[k - 1]})${same}`);
    }
  }
  return { key: `list:${values.join(',')}`, values, asked: Float64Array.from(thresholds) };
}

/**
 * Binned counts of class `c` of a batch (binary: c = 0), or of every (sample, class) pair pooled:
 * each score (σ of a logit or log-odds, so multiclass softmax's p) compared with the grid,
 * weighted when the batch is. The one binned count both the rows and the binned state make.
 *
 * O(n log T).
 */
export function binnedCountsOf(batch: RankingBatch, which: number | 'pooled', grid: Grid): RankCounts {
  if (grid.values === null) throw new Error('binnedCountsOf needs a threshold grid');
  const view = which === 'pooled' ? pooledView(batch) : classView(batch, which);
  const descending = grid.values.slice().reverse();
  return weightedRankCounts(view, batch.weights, which === 'pooled' ? batch.classes : 1, descending, batch.scoresAreLogOdds ? torchSigmoid : null);
}

/**
 * What the compute stage of AUROC, average precision and the operating-point metrics reads from
 * binned counts: the counts of each class and pooled, the class supports, and the fields of the
 * batch an answer names. A {@link RankCountsCache} (the rows) is one; so are the binned counts a
 * session keeps, which hold no rows: the exact paths need a {@link RankCountsCache}
 * ({@link withRows}).
 */
export interface RankCountsSource {
  readonly batch: Pick<RankingBatch, 'task' | 'classes' | 'input' | 'scoresAreLogOdds' | 'warnings'>;
  /** One-vs-rest counts of class `c` (binary: c = 0). */
  ofClass(c: number, grid: Grid): RankCounts;
  /** Counts of every (sample, class) pair pooled: micro averaging. */
  pooled(grid: Grid): RankCounts;
  /** Positives (summed weights when weighted) per class: `average: "weighted"`. */
  supports(): Float64Array;
}

/**
 * The rows behind `source`, for what binned counts cannot answer (exact counts, one-vs-one,
 * samples averages, intervals); the metrics keep rows whenever they ask for one of those.
 */
export function withRows(source: RankCountsSource): RankCountsCache {
  if (source instanceof RankCountsCache) return source;
  throw new Error('binned counts keep no rows: this answer needs the rows state');
}

/**
 * The update stage shared by every ranking metric of a batch: rank counts per class (or pooled),
 * computed once per threshold grid, so AUROC, average precision and the curves of one request
 * share their sorts.
 */
export class RankCountsCache implements RankCountsSource {
  private readonly counts = new Map<string, RankCounts>();
  private readonly splits = new Map<number | 'pooled', SplitScores>();
  private readonly weightedSplits = new Map<number | 'pooled', WeightedSplit>();
  private readonly withScores = new Set<number | 'pooled'>();

  /**
   * @param parts caches over disjoint sets of rows whose union is `batch`'s rows, ranked on the
   *   same scale (a grouped metric's groups): an unweighted split is then their splits merged
   *   ({@link mergeSplits}) rather than a sort of every row again. Ignored when weighted.
   */
  constructor(
    readonly batch: RankingBatch,
    private readonly parts: readonly RankCountsCache[] | null = null,
  ) {}

  /** Class `c`'s positive and negative scores, sorted once (binary: c = 0). */
  split(c: number): SplitScores {
    return this.splitOf(c, () => classView(this.batch, c));
  }

  /** Every (sample, class) pair pooled, sorted once: micro averaging. */
  pooledSplit(): SplitScores {
    return this.splitOf('pooled', () => pooledView(this.batch));
  }

  /**
   * Class `c`'s (or, with 'pooled', every pair's) positive-weight samples split and sorted with
   * their weights, once: weighted batches only.
   */
  weightedSplit(c: number | 'pooled', withScores = true): WeightedSplit {
    let split = this.weightedSplits.get(c);
    // A split made for an AUROC alone lacks the sorted scores that counts need.
    if (!split || (withScores && !this.withScores.has(c))) {
      const { weights, classes } = this.batch;
      if (!weights) throw new Error('weightedSplit of an unweighted batch');
      const view = c === 'pooled' ? pooledView(this.batch) : classView(this.batch, c);
      split = splitSortedWeighted(view, weights, c === 'pooled' ? classes : 1, withScores);
      this.weightedSplits.set(c, split);
      if (withScores) this.withScores.add(c);
    }
    return split;
  }

  /** One-vs-rest counts of class `c` (binary: c = 0), exact or binned; weighted when the batch is. */
  ofClass(c: number, grid: Grid): RankCounts {
    return this.countsOf(`${c}|${grid.key}`, () => this.split(c), grid, c);
  }

  /** Counts of every (sample, class) pair pooled. */
  pooled(grid: Grid): RankCounts {
    return this.countsOf(`pooled|${grid.key}`, () => this.pooledSplit(), grid, 'pooled');
  }

  supports(): Float64Array {
    return supports(this.batch);
  }

  private splitOf(key: number | 'pooled', view: () => ClassView): SplitScores {
    let split = this.splits.get(key);
    if (!split) {
      const { parts } = this;
      if (parts !== null && parts.length > 0 && this.batch.weights === null) split = mergeSplits(parts.map((p) => (key === 'pooled' ? p.pooledSplit() : p.split(key))));
      else split = splitSorted(view());
      this.splits.set(key, split);
    }
    return split;
  }

  private countsOf(key: string, split: () => SplitScores, grid: Grid, which: number | 'pooled'): RankCounts {
    let counts = this.counts.get(key);
    if (!counts) {
      if (grid.values !== null) counts = binnedCountsOf(this.batch, which, grid);
      // Weighted: the distinct scores are the thresholds; each element adds its weight.
      else if (this.batch.weights) {
        const split = this.weightedSplit(which);
        counts = rankCountsFromSorted(split.positives, split.negatives, split);
      } else {
        const { positives, negatives } = split();
        counts = rankCountsFromSorted(positives, negatives);
      }
      this.counts.set(key, counts);
    }
    return counts;
  }
}
