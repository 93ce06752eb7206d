/**
 * The log-odds of every class of multiclass logits, row by row:
 *
 *   ℓ_c = log(p_c / (1 − p_c)) = z_c − log Σ_{j≠c} e^{z_j},   p = softmax(z)
 *
 * the score every multiclass ranking metric sorts by. ℓ_c is strictly increasing in p_c (it is
 * logit(p_c), and σ(ℓ_c) = p_c), so it ranks exactly as the probabilities do, but it does not
 * saturate: softmax rounds p_c to 1.0 once the other classes' share falls below 2^-53 (a gap of
 * about 37 in the logits), and distinct rows then tie, where ℓ_c stays distinct until the gap
 * itself overflows.
 *
 * Exact ties stay exact: ℓ_c depends only on z_c and the multiset of the row's other logits, so
 * every row and class where those agree must get the same double. Each row is therefore read in
 * one canonical order, its logits sorted ascending (v_0 ≤ … ≤ v_{C−1}); class c stands at the
 * first position p holding z_c, and with q the highest other position (C − 1, or C − 2 for the
 * top position itself) and sums over sorted positions, each formed in the same order:
 *
 *   ℓ_c = (z_c − v_q) − log1p(Σ_{k≠p,q} e^{v_k − v_q})
 *
 * So rows that are permutations of each other, and classes that tie within a row, agree bit for
 * bit; adding a constant to a row changes nothing where the differences are exact; and the sums
 * run from the smallest term up.
 *
 * O(n · C log C) time, O(C) extra memory.
 *
 * @param logits rows × classes, row-major, finite
 * @param classes C ≥ 2
 * @returns a new array of the same shape; ±Infinity only where a row's logits span more than
 *   the double range
 * @example logOddsRows(new Float64Array([40, 0]), 2) // [40, -40]
 */
export function logOddsRows(logits: Float64Array, classes: number): Float64Array {
  const C = classes;
  const out = new Float64Array(logits.length);
  const sorted = new Float64Array(C);
  const order = new Int32Array(C); // the class at each sorted position
  const e = new Float64Array(C); // e^{v_k − top}
  // below[k]: Σ_{i<k} e^{v_i − top}; between[k]: Σ_{k≤i<C−1} e^{v_i − top} (the top excluded);
  // below[0] and between[C − 1], between[C] stay 0.
  const below = new Float64Array(C + 1);
  const between = new Float64Array(C + 1);
  for (let base = 0; base < logits.length; base += C) {
    sortRow(logits, base, C, sorted, order);
    const top = sorted[C - 1];
    const runnerUp = sorted[C - 2];
    for (let k = 0; k < C - 1; k++) e[k] = Math.exp(sorted[k] - top);
    for (let k = 0; k < C - 1; k++) below[k + 1] = below[k] + e[k];
    for (let k = C - 2; k >= 0; k--) between[k] = between[k + 1] + e[k];
    // The unique top class (position C − 1): its rivals relative to the runner-up. Below a gap
    // of 700 that is the same sum rescaled; beyond, e^{v − top} underflows and it is summed anew.
    const gap = top - runnerUp;
    let topRivals: number;
    if (gap < 700) topRivals = below[C - 2] / e[C - 2]; // e[C − 2] = e^{runnerUp − top}
    else {
      topRivals = 0;
      for (let k = 0; k < C - 2; k++) topRivals += Math.exp(sorted[k] - runnerUp);
    }
    let p = 0; // the first position of the current run of equal values
    for (let k = 0; k < C; k++) {
      if (k > 0 && sorted[k] !== sorted[k - 1]) p = k;
      const z = sorted[k];
      out[base + order[k]] = p === C - 1 ? gap - Math.log1p(topRivals) : z - top - Math.log1p(below[p] + between[p + 1]);
    }
  }
  return out;
}

/**
 * Row `base` of `logits` sorted ascending into `sorted`, with the class of each position in
 * `order`: insertion sort for the usual handful of classes, the engine's sort beyond.
 */
function sortRow(logits: Float64Array, base: number, C: number, sorted: Float64Array, order: Int32Array): void {
  if (C > 48) {
    const indices = Array.from({ length: C }, (_, j) => j).sort((a, b) => logits[base + a] - logits[base + b]);
    for (let k = 0; k < C; k++) {
      order[k] = indices[k];
      sorted[k] = logits[base + indices[k]];
    }
    return;
  }
  for (let j = 0; j < C; j++) {
    const v = logits[base + j];
    let k = j;
    while (k > 0 && sorted[k - 1] > v) {
      sorted[k] = sorted[k - 1];
      order[k] = order[k - 1];
      k--;
    }
    sorted[k] = v;
    order[k] = j;
  }
}
