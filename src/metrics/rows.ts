import type { RankingBatch } from '../batch/ranking-batch.js';
import { rankingWork } from '../batch/limits.js';
import { RankCountsCache } from '../batch/rank-counts-cache.js';
import { torchSigmoid } from '../kernels/stat-scores.js';
import type { MetricBatch, MetricConfig } from '../batch/batch.js';
import type { StateSpec } from './state.js';
import { groupPartsOf, underived, type Derived } from './definition.js';

/**
 * The state of the exact ranking metrics (AUROC, average precision, curves, intervals): the
 * formatted rows themselves, as appended chunks (torchmetrics' list states, `dist_reduce_fx="cat"`).
 * A chunk is never copied or changed; `update` and `merge` only append references.
 */
export interface RowsState {
  chunks: readonly RankingBatch[];
}

/** The ranking view of a batch: what a chunk keeps (not the raw preds or class indices). */
const rankingView = ({ preds, classIndices, ...ranking }: RankingBatch & Partial<Pick<MetricBatch, 'preds' | 'classIndices'>>): RankingBatch => ranking;

/** Takes any ranking batch (a {@link MetricBatch} is one), so the ranking endpoints share it. */
export const rowsState: StateSpec<RowsState> & { update(state: RowsState, batch: RankingBatch): RowsState } = {
  key: 'rows',
  // The sorts every exact ranking metric of the request shares (one per class, and pooled).
  computeWork: (classes, rows) => rankingWork({ rows, classes }),
  init: () => ({ chunks: [] }),
  update: (state, batch) => (batch.rows === 0 ? state : { chunks: [...state.chunks, rankingView(batch)] }),
  merge: (a, b) => ({ chunks: [...a.chunks, ...b.chunks] }),
};

/**
 * The rows of every chunk as one batch. Chunks that disagree on the scale (probabilities in one,
 * logits in another: `auto` decides per batch, as torchmetrics' `update` does) are brought to
 * probabilities first, σ of the logits or log-odds (multiclass log-odds σ is softmax's p_c),
 * which is what torchmetrics ranks in every case.
 * No chunk at all (a session before its first batch) is a batch of no rows.
 */
export function concatRows(state: RowsState, config: MetricConfig): RankingBatch {
  const { chunks } = state;
  if (chunks.length === 0) {
    const { task, classes, ignoreIndex } = config;
    return { task, input: 'probs', rows: 0, classes, scores: new Float64Array(0), scoresAreLogOdds: false, labels: new Int32Array(0), ignoreIndex, weights: null, warnings: [] };
  }
  if (chunks.length === 1) return chunks[0];
  return concatChunks(chunks);
}

/** A chunk of rows whose labels may still be in the integer type they were stored in. */
export type RowsChunk = Omit<RankingBatch, 'labels'> & { labels: Int8Array | Int16Array | Int32Array };

/**
 * Two or more chunks as one batch, as {@link concatRows} makes it: every array copied once,
 * labels widened to 32 bits on the way (a session's stored chunks come straight here).
 */
export function concatChunks(chunks: readonly RowsChunk[]): RankingBatch {
  const first = chunks[0];
  const mixed = chunks.some((c) => c.scoresAreLogOdds !== first.scoresAreLogOdds);
  let rows = 0;
  let size = 0;
  let labelSize = 0;
  for (const c of chunks) {
    rows += c.rows;
    size += c.scores.length;
    labelSize += c.labels.length;
  }
  const header = concatHeader(chunks);
  const scores = new Float64Array(size);
  const labels = new Int32Array(labelSize);
  // Weighted when any chunk is; the others' rows weigh 1.
  const weights = chunks.some((c) => c.weights !== null) ? new Float64Array(rows).fill(1) : null;
  let rowAt = 0;
  let at = 0;
  let labelAt = 0;
  for (const c of chunks) {
    if (mixed && c.scoresAreLogOdds) for (let i = 0; i < c.scores.length; i++) scores[at + i] = torchSigmoid(c.scores[i]);
    else scores.set(c.scores, at);
    labels.set(c.labels, labelAt);
    if (weights && c.weights) weights.set(c.weights, rowAt);
    rowAt += c.rows;
    at += c.scores.length;
    labelAt += c.labels.length;
  }
  return { ...header, scores, labels, weights };
}

/**
 * What {@link concatChunks} answers but its arrays: the first chunk's fields, the scale (logits
 * brought to probabilities when the chunks mix them), the rows, and every chunk's warnings once.
 */
function concatHeader(chunks: readonly RowsChunk[]): Omit<RankingBatch, 'scores' | 'labels' | 'weights'> {
  const { scores: _s, labels: _l, weights: _w, ...first } = chunks[0];
  const mixed = chunks.some((c) => c.scoresAreLogOdds !== first.scoresAreLogOdds);
  let rows = 0;
  const warnings = new Set<string>();
  for (const c of chunks) {
    rows += c.rows;
    for (const w of c.warnings) warnings.add(w);
  }
  if (mixed) warnings.add('batches mixed probabilities and logits: logits were turned into probabilities (sigmoid / softmax) to rank them together');
  return { ...first, input: mixed ? 'probs' : first.input, scoresAreLogOdds: mixed ? false : first.scoresAreLogOdds, rows, warnings: [...warnings] };
}

/**
 * {@link concatRows} of unweighted chunks whose arrays are copied when first read: its fields
 * are known at once; `scores` and `labels` are made by {@link concatChunks} on first access
 * (a grouped metric's overall batch, whose sorts come from its groups and which most answers
 * never read row by row).
 */
function concatRowsWhenRead(state: RowsState, config: MetricConfig): RankingBatch {
  const { chunks } = state;
  if (chunks.length < 2 || chunks.some((c) => c.weights !== null)) return concatRows(state, config);
  let made: RankingBatch | null = null;
  const rows = () => (made ??= concatChunks(chunks));
  const batch = { ...concatHeader(chunks), weights: null } as RankingBatch;
  Object.defineProperty(batch, 'scores', { get: () => rows().scores, enumerable: true });
  Object.defineProperty(batch, 'labels', { get: () => rows().labels, enumerable: true });
  return batch;
}

const configOfRows = ({ task, classes, ignoreIndex }: RankingBatch): MetricConfig => ({ task, classes, ignoreIndex, classIndices: false });

/**
 * The ranking endpoints' stateless path: `update(init(), batch)` of the rows state, ready to
 * compute (AUROC, average precision, the curves) with its counts shared.
 */
export const rankCountsOfBatch = (batch: RankingBatch): RankCountsCache => rankCountsOf(rowsState.update(rowsState.init(), batch), configOfRows(batch));

/**
 * The sorted counts of a rows state, made once per compute group and shared by every ranking
 * metric computed from it (one sort per class for AUROC, AP and the curves of one request).
 */
export function rankCountsOf(state: RowsState, config: MetricConfig, derived: Derived = underived): RankCountsCache {
  return derived('rank_counts', () => {
    // The overall state of a grouped metric: its splits are its groups' splits merged (one sort
    // of each row, not two), when every group ranks on the scale the overall batch does.
    const groups = groupPartsOf(derived);
    if (groups === null) return new RankCountsCache(concatRows(state, config));
    const batch = concatRowsWhenRead(state, config);
    const parts = groups.states.map((s, g) => rankCountsOf(s as RowsState, config, groups.derived[g]));
    const sameScale = parts.every((p) => p.batch.scoresAreLogOdds === batch.scoresAreLogOdds);
    return new RankCountsCache(batch, sameScale ? parts : null);
  });
}
