import type { MetricBatch } from '../batch/batch.js';

/**
 * A metric state as torchmetrics declares one (`add_state(name, default, dist_reduce_fx)`): how
 * to make it empty, fold a batch into it, and merge two of them. Metrics whose `key` is equal
 * share one state in a request (torchmetrics' compute groups), so twelve threshold metrics over
 * one batch count it once. States are plain typed arrays (or lists of them): serializable, and
 * merged without knowing the metric.
 *
 * `update` and `merge` are pure: they return a new state and leave their arguments as they were.
 */
export interface StateSpec<S> {
  key: string;
  /**
   * Bytes the state holds (a count state's float64s), priced before it exists (MAX_STATE_BYTES);
   * absent for the rows state, whose size is the batch's, priced as its elements.
   */
  bytes?: number;
  /**
   * Bytes per sample of a state kept per sample (`multidim_average: "samplewise"`), which grows
   * with the samples: priced once they are known (the batch), as `bytes` is before.
   */
  bytesPerSample?: number;
  /**
   * The key of another state whose numbers are this state's first numbers, counted alike from the
   * same batch (`log_loss`'s [Σ, count, rows off] opens `d2_log_loss_score`'s): a metric of that
   * state asked beside this one reads this one instead (`resolveMetrics`), so the rows are counted
   * once for both.
   */
  contains?: string;
  /** Work per number of a batch folded in (a binned count searches a grid: log2 T); default 1. */
  workPerElement?: number;
  /** Work made once per compute over `rows` rows and shared by the group's metrics (the rows' sorts); default none. */
  computeWork?(classes: number, rows: number): number;
  init(): S;
  update(state: S, batch: MetricBatch): S;
  /**
   * Folds a batch with `groups` into one state per group in one pass, without splitting the batch
   * (`groupedState` splits it otherwise): `states[g]` plus group g's rows. Pure, as `update`;
   * equal to `update(states[g], rows of group g)` for every g.
   */
  updateByGroup?(states: readonly S[], batch: MetricBatch): S[];
  merge(a: S, b: S): S;
}

/**
 * A state of `size` counts (float64: exact integers up to 2^53, and weighted counts later),
 * merged by adding: `dist_reduce_fx="sum"`. `count` adds one batch's counts into a zeroed array.
 */
export function countsState(
  key: string,
  size: number,
  count: (into: Float64Array, batch: MetricBatch) => void,
  workPerElement = 1,
  /** Counts a batch with `groups` into G blocks of `size` (group g's at g·size) in one pass: `updateByGroup`. */
  countByGroup?: (into: Float64Array, batch: MetricBatch) => void,
): StateSpec<Float64Array> {
  return {
    key,
    ...(countByGroup === undefined
      ? {}
      : {
          updateByGroup(states: readonly Float64Array[], batch: MetricBatch) {
            const blocks = new Float64Array(states.length * size);
            countByGroup(blocks, batch);
            return states.map((state, g) => {
              const next = Float64Array.from(state);
              for (let i = 0; i < size; i++) next[i] += blocks[g * size + i];
              return next;
            });
          },
        }),
    bytes: size * 8,
    workPerElement,
    init: () => new Float64Array(size),
    update(state, batch) {
      const next = Float64Array.from(state);
      count(next, batch);
      return next;
    },
    merge(a, b) {
      const out = new Float64Array(size);
      for (let i = 0; i < size; i++) out[i] = a[i] + b[i];
      return out;
    },
  };
}
