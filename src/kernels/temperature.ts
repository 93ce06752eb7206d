/**
 * Temperature scaling (Guo et al. 2017, "On calibration of modern neural networks"): one
 * temperature T for all classes, p = softmax(z / T), fitted by weighted maximum likelihood, as
 * scikit-learn 1.9's `_TemperatureScaling` (`CalibratedClassifierCV(method="temperature")`).
 */

/** scikit-learn's bounds on log β = −log T (`minimize_scalar(bounds=(-10, 10))`). */
const LOG_BETA_BOUND = 10;
const MAX_ITERATIONS = 200;

/**
 * The derivative and second derivative in β of the weighted multinomial log loss
 * L(β) = Σᵢ wᵢ (log Σ_c exp(β zᵢc) − β zᵢyᵢ): L′ = Σ wᵢ (E_p[z] − zᵢyᵢ), L″ = Σ wᵢ Var_p(z), p the
 * softmax of β zᵢ. Rows are shifted by their maximum first (`shifted`), which changes neither.
 */
function derivatives(shifted: Float64Array, labels: Int32Array, weights: Float64Array | null, rows: number, classes: number, beta: number): [number, number] {
  let first = 0;
  let second = 0;
  for (let i = 0; i < rows; i++) {
    const w = weights === null ? 1 : weights[i];
    if (w === 0) continue;
    const base = i * classes;
    let sum = 0;
    let mean = 0;
    let square = 0;
    for (let c = 0; c < classes; c++) {
      const z = shifted[base + c];
      const e = Math.exp(beta * z);
      sum += e;
      mean += e * z;
      square += e * z * z;
    }
    mean /= sum;
    first += w * (mean - shifted[base + labels[i]]);
    second += w * Math.max(0, square / sum - mean * mean);
  }
  return [first, second];
}

/**
 * Fits the temperature of logits `z` [rows, classes] (row-major) and class labels.
 *
 * The loss is convex in β = 1/T (log-sum-exp is convex, the label term linear), so its minimum on
 * scikit-learn's interval β ∈ [e^−10, e^10] is where L′(β) = 0, or the bound L′ points to.
 * scikit-learn finds it with bounded Brent on log β (`minimize_scalar`, xatol 64ε); this kernel
 * takes safeguarded Newton steps on L′ (a step leaving the bracket of the root is a bisection in
 * log β) until β stops moving, so it answers the minimiser itself.
 *
 * @param logits rows × classes, row-major; finite
 * @param labels class per row, 0..classes−1 (rows to leave out are not passed)
 * @param weights one per row, or null (every row weighs 1)
 * @returns T = 1/β; 1 when no row weighs anything or the logits of every row are equal (any T fits)
 *
 * O(rows × classes) per iteration; Newton converges in a handful.
 */
export function temperatureFit(logits: Float64Array, labels: Int32Array, weights: Float64Array | null, rows: number, classes: number): number {
  const shifted = new Float64Array(rows * classes);
  for (let i = 0; i < rows; i++) {
    const base = i * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[base + c]);
    for (let c = 0; c < classes; c++) shifted[base + c] = logits[base + c] - max;
  }
  let lo = Math.exp(-LOG_BETA_BOUND);
  let hi = Math.exp(LOG_BETA_BOUND);
  const [gLo] = derivatives(shifted, labels, weights, rows, classes, lo);
  if (gLo >= 0) return gLo === 0 && derivatives(shifted, labels, weights, rows, classes, 1)[0] === 0 ? 1 : 1 / lo;
  const [gHi] = derivatives(shifted, labels, weights, rows, classes, hi);
  if (gHi <= 0) return 1 / hi;
  let beta = 1;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    const [g, h] = derivatives(shifted, labels, weights, rows, classes, beta);
    if (g === 0) break;
    if (g > 0) hi = beta;
    else lo = beta;
    let next = h > 0 ? beta - g / h : NaN;
    if (!(next > lo && next < hi)) next = Math.sqrt(lo * hi);
    const moved = Math.abs(next - beta);
    beta = next;
    if (moved <= 4 * Number.EPSILON * beta) break;
  }
  return 1 / beta;
}
