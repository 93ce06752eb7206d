import { MetadataVersion, Type, UnionMode, type DataType, type Field, type Union } from 'apache-arrow';
import { malformedBody } from '../errors.js';

/**
 * What an Arrow IPC stream declares about itself, read from its own bytes and checked only as far
 * as reading it needs: every flatbuffer table, vector and scalar lies inside the message's
 * metadata, every body inside the bytes received, every declared count is a safe integer.
 *
 * Why: apache-arrow trusts these declarations. It sizes loops by a flatbuffer vector's declared
 * element count (a 4-byte patch makes it build 2^32 field nodes), and it slices each buffer with
 * `subarray`, which silently returns a shorter array when the declared range runs past the body,
 * so a record batch claiming more rows than its buffers hold is read as if the missing rows were
 * there. Walking the stream here first bounds what apache-arrow's own walk can cost, and keeps
 * each record batch's declarations so a column can be checked against them (`checkColumn`).
 */

/** A FieldNode: a column's (or list child's) row count and null count in one record batch. */
export interface DeclaredNode {
  length: number;
  nullCount: number;
}

/** A Buffer: a byte range relative to the message body. */
export interface DeclaredBuffer {
  offset: number;
  length: number;
}

/** One record batch as declared: its row count, field nodes and buffers in schema order, and its body. */
export interface DeclaredBatch {
  length: number;
  nodes: DeclaredNode[];
  buffers: DeclaredBuffer[];
  variadicBufferCounts: number[];
  body: Uint8Array;
}

/** The flatbuffers message header types (Message.fbs). */
const HEADER_SCHEMA = 1;
const HEADER_DICTIONARY_BATCH = 2;
const HEADER_RECORD_BATCH = 3;

/** Schema nesting deeper than this is not a scoring request (and would make the field walk recursive without end). */
const MAX_FIELD_DEPTH = 64;

/** A lie in the stream's framing, told as a malformed body (no column can be named before the schema is read). */
const framing = (message: string) => malformedBody(`the Arrow stream is malformed: ${message}`);

/**
 * A bounds-checked reader of one flatbuffer (one message's metadata): every read that would leave
 * the buffer is an error instead of the zero or `undefined` the generated accessors return.
 */
class Flatbuffer {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(at: number, size: number, what: string): void {
    if (!(at >= 0 && at + size <= this.bytes.length)) throw framing(`${what} at metadata byte ${at} lies outside the ${this.bytes.length}-byte metadata`);
  }
  u8(at: number, what: string): number {
    this.need(at, 1, what);
    return this.view.getUint8(at);
  }
  u16(at: number, what: string): number {
    this.need(at, 2, what);
    return this.view.getUint16(at, true);
  }
  i32(at: number, what: string): number {
    this.need(at, 4, what);
    return this.view.getInt32(at, true);
  }
  u32(at: number, what: string): number {
    this.need(at, 4, what);
    return this.view.getUint32(at, true);
  }
  /** An int64 that must be a count or a byte size: not negative, and exact as a JavaScript number. */
  count(at: number, what: string): number {
    this.need(at, 8, what);
    const value = this.view.getBigInt64(at, true);
    if (value < 0n) throw framing(`${what} is negative (${value})`);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw framing(`${what} (${value}) is beyond 2^53`);
    return Number(value);
  }

  /** The table the root offset points to. */
  root(): number {
    return this.table(0, 'the message');
  }
  /** The table an offset field at `at` points to, its vtable checked to lie inside the buffer. */
  table(at: number, what: string): number {
    const table = at + this.u32(at, `${what}'s offset`);
    const vtable = table - this.i32(table, `${what}'s vtable offset`);
    const size = this.u16(vtable, `${what}'s vtable`);
    this.need(vtable, size, `${what}'s vtable`);
    return table;
  }
  /** The absolute position of field `slot` of `table`, or 0 when the field is absent (its default). */
  field(table: number, slot: number, what: string): number {
    const vtable = table - this.i32(table, what);
    const entry = 4 + 2 * slot;
    if (entry + 2 > this.u16(vtable, what)) return 0;
    const offset = this.u16(vtable + entry, what);
    return offset === 0 ? 0 : table + offset;
  }
  /** A vector field's first element and element count, the whole vector checked to lie inside the buffer. */
  vector(table: number, slot: number, elementSize: number, what: string): { start: number; count: number } {
    const at = this.field(table, slot, what);
    if (at === 0) return { start: 0, count: 0 };
    const vector = at + this.u32(at, what);
    const count = this.u32(vector, `${what}'s length`);
    this.need(vector + 4, count * elementSize, `${what} of ${count} elements`);
    return { start: vector + 4, count };
  }
}

/** Custom metadata (key-value tables) of a message, schema or field: each entry a table inside the buffer. */
function checkKeyValues(fb: Flatbuffer, table: number, slot: number, what: string): void {
  const { start, count } = fb.vector(table, slot, 4, `${what}'s custom metadata`);
  for (let i = 0; i < count; i++) fb.table(start + 4 * i, `${what}'s custom metadata entry ${i}`);
}

/** A schema's fields, and their children to any depth, each inside the buffer (Schema.fbs: Field.children is slot 5). */
function checkFields(fb: Flatbuffer, table: number, slot: number, what: string, depth: number): void {
  if (depth > MAX_FIELD_DEPTH) throw framing(`${what} nests fields deeper than ${MAX_FIELD_DEPTH}`);
  const { start, count } = fb.vector(table, slot, 4, what);
  for (let i = 0; i < count; i++) {
    const field = fb.table(start + 4 * i, `${what} ${i}`);
    checkFields(fb, field, 5, `${what} ${i}'s children`, depth + 1);
    checkKeyValues(fb, field, 6, `${what} ${i}`);
  }
}

/** A RecordBatch table (Message.fbs): length, nodes, buffers, compression, variadicBufferCounts. */
function readRecordBatch(fb: Flatbuffer, table: number, body: Uint8Array, what: string): DeclaredBatch {
  const lengthAt = fb.field(table, 0, what);
  const length = lengthAt === 0 ? 0 : fb.count(lengthAt, `${what}'s length`);
  const nodeVector = fb.vector(table, 1, 16, `${what}'s field nodes`);
  const nodes: DeclaredNode[] = [];
  for (let i = 0, at = nodeVector.start; i < nodeVector.count; i++, at += 16) {
    nodes.push({ length: fb.count(at, `${what}'s field node ${i} length`), nullCount: fb.count(at + 8, `${what}'s field node ${i} null count`) });
  }
  const bufferVector = fb.vector(table, 2, 16, `${what}'s buffers`);
  const buffers: DeclaredBuffer[] = [];
  for (let i = 0, at = bufferVector.start; i < bufferVector.count; i++, at += 16) {
    buffers.push({ offset: fb.count(at, `${what}'s buffer ${i} offset`), length: fb.count(at + 8, `${what}'s buffer ${i} length`) });
  }
  // Compressed buffers' declared lengths are not their values' (apache-arrow has no codec registered here either).
  if (fb.field(table, 3, what) !== 0) throw framing(`${what} is compressed; send uncompressed record batches`);
  const countVector = fb.vector(table, 4, 8, `${what}'s variadic buffer counts`);
  const variadicBufferCounts: number[] = [];
  for (let i = 0; i < countVector.count; i++) variadicBufferCounts.push(fb.count(countVector.start + 8 * i, `${what}'s variadic buffer count ${i}`));
  return { length, nodes, buffers, variadicBufferCounts, body };
}

/**
 * The record batches of an Arrow IPC stream as they declare themselves, in stream order (the
 * order of `Table.batches`), after checking the stream's framing against the bytes received: each
 * message's metadata and body lie inside `bytes`, and every flatbuffer structure apache-arrow will
 * read (schema fields to any depth, custom metadata, field nodes, buffers, variadic counts,
 * dictionary batches) lies inside its metadata. Loops here are bounded by the bytes received, never
 * by a declared count.
 *
 * Only the stream format is taken (the file format is refused by its ARROW1 magic). Framing
 * follows apache-arrow's MessageReader: an optional 0xFFFFFFFF continuation marker, an
 * int32 metadata length, the metadata, then `bodyLength` bytes; a zero length or the end of the
 * bytes ends the stream.
 *
 * @throws {ProblemError} 400 malformed body for any declaration outside the bytes received, the
 *   file format, or a compressed record batch
 */
export function declaredBatches(bytes: Uint8Array): DeclaredBatch[] {
  // The file format's footer places record batches anywhere by offsets of its own; only the stream format is walked.
  if (bytes.length >= 6 && String.fromCharCode(...bytes.subarray(0, 6)) === 'ARROW1') {
    throw framing('this is the Arrow IPC file format (it starts with ARROW1); send the stream format (pyarrow.ipc.new_stream)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const batches: DeclaredBatch[] = [];
  let at = 0;
  for (let index = 0; at + 4 <= bytes.length; index++) {
    let metadataLength = view.getInt32(at, true);
    at += 4;
    if (metadataLength === -1) {
      if (at + 4 > bytes.length) break;
      metadataLength = view.getInt32(at, true);
      at += 4;
    }
    if (metadataLength === 0) break;
    const what = `message ${index}`;
    if (metadataLength < 0 || at + metadataLength > bytes.length) {
      throw framing(`${what} declares ${metadataLength} bytes of metadata, but ${bytes.length - at} bytes remain`);
    }
    const fb = new Flatbuffer(bytes.subarray(at, at + metadataLength));
    at += metadataLength;
    const message = fb.root();
    const typeAt = fb.field(message, 1, what);
    const headerType = typeAt === 0 ? 0 : fb.u8(typeAt, `${what}'s header type`);
    const bodyAt = fb.field(message, 3, what);
    const bodyLength = bodyAt === 0 ? 0 : fb.count(bodyAt, `${what}'s body length`);
    if (at + bodyLength > bytes.length) throw framing(`${what} declares a ${bodyLength}-byte body, but ${bytes.length - at} bytes remain`);
    const body = bytes.subarray(at, at + bodyLength);
    at += bodyLength;
    checkKeyValues(fb, message, 4, what);
    const headerAt = fb.field(message, 2, what);
    if (headerAt === 0) continue; // apache-arrow refuses a message without a header itself
    const header = fb.table(headerAt, `${what}'s header`);
    if (headerType === HEADER_SCHEMA) {
      checkFields(fb, header, 1, `${what}'s schema field`, 0);
      checkKeyValues(fb, header, 2, `${what}'s schema`);
    } else if (headerType === HEADER_RECORD_BATCH) {
      batches.push(readRecordBatch(fb, header, body, `record batch ${batches.length}`));
    } else if (headerType === HEADER_DICTIONARY_BATCH) {
      const dataAt = fb.field(header, 1, `${what}'s dictionary batch`);
      if (dataAt !== 0) readRecordBatch(fb, fb.table(dataAt, `${what}'s dictionary data`), body, `${what}'s dictionary batch`);
    }
  }
  return batches;
}

/** Where one top-level column's field nodes and buffers start in its record batch's lists. */
export interface ColumnLayout {
  node: number;
  buffer: number;
}

/**
 * Where each top-level field's field nodes and buffers start, counted the way apache-arrow's
 * VectorLoader consumes them (one node per field in depth-first order; validity, offsets,
 * data, type-id and variadic buffers by type), so a column's declarations can be found without
 * trusting what apache-arrow built from them.
 *
 * @throws {ProblemError} 400 malformed body for a type whose layout this does not know
 */
export function columnLayouts(fields: readonly Field[], metadataVersion: MetadataVersion, variadicBufferCounts: readonly number[]): ColumnLayout[] {
  let node = 0;
  let buffer = 0;
  let variadic = 0;
  const visit = (type: DataType): void => {
    node += 1;
    switch (type.typeId) {
      case Type.Null:
        return;
      case Type.Bool:
      case Type.Int:
      case Type.Float:
      case Type.Decimal:
      case Type.Date:
      case Type.Time:
      case Type.Timestamp:
      case Type.Interval:
      case Type.Duration:
      case Type.FixedSizeBinary:
      case Type.Dictionary:
        buffer += 2;
        return;
      case Type.Utf8:
      case Type.LargeUtf8:
      case Type.Binary:
      case Type.LargeBinary:
        buffer += 3;
        return;
      case Type.Utf8View:
      case Type.BinaryView:
        buffer += 2 + (variadicBufferCounts[variadic++] ?? 0);
        return;
      case Type.List:
      case Type.LargeList:
      case Type.Map:
        buffer += 2;
        break;
      case Type.FixedSizeList:
      case Type.Struct:
        buffer += 1;
        break;
      case Type.Union:
        buffer += (metadataVersion < MetadataVersion.V5 ? 1 : 0) + ((type as Union).mode === UnionMode.Dense ? 2 : 1);
        break;
      default:
        throw framing(`a column of type ${String(type)} has a layout this service does not know`);
    }
    for (const child of type.children ?? []) visit(child.type);
  };
  return fields.map((field) => {
    const start = { node, buffer };
    visit(field.type);
    return start;
  });
}
