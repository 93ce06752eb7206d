/** σ(x) in place, both tails without overflow. O(n). */
export function sigmoidInPlace(scores: Float64Array): Float64Array {
  for (let i = 0; i < scores.length; i++) {
    const x = scores[i];
    scores[i] = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }
  return scores;
}
