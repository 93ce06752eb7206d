import sjson from 'secure-json-parse';
import { malformedBody } from '../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a JSON request body, rejecting `__proto__` and `constructor.prototype` keys as
 * Fastify's own parser does. Shared by the main thread (small bodies) and the workers (large).
 *
 * @throws {ProblemError} 400 for invalid UTF-8, invalid JSON, an empty body or a poisoned key
 */
export function decodeJsonBody(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw malformedBody('the body is empty; send a JSON object');
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw malformedBody('the body is not valid UTF-8');
  }
  try {
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw malformedBody(`the body is not valid JSON: ${(error as Error).message}`);
  }
}

export type BodyFormat = 'json' | 'arrow';

/**
 * A body kept as bytes: JSON too large to parse on the main thread, or an Arrow IPC stream. It
 * is decoded where it is computed (a worker when large), with the route's own schema.
 */
export class RawBody {
  /** Kept apart from `bytes`, which are detached once transferred to a worker. */
  readonly size: number;

  constructor(
    readonly format: BodyFormat,
    readonly bytes: Uint8Array,
  ) {
    this.size = bytes.byteLength;
  }
}
