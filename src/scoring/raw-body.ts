import sjson from 'secure-json-parse';
import { malformedBody } from '../errors.js';

/**
 * Text that cannot spell `__proto__` or `constructor`, even with \u escapes: plain JSON.parse is
 * then as safe as secure-json-parse, without its two regular-expression scans (numeric batches,
 * the usual body, take this path).
 */
const cannotPoison = (text: string): boolean => !text.includes('\\u') && !text.includes('proto') && !text.includes('constructor');

/**
 * Parses a JSON request body, rejecting `__proto__` and `constructor.prototype` keys as
 * Fastify's own parser does. Shared by the main thread (small bodies) and the workers (large).
 *
 * @throws {ProblemError} 400 for invalid JSON, an empty body or a poisoned key
 */
export function decodeJsonBody(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw malformedBody('the body is empty; send a JSON object');
  // Invalid UTF-8 becomes U+FFFD, as in Fastify's own parser: it can only land inside strings.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    if (cannotPoison(text)) return JSON.parse(text);
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw malformedBody(`the body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Bytes with an ArrayBuffer of their own, safe to transfer to or from a worker: a view into a
 * shared buffer (Node's pooled small Buffers, a slice) is copied, anything else passed through.
 */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return own ? bytes : new Uint8Array(bytes);
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
