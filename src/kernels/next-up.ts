const bits = new DataView(new ArrayBuffer(8));

/**
 * The smallest double above `x` (IEEE 754-2008 nextUp): one unit in the last place up, through
 * the subnormals and across zero; +Infinity above `Number.MAX_VALUE`, the one value no finite
 * double lies above. NaN and +Infinity are returned as they are.
 *
 * O(1).
 *
 * @example nextUp(1) // 1.0000000000000002
 * @example nextUp(2 ** 53) // 9007199254740994 (where 2^53 + 1 rounds back to 2^53)
 */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === Number.MAX_VALUE) return Infinity;
  if (x === 0) return Number.MIN_VALUE;
  bits.setFloat64(0, x);
  bits.setBigUint64(0, bits.getBigUint64(0) + (x > 0 ? 1n : -1n));
  return bits.getFloat64(0);
}
