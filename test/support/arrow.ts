import { Field, FixedSizeList, Float32, Float64, Int8, Int32, Int64, Table, makeData, makeVector, tableToIPC, type DataType } from 'apache-arrow';

type Flat = Float64Array | Float32Array | Int8Array | Int32Array | BigInt64Array;

/** A column of scalars, or of fixed-size lists when `width` > 1 (or `list` says so: `[N, 1]`). */
export function column(values: Flat, width = 1, type?: DataType, list = width > 1) {
  const leafType =
    type ??
    (values instanceof Float32Array
      ? new Float32()
      : values instanceof Int8Array
        ? new Int8()
        : values instanceof Int32Array
          ? new Int32()
          : values instanceof BigInt64Array
            ? new Int64()
            : new Float64());
  const leaf = makeData({ type: leafType, length: values.length, data: values } as never);
  if (!list) return makeVector(leaf);
  return makeVector(makeData({ type: new FixedSizeList(width, new Field('item', leafType, false)), length: values.length / width, child: leaf } as never));
}

/** An Arrow IPC stream (what pyarrow's RecordBatchStreamWriter produces) of the given columns. */
export const arrowStream = (columns: Record<string, ReturnType<typeof column>>): Buffer => Buffer.from(tableToIPC(new Table(columns), 'stream'));

export const ARROW = 'application/vnd.apache.arrow.stream';
