import { invalidField } from '../errors.js';

/**
 * The last guard before a response: a result that is not finite can only come from inputs so
 * large that float64 overflows (logits near ±1e308), so it is the caller's 400, naming the field,
 * never a NaN or Infinity in a 200.
 *
 * @throws {ProblemError} 400 naming `field`
 */
export function assertFinite(field: string, ...values: Array<number | ArrayLike<number> | null | undefined>): void {
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw overflow(field);
      continue;
    }
    for (let i = 0; i < value.length; i++) if (!Number.isFinite(value[i])) throw overflow(field);
  }
}

const overflow = (field: string) =>
  invalidField(field, 'values so large that the result overflows float64; rescale the inputs');
