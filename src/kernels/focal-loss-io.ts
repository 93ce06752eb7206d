/*
 * What every focal-loss kernel takes and gives (TypeScript and WebAssembly alike), in a module of
 * its own so the kernels depend on it and not on each other.
 */
import type { Reduction } from './reduction.js';

/** The options of one focal-loss kernel call. */
export interface FocalLossOptions {
  /** Focusing parameter γ ≥ 0; γ = 0 is (weighted) cross-entropy. */
  gamma: number;
  reduction: Reduction;
  /** Elements whose label equals this add no loss, no gradient, and do not count. */
  ignoreIndex: number | null;
  /** `preds` are probabilities instead of logits. */
  inputIsProbs: boolean;
  withLosses: boolean;
  withGrad: boolean;
  /** The diagonal of the reduced loss's Hessian w.r.t. the logits (sigmoid focal loss only). */
  withHess?: boolean;
  /**
   * Where the WebAssembly kernel writes the gradient (it may be `preds` itself, when the caller
   * no longer needs the logits): filling memory that is already mapped costs a seventh of a new
   * 80 MB array. Ignored by the TypeScript kernels, which always allocate.
   */
  gradInto?: Float64Array;
}

export interface FocalLossOutput {
  /** The reduced loss: the mean over contributing elements, or their sum (also for `none`). */
  loss: number;
  /** The unreduced sum of the elements' losses (Neumaier-compensated): what a loss state accumulates. */
  sum: number;
  /** Number of contributing (not ignored) elements. */
  count: number;
  /**
   * Σ of the contributing elements' sample weights: the weighted mean's denominator, what a
   * weighted loss state accumulates in place of `count` (only from `weightFocalLoss`, where
   * `sum` is Σ wᵢ·lᵢ and `loss`, `losses`, `grad` and `hess` are weighted too).
   */
  weightSum?: number;
  /** Per-element losses, 0 where ignored (only with `withLosses`). */
  losses: Float64Array | null;
  /** d(loss)/d(preds) of the reduced loss; for `none` the derivative of the sum of losses. */
  grad: Float64Array | null;
  /**
   * d²(loss)/d(preds_i)² of the reduced loss, the diagonal of its Hessian (only with `withHess`):
   * for `mean` each element's second derivative over the count, as `grad` is scaled.
   */
  hess: Float64Array | null;
}
