import { z } from 'zod';
import { TypedTensor } from '../scoring/tensor.js';

const number = { type: 'number' } as const;
const integer = { type: 'integer' } as const;
const arrayOf = (items: object) => ({ type: 'array', items }) as const;

/**
 * The body fields that are tensors. The JSON decoder reads these straight into typed arrays
 * (`src/scoring/raw-body.ts`); a tensor field missing here still works, through JSON.parse
 * (test/json-body.test.ts checks that none is missing).
 */
export const TENSOR_FIELDS: ReadonlySet<string> = new Set(['preds', 'labels', 'preds_a', 'preds_b']);

/** The schemas made by {@link numberTensor}, so tests can find every tensor field. */
export const tensorSchemas = new WeakSet<z.ZodType>();

/**
 * A nested array of numbers (rank 1 to `maxRank`), or the typed tensor the JSON decoder or the
 * Arrow decoder made of one. Only that much is checked here: the elements are checked by the
 * flattening stage (`src/scoring/tensor.ts`), in one pass and off the main thread for large
 * bodies, with errors that name the element (`preds/3/2`). The JSON schema in the OpenAPI
 * document still describes the full nesting.
 */
export const numberTensor = (maxRank: number, description: string, leaf: object = number) => {
  const levels = [leaf];
  for (let rank = 2; rank <= maxRank; rank++) levels.push(arrayOf(levels[levels.length - 1]));
  // Validation only asks for an array; the document describes the nesting (via `meta`).
  const schema = z
    .custom<unknown[]>((value) => Array.isArray(value) || value instanceof TypedTensor, { message: 'expected an array' })
    .meta({ type: 'array', description, items: levels.length === 1 ? leaf : { anyOf: levels.slice(0, maxRank) } });
  tensorSchemas.add(schema);
  return schema;
};

export const labelTensor = (maxRank: number, description: string) => numberTensor(maxRank, description, integer);

export const Task = z.enum(['binary', 'multiclass', 'multilabel']);
export type Task = z.infer<typeof Task>;

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' });

/** The error responses every scoring operation documents. */
export const problemResponses = {
  400: Problem.describe('Invalid input: `errors` names each field and index, e.g. `labels/3`.'),
  413: Problem.describe('Body larger than BODY_LIMIT_BYTES.'),
  415: Problem.describe('Unsupported Content-Type.'),
  503: Problem.describe('Overloaded, timed out or shutting down: retry after `Retry-After` seconds.'),
} as const;
