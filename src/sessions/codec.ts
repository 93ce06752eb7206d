import type { RankingBatch } from '../scoring/ranking-batch.js';
import type { Task } from '../schemas/common.js';

/**
 * The bytes a session's state is stored as, in any store.
 *
 * - **Counts** (every state but the rows: stat scores, matrices, calibration bins, binned curves,
 *   losses): one blob, a JSON header `[[key, length], ...]` then the float64 values, merged by
 *   adding. Its size depends on the metrics and classes only, never on the rows.
 * - **Rows** (the exact ranking metrics): one chunk per batch, appended, never rewritten: a JSON
 *   header, the scores as float64, the sample weights as float64 when the batch has them, then
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
  const body = (bytes.byteOffset + bodyAt) % 8 === 0 ? bytes.subarray(bodyAt) : bytes.slice(bodyAt);
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

interface ChunkHeader {
  task: Task;
  input: 'probs' | 'logits';
  rows: number;
  classes: number;
  logOdds: boolean;
  ignore: number | null;
  weighted: boolean;
  /** Bytes per label: 1, 2 or 4. */
  labelBytes: 1 | 2 | 4;
  labels: number;
}

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

/** One batch of rows (the exact ranking state's chunk) as bytes. */
export function encodeChunk(batch: RankingBatch): Uint8Array {
  const labelBytes = labelBytesOf(batch.labels);
  const header: ChunkHeader = {
    task: batch.task,
    input: batch.input,
    rows: batch.rows,
    classes: batch.classes,
    logOdds: batch.scoresAreLogOdds,
    ignore: batch.ignoreIndex,
    weighted: batch.weights !== null,
    labelBytes,
    labels: batch.labels.length,
  };
  const scoreBytes = batch.scores.length * 8;
  const weightBytes = batch.weights ? batch.rows * 8 : 0;
  const { bytes, bodyAt } = withHeader(header, scoreBytes + weightBytes + batch.labels.length * labelBytes);
  new Float64Array(bytes.buffer, bodyAt, batch.scores.length).set(batch.scores);
  if (batch.weights) new Float64Array(bytes.buffer, bodyAt + scoreBytes, batch.rows).set(batch.weights);
  new LABEL_ARRAYS[labelBytes](bytes.buffer as ArrayBuffer, bodyAt + scoreBytes + weightBytes, batch.labels.length).set(batch.labels);
  return bytes;
}

export function decodeChunk(bytes: Uint8Array): RankingBatch {
  const { header: h, body } = readHeader<ChunkHeader>(bytes);
  const scoreCount = h.rows * h.classes;
  const scores = new Float64Array(body.buffer, body.byteOffset, scoreCount);
  const weightBytes = h.weighted ? h.rows * 8 : 0;
  const weights = h.weighted ? new Float64Array(body.buffer, body.byteOffset + scoreCount * 8, h.rows) : null;
  const labelView = new LABEL_ARRAYS[h.labelBytes](body.buffer as ArrayBuffer, body.byteOffset + scoreCount * 8 + weightBytes, h.labels);
  return {
    task: h.task,
    input: h.input,
    rows: h.rows,
    classes: h.classes,
    scores,
    scoresAreLogOdds: h.logOdds,
    labels: Int32Array.from(labelView),
    ignoreIndex: h.ignore,
    weights,
    warnings: [],
  };
}
