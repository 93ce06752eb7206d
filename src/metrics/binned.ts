import { z } from 'zod';
import type { RankCounts } from '../kernels/rank-counts.js';
import { binnedCountsOf, thresholdGrid, type Grid, type RankCountsSource } from '../batch/rank-counts-cache.js';
import type { MetricBatch, MetricConfig } from '../batch/batch.js';
import type { Derived, MetricEntry } from './definition.js';
import { InputUsed, Task } from '../batch/task.js';
import { Average } from './averaging.js';
import { rankCountsOf, rowsState, type RowsState } from './rows.js';
import { countsState, type StateSpec } from './state.js';
import { depth, rankingWork, resamplesOf, thresholdCount } from '../batch/limits.js';

/** The `thresholds` option: null (exact), n evenly spaced, or a list; its one schema, which the ranking metrics' options and requests compose. */
export const Thresholds = z
  .union([z.null(), z.number().int().min(2).max(100_000), z.array(z.number().min(0).max(1)).min(2).max(100_000)])
  .default(null)
  .describe(
    '`null`: exact. An integer n: n thresholds evenly spaced on [0, 1]. An array: strictly increasing thresholds in [0, 1]. torchmetrics binned, constant-memory mode.',
  );
export type Thresholds = z.infer<typeof Thresholds>;

/**
 * The binned state of the ranking metrics (`thresholds` set: torchmetrics' constant-memory mode),
 * whose size depends on the classes and the grid, never on the rows. For T thresholds and K
 * classes (binary 1, multiclass C one-vs-rest, multilabel L), K slots of 2T + 2 float64s, class
 * c's at c · (2T + 2):
 *
 *   [P_c, N_c, tps_c[0..T), fps_c[0..T)]
 *
 * P_c and N_c the class's positives and negatives (summed sample weights when weighted), tps and
 * fps the positives and negatives scoring >= each threshold, from the highest threshold down
 * ({@link RankCounts} order). Scores are compared as probabilities: σ of logits, softmax's p of
 * multiclass log-odds. Merged by adding, as torchmetrics' binned `confmat` state.
 *
 * The pooled (micro) counts are the classes' sums: each (sample, class) pair of the pooled
 * problem is one of class c's one-vs-rest pairs, so they need no slot of their own.
 */
export function binnedState(thresholds: number | number[], config: MetricConfig): StateSpec<Float64Array> {
  // The grid is made when a batch is first counted, after the state has been priced: n evenly
  // spaced thresholds cost n float32 roundings, and a refused request should cost none.
  const T = thresholdCount(thresholds);
  let made: Grid | null = null;
  const gridOf = () => (made ??= thresholdGrid(thresholds));
  const slot = 2 * T + 2;
  const count = (into: Float64Array, batch: MetricBatch) => {
    const grid = gridOf();
    for (let c = 0; c < config.classes; c++) {
      const { positives, negatives, tps, fps } = binnedCountsOf(batch, c, grid);
      const at = c * slot;
      into[at] += positives;
      into[at + 1] += negatives;
      for (let k = 0; k < T; k++) {
        into[at + 2 + k] += tps[k];
        into[at + 2 + T + k] += fps[k];
      }
    }
  };
  const key = typeof thresholds === 'number' ? `binned:linspace:${thresholds}` : `binned:${gridOf().key}`;
  return countsState(key, config.classes * slot, count, depth(T));
}

const thresholdsOf = (grid: Grid): Float64Array => {
  if (grid.values === null) throw new Error('a binned state needs a threshold grid');
  return grid.values;
};

/** A {@link binnedState} read as counts: what AUROC, average precision and the operating points compute from. */
export class BinnedCounts implements RankCountsSource {
  readonly batch: RankCountsSource['batch'];
  private readonly descending: Float64Array;
  private pooledCounts: RankCounts | null = null;

  constructor(
    private readonly state: Float64Array,
    private readonly grid: Grid,
    config: MetricConfig,
  ) {
    // No rows, no batch decisions: the state compares probabilities, whatever each batch sent.
    this.batch = { task: config.task, classes: config.classes, input: 'probs', scoresAreLogOdds: false, warnings: [] };
    this.descending = thresholdsOf(grid).slice().reverse();
  }

  /** Class `c`'s counts, as views of the state (read only). */
  ofClass(c: number, grid: Grid): RankCounts {
    this.checkGrid(grid);
    const T = this.descending.length;
    const at = c * (2 * T + 2);
    const { state } = this;
    return { thresholds: this.descending, tps: state.subarray(at + 2, at + 2 + T), fps: state.subarray(at + 2 + T, at + 2 + 2 * T), positives: state[at], negatives: state[at + 1] };
  }

  pooled(grid: Grid): RankCounts {
    this.checkGrid(grid);
    if (this.batch.classes === 1) return this.ofClass(0, grid);
    if (!this.pooledCounts) {
      const T = this.descending.length;
      const tps = new Float64Array(T);
      const fps = new Float64Array(T);
      let positives = 0;
      let negatives = 0;
      for (let c = 0; c < this.batch.classes; c++) {
        const counts = this.ofClass(c, grid);
        positives += counts.positives;
        negatives += counts.negatives;
        for (let k = 0; k < T; k++) {
          tps[k] += counts.tps[k];
          fps[k] += counts.fps[k];
        }
      }
      this.pooledCounts = { thresholds: this.descending, tps, fps, positives, negatives };
    }
    return this.pooledCounts;
  }

  supports(): Float64Array {
    return Float64Array.from({ length: this.batch.classes }, (_, c) => this.ofClass(c, this.grid).positives);
  }

  private checkGrid(grid: Grid): void {
    if (grid.key !== this.grid.key) throw new Error(`binned counts of grid ${this.grid.key} asked for ${grid.key}`);
  }
}

/** The options that decide a ranking metric's state. */
export interface RankingStateOptions {
  thresholds: Thresholds;
  ci?: unknown;
  multi_class?: string;
  average?: string | null;
}

/** A ranking metric's state: the rows, or binned counts. */
export type RankingState = RowsState | Float64Array;

/**
 * Binned counts when `thresholds` is set and nothing asked needs the rows: intervals resample
 * rows, and one-vs-one and `average: "samples"` are exact only (the rows path answers their
 * 400s). Otherwise the rows.
 */
export function rankingState(options: RankingStateOptions, config: MetricConfig): StateSpec<RankingState> {
  const binned = options.thresholds !== null && (options.ci ?? null) === null && options.multi_class !== 'ovo' && options.average !== 'samples';
  return (binned ? binnedState(options.thresholds as number | number[], config) : rowsState) as StateSpec<RankingState>;
}

/**
 * The work of a ranking metric's compute beyond folding batches in and the sorts its group
 * shares (the rows state's): reading binned counts; the whole again per bootstrap resample, over
 * every pair of classes for one-vs-one, per row for `average: "samples"`. See {@link rankingWork}.
 */
export function rankingComputeWork(options: RankingStateOptions, config: MetricConfig, rows: number): number {
  const resamples = resamplesOf(options.ci as Parameters<typeof resamplesOf>[0]);
  const shape = { rows, classes: config.classes, thresholds: options.thresholds };
  let work = config.classes * 4 * (thresholdCount(options.thresholds) + 1);
  if (resamples > 0) work += resamples * rankingWork(shape);
  if (options.multi_class === 'ovo') work += rankingWork({ ...shape, oneVsOne: true });
  if (options.average === 'samples') work += rows * config.classes * depth(config.classes);
  return work;
}

/** The counts a ranking metric computes from, made once per compute group. */
export function rankCountsSource(state: RankingState, thresholds: Thresholds, config: MetricConfig, derived: Derived): RankCountsSource {
  if (!(state instanceof Float64Array)) return rankCountsOf(state, config, derived);
  return derived('binned_counts', () => new BinnedCounts(state, thresholdGrid(thresholds), config));
}

/** The `check` of a ranking metric: a thresholds list is valid (a 400 at resolve, before any state); a count always is. */
export function checkThresholds(options: { thresholds: Thresholds }, _config: MetricConfig, path: string): void {
  if (Array.isArray(options.thresholds)) thresholdGrid(options.thresholds, `${path}/thresholds`);
}

/** A ranking answer (AUROC, average precision) as a metrics entry: without the per-batch fields `task` and `input`, which the metrics answer states once. */
export const rankingEntry = ({ task, input, ...entry }: { task: unknown; input: unknown; warnings: string[] }): MetricEntry => entry;

/** The fields every ranking answer (AUROC, average precision) opens with: the batch's task and input, and the average applied. */
export const rankingAnswerFields = {
  task: Task,
  input: InputUsed,
  average: Average.nullable().describe('null for binary.'),
};
