import { tensorJson, tensorJsonBytes } from './json-write.js';
import { nestedArrays, tensorBehind } from '../batch/tensor.js';

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

/**
 * {@link stringifyResponse} as UTF-8 bytes of their own (safe to transfer), built from parts,
 * also for an answer encoded under `withFlatTensors` (tensors as placeholders):
 * a large tensor's text goes from the writer's memory into the answer once, never through a
 * string (a 3-million-row gradient's text is 250 MB; a string and its encoding were two copies).
 */
export function stringifyResponseBytes(data: unknown): Uint8Array {
  const parts: Uint8Array[] = [];
  if (holdsTensor(data)) writeWithTensors(data, parts);
  else parts.push(Buffer.from(JSON.stringify(data), 'utf8'));
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** stringifyWithTensors, pushing byte parts. */
function writeWithTensors(data: unknown, parts: Uint8Array[]): void {
  const tensor = tensorBehind(data);
  if (tensor) {
    const { data: values, shape } = tensor;
    // Under withFlatTensors the array is a placeholder: a tensor the writer does not take is nested here.
    if (values instanceof Float64Array && values.length >= WRITER_MIN_VALUES && !shape.includes(0)) parts.push(tensorJsonBytes(values, shape));
    else parts.push(Buffer.from(JSON.stringify(nestedArrays(tensor)), 'utf8'));
    return;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || Object.getPrototypeOf(data) !== Object.prototype) {
    parts.push(Buffer.from(JSON.stringify(data), 'utf8'));
    return;
  }
  let first = true;
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue; // as JSON.stringify
    parts.push(Buffer.from(`${first ? '{' : ','}${JSON.stringify(key)}:`, 'utf8'));
    first = false;
    writeWithTensors(value, parts);
  }
  parts.push(Buffer.from(first ? '{}' : '}', 'utf8'));
}
