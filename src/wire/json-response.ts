import { tensorJson } from './json-write.js';
import { tensorBehind } from '../scoring/tensor.js';

/** Below this many values JSON.stringify is as quick as a call into the writer. */
const WRITER_MIN_VALUES = 32;

/**
 * A response object as JSON.stringify would write it, character for character, with the
 * tensors inside it (nested arrays built by `nest`, at any depth of plain objects) written from
 * their flat values by the WebAssembly writer (src/wire/json-write.ts), about twice as fast.
 * Everything else goes through JSON.stringify.
 */
export function stringifyResponse(data: unknown): string {
  // Most answers hold no tensor worth the writer: one JSON.stringify is quicker than a walk.
  return holdsTensor(data) ? stringifyWithTensors(data) : JSON.stringify(data);
}

/** Whether a tensor made by `nest` sits in `data`, in plain objects at any depth. */
function holdsTensor(data: unknown): boolean {
  if (data === null || typeof data !== 'object') return false;
  if (Array.isArray(data)) return tensorBehind(data) !== undefined;
  if (Object.getPrototypeOf(data) !== Object.prototype) return false;
  for (const key in data) if (holdsTensor((data as Record<string, unknown>)[key])) return true;
  return false;
}

function stringifyWithTensors(data: unknown): string {
  const tensor = tensorBehind(data);
  if (tensor && tensor.data.length >= WRITER_MIN_VALUES && tensor.data instanceof Float64Array && !tensor.shape.includes(0)) {
    return tensorJson(tensor.data, tensor.shape);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || Object.getPrototypeOf(data) !== Object.prototype) return JSON.stringify(data);
  let text = '';
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue; // as JSON.stringify
    text += `${text ? ',' : '{'}${JSON.stringify(key)}:${stringifyWithTensors(value)}`;
  }
  return text ? `${text}}` : '{}';
}
