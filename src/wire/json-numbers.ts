import { WasmKernel, type WasmExports } from '../kernels/wasm-module.js';
import { wasmBase64 } from './wasm/json-numbers.wasm.js';

interface JsonNumbersExports extends WasmExports {
  parse_object(text: number, length: number, out: number, members: number): number;
}

/** Words per member record, members at most: MEMBER_WORDS and MAX_MEMBERS in json-numbers.c. */
const MEMBER_WORDS = 10;
const MAX_MEMBERS = 64;
/** Zero bytes after the text: the scanner reads up to 8 bytes at a time without bounds checks. */
const PADDING = 8;

/** The body being scanned, for the slow-number import. */
const EMPTY = new Uint8Array(0);
let text = EMPTY;

const kernel = new WasmKernel<JsonNumbersExports>(wasmBase64, {
  env: {
    // The rare token the fast algorithms cannot decide: the engine's conversion, as JSON.parse's.
    slow_number: (start: number, length: number): number => Number(Buffer.from(text.buffer, text.byteOffset + start, length).toString('latin1')),
  },
});

/** Inside {@link withLentTensors}: large bodies' tensors are lent as views, not copied out. */
let lending = false;
/** The kept large instance's memory holds tensors lent in this {@link withLentTensors} call. */
let lent = false;

/**
 * Runs `compute` (synchronous) with the tensors of a body of 1 to 16 MiB lent as views into the
 * memory of the scanner instance kept for such bodies, instead of copied out of it: the copy of
 * every number (8 bytes each, in memory faulted in afresh, 11-13 ms for 1.1 million numbers
 * here) is a third of a worker's decode. Whatever `compute` returns must not hold a decoded
 * tensor, since the next body is scanned over them; a second body scanned within the same call
 * gets an instance of its own. A worker's task is one such call: decode, compute, encode.
 */
export function withLentTensors<T>(compute: () => T): T {
  lending = true;
  try {
    return compute();
  } finally {
    lending = false;
    lent = false;
  }
}

/** One member of the top-level object: its key, its value's byte range, and the value as a tensor when it is one. */
export interface JsonMember {
  key: string;
  start: number;
  end: number;
  /** Set for a rectangular array of numbers whose key was asked for. */
  tensor?: { data: Float64Array; shape: number[] };
}

/**
 * Scans a JSON object (src/wire/wasm/json-numbers.c): checks its grammar, and reads each
 * member whose key `wantsTensor` names and whose value is a rectangular array of numbers (rank 1
 * to 4) straight into a Float64Array, converted exactly as JSON.parse converts. Other values are
 * returned as byte ranges for JSON.parse. Undefined when the scan declines: invalid JSON, keys
 * with escapes or non-ASCII bytes, over 64 members, deep nesting, or a number beyond the double
 * range; JSON.parse then decides. For a body over 16 MiB the tensors are views into the scan's own
 * WebAssembly memory (kept alive by them, never written again), not copies; smaller bodies are
 * scanned in an instance kept for the next one (its pages already mapped) and copied out, or
 * lent as views within {@link withLentTensors}.
 */
export function scanJsonObject(bytes: Buffer, wantsTensor: (key: string) => boolean): JsonMember[] | undefined {
  const instance = kernel.forInput(bytes.byteLength, lent);
  // The kept large instance lends its numbers (see withLentTensors); the shared one never does.
  const lends = lending && instance.kept && instance !== kernel;
  const capacity = (bytes.byteLength >>> 1) + 1;
  const [textAt, out, records] = instance.layout(bytes.byteLength + PADDING, capacity * 8, MAX_MEMBERS * MEMBER_WORDS * 4);
  const wasm = instance.exports;
  text = new Uint8Array(wasm.memory.buffer, textAt, bytes.byteLength + PADDING);
  text.set(bytes);
  text.fill(0, bytes.byteLength);
  let count: number;
  try {
    count = wasm.parse_object(textAt, bytes.byteLength, out, records);
  } finally {
    text = EMPTY; // a throwaway instance's memory must not stay reachable from here
  }
  if (count < 0) return undefined;

  const words = new Uint32Array(wasm.memory.buffer, records, count * MEMBER_WORDS);
  const members: JsonMember[] = [];
  for (let at = 0; at < count * MEMBER_WORDS; at += MEMBER_WORDS) {
    const key = bytes.toString('latin1', words[at], words[at] + words[at + 1]);
    const member: JsonMember = { key, start: words[at + 2], end: words[at + 3] };
    const rank = words[at + 4];
    if (rank > 0 && wantsTensor(key)) {
      const shape: number[] = [];
      let size = 1;
      for (let d = 0; d < rank; d++) size *= shape[d] = words[at + 6 + d];
      const data = new Float64Array(wasm.memory.buffer, out + words[at + 5] * 8, size);
      // A throwaway instance (a body over 16 MiB) is never written again: its numbers are used
      // where they lie, which saves a copy of every tensor (8 bytes a number) at the request's
      // peak. A kept instance is reused by the next body, so its numbers are copied out unless
      // lent for a synchronous computation (withLentTensors).
      member.tensor = { data: instance.kept && !lends ? data.slice() : data, shape };
    }
    members.push(member);
  }
  if (lends) lent = true;
  return members;
}
