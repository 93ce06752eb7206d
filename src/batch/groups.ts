import { invalidField } from '../errors.js';
import type { MetricBatch } from './batch.js';
import { TypedTensor, flattenNumbers, formatShape, pathOf, sameShape } from './tensor.js';

/**
 * The most groups a batch may name: a grouped state is `num_groups` times its metric's state and
 * a grouped answer holds one answer per group, so the count is bounded before either exists.
 */
export const MAX_GROUPS = 4_096;

/**
 * A request's `groups`: one integer id per sample, each in `0 … num_groups − 1`, shaped `shape`
 * (`[N]`; multilabel one per row; `[B, N]` for the `[B, N]` labels of a /v1/score or session
 * batch with a loss, as its `sample_weight`). `num_groups` defaults to the largest id + 1 (1 for
 * an empty batch). O(N), one pass.
 *
 * @param value the `groups` field as sent (nested array or typed tensor)
 * @param shape the shape the ids must have: one per sample, as the batch counts its samples
 * @param why what the shape follows, said in the 400 of another shape (rank above 1 or extra dimensions)
 * @returns the ids, flat in row-major order, and the group count G
 * @throws {ProblemError} 400 naming `groups` (wrong rank, shape or length), `groups/<i>` (not an
 *   integer, negative, or ≥ num_groups) or `num_groups` (above MAX_GROUPS)
 */
export function readGroups(value: unknown, numGroups: number | undefined, shape: readonly number[], why = ''): { ids: Int32Array; count: number } {
  if (numGroups !== undefined && (!Number.isInteger(numGroups) || numGroups < 1 || numGroups > MAX_GROUPS)) {
    throw invalidField('num_groups', `must be an integer in 1..${MAX_GROUPS}, got ${numGroups}`);
  }
  const rows = shape.reduce((a, b) => a * b, 1);
  const { data, sent } = groupValues(value, shape.length);
  if (!sameShape(sent, shape)) {
    if (shape.length === 1 && sent.length === 1 && why === '') throw invalidField('groups', `needs one group id per sample: ${rows} samples, ${data.length} group ids`);
    throw invalidField('groups', `needs one group id per sample, shaped ${formatShape(shape)}${why}; got ${formatShape(sent)}`);
  }
  const ids = new Int32Array(rows);
  let largest = -1;
  const upper = numGroups ?? MAX_GROUPS;
  for (let i = 0; i < rows; i++) {
    const g = data[i];
    if (typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g >= upper) {
      const allowed = numGroups === undefined ? `integers in 0..${MAX_GROUPS - 1}` : `integers in 0..${numGroups - 1} (num_groups ${numGroups})`;
      throw invalidField(pathOf('groups', shape, i), `group ids are ${allowed}, got ${typeof g === 'number' ? g : JSON.stringify(g)}`);
    }
    ids[i] = g;
    if (g > largest) largest = g;
  }
  return { ids, count: numGroups ?? Math.max(1, largest + 1) };
}

/**
 * `groups` as a flat list of values with the shape sent: a typed tensor, a plain array (rank 1:
 * its elements, checked one by one by the caller), or nested arrays of numbers (rank 2 and more,
 * where a shape of rank `rank` is expected); else a 400 naming `groups`.
 */
function groupValues(value: unknown, rank: number): { data: ArrayLike<unknown>; sent: readonly number[] } {
  if (value instanceof TypedTensor) {
    if (value.shape.length !== rank && rank === 1) throw invalidField('groups', `must be [N], one id per sample; got rank ${value.shape.length}`);
    return { data: value.data, sent: value.shape };
  }
  if (!Array.isArray(value)) throw invalidField('groups', 'must be an array of integer group ids [N]');
  if (rank === 1) return { data: value as unknown[], sent: [value.length] };
  const { data, shape } = flattenNumbers('groups', value, rank);
  return { data, sent: shape };
}

/**
 * A batch's rows split by group (fairlearn's `MetricFrame` partition): `batches[g]` holds group
 * g's rows in their order, as a batch of its own, so any metric's `update` folds a group's rows
 * exactly as it folds a batch. Rows whose label is `ignore_index` (binary, multiclass) leave
 * their group; `rows[g]` counts the rows kept (0: the group answers null). A group's batch has
 * no `sampleRows`: every state that reads a batch with extra dimensions sample by sample either
 * counts by group in one pass (the multiclass exact match) or takes no groups (samplewise states).
 * Made once per batch and shared by every grouped state of the request. O(N·C): one pass to
 * count, one to copy.
 */
export interface GroupPartition {
  batches: MetricBatch[];
  rows: Float64Array;
}

const partitionKey = Symbol('groupPartition');
const rowCountsKey = Symbol('groupRowCounts');

/**
 * How many rows each group keeps (ignored rows, binary and multiclass, left out): what
 * {@link partitionByGroup} counts, without splitting the batch. Made once per batch. O(rows).
 */
export function groupRowCounts(batch: MetricBatch): Float64Array {
  const holder = batch as MetricBatch & { [rowCountsKey]?: Float64Array };
  const known = holder[rowCountsKey] ?? (holder as MetricBatch & { [partitionKey]?: GroupPartition })[partitionKey]?.rows;
  if (known !== undefined) return known;
  const { groups, numGroups, rows, labels, task, ignoreIndex } = batch;
  if (!groups || numGroups === undefined) throw new Error('groupRowCounts: the batch has no groups');
  const counts = new Float64Array(numGroups);
  const ignore = task === 'multilabel' ? null : ignoreIndex;
  for (let i = 0; i < rows; i++) if (ignore === null || labels[i] !== ignore) counts[groups[i]]++;
  Object.defineProperty(holder, rowCountsKey, { value: counts, enumerable: false });
  return counts;
}

/**
 * Leaves on the batch the rows each group keeps, counted by a pass that read them anyway (the
 * grouped confusion matrix), so that {@link groupRowCounts} makes no pass of its own. `counts`
 * must be what groupRowCounts would count; it is kept, not copied.
 */
export function keepGroupRowCounts(batch: MetricBatch, counts: Float64Array): void {
  const holder = batch as MetricBatch & { [rowCountsKey]?: Float64Array };
  if (holder[rowCountsKey] === undefined) Object.defineProperty(holder, rowCountsKey, { value: counts, enumerable: false });
}

/**
 * The partition of a grouped batch (see {@link GroupPartition}).
 *
 * @throws {Error} when the batch has no groups (a bug: resolveMetrics refuses by_group without them)
 */
export function partitionByGroup(batch: MetricBatch): GroupPartition {
  // Kept on the batch as derivedFromBatch (batch.ts) keeps its values: not enumerable, so copies drop it.
  const holder = batch as MetricBatch & { [partitionKey]?: GroupPartition };
  const known = holder[partitionKey];
  if (known !== undefined) return known;
  const partition = makePartition(batch);
  Object.defineProperty(holder, partitionKey, { value: partition, enumerable: false });
  return partition;
}

function makePartition(batch: MetricBatch): GroupPartition {
  const { groups, numGroups } = batch;
  if (!groups || numGroups === undefined) throw new Error('partitionByGroup: the batch has no groups');
  const { classes, task, labels, ignoreIndex, weights, scores, preds, classIndices } = batch;
  // The rows each group keeps; every array is then scattered in row order, each row to the next
  // place of its group (no array of places: a fresh array of one number a row costs more, in
  // page faults, than finding the places again for each array).
  const ignore = task === 'multilabel' || ignoreIndex === null ? null : ignoreIndex;
  const counts = groupRowCounts(batch);
  const kept: RowsKept = { groups, labels, ignore, counts };
  const width = task === 'binary' ? 1 : classes;
  const scoreParts = scatterRows(scores, width, kept, Float64Array);
  // Probabilities are ranked as sent: one copy serves as both.
  const predParts = preds === scores ? scoreParts : scatterRows(preds, width, kept, Float64Array);
  const labelParts = scatterRows(labels, task === 'multilabel' ? classes : 1, kept, Int32Array);
  const weightParts = weights === null ? null : scatterRows(weights, 1, kept, Float64Array);
  const indexParts = classIndices === null ? null : scatterRows(classIndices, 1, kept, Int32Array);
  const { groups: _g, numGroups: _n, sampleRows: _s, ...rest } = batch;
  const batches = Array.from(counts, (n, g): MetricBatch => ({
    ...rest,
    rows: n,
    scores: scoreParts[g],
    preds: predParts[g],
    labels: labelParts[g],
    weights: weightParts === null ? null : weightParts[g],
    classIndices: indexParts === null ? null : indexParts[g],
    warnings: [],
  }));
  return { batches, rows: counts };
}

/** Which rows go where: each row's group, and the label that drops it (`ignore`; null: none dropped). */
interface RowsKept {
  groups: Int32Array;
  labels: Int32Array;
  ignore: number | null;
  /** Rows kept per group ({@link groupRowCounts}). */
  counts: Float64Array;
}

/**
 * Rows of `width` values scattered into one array per group: each kept row, in order, to the
 * next row of its group's array. An empty source (no preds: class indices) gives empty arrays.
 * O(rows × width), one pass.
 */
function scatterRows<T extends Float64Array | Int32Array>(source: T, width: number, { groups, labels, ignore, counts }: RowsKept, Kind: new (length: number) => T): T[] {
  const parts = Array.from(counts, (n) => new Kind(source.length === 0 ? 0 : n * width));
  if (source.length === 0) return parts;
  const rows = groups.length;
  const next = new Int32Array(counts.length);
  for (let i = 0; i < rows; i++) {
    if (ignore !== null && labels[i] === ignore) continue;
    const g = groups[i];
    if (width === 1) {
      parts[g][next[g]++] = source[i];
      continue;
    }
    const out = parts[g];
    const to = next[g]++ * width;
    const from = i * width;
    for (let k = 0; k < width; k++) out[to + k] = source[from + k];
  }
  return parts;
}
