import sjson from 'secure-json-parse';
import { invalidField, malformedBody } from '../errors.js';
import { MAX_JSON_DEPTH, nestingBeyond } from './json-depth.js';
import { scanJsonObject } from './json-numbers.js';
import { TENSOR_FIELDS } from '../schemas/common.js';
import { TypedTensor } from '../batch/tensor.js';

/**
 * A body that cannot spell `__proto__` or `constructor`, even with \u escapes: plain JSON.parse is
 * then as safe as secure-json-parse, without its two regular-expression scans (numeric batches,
 * the usual body, take this path).
 */
const cannotPoison = (bytes: Buffer): boolean => !bytes.includes('\\u') && !bytes.includes('proto') && !bytes.includes('constructor');

const isTensorField = (key: string) => TENSOR_FIELDS.has(key);

/**
 * The fast path: the object's tensors straight from the bytes into typed arrays (as
 * {@link TypedTensor}s, which the flattening stage checks like nested arrays), the other members
 * through JSON.parse. Undefined when the scan declines; JSON.parse then decides, and reports.
 */
function decodeTensorObject(bytes: Buffer): Record<string, unknown> | undefined {
  const members = scanJsonObject(bytes, isTensorField);
  if (members === undefined) return undefined;
  const body: Record<string, unknown> = {};
  for (const { key, start, end, tensor } of members) {
    // The member is one level below the body object.
    if (!tensor && nestingBeyond(bytes.subarray(start, end), MAX_JSON_DEPTH - 1) !== undefined) throw tooDeep(key);
  }
  try {
    for (const { key, start, end, tensor } of members) {
      body[key] = tensor ? new TypedTensor(tensor.data, tensor.shape) : JSON.parse(bytes.toString('utf8', start, end));
    }
  } catch {
    return undefined; // the whole body's JSON.parse reports it
  }
  return body;
}

const tooDeep = (field: string) => invalidField(field, `nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels (the body object is the first); no request needs more than 6`);

/**
 * Parses a JSON request body, rejecting `__proto__` and `constructor.prototype` keys as
 * Fastify's own parser does, and nesting deeper than {@link MAX_JSON_DEPTH} (what reads the
 * parsed value recurses). Shared by the main thread (small bodies) and the workers (large).
 *
 * @throws {ProblemError} 400 for invalid JSON, an empty body, a poisoned key, or nesting too
 *   deep (naming the top-level field it is in)
 */
export function decodeJsonBody(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw malformedBody('the body is empty; send a JSON object');
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // One check serves both paths: UTF-8 decoding leaves every ASCII byte as it is.
  const safe = cannotPoison(buffer);
  if (safe) {
    const body = decodeTensorObject(buffer);
    if (body !== undefined) return body;
  }
  const deepIn = nestingBeyond(buffer);
  if (deepIn !== undefined) throw tooDeep(deepIn);
  // Invalid UTF-8 becomes U+FFFD, as in Fastify's own parser: it can only land inside strings.
  const text = buffer.toString('utf8');
  try {
    if (safe) return JSON.parse(text);
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
