import { ByteBuffer } from 'flatbuffers';
import { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { RecordBatch } from 'apache-arrow/fb/record-batch';

/** Where one record batch's metadata fields sit in the stream's bytes, to be overwritten by a test. */
export interface BatchFields {
  /** Byte position of the record batch's int64 `length`. */
  length: number;
  /** Byte position of the uint32 element count of the FieldNode vector. */
  nodeCount: number;
  /** Byte positions of each FieldNode's int64 `length` and `null_count`, in schema order. */
  nodes: { length: number; nullCount: number }[];
  /** Byte positions of each Buffer's int64 `offset` and `length`, in schema order. */
  buffers: { offset: number; length: number }[];
  /** Byte position of the message's int64 `bodyLength`. */
  bodyLength: number;
  /** Byte position where the body starts, and its declared length. */
  bodyStart: number;
  bodySize: number;
}

/**
 * The record batches of an Arrow IPC stream, found by walking its messages with the
 * flatbuffers the Arrow library itself generates (continuation 0xFFFFFFFF, int32 metadata
 * length, metadata, body).
 */
export function recordBatches(stream: Uint8Array): BatchFields[] {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const found: BatchFields[] = [];
  let at = 0;
  while (at + 8 <= stream.length) {
    if (view.getInt32(at, true) !== -1) throw new Error(`no continuation marker at ${at}`);
    const metaLength = view.getInt32(at + 4, true);
    if (metaLength === 0) break;
    const metaStart = at + 8;
    const bb = new ByteBuffer(stream.subarray(metaStart, metaStart + metaLength));
    const message = Message.getRootAsMessage(bb);
    const bodySize = Number(message.bodyLength());
    const bodyStart = metaStart + metaLength;
    if (message.headerType() === MessageHeader.RecordBatch) {
      const batch = message.header(new RecordBatch()) as RecordBatch;
      const fieldAt = (table: { bb_pos: number; bb: ByteBuffer | null }, slot: number) => metaStart + table.bb_pos + table.bb!.__offset(table.bb_pos, 4 + 2 * slot);
      const nodes = Array.from({ length: batch.nodesLength() }, (_, i) => {
        const pos = metaStart + batch.nodes(i)!.bb_pos;
        return { length: pos, nullCount: pos + 8 };
      });
      const buffers = Array.from({ length: batch.buffersLength() }, (_, i) => {
        const pos = metaStart + batch.buffers(i)!.bb_pos;
        return { offset: pos, length: pos + 8 };
      });
      found.push({ length: fieldAt(batch as never, 0), nodeCount: nodes[0].length - 4, nodes, buffers, bodyLength: fieldAt(message as never, 3), bodyStart, bodySize });
    }
    at = bodyStart + bodySize;
  }
  return found;
}

/** A copy of `stream` with the int64 at `position` replaced by `value`. */
export function patchInt64(stream: Uint8Array, position: number, value: number | bigint): Buffer {
  const copy = Buffer.from(stream);
  copy.writeBigInt64LE(BigInt(value), position);
  return copy;
}

/** A copy of `stream` with the uint32 at `position` replaced by `value`. */
export function patchUint32(stream: Uint8Array, position: number, value: number): Buffer {
  const copy = Buffer.from(stream);
  copy.writeUInt32LE(value, position);
  return copy;
}

/** The int64 at `position`. */
export const int64At = (stream: Uint8Array, position: number): bigint => Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength).readBigInt64LE(position);
