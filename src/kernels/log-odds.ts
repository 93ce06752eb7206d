/**
 * The log-odds of every class of multiclass logits, row by row:
 *
 *   ℓ_c = log(p_c / (1 − p_c)) = z_c − log Σ_{j≠c} e^{z_j},   p = softmax(z)
 *
 * the score every multiclass ranking metric sorts by. ℓ_c is strictly increasing in p_c (it is
 * logit(p_c), and σ(ℓ_c) = p_c), so it ranks exactly as the probabilities do, but it does not
 * saturate: softmax rounds p_c to 1.0 once the other classes' share falls below 2^-53 (a gap of
 * about 37 in the logits), and distinct rows then tie, where ℓ_c stays distinct until the gap
 * itself overflows. Each row is read through differences z_j − max only, so adding a constant
 * to a row changes nothing (exactly, whenever the differences themselves are exact).
 *
 * With a the row's top class, b its runner-up, e_j = e^{z_j − z_a} and S_c = Σ_{j≠a,c} e_j
 * (prefix plus suffix sums, so no sum is formed by subtraction):
 *
 *   ℓ_c = (z_c − z_a) − log1p(S_c)          for c ≠ a
 *   ℓ_a = (z_a − z_b) − log1p(S_b / e_b)
 *
 * so a row whose top two classes tie gives both the same value, bit for bit; where e_b would be
 * subnormal (a gap over 700) the rivals are summed again relative to z_b.
 *
 * O(n · C) time, O(C) extra memory.
 *
 * @param logits rows × classes, row-major, finite
 * @param classes C ≥ 2
 * @returns a new array of the same shape; ±Infinity only where a row's logits span more than
 *   the double range
 * @example logOddsRows(new Float64Array([40, 0]), 2) // [40, -40]
 */
export function logOddsRows(logits: Float64Array, classes: number): Float64Array {
  const out = new Float64Array(logits.length);
  const e = new Float64Array(classes);
  const after = new Float64Array(classes);
  for (let base = 0; base < logits.length; base += classes) {
    let a = 0;
    for (let j = 1; j < classes; j++) if (logits[base + j] > logits[base + a]) a = j;
    let b = a === 0 ? 1 : 0;
    for (let j = b + 1; j < classes; j++) if (j !== a && logits[base + j] > logits[base + b]) b = j;
    const top = logits[base + a];
    const gap = top - logits[base + b];
    let suffix = 0;
    for (let j = classes - 1; j >= 0; j--) {
      e[j] = j === a ? 0 : Math.exp(logits[base + j] - top);
      after[j] = suffix;
      suffix += e[j];
    }
    let before = 0;
    for (let c = 0; c < classes; c++) {
      if (c !== a) {
        const others = before + after[c];
        out[base + c] = logits[base + c] - top - Math.log1p(others);
        if (c === b && gap < 700) out[base + a] = gap - Math.log1p(others / e[b]);
      }
      before += e[c];
    }
    if (!(gap < 700)) {
      let rivals = 0;
      for (let j = 0; j < classes; j++) if (j !== a && j !== b) rivals += Math.exp(logits[base + j] - logits[base + b]);
      out[base + a] = gap - Math.log1p(rivals);
    }
  }
  return out;
}
