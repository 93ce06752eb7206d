import { z } from 'zod';
import { TypedTensor } from '../batch/tensor.js';

const number = { type: 'number' } as const;
/** Labels and indices are 32-bit integers (the kernels hold them in Int32Array). */
const int32 = { type: 'integer', format: 'int32', minimum: -2147483648, maximum: 2147483647 } as const;

/**
 * The JSON schema of a tensor of rank 1 to `maxRank`: one alternative per rank, each a nesting of
 * exactly that depth with no empty inner level (what the flattening stage enforces), so generated
 * clients get `number[] | number[][]` rather than arrays of anything. The outermost level may be
 * empty (`[]`, a batch of no samples, answered like an all-ignored one); `[]` is the rank-1
 * alternative's, whatever rank the batch would have had.
 */
function tensorJsonSchema(maxRank: number, leaf: object, description: string): Record<string, unknown> {
  const ranks: object[] = [];
  let level: object = leaf;
  for (let rank = 1; rank <= maxRank; rank++) {
    level = { type: 'array', minItems: 1, items: level };
    ranks.push(rank === 1 ? { ...level, minItems: 0 } : level);
  }
  return ranks.length === 1 ? { ...ranks[0], description } : { description, anyOf: ranks };
}

/**
 * The body fields that are tensors. The JSON decoder reads these straight into typed arrays
 * (`src/wire/json-body.ts`); a tensor field missing here still works, through JSON.parse
 * (test/json-body.test.ts checks that none is missing).
 */
export const TENSOR_FIELDS: ReadonlySet<string> = new Set(['preds', 'labels', 'preds_a', 'preds_b', 'sample_weight', 'groups']);

/** The schemas made by {@link numberTensor}, so tests can find every tensor field. */
export const tensorSchemas = new WeakSet<z.ZodType>();

/**
 * A nested array of numbers (rank 1 to `maxRank`), or the typed tensor the JSON decoder or the
 * Arrow decoder made of one. Only that much is checked here: the elements are checked by the
 * flattening stage (`src/batch/tensor.ts`), in one pass and off the main thread for large
 * bodies, with errors that name the element (`preds/3/2`). The JSON schema in the OpenAPI
 * document still describes the full nesting.
 */
export const numberTensor = (maxRank: number, description: string, leaf: object = number) => {
  // Validation only asks for an array; the document describes the nesting (via `meta`).
  const schema = z
    .custom<unknown[]>((value) => Array.isArray(value) || value instanceof TypedTensor, { message: 'expected an array' })
    .meta(tensorJsonSchema(maxRank, leaf, description));
  tensorSchemas.add(schema);
  return schema;
};

export const labelTensor = (maxRank: number, description: string) => numberTensor(maxRank, description, int32);

/**
 * `sample_weight`: one non-negative finite weight per sample, the shape of `labels` without the
 * label axis (scikit-learn's meaning; see `sampleWeights` in src/batch/tensor.ts).
 */
export const sampleWeightTensor = (maxRank: number, description: string) => numberTensor(maxRank, description);

/** A tensor in a response (`grad`, `losses`, `hess`): nested arrays of numbers, of rank 1 to `maxRank`. */
export const tensorResult = (maxRank: number, description: string) =>
  z.custom<unknown[]>((value) => Array.isArray(value), { message: 'expected an array' }).meta(tensorJsonSchema(maxRank, number, description));

/** A request example as Swagger UI lists it: a title, and the body. */
export interface NamedExample {
  summary: string;
  value: Record<string, unknown>;
}

/**
 * Named request examples for an operation (Swagger UI's example menu). The document pairs each
 * with the answer the app gives to it, computed when the document is written (so they cannot
 * drift); see src/plugins/openapi-document.ts.
 */
export const namedExamples = (examples: Record<string, NamedExample>) => ({ 'x-examples': examples });

/** A label value such as `ignore_index`: a 32-bit integer, as the labels themselves. */
export const LabelValue = z.int32();

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int().min(400).max(599).describe('The HTTP status of the response.'),
    detail: z.string(),
    code: z.string().describe('A stable code per kind of problem (`ERR_INVALID_REQUEST`, `ERR_SESSION_NOT_FOUND`).'),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('Each field at fault, by its JSON path (`labels/3`, `metrics/0/average`).'),
  })
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details (application/problem+json).',
    // Real answers, so a generator's or a viewer's sample is not made up from the bounds.
    examples: [
      {
        type: 'urn:focal-auroc:problem:invalid-request',
        title: 'The request body does not satisfy the contract',
        status: 400,
        detail: 'labels: binary needs labels shaped like preds; got preds [3] and labels [2]',
        code: 'ERR_INVALID_REQUEST',
        errors: [{ path: 'labels', message: 'binary needs labels shaped like preds; got preds [3] and labels [2]' }],
      },
      {
        type: 'urn:focal-auroc:problem:session-not-found',
        title: 'No such session',
        status: 404,
        detail: 'no session 3f2a9c4e8b1d47f0a6c5e2b9d8f7a1c3: unknown, expired, deleted, or created with another token',
        code: 'ERR_SESSION_NOT_FOUND',
      },
    ],
  });

/** A documented 200: its description, and the schema of each media type it answers in. */
export const okResponse = (description: string, content: Record<string, z.ZodType>) => ({
  200: { description, content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }])) },
});

/** A documented error response: problem+json (what the error handler sends). */
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: Problem } } });

/**
 * The error responses every scoring operation documents. (`Retry-After` on 503 and the bearer
 * scheme of 401 are added to the document where fastify-swagger cannot express them: see
 * src/plugins/openapi-document.ts.)
 */
export const problemResponses = {
  400: problemResponse('Invalid input: `errors` names each field and index, e.g. `labels/3`, and says what is allowed.'),
  401: problemResponse('Missing or wrong bearer token (only when the service runs with API_TOKENS).'),
  406: problemResponse('The Accept header allows none of the formats this operation answers in.'),
  413: problemResponse('Body larger than BODY_LIMIT_BYTES, or a tensor with more than MAX_ELEMENTS numbers.'),
  415: problemResponse('A Content-Type this operation does not take, or a compressed body (Content-Encoding).'),
  503: problemResponse('Overloaded, timed out or shutting down: retry after `Retry-After` seconds, ideally on another replica.'),
} as const;

/** The error responses only session operations answer, to pick from per operation (with {@link problemResponses}). */
export const sessionProblemResponses = {
  404: problemResponse('No such session: unknown, expired, deleted, or created with another token (`errors` names `from/<i>` for a merge source).'),
  409: problemResponse('The session cannot do this: curves of a session that keeps no rows, or a merge source of another configuration.'),
  422: problemResponse('The `Idempotency-Key` was already used for another batch of this session: use a new key for a new batch.'),
} as const;
