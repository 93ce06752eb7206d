/**
 * Compensated summation (Neumaier's improvement of Kahan's algorithm): the running error of each
 * addition is carried separately, so a long sum of mixed magnitudes loses no more than one
 * rounding overall. Used for every loss total and every reduction over classes.
 *
 * O(1) per value. Neumaier, A. (1974), ZAMM 54(1), 39-51.
 *
 * @example
 * const s = new NeumaierSum();
 * for (const v of [1, 1e100, 1, -1e100]) s.add(v);
 * s.value; // 2
 */
export class NeumaierSum {
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    const t = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - t + value;
    else this.compensation += value - t + this.sum;
    this.sum = t;
  }

  /** The compensated sum; an overflowed sum stays ±Infinity (its compensation, ∞ − ∞, is NaN). */
  get value(): number {
    return Number.isFinite(this.sum) ? this.sum + this.compensation : this.sum;
  }
}
