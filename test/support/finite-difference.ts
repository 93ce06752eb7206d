/**
 * The central difference (f(v + h·e_k) − f(v − h·e_k)) / 2h of `f` along coordinate `k`: the
 * oracle the tests hold analytic derivatives (gradients, hessians) against. O(h²) error.
 */
export function centralDifference(v: Float64Array, k: number, f: (v: Float64Array) => number, h = 1e-5): number {
  const plus = v.slice();
  const minus = v.slice();
  plus[k] += h;
  minus[k] -= h;
  return (f(plus) - f(minus)) / (2 * h);
}
