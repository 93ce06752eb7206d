export type Reduction = 'mean' | 'sum' | 'none';

/**
 * How a loss over elements is reduced, shared by every focal-loss kernel: which elements count,
 * the gradient's scale, and the reduced value. `mean` divides by the contributing elements (not
 * by the sum of the weights, as the seed module does); with none contributing, everything is 0.
 */
export interface ReductionPlan {
  count: number;
  /** Multiplies each element's gradient: 1 / count for mean, 1 for sum and none. */
  scale: number;
  reduce(sum: number): number;
}

/** O(n) when an ignore label is set, O(1) otherwise. */
export function planReduction(labels: Int32Array, ignoreIndex: number | null, reduction: Reduction): ReductionPlan {
  let count = labels.length;
  if (ignoreIndex !== null) for (let i = 0; i < labels.length; i++) if (labels[i] === ignoreIndex) count--;
  const mean = reduction === 'mean';
  return {
    count,
    scale: mean ? (count > 0 ? 1 / count : 0) : 1,
    reduce: (sum) => (mean ? (count > 0 ? sum / count : 0) : sum),
  };
}
