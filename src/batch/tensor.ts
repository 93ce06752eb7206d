import { describeValue, invalidField, type ProblemError } from '../errors.js';
import { checkElementCount } from './limits.js';

/**
 * A dense, row-major tensor: what every kernel consumes.
 * `shape` lists the sizes from the outermost dimension inwards; `data.length` is their product.
 */
export interface Tensor<T extends Float64Array | Float32Array | Int32Array = Float64Array> {
  data: T;
  shape: number[];
}

export type LabelTensor = Tensor<Int32Array>;

/**
 * A tensor that arrived already typed (an Arrow column), standing where JSON nested arrays would.
 * The flattening stage checks it like JSON input instead of walking nested arrays.
 */
export class TypedTensor {
  constructor(
    readonly data: Float64Array | Float32Array | Int32Array | Int8Array | Int16Array | Uint8Array | Uint16Array | Uint32Array,
    readonly shape: number[],
  ) {}
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'string' ? `the string ${describeValue(value)}` : `a ${typeof value}`;

/** What a non-finite number is told: JSON's 1e999 reads as Infinity, Arrow can carry NaN. */
const notFinite = (value: number): string =>
  `not finite (${value}${Number.isNaN(value) ? '' : ': the number overflows float64, whose largest value is 1.7976931348623157e308'}); every value must be a finite number`;

const deeperThan = (maxRank: number) => `nests deeper than ${maxRank} dimension${maxRank > 1 ? 's' : ''}`;

/**
 * The shape implied by the first element at each depth: `[[1,2],[3,4],[5,6]]` → `[3, 2]`. An
 * empty outermost array is a batch of no samples, `[]` → `[0]` (a batch masked down to nothing
 * is answered like one whose every sample is ignored, torchmetrics #2279); an empty inner array
 * (`[[]]`, a row of no classes) is a 400.
 */
function leadingShape(field: string, value: unknown, maxRank: number): number[] {
  if (Array.isArray(value) && value.length === 0) return [0];
  const shape: number[] = [];
  let node = value;
  let path = field;
  while (Array.isArray(node)) {
    if (node.length === 0) throw invalidField(path, 'must not be empty');
    if (shape.length === maxRank) throw invalidField(path, deeperThan(maxRank));
    shape.push(node.length);
    node = node[0];
    path += '/0';
  }
  if (shape.length === 0) throw invalidField(field, `expected an array, got ${describe(value)}`);
  checkElementCount(field, shape.reduce((a, b) => a * b, 1));
  return shape;
}

/**
 * The checks {@link leadingShape} makes, with the same errors, for a tensor that arrived typed
 * (an Arrow stream of zero rows is a batch of no samples; a row of no classes is a 400).
 */
function checkTypedShape(field: string, shape: readonly number[], maxRank: number): void {
  if (shape.some((size, d) => size === 0 && d > 0)) throw invalidField(field, 'must not be empty');
  if (shape.length > maxRank) throw invalidField(field + '/0'.repeat(maxRank), deeperThan(maxRank));
  checkElementCount(field, shape.reduce((a, b) => a * b, 1));
}

const rowError = (path: string, value: unknown, length: number) =>
  Array.isArray(value)
    ? invalidField(path, `expected an array of length ${length}, got length ${value.length} (ragged)`)
    : invalidField(path, `expected an array of length ${length}, got ${describe(value)}`);

/**
 * Copies nested arrays into `out` (row-major) if every row has the length `shape` says and every
 * leaf passes the check; returns false at the first failure, leaving the error to
 * {@link locateError}. Plain indexed loops: this runs on the main thread for every small batch.
 */
function fill(value: unknown, shape: readonly number[], out: Float64Array | Int32Array, integer: boolean): boolean {
  if (shape.length > 3) return fillDeep(value, shape, 0, out, { k: 0 }, integer);
  const width = shape[shape.length - 1];
  let k = 0;
  const rows = shape.length === 1 ? 1 : shape.length === 2 ? shape[0] : shape[0] * shape[1];
  const outer = value as unknown[];
  for (let r = 0; r < rows; r++) {
    let row: unknown;
    if (shape.length === 1) row = value;
    else if (shape.length === 2) row = outer[r];
    else {
      const middle = outer[Math.floor(r / shape[1])];
      if (!Array.isArray(middle) || middle.length !== shape[1]) return false;
      row = middle[r % shape[1]];
    }
    if (!Array.isArray(row) || row.length !== width) return false;
    for (let c = 0; c < width; c++) {
      const v = row[c];
      // v - v is 0 exactly for finite numbers (NaN for NaN and ±Infinity).
      if (typeof v !== 'number' || (integer ? (v | 0) !== v : v - v !== 0)) return false;
      out[k++] = v;
    }
  }
  return true;
}

/**
 * {@link fill} for tensors of rank 4 and more (`[N, C, H, W]` segmentation scores, which
 * `multidim_average` reads), one level of nesting per call.
 */
function fillDeep(node: unknown, shape: readonly number[], depth: number, out: Float64Array | Int32Array, at: { k: number }, integer: boolean): boolean {
  if (!Array.isArray(node) || node.length !== shape[depth]) return false;
  if (depth === shape.length - 1) {
    for (let c = 0; c < node.length; c++) {
      const v = node[c] as unknown;
      if (typeof v !== 'number' || (integer ? (v | 0) !== v : v - v !== 0)) return false;
      out[at.k++] = v;
    }
    return true;
  }
  for (let i = 0; i < node.length; i++) if (!fillDeep(node[i], shape, depth + 1, out, at, integer)) return false;
  return true;
}

/** The 400 for the first element {@link fill} rejected, found by walking again (error path only). */
function locateError(field: string, value: unknown, shape: readonly number[], integer: boolean): ProblemError {
  const walk = (node: unknown, depth: number, path: string): ProblemError | null => {
    if (depth === shape.length) {
      if (typeof node === 'number' && !Number.isFinite(node)) return invalidField(path, notFinite(node));
      if (typeof node !== 'number') return invalidField(path, `expected a finite number, got ${describe(node)}`);
      if (integer && (node | 0) !== node) return invalidField(path, `expected an integer label, got ${node}`);
      return null;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) return rowError(path, node, shape[depth]);
    for (let i = 0; i < node.length; i++) {
      const error = walk(node[i], depth + 1, `${path}/${i}`);
      if (error) return error;
    }
    return null;
  };
  return walk(value, 0, field) ?? invalidField(field, 'invalid tensor');
}

/**
 * Copies nested JSON arrays of numbers into one Float64Array, checking that every row has the
 * same length and every leaf is a finite number. Errors name the exact element (`preds/3/2`).
 *
 * O(n) with one typed store per number; no intermediate arrays.
 *
 * @param field name used in error paths
 * @param value the parsed JSON value (or a {@link TypedTensor})
 * @param maxRank deepest nesting accepted
 * @throws {ProblemError} 400 naming the first offending element
 * @example flattenNumbers('preds', [[1, 2], [3, 4]], 2) // { data: [1, 2, 3, 4], shape: [2, 2] }
 */
export function flattenNumbers(field: string, value: unknown, maxRank: number): Tensor {
  if (value instanceof TypedTensor) return fromTyped(field, value, maxRank);
  const shape = leadingShape(field, value, maxRank);
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
  if (!fill(value, shape, data, false)) throw locateError(field, value, shape, false);
  return { data, shape };
}

/**
 * A typed tensor as float64 (a view when it already is, else one converting copy), every value
 * checked finite: Arrow columns can carry NaN and Infinity, JSON cannot.
 */
function fromTyped(field: string, tensor: TypedTensor, maxRank: number): Tensor {
  const { shape } = tensor;
  checkTypedShape(field, shape, maxRank);
  const data = tensor.data instanceof Float64Array ? tensor.data : Float64Array.from(tensor.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw invalidField(pathOf(field, shape, i), notFinite(data[i]));
  }
  return { data, shape };
}

/**
 * Like {@link flattenNumbers} for integer labels, into an Int32Array.
 *
 * @throws {ProblemError} 400 for a fractional, non-numeric or out-of-int32 label
 */
export function flattenIntegers(field: string, value: unknown, maxRank: number): LabelTensor {
  if (value instanceof TypedTensor) {
    checkTypedShape(field, value.shape, maxRank);
    if (value.data instanceof Int32Array) return { data: value.data, shape: value.shape };
    if (value.data instanceof Float64Array) return integersOf(field, value.data, value.shape);
    throw invalidField(field, 'expected integer labels');
  }
  const shape = leadingShape(field, value, maxRank);
  const data = new Int32Array(shape.reduce((a, b) => a * b, 1));
  if (!fill(value, shape, data, true)) throw locateError(field, value, shape, true);
  return { data, shape };
}

/** What becomes of weights beyond 2^±64 (see {@link sampleWeights}). */
export type ExtremeWeights = 'keep' | 'refuse' | { scale: string[] };

/**
 * `sample_weight` as flat float64 weights, one per sample: the shape must equal `expected`
 * (the labels' shape without the label axis: `[N]`, or `[B, N]` for `[B, N]` focal-loss labels),
 * every weight finite and >= 0 (scikit-learn's meaning: counts become weighted counts, means
 * weighted means). Absent: null (every sample weighs 1).
 *
 * Weights whose largest lies outside [2^-64, 2^64] are what `extremes` says: kept (the focal
 * loss, whose `sum` is no ratio); refused, a 400 (sessions, which add weighted counts across
 * batches: one scale per batch would mix scales); or, with `{ scale: warnings }` (the stateless
 * metrics, whose every answer is a ratio of weighted sums), scaled, exactly, by a power of two that
 * brings it to [1, 2): every ratio (each metric, each weighted mean) is unchanged, and the
 * products of weighted counts (MCC, kappa, AUROC's P·N) neither overflow nor underflow. The
 * weighted counts an answer reports are then at that scale, which `warnings` says.
 *
 * @throws {ProblemError} 400 naming `sample_weight` or the element (`sample_weight/3`)
 */
export function sampleWeights(value: unknown, expected: readonly number[], extremes: ExtremeWeights = 'keep'): Float64Array | null {
  if (value === undefined || value === null) return null;
  const { data, shape } = flattenNumbers('sample_weight', value, Math.max(2, expected.length));
  if (!sameShape(shape, expected)) {
    throw invalidField('sample_weight', `needs one weight per sample, shaped ${formatShape(expected)} (the labels without their label axis); got ${formatShape(shape)}`);
  }
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    if (!(data[i] >= 0)) throw invalidField(pathOf('sample_weight', shape, i), `weights must be >= 0, got ${data[i]}`);
    if (data[i] > max) max = data[i];
  }
  if (extremes === 'keep' || max === 0 || (max <= 2 ** 64 && max >= 2 ** -64)) return data;
  if (extremes === 'refuse') {
    throw invalidField('sample_weight', `weights added across batches must lie within [2^-64, 2^64] (the largest is ${max}): scale them to about 1`);
  }
  const exponent = Math.floor(Math.log2(max));
  // 2^1074 (subnormal weights) is beyond float64: two exact factors of at most 2^600 each.
  const first = 2 ** Math.trunc(-exponent / 2);
  const second = 2 ** (-exponent - Math.trunc(-exponent / 2));
  const scaled = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) scaled[i] = data[i] * first * second;
  extremes.scale.push(`sample_weight was scaled by 2^${-exponent} (exactly) so that weighted sums stay finite: metrics are unchanged, weighted counts are reported at that scale`);
  return scaled;
}

/** Float64 labels (as the JSON decoder reads them) as int32, with the errors of nested arrays. */
function integersOf(field: string, values: Float64Array, shape: number[]): LabelTensor {
  const data = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if ((v | 0) !== v) throw invalidField(pathOf(field, shape, i), `expected an integer label, got ${v}`);
    data[i] = v;
  }
  return { data, shape };
}

/** The error path of flat element `flat` in a tensor of `shape`: `labels/3/1`. */
export function pathOf(field: string, shape: readonly number[], flat: number): string {
  const parts: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    parts.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return [field, ...parts].join('/');
}

/** The flat tensor behind each array {@link nest} built, for the response writer. */
const nestedFrom = new WeakMap<unknown[], { data: ArrayLike<number>; shape: readonly number[] }>();

/** The flat values and shape an array built by {@link nest} came from (undefined for any other value). */
export const tensorBehind = (value: unknown) => (Array.isArray(value) ? nestedFrom.get(value) : undefined);

/**
 * Rebuilds nested JSON arrays from a flat array and its shape (the response direction), and
 * remembers where they came from, so the response writer can write the flat values without
 * walking the arrays again. Plain push loops: `Array.from` with a mapping function cost 8x as
 * much on a 64 x 10 gradient.
 */
export function nest(data: ArrayLike<number>, shape: readonly number[]): unknown[] {
  // In a worker's encoding only the writer reads the tensor, from its flat values: the nested
  // arrays (over 150 bytes a row of a [N, 4] gradient) are never built.
  const nested = flatEncoding ? [] : nestArrays(data, shape);
  nestedFrom.set(nested, { data, shape });
  return nested;
}

let flatEncoding = false;

/**
 * Runs `encode` with {@link nest} answering empty placeholder arrays (their tensor still behind
 * them, for `tensorBehind`), for an answer that only the response writer reads: a worker's,
 * written to bytes by `stringifyResponseBytes`, which must materialize any tensor it does not
 * write itself ({@link nestedArrays}). Synchronous by design: the switch is module state.
 */
export function withFlatTensors<T>(encode: () => T): T {
  flatEncoding = true;
  try {
    return encode();
  } finally {
    flatEncoding = false;
  }
}

/** The nested arrays of a tensor behind a placeholder made by {@link nest} under {@link withFlatTensors}. */
export const nestedArrays = (tensor: { data: ArrayLike<number>; shape: readonly number[] }): unknown[] => nestArrays(tensor.data, tensor.shape);

function nestArrays(data: ArrayLike<number>, shape: readonly number[]): unknown[] {
  const build = (depth: number, offset: number): unknown[] => {
    const size = shape[depth];
    const out: unknown[] = [];
    if (depth === shape.length - 1) {
      for (let i = 0; i < size; i++) out.push(data[offset + i]);
      return out;
    }
    let stride = 1;
    for (let d = depth + 1; d < shape.length; d++) stride *= shape[d];
    for (let i = 0; i < size; i++) out.push(build(depth + 1, offset + i * stride));
    return out;
  };
  return build(0, 0);
}

export const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((size, i) => size === b[i]);

export const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * A `[..., 1]` tensor of scores with labels of its shape less the last axis (`[B, 1]` with `[B]`,
 * the usual PyTorch shape of a binary head) is a binary batch: the scores as a tensor of the
 * labels' shape (same data), or null for any other pair of shapes or when the request says
 * multiclass.
 */
export function binaryColumn(preds: Tensor, labels: LabelTensor, task: string | undefined): Tensor | null {
  const rank = preds.shape.length;
  if (task === 'multiclass' || rank < 2 || preds.shape[rank - 1] !== 1 || !sameShape(labels.shape, preds.shape.slice(0, -1))) return null;
  return { data: preds.data, shape: labels.shape };
}

/** The warning that says a request was read by {@link binaryColumn}. */
export const binaryColumnWarning = (shape: readonly number[], field = 'preds'): string =>
  `${field} ${formatShape(shape)} with labels ${formatShape(shape.slice(0, -1))}: read as one binary score per element (task "binary")`;

/**
 * The outer sizes of a nested array or a typed tensor (at most four): enough to tell a batch's
 * shape in a log line without walking it. Undefined for anything else.
 */
export function shapeOf(value: unknown): number[] | undefined {
  if (value instanceof TypedTensor) return value.shape;
  const shape: number[] = [];
  let node = value;
  while (Array.isArray(node) && shape.length < 4) {
    shape.push(node.length);
    node = node[0];
  }
  return shape.length > 0 ? shape : undefined;
}

/**
 * Labels shaped like 2-D scores whose every row (ignored entries aside) holds exactly one 1: the
 * one-hot encoding of class indices, which the shapes alone read as multilabel. The warning that
 * says so when the task was inferred.
 */
export function oneHotWarning(labels: LabelTensor, ignoreIndex: number | null): string | null {
  if (labels.shape.length !== 2 || labels.shape[1] < 2) return null;
  const [rows, width] = labels.shape;
  for (let i = 0; i < rows; i++) {
    let ones = 0;
    for (let j = 0; j < width; j++) {
      const y = labels.data[i * width + j];
      if (y === 1) ones++;
      else if (y !== 0 && y !== ignoreIndex) return null;
    }
    if (ones !== 1) return null;
  }
  return 'labels look one-hot (one 1 per row) and were read as multilabel, the task the shapes give; for multiclass send class indices [N] or task "multiclass"';
}

/**
 * An empty batch (`preds: []` and `labels: []`, shape `[0]`) given the columns its task needs.
 * JSON's `[]` cannot carry them (a multiclass batch masked down to `[0, C]` reads back as `[]`),
 * so a multiclass batch takes C from `columns` (its `num_classes`) and a multilabel one L (its
 * `num_labels`, or the focal loss's `num_classes`); a binary one is `[0]` as sent. Any other pair
 * of tensors is returned as it is. The empty batch is then answered like one whose every sample
 * is ignored.
 *
 * @throws {ProblemError} 400 naming `columnsField` when a multiclass or multilabel empty batch does not say its columns
 */
export function emptyBatchShaped(preds: Tensor, labels: LabelTensor, task: string | undefined, columns: number | undefined, columnsField: string): { preds: Tensor; labels: LabelTensor } {
  const empty = preds.shape.length === 1 && preds.shape[0] === 0 && labels.shape.length === 1 && labels.shape[0] === 0;
  if (!empty || (task !== 'multiclass' && task !== 'multilabel')) return { preds, labels };
  const what = task === 'multiclass' ? 'classes' : 'labels';
  if (columns === undefined) throw invalidField(columnsField, `is required for an empty ${task} batch: preds [] has no columns to count the ${what} from`);
  const shape = [0, columns];
  return { preds: { data: preds.data, shape }, labels: task === 'multilabel' ? { data: labels.data, shape } : labels };
}
