/**
 * Every error the service answers with, as RFC 9457 problem details.
 *
 * A `ProblemError` is plain data plus a status, so it survives the trip from a worker thread to
 * the main thread (`toJSON` / `ProblemError.from`) and is rendered in one place, the error handler.
 */

/** One failed check, located by a JSON-pointer-like path without the leading slash: `labels/3`. */
export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

const TYPE_BASE = 'urn:focal-auroc:problem:';

export class ProblemError extends Error {
  override name = 'ProblemError';
  readonly headers: Record<string, string>;

  constructor(
    readonly problem: Problem,
    headers: Record<string, string> = {},
  ) {
    super(problem.detail);
    this.headers = headers;
  }

  get status(): number {
    return this.problem.status;
  }

  toJSON(): { problem: Problem; headers: Record<string, string> } {
    return { problem: this.problem, headers: this.headers };
  }

  static from(data: { problem: Problem; headers?: Record<string, string> }): ProblemError {
    return new ProblemError(data.problem, data.headers);
  }
}

function problemFactory(code: string, status: number, slug: string, title: string) {
  return (detail: string, errors?: FieldError[], headers?: Record<string, string>) =>
    new ProblemError(
      { type: TYPE_BASE + slug, title, status, detail, code, ...(errors ? { errors } : {}) },
      headers,
    );
}

export const invalidRequest = problemFactory(
  'ERR_INVALID_REQUEST',
  400,
  'invalid-request',
  'The request body does not satisfy the contract',
);
export const malformedBody = problemFactory('ERR_MALFORMED_BODY', 400, 'malformed-body', 'The body could not be parsed');
export const unauthorized = problemFactory('ERR_UNAUTHORIZED', 401, 'unauthorized', 'Authentication required');
export const notFound = problemFactory('ERR_NOT_FOUND', 404, 'not-found', 'No such route');
export const sessionNotFound = problemFactory('ERR_SESSION_NOT_FOUND', 404, 'session-not-found', 'No such session');
export const idempotencyKeyReused = problemFactory('ERR_IDEMPOTENCY_KEY_REUSED', 422, 'idempotency-key-reused', 'The Idempotency-Key was used with another body');
export const storeUnavailable = problemFactory('ERR_STORE_UNAVAILABLE', 503, 'store-unavailable', 'The session store does not answer');
export const conflict = problemFactory('ERR_CONFLICT', 409, 'conflict', 'The request conflicts with the session');
export const methodNotAllowed = problemFactory('ERR_METHOD_NOT_ALLOWED', 405, 'method-not-allowed', 'Method not allowed');
export const payloadTooLarge = problemFactory('ERR_PAYLOAD_TOO_LARGE', 413, 'payload-too-large', 'The body is too large');
export const unsupportedMediaType = problemFactory(
  'ERR_UNSUPPORTED_MEDIA_TYPE',
  415,
  'unsupported-media-type',
  'Unsupported content type',
);
export const notAcceptable = problemFactory('ERR_NOT_ACCEPTABLE', 406, 'not-acceptable', 'Not acceptable');
export const internalError = problemFactory('ERR_INTERNAL', 500, 'internal', 'Internal server error');
export const overloaded = problemFactory('ERR_OVERLOADED', 503, 'overloaded', 'The service is at capacity');
export const timedOut = problemFactory('ERR_TIMEOUT', 503, 'timeout', 'The computation took too long');
export const shuttingDown = problemFactory('ERR_SHUTTING_DOWN', 503, 'shutting-down', 'The service is shutting down');
/** Nobody reads it: the status (nginx's 499) is for the request log and /metrics. */
export const clientClosed = problemFactory('ERR_CLIENT_CLOSED', 499, 'client-closed', 'The client closed the connection');

/**
 * A value from a request as a message may quote it: its type, and for a string or number a
 * preview of at most `max` characters. Never walks into arrays or objects, so neither their
 * size nor their depth (JSON.stringify recurses) reaches the message.
 *
 * @example describeValue('accurracy') // '"accurracy"'
 * @example describeValue({ a: { b: 1 } }) // 'an object'
 */
export function describeValue(value: unknown, max = 40): string {
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value.length > max ? value.slice(0, max) : value);
    return value.length > max ? `${quoted.slice(0, -1)}…" (${value.length} characters)` : quoted;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value).slice(0, max);
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** One validation failure at `path`, as a 400. */
export const invalidField = (path: string, message: string): ProblemError =>
  invalidRequest(`${path}: ${message}`, [{ path, message }]);

/** A zod issue as far as the error list needs it (zod's own type, without its import). */
interface ZodIssueLike {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  keys?: readonly string[];
  errors?: ReadonlyArray<ReadonlyArray<ZodIssueLike>>;
}

/**
 * A union's failure, told by the alternative the input got furthest into: one whose issues all
 * lie inside the input (a field of the object it matched) rather than at its root. So
 * `{"name": "accuracy", "threshold": "0.5"}` in a list of metric names or objects is reported at
 * `metrics/0/threshold`, not as "invalid input" at `metrics/0`. Otherwise the union's own issue.
 */
function narrowed(issue: ZodIssueLike): ZodIssueLike[] {
  if (issue.code !== 'invalid_union' || !issue.errors) return [issue];
  // A discriminated union that matched no option (an unknown `name`) got nowhere inside either.
  const noMatch = (i: ZodIssueLike) => i.code === 'invalid_union' && (i.errors?.length ?? 0) === 0;
  const inside = (i: ZodIssueLike) => !noMatch(i) && (i.path.length > 0 || (i.code === 'unrecognized_keys' && (i.keys?.length ?? 0) > 0));
  const reached = issue.errors.find((alternative) => alternative.length > 0 && alternative.every(inside));
  if (!reached) return [issue];
  return reached.flatMap((i) => narrowed({ ...i, path: [...issue.path, ...i.path] }));
}

/** Shapes zod issues (main thread or worker) into the `errors` list of a 400. */
export function fromZodIssues(issues: ReadonlyArray<ZodIssueLike>): ProblemError {
  const pathOf = (parts: ReadonlyArray<PropertyKey>) => parts.map(String).join('/') || '(body)';
  // An unknown key is named by its own path (`averag`), so a misspelt option is easy to spot.
  const errors = issues.flatMap(narrowed).flatMap((issue) =>
    issue.keys && issue.keys.length > 0
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: issue.message.startsWith('unknown field') ? issue.message : `unknown field "${key}"` }))
      : [{ path: pathOf(issue.path), message: issue.message }],
  );
  const first = errors[0];
  const detail = first ? `${first.path}: ${first.message}` : 'invalid request';
  return invalidRequest(errors.length > 1 ? `${detail} (and ${errors.length - 1} more)` : detail, errors);
}
