import { concatChunks, type RowsChunk } from '../metrics/rows.js';
import type { RankingBatch } from '../batch/ranking-batch.js';
import type { MetricBatch } from '../batch/batch.js';
import type { Task } from '../batch/task.js';
import { logOddsRows } from '../kernels/log-odds.js';
import { probabilities } from '../kernels/probabilities.js';
import { conflict } from '../errors.js';

/**
 * The bytes a session's state is stored as, in any store.
 *
 * - **Counts** (every state but the rows: stat scores, matrices, calibration bins, binned curves,
 *   losses): one blob, a JSON header `[[key, length], ...]` then the float64 values, merged by
 *   adding. Its size depends on the metrics and classes only, never on the rows.
 * - **Rows** (the exact ranking metrics, and sessions created with `keep_rows`): one chunk per
 *   batch, appended, never rewritten: a 16-byte header, the scores as sent as float64, the sample
 *   weights as float64 when the batch has them, then the labels in the narrowest integer type that
 *   holds them (int8 for binary and multilabel labels and for up to 127 classes): 9 bytes a binary row.
 *   Version 2 keeps the scores as sent, which Platt scaling and isotonic regression fit (scikit-learn's
 *   `decision_function`); the ranking metrics' log-odds of multiclass logits are made when a chunk is
 *   decoded for them. Version 1 (before issue 27) kept multiclass logits as their log-odds only: such
 *   chunks still decode for the ranking metrics, and refuse a decision (409, see {@link decodeScoresAsSent}).
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
 * bytes per label, rows, classes, ignore_index. The log-odds flag is version 1's: its multiclass
 * logits were stored as log-odds; version 2 stores every score as sent and leaves the flag clear.
 */
const CHUNK_VERSION = 2;
/** The version before chunks kept the scores as sent (still read: a Redis store outlives a deploy). */
const LOG_ODDS_VERSION = 1;
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

/** What a chunk keeps of a batch: its rows as the ranking metrics see them, and its scores as sent (`preds`). */
export type ChunkRows = Omit<RankingBatch, 'scores' | 'scoresAreLogOdds'> & Pick<MetricBatch, 'preds'>;

/**
 * One batch of rows (the exact ranking state's chunk) as bytes: 9 bytes a binary row, plus 16.
 * The scores are the batch's `preds`, as sent (rows × classes). With `groups` (a session with
 * grouped ranking metrics) each row's group id follows the weights, as int32 (4 bytes a row, flag
 * `groups`), so the epoch's rows can be split by group again.
 */
export function encodeChunk(batch: ChunkRows, groups?: Int32Array): Uint8Array {
  const labelBytes = labelBytesOf(batch.labels);
  const scores = batch.preds;
  if (scores.length !== batch.rows * batch.classes) throw new Error(`a rows chunk keeps rows × classes scores: ${scores.length} for ${batch.rows} × ${batch.classes}`);
  const scoreBytes = scores.length * 8;
  const weightBytes = batch.weights ? batch.rows * 8 : 0;
  const groupBytes = groups ? batch.rows * 4 : 0;
  const bytes = new Uint8Array(CHUNK_HEADER + scoreBytes + weightBytes + groupBytes + batch.labels.length * labelBytes);
  const header = new DataView(bytes.buffer);
  header.setUint8(0, CHUNK_VERSION);
  header.setUint8(1, TASKS.indexOf(batch.task));
  header.setUint8(
    2,
    (batch.input === 'logits' ? FLAG.logits : 0) | (batch.weights ? FLAG.weighted : 0) | (batch.ignoreIndex !== null ? FLAG.ignore : 0) | (groups ? FLAG.groups : 0),
  );
  header.setUint8(3, labelBytes);
  header.setUint32(4, batch.rows, true);
  header.setUint32(8, batch.classes, true);
  header.setInt32(12, batch.ignoreIndex ?? 0, true);
  new Float64Array(bytes.buffer, CHUNK_HEADER, scores.length).set(scores);
  if (batch.weights) new Float64Array(bytes.buffer, CHUNK_HEADER + scoreBytes, batch.rows).set(batch.weights);
  if (groups) new Int32Array(bytes.buffer, CHUNK_HEADER + scoreBytes + weightBytes, batch.rows).set(groups);
  new LABEL_ARRAYS[labelBytes](bytes.buffer, CHUNK_HEADER + scoreBytes + weightBytes + groupBytes, batch.labels.length).set(batch.labels);
  return bytes;
}

/** A stored chunk read in place: its scores as stored, and whether they are the scores as sent. */
type StoredChunk = RowsChunk & {
  groups: Int32Array | null;
  /** The scores are the batch's as sent: every version-2 chunk, and version 1's but multiclass logits. */
  asSent: boolean;
  /** The scores must become log-odds for the ranking metrics (version 2, multiclass logits). */
  needsLogOdds: boolean;
};

/** A rows chunk read in place: scores, weights, group ids and labels (as stored: 8, 16 or 32 bits) are views. */
function readChunk(stored: Uint8Array): StoredChunk {
  // Typed views need 8-byte alignment: a copy when the store's buffer does not give it.
  const bytes = stored.byteOffset % 8 === 0 ? stored : new Uint8Array(stored);
  const header = new DataView(bytes.buffer, bytes.byteOffset, CHUNK_HEADER);
  const version = header.getUint8(0);
  if (version !== CHUNK_VERSION && version !== LOG_ODDS_VERSION) throw new Error(`rows chunk of unknown version ${version}`);
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
  const logits = (flags & FLAG.logits) !== 0;
  const multiclassLogits = logits && task === 'multiclass';
  return {
    task,
    input: logits ? 'logits' : 'probs',
    rows,
    classes,
    scores: new Float64Array(buffer, at, scoreCount),
    // What the ranking metrics read: logits (binary, multilabel as sent; multiclass as log-odds) are log-odds.
    scoresAreLogOdds: version === LOG_ODDS_VERSION ? (flags & FLAG.logOdds) !== 0 : logits,
    asSent: version === CHUNK_VERSION || !multiclassLogits,
    needsLogOdds: version === CHUNK_VERSION && multiclassLogits,
    labels: new LABEL_ARRAYS[labelBytes](buffer, at + scoreCount * 8 + weightBytes + groupBytes, labelCount),
    groups: grouped ? new Int32Array(buffer, at + scoreCount * 8 + weightBytes, rows) : null,
    ignoreIndex: flags & FLAG.ignore ? header.getInt32(12, true) : null,
    weights: weighted ? new Float64Array(buffer, at + scoreCount * 8, rows) : null,
    warnings: [],
  };
}

/** A stored chunk as the ranking metrics read it: multiclass logits as their log-odds (see `logOddsRows`), the rest in place. */
function rankingChunk({ groups: _groups, asSent: _asSent, needsLogOdds, ...chunk }: StoredChunk): RowsChunk {
  return needsLogOdds ? { ...chunk, scores: logOddsRows(chunk.scores, chunk.classes) } : chunk;
}

/**
 * One rows chunk as the ranking metrics' batch: scores and weights viewed in place (multiclass
 * logits made log-odds, a new array), labels widened to 32 bits.
 */
export function decodeChunk(stored: Uint8Array): RankingBatch {
  const chunk = rankingChunk(readChunk(stored));
  return { ...chunk, labels: new Int32Array(chunk.labels) };
}

/**
 * The work of decoding `chunks` stored chunks of `scores` scores in all for the ranking metrics:
 * each chunk's header and place in the concatenation, and for multiclass logits the log-odds of
 * every score (a sort of each row and an exp and log per class, see `logOddsRows`).
 */
export function decodeWork(chunks: number, scores: number, multiclassLogits: boolean, chunkWork: number): number {
  return chunks * chunkWork + (multiclassLogits ? scores * LOG_ODDS_WORK : 0);
}

/** Scores (rows × classes) in stored chunks, read from their headers alone. */
export function chunkScores(stored: readonly Uint8Array[]): number {
  let n = 0;
  for (const s of stored) {
    const header = new DataView(s.buffer, s.byteOffset, CHUNK_HEADER);
    n += header.getUint32(4, true) * header.getUint32(8, true);
  }
  return n;
}

/**
 * Work per score of `logOddsRows` (a row's insertion sort, an exp and a log1p per class): 244 ms
 * for 100,000 × 10 logits measured, about 24 units a score at the cost model's ~10 ns a unit.
 */
const LOG_ODDS_WORK = 24;

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
  return { chunks: stored.length <= 1 ? stored.map(decodeChunk) : [concatChunks(stored.map((s) => rankingChunk(readChunk(s))))] };
}

/**
 * A session's rows chunks as one batch of the scores as sent (`preds`, what a calibration fits
 * and a threshold is tuned on), in the order the batches were posted, with the ranking view's
 * `scores` beside them (multiclass logits as log-odds). Chunks that disagree on the scale (`auto`
 * decided per batch) are brought to probabilities (σ, or softmax of multiclass logits), with a
 * warning, as the ranking metrics bring them.
 *
 * @param ranking false when nothing will rank the batch (a calibration, the threshold metrics read
 *   `preds`): the log-odds of multiclass logits, a quarter of a session's decode, are not made, and
 *   `scores` is then empty for them (never the logits, which rank otherwise)
 * @throws {ProblemError} 409 when a chunk was stored by the previous codec with multiclass logits
 *   kept only as their log-odds: the scores as sent are gone
 */
export function decodeScoresAsSent(stored: readonly Uint8Array[], empty: Pick<RankingBatch, 'task' | 'classes' | 'ignoreIndex'>, ranking = true): MetricBatch {
  const read = stored.map((s) => readChunk(s));
  const old = read.findIndex((c) => !c.asSent);
  if (old >= 0) {
    throw conflict(
      `batch ${old} of this session was stored before sessions kept the scores as sent (its multiclass logits were kept as log-odds only): thresholds and calibration need the logits as sent; reset the session (or create a new one) and post the epoch again. Its ranking metrics and curves still answer.`,
    );
  }
  const mixed = read.some((c) => c.input !== read[0].input);
  const parts: RowsChunk[] = read.map(({ groups: _g, asSent: _a, needsLogOdds: _n, ...c }) =>
    mixed && c.input === 'logits' ? { ...c, input: 'probs', scores: probabilities(c.scores, c.rows, c.classes, c.task === 'multiclass', true), scoresAreLogOdds: false } : { ...c, scoresAreLogOdds: false },
  );
  const { task, classes, ignoreIndex } = empty;
  const rows: RankingBatch =
    parts.length === 0
      ? { task, input: 'probs', rows: 0, classes, scores: new Float64Array(0), scoresAreLogOdds: false, labels: new Int32Array(0), ignoreIndex, weights: null, warnings: [] }
      : parts.length === 1
        ? { ...parts[0], scores: parts[0].scores.slice(), labels: new Int32Array(parts[0].labels) }
        : concatChunks(parts);
  const warnings = mixed ? ['batches mixed probabilities and logits: logits were turned into probabilities (sigmoid / softmax) to calibrate and tune them together'] : [];
  const multiclassLogits = rows.input === 'logits' && rows.task === 'multiclass';
  return {
    ...rows,
    preds: rows.scores,
    scores: !multiclassLogits ? rows.scores : ranking ? logOddsRows(rows.scores, rows.classes) : new Float64Array(0),
    scoresAreLogOdds: rows.input === 'logits',
    classIndices: null,
    warnings,
  };
}
