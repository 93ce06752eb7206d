import { internalError, invalidField } from '../errors.js';

/**
 * The one finite check every result passes before it is encoded (JSON, SVG or Arrow, inline or in
 * a worker): a number that is not finite never reaches a response, neither as NaN or Infinity
 * nor as the `null` JSON would silently write inside a number array. Undefined values are
 * `null` by the computations' own choice, with a warning; what this finds is something else:
 *
 * - ±Infinity: the inputs are so large that float64 overflows (logits near ±1e308), the
 *   caller's 400, naming `preds` and the result field;
 * - NaN: an undefined value that the code failed to turn into `null`, our bug: a 500.
 *
 * Walks plain objects, arrays and typed arrays (tensors inside results), O(size of the result).
 *
 * @throws {ProblemError} 400 for an overflow, 500 for NaN
 */
export function assertFiniteResult(result: unknown): void {
  const path: Array<string | number> = [];
  const bad = firstNonFinite(result, path);
  if (bad === null) return;
  const where = path.reverse().join('/');
  if (Number.isNaN(bad)) throw internalError(`the result's ${where || 'value'} is NaN: an undefined value was not answered as null`);
  throw invalidField('preds', `values so large that the result (${where}) overflows float64; rescale the inputs`);
}

/**
 * The first value that is not finite, or null; its path is pushed onto `path` innermost first,
 * only once one is found (no path strings are built while everything is fine).
 */
function firstNonFinite(value: unknown, path: Array<string | number>): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : value;
  if (value === null || typeof value !== 'object') return null;
  if (ArrayBuffer.isView(value)) {
    if (!(value instanceof Float64Array || value instanceof Float32Array)) return null;
    for (let i = 0; i < value.length; i++) {
      if (!Number.isFinite(value[i])) {
        path.push(i);
        return value[i];
      }
    }
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = firstNonFinite(value[i], path);
      if (bad !== null) {
        path.push(i);
        return bad;
      }
    }
    return null;
  }
  for (const key in value) {
    const bad = firstNonFinite((value as Record<string, unknown>)[key], path);
    if (bad !== null) {
      path.push(key);
      return bad;
    }
  }
  return null;
}
