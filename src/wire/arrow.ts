import sjson from 'secure-json-parse';
import { MAX_JSON_DEPTH, nestingBeyond } from './json-depth.js';
import {
  Field,
  FixedSizeList,
  Float64,
  Precision,
  Schema,
  Table,
  Type,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  type DataType,
  type Float,
  type Vector,
} from 'apache-arrow';
import type { z } from 'zod';
import { fromZodIssues, invalidField, malformedBody } from '../errors.js';
import { TypedTensor, pathOf, type Tensor } from '../scoring/tensor.js';

/** The media type of an Arrow IPC stream (what pyarrow's `ipc.new_stream` writes). */
export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

type Column = Vector;
type NumericArray = TypedTensor['data'] | BigInt64Array | BigUint64Array | Float32Array;

function readTable(bytes: Uint8Array): Table {
  try {
    const table = tableFromIPC(bytes);
    if (table.schema.fields.length === 0) throw new Error('no columns');
    return table;
  } catch (error) {
    throw malformedBody(`the body is not an Arrow IPC stream with columns preds and labels: ${(error as Error).message}`);
  }
}

function column(table: Table, name: string): Column {
  const vector = table.getChild(name);
  if (!vector) {
    const names = table.schema.fields.map((f) => f.name).join(', ');
    throw invalidField(name, `the Arrow stream has no column "${name}" (columns: ${names || 'none'})`);
  }
  if (vector.nullCount > 0) {
    for (let i = 0; i < vector.length; i++) if (!vector.isValid(i)) throw invalidField(`${name}/${i}`, 'null is not a number');
  }
  return vector;
}

/** The primitive values of a column and the width of each row (1, or the FixedSizeList size). */
function valuesOf(name: string, vector: Column, accept: (type: DataType) => boolean, what: string): { values: NumericArray; width: number; list: boolean } {
  const type = vector.type;
  const isList = type.typeId === Type.FixedSizeList;
  const leaf = isList ? (type as FixedSizeList).children[0].type : type;
  if (!accept(leaf)) throw invalidField(name, `expected ${what} (or a FixedSizeList of them), got ${String(type)}`);
  const width = isList ? (type as FixedSizeList).listSize : 1;
  const chunks = vector.data.map((data) => {
    const leafData = isList ? data.children[0] : data;
    if (isList && data.children[0].nullCount > 0) throw invalidField(name, 'null inside a list is not a number');
    const start = (leafData.offset + (isList ? data.offset * width : 0)) as number;
    return (leafData.values as NumericArray).subarray(start, start + data.length * width);
  });
  if (chunks.length === 1) return { values: chunks[0], width, list: isList }; // zero-copy view of the body
  const total = chunks.reduce((sum, c) => sum + c.length, 0);
  const Ctor = chunks[0].constructor as new (n: number) => NumericArray;
  const out = new Ctor(total);
  let at = 0;
  for (const chunk of chunks) {
    (out as Float64Array).set(chunk as Float64Array, at);
    at += chunk.length;
  }
  return { values: out, width, list: isList };
}

/** Float32 and Float64 (Float16 values would need a conversion JavaScript lacks: refused by name). */
const isFloat = (type: DataType) => type.typeId === Type.Float && (type as Float).precision !== Precision.HALF;
const isInt = (type: DataType) => type.typeId === Type.Int;

/** Integer labels of any Arrow integer type, as Int32 (a view when they already are). */
function labelsInt32(values: NumericArray, shape: number[]): Int32Array {
  if (values instanceof Int32Array) return values;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (v < -2147483648 || v > 2147483647) throw invalidField(pathOf('labels', shape, i), `label ${v} is outside the 32-bit range`);
    out[i] = v;
  }
  return out;
}

/** Field schemas behind default / optional / nullable wrappers, to see what a field takes. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as unknown as { _zod: { def: { type: string; innerType?: unknown } } };
  while (['default', 'optional', 'nullable', 'prefault'].includes(s._zod.def.type) && s._zod.def.innerType) {
    s = s._zod.def.innerType as typeof s;
  }
  return s as unknown as z.ZodType;
}

const scalarOf = (text: string): unknown => {
  if (text === 'null') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
};

/** The schema of the option at a dotted path (`alpha.effective_number.counts`), through unions and wrappers. */
function fieldAt(shape: Record<string, z.ZodType>, path: string[]): z.ZodType | undefined {
  // Own properties only: `constructor` or `toString` must not reach Object.prototype's.
  const own = (fields: Record<string, z.ZodType> | undefined, name: string) => (fields && Object.hasOwn(fields, name) ? fields[name] : undefined);
  let field: z.ZodType | undefined = own(shape, path[0]);
  for (const part of path.slice(1)) {
    if (field === undefined) return undefined;
    const inner = unwrap(field) as unknown as { _zod: { def: { type: string; shape?: Record<string, z.ZodType>; options?: z.ZodType[] } } };
    const objects = inner._zod.def.type === 'object' ? [inner] : (inner._zod.def.options ?? []).map((o) => unwrap(o) as unknown as typeof inner);
    field = objects.map((o) => own(o._zod.def.shape, part)).find((f) => f !== undefined);
  }
  return field;
}

/** Names that would reach an object's prototype when used as a property to write. */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A query value written as JSON (`metrics=[{"name":"f1_score","average":"micro"}]`): what a comma list cannot carry. */
function jsonOption(key: string, text: string): unknown {
  // The option is one level below the request object it stands for.
  if (nestingBeyond(Buffer.from(text), MAX_JSON_DEPTH - 1) !== undefined) {
    throw invalidField(key, `nests arrays or objects more than ${MAX_JSON_DEPTH - 1} levels deep`);
  }
  try {
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw invalidField(key, 'starts like JSON ([ or {) but is not valid JSON, or names __proto__ or constructor');
  }
}

/**
 * Query parameters as the JSON body's option fields: numbers, booleans and null are read as
 * such, arrays are comma-separated, and dotted names nest to any depth
 * (`alpha.effective_number.beta=0.999`). A field that only takes arrays gets one even from a
 * single value (`metrics=auroc`). A value starting with `[` or `{` is read as JSON, for lists
 * of objects (`metrics=[{"name":"f1_score","average":"micro"}]`).
 */
export function optionsFromQuery(query: Record<string, unknown>, shape: Record<string, z.ZodType>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    const text = Array.isArray(raw) ? raw.join(',') : String(raw);
    const path = key.split('.');
    // A dotted name builds nested objects: `a.__proto__.x` would write into Object.prototype.
    const unsafe = path.find((part) => FORBIDDEN_NAMES.has(part));
    if (unsafe !== undefined) throw invalidField(key, `"${unsafe}" is not an option name`);
    const field = fieldAt(shape, path);
    const arrayOnly = field !== undefined && (unwrap(field) as unknown as { _zod: { def: { type: string } } })._zod.def.type === 'array';
    const value = /^\s*[[{]/.test(text) ? jsonOption(key, text) : arrayOnly || text.includes(',') ? text.split(',').map(scalarOf) : scalarOf(text);
    let parent = options;
    for (let depth = 0; depth < path.length - 1; depth++) {
      const part = path[depth];
      // Own members only: `toString.x` must not find Object.prototype's toString.
      const next = Object.hasOwn(parent, part) ? parent[part] : (parent[part] = {});
      if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw invalidField(key, `"${path.slice(0, depth + 1).join('.')}" has a value of its own, so it takes no field "${path[depth + 1]}"`);
      }
      parent = next as Record<string, unknown>;
    }
    parent[path[path.length - 1]] = value;
  }
  return options;
}

/**
 * An optional `sample_weight` column (any float or integer type; a FixedSizeList for [B, N]
 * focal-loss weights), as the request field of that name. Weights come once: a column, or the
 * query.
 */
function weightColumn(table: Table, query: Record<string, unknown>): { sample_weight?: TypedTensor } {
  if (!table.getChild('sample_weight')) return {};
  if ('sample_weight' in query) throw invalidField('sample_weight', 'comes either as an Arrow column or in the query, not both');
  const weights = valuesOf('sample_weight', column(table, 'sample_weight'), (type) => isFloat(type) || isInt(type), 'Float32, Float64 or an integer type');
  const shape = weights.list ? [table.numRows, weights.width] : [table.numRows];
  const values = weights.values instanceof BigInt64Array || weights.values instanceof BigUint64Array ? Float64Array.from(weights.values, Number) : weights.values;
  return { sample_weight: new TypedTensor(values, shape) };
}

/**
 * An Arrow request: the `preds` and `labels` columns as typed tensors (zero-copy views of the
 * body where the layout allows), the options from the query, validated by the route's schema
 * minus the two columns.
 *
 * @throws {ProblemError} 400 for a body that is not Arrow, a missing or mistyped column, nulls,
 *   different column lengths, or invalid options
 */
export function decodeArrowRequest(bytes: Uint8Array, query: Record<string, unknown>, schema: z.ZodObject): Record<string, unknown> {
  if ('preds' in query || 'labels' in query) {
    throw invalidField('preds' in query ? 'preds' : 'labels', 'comes in the Arrow body as a column, not as a query parameter');
  }
  const optionsSchema = schema.omit({ preds: true, labels: true } as never);
  const parsed = optionsSchema.safeParse(optionsFromQuery(query, schema.shape as Record<string, z.ZodType>));
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);

  const table = readTable(bytes);
  const predsColumn = valuesOf('preds', column(table, 'preds'), isFloat, 'Float32 or Float64');
  const labelsColumn = valuesOf('labels', column(table, 'labels'), isInt, 'an integer type');
  const rows = table.numRows;
  // A FixedSizeList column is [rows, width] even for width 1: a [B, 1] binary head stays [B, 1].
  const predsShape = predsColumn.list ? [rows, predsColumn.width] : [rows];
  const labelsShape = labelsColumn.list ? [rows, labelsColumn.width] : [rows];
  return {
    ...(parsed.data as Record<string, unknown>),
    ...weightColumn(table, query),
    preds: new TypedTensor(predsColumn.values as Float64Array | Float32Array, predsShape),
    labels: new TypedTensor(labelsInt32(labelsColumn.values, labelsShape), labelsShape),
  };
}

/**
 * A response as an Arrow IPC stream: each tensor a column over its first dimension (inner
 * dimensions as a FixedSizeList), every other field as JSON in the schema metadata `response`,
 * and each tensor's full shape in `shape:<name>`.
 */
export function encodeArrowResponse(fields: Record<string, unknown>, tensors: Record<string, Tensor>): Uint8Array {
  const metadata = new Map<string, string>([['response', JSON.stringify(fields)]]);
  const columns: Record<string, Vector> = {};
  for (const [name, tensor] of Object.entries(tensors)) {
    metadata.set(`shape:${name}`, JSON.stringify(tensor.shape));
    const rows = tensor.shape[0];
    const width = tensor.data.length / rows;
    const child = makeData({ type: new Float64(), length: tensor.data.length, data: Float64Array.from(tensor.data) });
    // Rank 1 as a plain column, anything deeper as a FixedSizeList (width 1 included: [B, 1] stays so).
    columns[name] =
      tensor.shape.length === 1 ? makeVector(child) : makeVector(makeData({ type: new FixedSizeList(width, new Field('item', new Float64(), false)), length: rows, child }));
  }
  const table = new Table(columns);
  const withMetadata = new Table(new Schema(table.schema.fields, metadata), table.batches);
  return tableToIPC(withMetadata, 'stream');
}
