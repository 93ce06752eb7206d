import { WasmKernel, type WasmExports } from '../kernels/wasm-module.js';
import { wasmBase64 } from './wasm/json-write.wasm.js';

interface JsonWriteExports extends WasmExports {
  write_tensor(values: number, shape: number, rank: number, out: number): number;
}

const kernel = new WasmKernel<JsonWriteExports>(wasmBase64);

/**
 * A tensor as nested JSON arrays, exactly the text JSON.stringify gives for them
 * (src/wire/wasm/json-write.c: Ryu's shortest round-trip digits, ECMAScript's layout), about
 * four times as fast. Rank 1 to 4; a tensor with an empty dimension is written "[]"-style by
 * the caller's JSON.stringify instead.
 *
 * @example tensorJson(Float64Array.of(0.1, -0, 1e21, 5e-324), [2, 2]) // '[[0.1,0],[1e+21,5e-324]]'
 */
export function tensorJson(data: Float64Array, shape: readonly number[]): string {
  const bytes = tensorJsonBytes(data, shape);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * {@link tensorJson} as ASCII bytes, without the string: for an answer that goes out as bytes
 * (a worker's), which saves a copy of the text. A tensor over 16 MiB has its bytes as a view into
 * the memory of a writer instance of its own (never reused), a smaller one's a copy.
 */
export function tensorJsonBytes(data: Float64Array, shape: readonly number[]): Uint8Array {
  const instance = kernel.forInput(data.byteLength);
  const capacity = 36 * data.length + 16;
  const [valuesAt, shapeAt, outAt] = instance.layout(data.byteLength, 16, capacity);
  const wasm = instance.exports;
  new Float64Array(wasm.memory.buffer, valuesAt, data.length).set(data);
  new Uint32Array(wasm.memory.buffer, shapeAt, shape.length).set(shape);
  const length = wasm.write_tensor(valuesAt, shapeAt, shape.length, outAt);
  const bytes = new Uint8Array(wasm.memory.buffer, outAt, length);
  // A kept instance writes the next tensor over these; a throwaway one is never reused.
  return instance.kept ? bytes.slice() : bytes;
}
