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
 * takes safeguarded Newton steps on L′ from β = 1 (Press et al., Numerical Recipes §9.4 `rtsafe`:
 * a step that leaves the bracket of the root, or shrinks it slower than halving, is a bisection,
 * here in log β; the bounds are evaluated once, when a bisection first heads to one) until β
 * stops moving, so it answers the minimiser itself, or the bound where there is none inside.
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
  const lowest = Math.exp(-LOG_BETA_BOUND);
  const highest = Math.exp(LOG_BETA_BOUND);
  const slope = (beta: number) => derivatives(shifted, labels, weights, rows, classes, beta);
  // The bracket of the root; each bound is evaluated once, when a bisection first heads to it.
  let lo = lowest;
  let hi = highest;
  let boundsSeen = false;
  let beta = 1;
  let [g, h] = slope(beta);
  let step = hi - lo;
  let stepBefore = step;
  for (let iteration = 0; iteration < MAX_ITERATIONS && g !== 0; iteration++) {
    if (g > 0) hi = beta;
    else lo = beta;
    let next = beta - g / h;
    // Newton's step when it stays in the bracket and shrinks as fast as a bisection would
    // (Numerical Recipes' rtsafe); a bisection in log β otherwise.
    const newton = h > 0 && next > lo && next < hi && Math.abs(2 * g) <= Math.abs(stepBefore * h);
    stepBefore = step;
    if (!newton) {
      if (!boundsSeen) {
        boundsSeen = true;
        // No interior minimum: the bound the loss keeps falling towards.
        if (hi === highest && slope(highest)[0] <= 0) return 1 / highest;
        if (lo === lowest && slope(lowest)[0] >= 0) return 1 / lowest;
      }
      next = Math.sqrt(lo * hi);
    }
    step = next - beta;
    beta = next;
    if (Math.abs(step) <= 4 * Number.EPSILON * beta) break;
    [g, h] = slope(beta);
  }
  return 1 / beta;
}
