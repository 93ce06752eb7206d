/**
 * `torch.linspace(0, 1, n)` in float32, value for value: the grid torchmetrics builds for binned
 * `thresholds=n` (its default dtype is float32), so a score such as 0.1 falls on the same side
 * of each threshold as in torchmetrics (float32 0.1 is 0.10000000149...).
 *
 * ATen's CPU kernel: step = fl32(1 / (n − 1)); element i is i · step below ⌊n/2⌋ and
 * 1 − (n − 1 − i) · step from there on, each rounded once to float32 (the kernel's multiply-add
 * is fused). In float64 the product and the difference are exact for n < 2^24, so one
 * `Math.fround` is that single rounding. Checked against torch 2.13 for every n up to 2,000 and
 * a few larger (test/vectors/linspace-float32.json).
 *
 * O(n).
 *
 * @param n number of thresholds, 2 ≤ n < 2^24
 * @returns ascending float32 values (as doubles), first 0 and last 1
 * @example linspaceFloat32(3) // [0, 0.5, 1]
 */
export function linspaceFloat32(n: number): Float64Array {
  const step = Math.fround(1 / (n - 1));
  const half = Math.floor(n / 2);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(i < half ? i * step : 1 - (n - 1 - i) * step);
  return out;
}

/**
 * `torch.linspace(0, 1, n)` in float64 (ATen's CPU formula: i · step below ⌊n/2⌋, 1 − (n − 1 − i)
 * · step from there on, step = 1 / (n − 1)): the thresholds a binned grid reports, as a user
 * writes them (0.3 is 0.30000000000000004, not float32's 0.30000001192...). Comparisons still use
 * {@link linspaceFloat32}, the grid torchmetrics compares scores with.
 *
 * O(n).
 */
export function linspaceFloat64(n: number): Float64Array {
  const step = 1 / (n - 1);
  const half = Math.floor(n / 2);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = i < half ? i * step : 1 - (n - 1 - i) * step;
  return out;
}
