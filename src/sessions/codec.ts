import { concatChunks, type RowsChunk } from '../metrics/rows.js';
import type { RankingBatch } from '../batch/ranking-batch.js';
import type { Task } from '../batch/task.js';

/**
 * The bytes a session's state is stored as, in any store.
 *
 * - **Counts** (every state but the rows: stat scores, matrices, calibration bins, binned curves,
 *   losses): one blob, a JSON header `[[key, length], ...]` then the float64 values, merged by
 *   adding. Its size depends on the metrics and classes only, never on the rows.
 * - **Rows** (the exact ranking metrics): one chunk per batch, appended, never rewritten: a
 *   16-byte header, the scores as float64, the sample weights as float64 when the batch has them, then
 *   the labels in the narrowest integer type that holds them (int8 for binary and multilabel
 *   labels and for up to 127 classes): 9 bytes a binary row.
 *
 * Every layout is little-endian (typed arrays on x86 and ARM), 8-byte aligned after the header.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** [u32 header length][header][padding to 8] — the common prefix of both layouts. */
function withHeader(header: unknown, bodyBytes: number): { bytes: Uint8Array; bodyAt: number } {
  const text = encoder.encode(JSON.stringify(header));
  const bodyAt = Math.ceil((4 + text.length) / 8) * 8;
  const bytes = new Uint8Array(bodyAt + bodyBytes);
  new DataView(bytes.buffer).setUint32(0, text.length, true);
  bytes.set(text, 4);
  return { bytes, bodyAt };
}

function readHeader<T>(bytes: Uint8Array): { header: T; bodyAt: number; body: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  const header = JSON.parse(decoder.decode(bytes.subarray(4, 4 + length))) as T;
  const bodyAt = Math.ceil((4 + length) / 8) * 8;
  // An aligned copy when the stored bytes are not 8-byte aligned (Redis and SQLite buffers may not be).
  // (A Buffer's slice is a view: `new Uint8Array` copies.)
  const body = (bytes.byteOffset + bodyAt) % 8 === 0 ? bytes.subarray(bodyAt) : new Uint8Array(bytes.subarray(bodyAt));
  return { header, bodyAt, body };
}

/** The count states of a session, by state key. */
export type CountStates = Map<string, Float64Array>;

export function encodeCounts(states: CountStates): Uint8Array {
  const entries = [...states].map(([key, values]) => [key, values.length] as const);
  const total = entries.reduce((n, [, length]) => n + length, 0);
  const { bytes, bodyAt } = withHeader(entries, total * 8);
  const values = new Float64Array(bytes.buffer, bodyAt, total);
  let at = 0;
  for (const [, state] of states) {
    values.set(state, at);
    at += state.length;
  }
  return bytes;
}

export function decodeCounts(bytes: Uint8Array): CountStates {
  const { header, body } = readHeader<Array<[string, number]>>(bytes);
  const values = new Float64Array(body.buffer, body.byteOffset, body.byteLength / 8);
  const states: CountStates = new Map();
  let at = 0;
  for (const [key, length] of header) {
    states.set(key, values.slice(at, at + length));
    at += length;
  }
  return states;
}

/**
 * A rows chunk's fixed 16-byte header (a JSON header would cost 2 bytes a row in 64-row
 * batches): version, task, flags (logits input, log-odds scores, weighted, has ignore_index),
 * bytes per label, rows, classes, ignore_index.
 */
const CHUNK_VERSION = 1;
const CHUNK_HEADER = 16;
const TASKS: readonly Task[] = ['binary', 'multiclass', 'multilabel'];
const FLAG = { logits: 1, logOdds: 2, weighted: 4, ignore: 8, groups: 16 } as const;

/** The narrowest signed integer type that holds every label. */
function labelBytesOf(labels: Int32Array): 1 | 2 | 4 {
  let min = 0;
  let max = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y < min) min = y;
    else if (y > max) max = y;
  }
  if (min >= -128 && max <= 127) return 1;
  return min >= -32768 && max <= 32767 ? 2 : 4;
}

const LABEL_ARRAYS = { 1: Int8Array, 2: Int16Array, 4: Int32Array } as const;

/**
 * One batch of rows (the exact ranking state's chunk) as bytes: 9 bytes a binary row, plus 16.
 * With `groups` (a session with grouped ranking metrics) each row's group id follows the weights,
 * as int32 (4 bytes a row, flag `groups`), so the epoch's rows can be split by group again.
 */
export function encodeChunk(batch: RankingBatch, groups?: Int32Array): Uint8Array {
  const labelBytes = labelBytesOf(batch.labels);
  const scoreBytes = batch.scores.length * 8;
  const weightBytes = batch.weights ? batch.rows * 8 : 0;
  const groupBytes = groups ? batch.rows * 4 : 0;
  const bytes = new Uint8Array(CHUNK_HEADER + scoreBytes + weightBytes + groupBytes + batch.labels.length * labelBytes);
  const header = new DataView(bytes.buffer);
  header.setUint8(0, CHUNK_VERSION);
  header.setUint8(1, TASKS.indexOf(batch.task));
  header.setUint8(
    2,
    (batch.input === 'logits' ? FLAG.logits : 0) | (batch.scoresAreLogOdds ? FLAG.logOdds : 0) | (batch.weights ? FLAG.weighted : 0) | (batch.ignoreIndex !== null ? FLAG.ignore : 0) | (groups ? FLAG.groups : 0),
  );
  header.setUint8(3, labelBytes);
  header.setUint32(4, batch.rows, true);
  header.setUint32(8, batch.classes, true);
  header.setInt32(12, batch.ignoreIndex ?? 0, true);
  new Float64Array(bytes.buffer, CHUNK_HEADER, batch.scores.length).set(batch.scores);
  if (batch.weights) new Float64Array(bytes.buffer, CHUNK_HEADER + scoreBytes, batch.rows).set(batch.weights);
  if (groups) new Int32Array(bytes.buffer, CHUNK_HEADER + scoreBytes + weightBytes, batch.rows).set(groups);
  new LABEL_ARRAYS[labelBytes](bytes.buffer, CHUNK_HEADER + scoreBytes + weightBytes + groupBytes, batch.labels.length).set(batch.labels);
  return bytes;
}

/** A rows chunk read in place: scores, weights, group ids and labels (as stored: 8, 16 or 32 bits) are views. */
function readChunk(stored: Uint8Array): RowsChunk & { groups: Int32Array | null } {
  // Typed views need 8-byte alignment: a copy when the store's buffer does not give it.
  const bytes = stored.byteOffset % 8 === 0 ? stored : new Uint8Array(stored);
  const header = new DataView(bytes.buffer, bytes.byteOffset, CHUNK_HEADER);
  if (header.getUint8(0) !== CHUNK_VERSION) throw new Error(`rows chunk of unknown version ${header.getUint8(0)}`);
  const task = TASKS[header.getUint8(1)];
  const flags = header.getUint8(2);
  const labelBytes = header.getUint8(3) as 1 | 2 | 4;
  const rows = header.getUint32(4, true);
  const classes = header.getUint32(8, true);
  const scoreCount = rows * classes;
  const labelCount = task === 'multilabel' ? scoreCount : rows;
  const at = bytes.byteOffset + CHUNK_HEADER;
  const weighted = (flags & FLAG.weighted) !== 0;
  const weightBytes = weighted ? rows * 8 : 0;
  const grouped = (flags & FLAG.groups) !== 0;
  const groupBytes = grouped ? rows * 4 : 0;
  const buffer = bytes.buffer as ArrayBuffer;
  return {
    task,
    input: flags & FLAG.logits ? 'logits' : 'probs',
    rows,
    classes,
    scores: new Float64Array(buffer, at, scoreCount),
    scoresAreLogOdds: (flags & FLAG.logOdds) !== 0,
    labels: new LABEL_ARRAYS[labelBytes](buffer, at + scoreCount * 8 + weightBytes + groupBytes, labelCount),
    groups: grouped ? new Int32Array(buffer, at + scoreCount * 8 + weightBytes, rows) : null,
    ignoreIndex: flags & FLAG.ignore ? header.getInt32(12, true) : null,
    weights: weighted ? new Float64Array(buffer, at + scoreCount * 8, rows) : null,
    warnings: [],
  };
}

/** One rows chunk as a batch: scores and weights viewed in place, labels widened to 32 bits. */
export function decodeChunk(stored: Uint8Array): RankingBatch {
  const { groups: _groups, ...chunk } = readChunk(stored);
  return { ...chunk, labels: new Int32Array(chunk.labels) };
}

/**
 * The group ids of a session's rows chunks, concatenated in the order {@link decodeRows} puts
 * their rows; null when a chunk has none (a session without grouped ranking metrics).
 */
export function decodeRowGroups(stored: readonly Uint8Array[]): Int32Array | null {
  const parts = stored.map((s) => readChunk(s).groups);
  if (parts.some((p) => p === null)) return null;
  const out = new Int32Array(parts.reduce((n, p) => n + p!.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p!, at);
    at += p!.length;
  }
  return out;
}

/**
 * A session's rows chunks as the exact ranking metrics' state: read in place and concatenated
 * into one batch by the rows state's own `concatChunks` (each array copied once, the stored labels
 * widened on the way), which is what `concatRows` would make of them decoded one by one.
 */
export function decodeRows(stored: readonly Uint8Array[]): { chunks: RankingBatch[] } {
  return { chunks: stored.length <= 1 ? stored.map(decodeChunk) : [concatChunks(stored.map((s) => readChunk(s)))] };
}
