/**
 * Platt scaling: p = 1 / (1 + exp(a·s + b)) fitted to a binary problem's scores, as
 * scikit-learn 1.9's `_sigmoid_calibration` (`CalibratedClassifierCV(method="sigmoid")`).
 */

/** A fitted sigmoid: p = 1 / (1 + exp(a·s + b)) for a score s. */
export interface PlattFit {
  a: number;
  b: number;
}

/** Scores at least this large in magnitude are divided by their largest for the fit (scikit-learn's `max_abs_prediction_threshold`). */
const SCALE_THRESHOLD = 30;
const MAX_ITERATIONS = 200;

/** log(1 + e^u) without overflow. */
const softplus = (u: number): number => (u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u)));
/** 1 / (1 + e^−u) without overflow. */
const sigmoid = (u: number): number => (u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u)));

/**
 * Fits Platt's sigmoid to scores `s` and 0/1 labels by weighted maximum likelihood with Platt's
 * regularised targets: t₊ = (N₊ + 1) / (N₊ + 2) for positives and t₋ = 1 / (N₋ + 2) for negatives,
 * N₊ and N₋ the summed weights of each label (Platt 1999, §2.2; scikit-learn's `prior1`,
 * `prior0`), from scikit-learn's start (a = 0, b = log((N₋ + 1) / (N₊ + 1))). Scores of magnitude
 * 30 or more are divided by the largest for the fit and `a` scaled back, as scikit-learn does.
 *
 * scikit-learn minimises the same convex loss with L-BFGS-B (gtol 1e-6); this kernel takes
 * Newton steps with a backtracking line search (Lin, Lin & Weng 2007, "A note on Platt's
 * probabilistic outputs for support vector machines", Algorithm 1) to convergence, so it answers
 * the minimiser that scikit-learn approaches (to ~1e-8 on the reference cases).
 *
 * @param scores one per row
 * @param positive 1 where the row is a positive, 0 where a negative
 * @param weights one per row, or null (every row weighs 1); zero-weight rows change nothing
 * @returns a, b (finite: the targets are never 0 or 1, so the loss has a minimum)
 *
 * O(rows) per iteration; Newton converges in a handful.
 */
export function plattFit(scores: Float64Array, positive: Uint8Array, weights: Float64Array | null): PlattFit {
  const rows = scores.length;
  const f = new Float64Array(rows);
  const t = new Float64Array(rows);
  const w = new Float64Array(rows);
  let maxAbs = 0;
  let prior0 = 0;
  let prior1 = 0;
  for (let i = 0; i < rows; i++) {
    f[i] = scores[i];
    maxAbs = Math.max(maxAbs, Math.abs(f[i]));
    w[i] = weights === null ? 1 : weights[i];
    if (positive[i] === 1) prior1 += w[i];
    else prior0 += w[i];
  }
  const scale = maxAbs >= SCALE_THRESHOLD ? maxAbs : 1;
  const hiTarget = (prior1 + 1) / (prior1 + 2);
  const loTarget = 1 / (prior0 + 2);
  for (let i = 0; i < rows; i++) {
    f[i] /= scale;
    t[i] = positive[i] === 1 ? hiTarget : loTarget;
  }
  // The loss of row i at (a, b): with u = −(a·f + b), softplus(u) − t·u (the binomial deviance / 2).
  const loss = (a: number, b: number): number => {
    let total = 0;
    for (let i = 0; i < rows; i++) {
      if (w[i] === 0) continue;
      const u = -(a * f[i] + b);
      total += w[i] * (softplus(u) - t[i] * u);
    }
    return total;
  };
  let a = 0;
  let b = Math.log((prior0 + 1) / (prior1 + 1));
  let current = loss(a, b);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    let ga = 0;
    let gb = 0;
    let haa = 0;
    let hab = 0;
    let hbb = 0;
    for (let i = 0; i < rows; i++) {
      if (w[i] === 0) continue;
      const p = sigmoid(-(a * f[i] + b));
      const d = w[i] * (p - t[i]);
      const curvature = w[i] * p * (1 - p);
      ga -= d * f[i];
      gb -= d;
      haa += curvature * f[i] * f[i];
      hab += curvature * f[i];
      hbb += curvature;
    }
    // Lin et al.'s small ridge keeps the Hessian invertible when every score is equal.
    haa += 1e-12;
    hbb += 1e-12;
    const det = haa * hbb - hab * hab;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(haa * gb - hab * ga) / det;
    const descent = ga * da + gb * db;
    if (!(descent < 0)) break;
    let step = 1;
    let next = loss(a + da, b + db);
    while (next > current + 1e-4 * step * descent && step > 1e-10) {
      step /= 2;
      next = loss(a + step * da, b + step * db);
    }
    if (!(next <= current)) break;
    const moved = Math.max(Math.abs(step * da) / (1 + Math.abs(a)), Math.abs(step * db) / (1 + Math.abs(b)));
    a += step * da;
    b += step * db;
    current = next;
    if (moved < 1e-15) break;
  }
  return { a: a / scale, b };
}
