import type { FocalLossOutput } from './focal-loss-io.js';
import { NeumaierSum } from './neumaier-sum.js';
import type { Reduction } from './reduction.js';

/**
 * Sample weights applied to a focal-loss kernel's per-element output, with scikit-learn's
 * meaning (a weight is a repetition count): over the contributing (not ignored) elements,
 *
 *   mean = Σ wᵢ·lᵢ / Σ wᵢ,   sum = Σ wᵢ·lᵢ,   none: wᵢ·lᵢ per element,
 *
 * and the gradient and hessian are those of that weighted loss: each element's derivatives times
 * wᵢ / Σ w for `mean`, times wᵢ otherwise. A weight may cover several elements (a multilabel row:
 * each of its entries weighs wᵢ). With Σ w = 0 for `mean` the loss and derivatives are 0, as
 * with no contributing element. The class weights α stay inside each lᵢ: they are not part of
 * the denominator.
 *
 * `mean` divides the weights by their largest first (the mean does not change): Σ w stays at
 * most the number of elements and cannot overflow float64, even for weights near 1e308.
 *
 * O(n) time for n elements (plus the gradient's size), no extra memory: the kernel's arrays are
 * scaled in place.
 *
 * @param unweighted the kernel's output for reduction `sum` with `withLosses`: per-element losses
 *   and derivatives not yet scaled; its arrays are reused for the answer
 * @param labels the kernel's labels (one per element), for `ignoreIndex`
 * @param sampleWeight one weight per sample (finite, >= 0), each covering
 *   `labels.length / sampleWeight.length` consecutive elements
 * @param reduction the reduction asked for
 * @param withLosses answer the per-element weighted losses (reduction `none`)
 * @returns the output of the weighted loss; `sum` is Σ wᵢ·lᵢ, `weightSum` Σ wᵢ over the
 *   contributing elements, `count` still their number
 * @example
 * // two elements with losses 1 and 3, weights 1 and 3: mean (1 + 9) / 4
 * weightFocalLoss({ loss: 4, sum: 4, count: 2, losses: Float64Array.of(1, 3), grad: null, hess: null },
 *   Int32Array.of(0, 1), null, Float64Array.of(1, 3), 'mean', false).loss
 * // 2.5
 */
export function weightFocalLoss(
  unweighted: FocalLossOutput,
  labels: Int32Array,
  ignoreIndex: number | null,
  sampleWeight: Float64Array,
  reduction: Reduction,
  withLosses: boolean,
): FocalLossOutput {
  const { count, grad, hess } = unweighted;
  const losses = unweighted.losses!;
  const n = labels.length;
  const perWeight = n / sampleWeight.length;
  const width = grad ? grad.length / n : 0;
  const mean = reduction === 'mean';

  let largest = 0;
  if (mean) {
    for (let i = 0; i < n; i++) {
      const w = sampleWeight[Math.floor(i / perWeight)];
      if (labels[i] !== ignoreIndex && w > largest) largest = w;
    }
  }
  // Weights as used: divided by the largest for mean (an empty or all-zero batch keeps them). A
  // division, not a product with 1 / largest, which overflows for subnormal weights.
  const unit = mean && largest > 0 ? largest : 1;

  const weightTotal = new NeumaierSum();
  const total = new NeumaierSum();
  for (let i = 0; i < n; i++) {
    if (labels[i] === ignoreIndex) continue;
    const w = sampleWeight[Math.floor(i / perWeight)] / unit;
    weightTotal.add(w);
    total.add(w * losses[i]);
  }
  const weightSum = weightTotal.value;
  // The derivatives' factor per unit of weight: 1 / Σ w for mean, 1 otherwise; 0 with Σ w = 0.
  const perUnit = mean ? (weightSum > 0 ? 1 / weightSum : 0) : 1;

  for (let i = 0; i < n; i++) {
    const w = sampleWeight[Math.floor(i / perWeight)] / unit;
    if (withLosses) losses[i] *= w;
    const factor = w * perUnit;
    // A zero factor writes 0 rather than multiplying: −g · 0 would answer −0.
    if (grad) {
      if (factor === 0) grad.fill(0, i * width, (i + 1) * width);
      else for (let j = i * width; j < (i + 1) * width; j++) grad[j] *= factor;
    }
    if (hess) hess[i] = factor === 0 ? 0 : hess[i] * factor;
  }

  const sum = total.value;
  return {
    loss: mean ? sum * perUnit : sum,
    // Σ wᵢ·lᵢ and Σ wᵢ in the caller's units (the mean's normalisation undone).
    sum: sum * unit,
    weightSum: weightSum * unit,
    count,
    losses: withLosses ? losses : null,
    grad,
    hess,
  };
}
