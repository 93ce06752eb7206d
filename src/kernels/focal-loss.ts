import { focalLossSoftmaxWasm } from './focal-loss-wasm.js';
import type { FocalLossOptions, FocalLossOutput } from './focal-loss-io.js';
import { NeumaierSum } from './neumaier-sum.js';
import { planReduction } from './reduction.js';

export type { FocalLossOptions, FocalLossOutput } from './focal-loss-io.js';
export type { Reduction } from './reduction.js';

/** PyTorch's BCELoss convention: log-probabilities are clamped at -100 so p = 0 stays finite. */
const LOG_CLAMP = -100;


/**
 * `log(q) / (1 - q)` for q = exp(logq), continued to its limit −1 at q = 1. Keeps the focal
 * gradient term finite for every γ > 0, including γ < 1 where (1 − q)^(γ−1) alone diverges.
 */
const logOverComplement = (logq: number, oneMinusQ: number): number => (oneMinusQ > 0 ? logq / oneMinusQ : -1);

/**
 * Multiclass softmax focal loss, as the classic PyTorch `focal_loss` module
 * (Lin et al. 2017, "Focal Loss for Dense Object Detection", arXiv:1708.02002):
 *
 *   FL(z, y) = −α_y · (1 − p_y)^γ · log p_y,   p = softmax(z)
 *
 * with a stable log-softmax. With q = p_y the gradient w.r.t. logit j is
 *
 *   ∂FL/∂z_j = α_y · (p_j − [j = y]) · ((1 − q)^γ − γ · q · (1 − q)^γ · log q / (1 − q))
 *
 * and, for probability input, ∂FL/∂p_y = −α_y · ((1 − q)^γ / q − γ (1 − q)^γ · log q / (1 − q)),
 * with log q clamped at −100 as PyTorch's BCELoss does (its derivative is then 0).
 *
 * O(n · C) time, O(C) extra memory. Logits run in WebAssembly ({@link focalLossSoftmaxWasm}, the
 * same formulas with SIMD exponentials); this TypeScript loop computes probability input and is
 * the reference the WebAssembly kernel is tested against.
 *
 * @param preds logits (or probabilities), `rows × numClasses`, row-major
 * @param labels one class index per row, in `0..numClasses-1` or `ignoreIndex`
 * @param classWeights α per class, length `numClasses`
 * @returns the reduced loss and, on request, per-row losses and the gradient
 * @example
 * focalLossSoftmax(new Float64Array([0, 0]), new Int32Array([0]), 2, new Float64Array([1, 1]),
 *   { gamma: 0, reduction: 'mean', ignoreIndex: null, inputIsProbs: false, withLosses: false, withGrad: false }).loss
 * // Math.LN2
 */
export function focalLossSoftmax(
  preds: Float64Array,
  labels: Int32Array,
  numClasses: number,
  classWeights: Float64Array,
  options: FocalLossOptions,
): FocalLossOutput {
  return options.inputIsProbs
    ? focalLossSoftmaxTs(preds, labels, numClasses, classWeights, options)
    : focalLossSoftmaxWasm(preds, labels, numClasses, classWeights, options);
}

/** {@link focalLossSoftmax} in TypeScript, for logits and probabilities alike. */
export function focalLossSoftmaxTs(
  preds: Float64Array,
  labels: Int32Array,
  numClasses: number,
  classWeights: Float64Array,
  options: FocalLossOptions,
): FocalLossOutput {
  const { gamma, reduction, ignoreIndex, inputIsProbs } = options;
  const rows = labels.length;
  const { count, scale, reduce } = planReduction(labels, ignoreIndex, reduction);
  const losses = options.withLosses ? new Float64Array(rows) : null;
  const grad = options.withGrad ? new Float64Array(preds.length) : null;
  const total = new NeumaierSum();
  // exp(z_j − max) of the current row, computed once and reused for the gradient.
  const expShifted = new Float64Array(numClasses);
  const integerGamma = Number.isInteger(gamma) && gamma <= 8;

  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    if (y === ignoreIndex) continue;
    const base = i * numClasses;
    const weight = classWeights[y];

    let logq: number;
    let q: number;
    let oneMinusQ: number;
    let sumExp = 0;
    if (inputIsProbs) {
      q = preds[base + y];
      oneMinusQ = 1 - q;
      logq = q > 0 ? Math.max(Math.log(q), LOG_CLAMP) : LOG_CLAMP;
    } else {
      let max = -Infinity;
      for (let j = 0; j < numClasses; j++) if (preds[base + j] > max) max = preds[base + j];
      for (let j = 0; j < numClasses; j++) {
        const e = Math.exp(preds[base + j] - max);
        expShifted[j] = e;
        sumExp += e;
      }
      // 1 − q as the other classes' share: no cancellation when q is close to 1.
      let others = 0;
      for (let j = 0; j < numClasses; j++) if (j !== y) others += expShifted[j];
      // log q = −log1p(Σ_{j≠y} e^(z_j − z_y)) where q ≥ ½: no rounding of q to 1 for confident rows.
      logq = others <= expShifted[y] ? -Math.log1p(others / expShifted[y]) : preds[base + y] - max - Math.log(sumExp);
      q = expShifted[y] / sumExp;
      oneMinusQ = others / sumExp;
    }
    const modulator = integerGamma ? powInt(oneMinusQ, gamma) : oneMinusQ ** gamma;
    const loss = -weight * modulator * logq;
    total.add(loss);
    if (losses) losses[i] = loss;
    if (!grad) continue;

    // γ · (1 − q)^(γ−1) · log q: the derivative of the modulating factor, over −1.
    const focusOverQ = gamma === 0 ? 0 : gamma * modulator * logOverComplement(logq, oneMinusQ);
    if (inputIsProbs) {
      const dLogq = logq > LOG_CLAMP ? 1 / q : 0;
      grad[base + y] = -weight * scale * (modulator * dLogq - focusOverQ);
    } else {
      // q · log q → 0 as q → 0: taken as 0 where q underflows and log q does not (gaps past 1e308).
      const factor = weight * scale * (modulator - (q > 0 ? q * focusOverQ : 0));
      const perExp = factor / sumExp;
      for (let j = 0; j < numClasses; j++) grad[base + j] = perExp * expShifted[j];
      grad[base + y] = -factor * oneMinusQ; // (q − 1) · factor, without the cancellation
    }
  }

  const sum = total.value;
  return { loss: reduce(sum), sum, count, losses, grad, hess: null };
}

/** x^n for a small non-negative integer n, by multiplication (Math.pow is several times slower). */
function powInt(x: number, n: number): number {
  let r = 1;
  for (let k = 0; k < n; k++) r *= x;
  return r;
}

/** log(1 + e^u) without overflow. */
const softplus = (u: number): number => Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));

/** σ(u) = 1 / (1 + e^−u), evaluated on the side that does not overflow. */
const sigmoid = (u: number): number => {
  if (u >= 0) return 1 / (1 + Math.exp(-u));
  const e = Math.exp(u);
  return e / (1 + e);
};

/**
 * Sigmoid focal loss, as `torchvision.ops.sigmoid_focal_loss`, element by element:
 *
 *   FL(x, t) = α_t · BCE(x, t) · (1 − p_t)^γ,   p = σ(x),  p_t = p·t + (1 − p)(1 − t),
 *   α_t = α·t + (1 − α)(1 − t)  (α = null: α_t = 1).
 *
 * Written with u = (1 − 2t)·x, so BCE = softplus(u) and 1 − p_t = σ(u), the derivatives are
 *
 *   ∂FL/∂x   = (1 − 2t) · α_t · σ(u)^γ · (σ(u) + γ · softplus(u) · σ(−u))
 *   ∂²FL/∂x² = α_t · σ(u)^γ · σ(−u) · (σ(u)(1 + 2γ) + γ · softplus(u) · (γ σ(−u) − σ(u)))
 *
 * all finite for any finite x; `grad` and `hess` are those of the reduced loss (scaled by
 * 1 / count for `mean`). For probability input, BCE = −log p_t clamped at 100 as in
 * PyTorch's BCELoss, and the gradient is taken w.r.t. p.
 *
 * O(n) time.
 *
 * @param labels 0 or 1 per element (or `ignoreIndex`)
 * @param classWeights `[weight of negatives, weight of positives]` (torchvision's α: `[1 − α, α]`);
 *   `null` weighs both by 1
 * @example
 * focalLossSigmoid(new Float64Array([0]), new Int32Array([1]), null,
 *   { gamma: 0, reduction: 'sum', ignoreIndex: null, inputIsProbs: false, withLosses: false, withGrad: false }).loss
 * // Math.LN2
 */
export function focalLossSigmoid(
  preds: Float64Array,
  labels: Int32Array,
  classWeights: Float64Array | null,
  options: FocalLossOptions,
): FocalLossOutput {
  const { gamma, reduction, ignoreIndex, inputIsProbs } = options;
  const n = labels.length;
  const { count, scale, reduce } = planReduction(labels, ignoreIndex, reduction);
  const losses = options.withLosses ? new Float64Array(n) : null;
  const grad = options.withGrad ? new Float64Array(n) : null;
  const hess = options.withHess ? new Float64Array(n) : null;
  const total = new NeumaierSum();

  for (let i = 0; i < n; i++) {
    const t = labels[i];
    if (t === ignoreIndex) continue;
    const weight = classWeights === null ? 1 : classWeights[t];
    const x = preds[i];
    let loss: number;

    if (inputIsProbs) {
      const pt = t === 1 ? x : 1 - x;
      const ce = pt > 0 ? Math.min(-Math.log(pt), -LOG_CLAMP) : -LOG_CLAMP;
      const oneMinusPt = t === 1 ? 1 - x : x;
      const modulator = oneMinusPt ** gamma;
      loss = weight * ce * modulator;
      if (grad) {
        const dCe = ce < -LOG_CLAMP ? -1 / pt : 0;
        const dModulator = gamma === 0 || oneMinusPt === 0 ? 0 : -gamma * oneMinusPt ** (gamma - 1);
        let focus = ce * dModulator;
        // With γ < 1, (1 − p_t)^(γ−1) overflows where 1 − p_t is near 0 (p = 1e-320, label 0) and
        // meets ce ≈ 0 as ∞ · 0. The same product, γ · (1 − p_t)^γ · log p_t / (1 − p_t), is finite
        // there (log p_t / (1 − p_t) → −1; log1p keeps log p_t exact when p_t = 1 − p).
        if (!Number.isFinite(focus)) focus = gamma * modulator * logOverComplement(t === 1 ? Math.log(x) : Math.log1p(-x), oneMinusPt);
        const dPt = weight * (dCe * modulator + focus);
        grad[i] = scale * (t === 1 ? dPt : -dPt);
      }
    } else {
      const u = t === 1 ? -x : x;
      const sp = softplus(u);
      const s = sigmoid(u);
      const sBar = sigmoid(-u);
      const modulator = s ** gamma;
      loss = weight * sp * modulator;
      // softplus(u) · σ(−u) is taken first: it is bounded (≤ 0.56), where γ · softplus(u) alone
      // overflows for |x| near 1e308 and then meets σ(−u) = 0 as ∞ · 0.
      const spSBar = sp * sBar;
      if (grad) {
        const dU = weight * modulator * (s + gamma * spSBar);
        grad[i] = scale * (t === 1 ? -dU : dU);
      }
      if (hess) {
        hess[i] = scale * weight * modulator * (sBar * s * (1 + 2 * gamma) + gamma * spSBar * (gamma * sBar - s));
      }
    }
    total.add(loss);
    if (losses) losses[i] = loss;
  }

  const sum = total.value;
  return { loss: reduce(sum), sum, count, losses, grad, hess };
}
