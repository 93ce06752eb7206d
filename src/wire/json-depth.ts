/**
 * How deep JSON text may nest arrays and objects. The deepest honest body is a rank-4 tensor in
 * the body object (5 levels) or a metric option object (`alpha.effective_number.beta`, 4); the
 * bound leaves room for that many times over. JSON.parse itself is iterative in V8, but what
 * reads its result is not: JSON.stringify, zod and structuredClone recurse, and a stack overflow
 * there is a 500 instead of a 400.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Where JSON text first nests deeper than `maxDepth`: the top-level member it happens in (its
 * key, as written between the quotes), `(body)` when it is not inside a member of an object, or
 * undefined when the text stays within the bound. Only brackets outside strings count; the text
 * need not be valid JSON (the parser reports that).
 *
 * @param bytes UTF-8 JSON text, or a slice of it that starts at a value
 * @param maxDepth the deepest nesting allowed (the outermost array or object is depth 1)
 * @example nestingBeyond(Buffer.from('{"a":[[1]]}'), 2) // 'a'
 * O(n) in the bytes, one pass, no allocation until the answer.
 */
export function nestingBeyond(bytes: Uint8Array, maxDepth: number = MAX_JSON_DEPTH): string | undefined {
  let depth = 0;
  let inString = false;
  let rootIsObject = false;
  // The last string read at depth 1, and where it started: the key of the member being read.
  let stringStart = -1;
  let keyStart = -1;
  let keyEnd = -1;
  for (let at = 0; at < bytes.length; at++) {
    const byte = bytes[at];
    if (inString) {
      if (byte === BACKSLASH) at++;
      else if (byte === QUOTE) {
        inString = false;
        if (depth === 1) {
          keyStart = stringStart;
          keyEnd = at;
        }
      }
    } else if (byte === QUOTE) {
      inString = true;
      stringStart = at + 1;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (depth === 0) rootIsObject = byte === OPEN_BRACE;
      if (++depth > maxDepth) {
        const inMember = rootIsObject && keyStart >= 0;
        return inMember ? Buffer.from(bytes.buffer, bytes.byteOffset + keyStart, keyEnd - keyStart).toString('utf8') : '(body)';
      }
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth--;
  }
  return undefined;
}
