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
  type Int,
  type Vector,
} from 'apache-arrow';
import type { z } from 'zod';
import { fromZodIssues, invalidField, malformedBody } from '../errors.js';
import { TypedTensor, pathOf, type Tensor } from '../batch/tensor.js';
import { columnLayouts, declaredBatches, type DeclaredBatch, type DeclaredBuffer, type DeclaredNode } from './arrow-ipc.js';

/** The media type of an Arrow IPC stream (what pyarrow's `ipc.new_stream` writes). */
export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

type Column = Vector;
type NumericArray = TypedTensor['data'] | BigInt64Array | BigUint64Array | Float32Array;

/** A parsed Arrow body and what its record batches declared, to check a column against before it is read. */
interface ArrowBody {
  table: Table;
  batches: DeclaredBatch[];
}

/**
 * The body as a table, its framing checked first ({@link declaredBatches}) so apache-arrow's own
 * walk is bounded by the bytes received. Parsing builds views only: nothing here reads a value or
 * allocates by a declared length; the columns are checked as they are taken ({@link column}).
 */
function readTable(bytes: Uint8Array): ArrowBody {
  const batches = declaredBatches(bytes);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
    if (table.schema.fields.length === 0) throw new Error('no columns');
  } catch (error) {
    throw malformedBody(`the body is not an Arrow IPC stream with columns preds and labels: ${(error as Error).message}`);
  }
  if (table.batches.length !== batches.length) {
    throw malformedBody(`the Arrow stream has ${batches.length} record batches, but ${table.batches.length} were read`);
  }
  return { table, batches };
}

/** Bytes per value of the primitive types a column may hold (Int and Float; Float16 is refused by type later). */
function byteWidth(type: DataType): number | undefined {
  if (type.typeId === Type.Int) return (type as Int).bitWidth / 8;
  if (type.typeId === Type.Float) return [2, 4, 8][(type as Float).precision];
  return undefined;
}

/** The number of set bits among the first `bits` of a validity bitmap (LSB first), i.e. the valid rows. */
function countValid(bitmap: Uint8Array, bits: number): number {
  let valid = 0;
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) {
    let byte = bitmap[i];
    while (byte) {
      byte &= byte - 1;
      valid++;
    }
  }
  for (let bit = whole << 3; bit < bits; bit++) valid += (bitmap[bit >> 3] >> (bit & 7)) & 1;
  return valid;
}

/**
 * One field node and its validity and values buffers, checked against the body they point into:
 * the buffers lie inside the body, the values buffer holds `length` values of `width` bytes, and
 * the null count is between 0 and the length and is what the validity bitmap says (a bitmap,
 * when present or when nulls are declared, has a bit for every row). apache-arrow drops a bitmap
 * whose node declares no nulls, so a bitmap with nulls under `null_count` 0 would turn nulls into
 * values: it is refused too.
 *
 * @throws {ProblemError} 400 at `name`, saying what the declaration claims and what the bytes hold
 */
function checkNode(name: string, where: string, node: DeclaredNode, validity: DeclaredBuffer | undefined, values: DeclaredBuffer | undefined, width: number | undefined, body: Uint8Array): void {
  const inBody = (buffer: DeclaredBuffer | undefined, what: string): DeclaredBuffer => {
    if (!buffer) throw invalidField(name, `${where} has no ${what} buffer`);
    if (buffer.offset + buffer.length > body.length) {
      throw invalidField(name, `${where} declares its ${what} buffer at body bytes ${buffer.offset}..${buffer.offset + buffer.length}, past the end of its ${body.length}-byte body`);
    }
    return buffer;
  };
  const rows = node.length;
  if (node.nullCount > rows) throw invalidField(name, `${where} declares ${node.nullCount} nulls in ${rows} rows`);
  const bitmap = inBody(validity, 'validity');
  if (bitmap.length > 0 || node.nullCount > 0) {
    const need = Math.ceil(rows / 8);
    if (bitmap.length < need) {
      throw invalidField(name, `${where} declares ${rows} rows${node.nullCount > 0 ? ` and ${node.nullCount} nulls` : ''}, but its validity bitmap holds ${bitmap.length} bytes (${need} needed)`);
    }
    const nulls = rows - countValid(body.subarray(bitmap.offset, bitmap.offset + need), rows);
    if (nulls !== node.nullCount) throw invalidField(name, `${where} declares ${node.nullCount} nulls, but its validity bitmap marks ${nulls}`);
  }
  if (width === undefined) return;
  const data = inBody(values, 'values');
  if (data.length < rows * width) {
    throw invalidField(name, `${where} declares ${rows} values, but its values buffer holds ${Math.floor(data.length / width)} (${data.length} bytes of ${width})`);
  }
}

/**
 * A column's declarations in every record batch, checked against the batch and the bytes
 * received, before any value is read: the column's row count is the batch's, a FixedSizeList's
 * child holds exactly `listSize` values per row, every buffer lies inside the body and is large
 * enough for its declared length, and null counts agree with the validity bitmaps. So every
 * column read has the same length, `table.numRows`, and every view taken of it is whole.
 * The column's type is one {@link column} took: Int or Float, or a FixedSizeList of them.
 *
 * @throws {ProblemError} 400 at `name` naming the record batch and what its bytes contradict
 */
function checkColumn(name: string, body: ArrowBody): void {
  const { table, batches } = body;
  const index = table.schema.fields.findIndex((field) => field.name === name);
  const type = table.schema.fields[index].type;
  batches.forEach((batch, b) => {
    const where = batches.length > 1 ? `record batch ${b}` : 'the record batch';
    const layout = columnLayouts(table.schema.fields.slice(0, index + 1), table.schema.metadataVersion, batch.variadicBufferCounts)[index];
    const node = batch.nodes[layout.node];
    if (!node) throw invalidField(name, `${where} has no field node for the column`);
    if (node.length !== batch.length) throw invalidField(name, `${where} declares ${batch.length} rows, but the column declares ${node.length}`);
    const buffer = (k: number) => batch.buffers[layout.buffer + k];
    if (type.typeId === Type.FixedSizeList) {
      const list = type as FixedSizeList;
      checkNode(name, where, node, buffer(0), undefined, undefined, batch.body);
      const child = batch.nodes[layout.node + 1];
      if (!child) throw invalidField(name, `${where} has no field node for the list values`);
      const values = node.length * list.listSize;
      if (child.length !== values) {
        throw invalidField(name, `${where} declares ${node.length} lists of ${list.listSize}, but ${child.length} list values (${values} expected)`);
      }
      const width = byteWidth(list.children[0].type);
      if (width !== undefined) checkNode(name, `${where}'s list values`, child, buffer(1), buffer(2), width, batch.body);
    } else {
      checkNode(name, where, node, buffer(0), buffer(1), byteWidth(type), batch.body);
    }
  });
}

/**
 * The column `name`: of a type `accept` takes (itself or as a FixedSizeList's values), its
 * declarations checked against the bytes ({@link checkColumn}), and refused when it holds a null.
 * In that order: the type first, so only layouts whose validity bitmap is checked reach the null
 * scan, which then runs over rows the bytes hold.
 *
 * @throws {ProblemError} 400 at `name` for a missing or mistyped column or a declaration the
 *   bytes contradict, at `name/i` for the first null
 */
function column(body: ArrowBody, name: string, accept: (type: DataType) => boolean, what: string): Column {
  const { table } = body;
  const vector = table.getChild(name);
  if (!vector) {
    const names = table.schema.fields.map((f) => f.name).join(', ');
    throw invalidField(name, `the Arrow stream has no column "${name}" (columns: ${names || 'none'})`);
  }
  const type = vector.type;
  const leaf = type.typeId === Type.FixedSizeList ? (type as FixedSizeList).children[0].type : type;
  if (!accept(leaf)) throw invalidField(name, `expected ${what} (or a FixedSizeList of them), got ${String(type)}`);
  checkColumn(name, body);
  if (vector.nullCount > 0) {
    for (let i = 0; i < vector.length; i++) if (!vector.isValid(i)) throw invalidField(`${name}/${i}`, 'null is not a number');
  }
  return vector;
}

/** The primitive values of a column {@link column} took and the width of each row (1, or the FixedSizeList size). */
function valuesOf(name: string, vector: Column): { values: NumericArray; width: number; list: boolean } {
  const type = vector.type;
  const isList = type.typeId === Type.FixedSizeList;
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
function weightColumn(body: ArrowBody, query: Record<string, unknown>): { sample_weight?: TypedTensor } {
  const { table } = body;
  if (!table.getChild('sample_weight')) return {};
  if ('sample_weight' in query) throw invalidField('sample_weight', 'comes either as an Arrow column or in the query, not both');
  const weights = valuesOf('sample_weight', column(body, 'sample_weight', (type) => isFloat(type) || isInt(type), 'Float32, Float64 or an integer type'));
  const shape = weights.list ? [table.numRows, weights.width] : [table.numRows];
  const values = weights.values instanceof BigInt64Array || weights.values instanceof BigUint64Array ? Float64Array.from(weights.values, Number) : weights.values;
  return { sample_weight: new TypedTensor(values, shape) };
}

/**
 * An optional `groups` column (GROUPS.md: one group id per row, any Arrow integer type, not a
 * list), as the request field of that name, for operations whose schema has one. Ids come once: a
 * column, or the query. Range and count are checked with the batch (`readGroups`).
 *
 * @throws {ProblemError} 400 at `groups` for a mistyped or list column, at `groups/i` for a null
 *   or an id beyond 32 bits
 */
function groupsColumn(body: ArrowBody, query: Record<string, unknown>, schema: z.ZodObject): { groups?: TypedTensor } {
  const { table } = body;
  if (!table.getChild('groups') || !('groups' in schema.shape)) return {};
  if ('groups' in query) throw invalidField('groups', 'comes either as an Arrow column or in the query, not both');
  const ids = valuesOf('groups', column(body, 'groups', isInt, 'an integer type'));
  if (ids.list) throw invalidField('groups', `expected one group id per row, got a FixedSizeList of ${ids.width}`);
  const values = new Int32Array(ids.values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(ids.values[i]);
    if (v < -2147483648 || v > 2147483647) throw invalidField(`groups/${i}`, `group id ${v} is outside the 32-bit range`);
    values[i] = v;
  }
  return { groups: new TypedTensor(values, [table.numRows]) };
}

/**
 * An Arrow request: the `preds` and `labels` columns as typed tensors (zero-copy views of the
 * body where the layout allows), the options from the query, validated by the route's schema
 * minus the two columns.
 *
 * @throws {ProblemError} 400 for a body that is not Arrow, a missing or mistyped column, nulls,
 *   a column whose declared lengths, null counts or buffers its bytes contradict (naming it), or
 *   invalid options
 */
export function decodeArrowRequest(bytes: Uint8Array, query: Record<string, unknown>, schema: z.ZodObject): Record<string, unknown> {
  if ('preds' in query || 'labels' in query) {
    throw invalidField('preds' in query ? 'preds' : 'labels', 'comes in the Arrow body as a column, not as a query parameter');
  }
  const optionsSchema = schema.omit({ preds: true, labels: true } as never);
  const parsed = optionsSchema.safeParse(optionsFromQuery(query, schema.shape as Record<string, z.ZodType>));
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);

  const body = readTable(bytes);
  const predsColumn = valuesOf('preds', column(body, 'preds', isFloat, 'Float32 or Float64'));
  const labelsColumn = valuesOf('labels', column(body, 'labels', isInt, 'an integer type'));
  const rows = body.table.numRows;
  // A FixedSizeList column is [rows, width] even for width 1: a [B, 1] binary head stays [B, 1].
  const predsShape = predsColumn.list ? [rows, predsColumn.width] : [rows];
  const labelsShape = labelsColumn.list ? [rows, labelsColumn.width] : [rows];
  return {
    ...(parsed.data as Record<string, unknown>),
    ...weightColumn(body, query),
    ...groupsColumn(body, query, schema),
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
