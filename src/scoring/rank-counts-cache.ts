import { invalidField } from '../errors.js';
import { splitSorted, type SplitScores } from '../kernels/class-split.js';
import { binnedRankCounts, rankCounts, rankCountsFromSorted, type RankCounts } from '../kernels/rank-counts.js';
import { sigmoidInPlace } from '../kernels/sigmoid.js';
import { classScores, classView, pooledScores, type ClassScores, type RankingBatch } from './ranking-batch.js';

/** Exact mode (`values` null) or a binned threshold grid, with a key to share counts by. */
export interface Grid {
  key: string;
  values: Float64Array | null;
}

/**
 * The threshold grid of a `thresholds` option: exact, n evenly spaced on [0, 1], or the given
 * strictly increasing list.
 *
 * @throws {ProblemError} 400 for a list that is not strictly increasing
 */
export function thresholdGrid(thresholds: number | number[] | null): Grid {
  if (thresholds === null) return { key: 'exact', values: null };
  if (typeof thresholds === 'number') {
    return { key: `linspace:${thresholds}`, values: Float64Array.from({ length: thresholds }, (_, k) => k / (thresholds - 1)) };
  }
  for (let k = 1; k < thresholds.length; k++) {
    if (!(thresholds[k] > thresholds[k - 1])) {
      throw invalidField(`thresholds/${k}`, `must be strictly increasing (${thresholds[k]} after ${thresholds[k - 1]})`);
    }
  }
  return { key: `list:${thresholds.join(',')}`, values: Float64Array.from(thresholds) };
}

/**
 * The update stage shared by every ranking metric of a batch: rank counts per class (or pooled),
 * computed once per threshold grid, so AUROC, average precision and the curves of one request
 * share their sorts.
 */
export class RankCountsCache {
  private readonly cache = new Map<string, { counts: RankCounts }>();
  private readonly splits = new Map<number, SplitScores>();

  constructor(readonly batch: RankingBatch) {}

  /** Class `c`'s positive and negative scores, sorted once (binary: c = 0). */
  split(c: number): SplitScores {
    let split = this.splits.get(c);
    if (!split) {
      split = splitSorted(classView(this.batch, c));
      this.splits.set(c, split);
    }
    return split;
  }

  /** One-vs-rest counts of class `c` (binary: c = 0), exact ones built on {@link split}. */
  ofClass(c: number, grid: Grid): RankCounts {
    return this.memo(`${c}|${grid.key}`, () => {
      if (grid.values !== null) return this.count(classScores(this.batch, c), grid);
      const { positives, negatives } = this.split(c);
      return rankCountsFromSorted(positives, negatives);
    });
  }

  /** Every (sample, class) pair pooled: micro averaging. */
  pooled(grid: Grid): RankCounts {
    return this.memo(`pooled|${grid.key}`, () => this.count(pooledScores(this.batch), grid));
  }

  private memo(key: string, compute: () => RankCounts): RankCounts {
    let entry = this.cache.get(key);
    if (!entry) {
      entry = { counts: compute() };
      this.cache.set(key, entry);
    }
    return entry.counts;
  }

  private count(scores: ClassScores, grid: Grid): RankCounts {
    if (grid.values === null) return rankCounts(scores.positives, scores.negatives);
    if (this.batch.sigmoidPending) {
      sigmoidInPlace(scores.positives);
      sigmoidInPlace(scores.negatives);
    }
    return binnedRankCounts(scores.positives, scores.negatives, grid.values);
  }
}
