import type { FocalLossOutput } from '../kernels/focal-loss-io.js';

/**
 * The state of a focal loss over batches: [Σ losses, contributing elements], merged by adding
 * (torchmetrics' `MeanMetric`: `sum` and `count` states, `dist_reduce_fx="sum"`). A batch's
 * per-element losses and gradient are by-products of its update, answered with the batch; the
 * state keeps only what the epoch's loss needs.
 */
export const lossState = {
  init: (): Float64Array => new Float64Array(2),
  /** Folds one kernel call (its unreduced sum and count) into the state. */
  update: (state: Float64Array, output: Pick<FocalLossOutput, 'sum' | 'count'>): Float64Array => Float64Array.of(state[0] + output.sum, state[1] + output.count),
  merge: (a: Float64Array, b: Float64Array): Float64Array => Float64Array.of(a[0] + b[0], a[1] + b[1]),
  /**
   * The loss of the accumulated elements: `mean` Σ/count (0 with nothing counted, as the kernel
   * and the classic module answer), `sum` Σ; `none` reports the sum beside its per-element losses.
   */
  compute: (state: Float64Array, reduction: 'mean' | 'sum' | 'none'): number => (reduction === 'mean' ? (state[1] > 0 ? state[0] / state[1] : 0) : state[0]),
};
