import { createHash } from 'node:crypto';
import { checkRanking, checkWork } from '../batch/limits.js';
import { fromZodIssues, invalidField, payloadTooLarge } from '../errors.js';
import { SessionBatchRequest } from '../schemas/sessions.js';
import { flattenIntegers, flattenNumbers } from '../batch/tensor.js';
import { decodeArrowRequest } from '../wire/arrow.js';
import { decodeJsonBody } from '../wire/json-body.js';
import { configOf, metricBatchFromTensors, withGroups, type MetricBatch, type MetricConfig } from '../batch/batch.js';
import { flattenGroupedCounts, unflattenGroupedCounts, type GroupedState } from '../metrics/grouped.js';
import { CHUNK_WORK, checkMetricsWork, checkSessionStates, computeMetrics, initStates, resolveMetrics, updateStates, type MetricRequest, type MetricStates, type ResolvedMetric } from '../metrics/evaluate.js';
import { lossState } from '../metrics/focal-loss.js';
import { concatRows, type RowsState } from '../metrics/rows.js';
import { RankCountsCache } from '../batch/rank-counts-cache.js';
import { detOfBatch, precisionRecallOfBatch, rocOfBatch } from '../metrics/curves.js';
import { assertFiniteResult } from '../batch/finite.js';
import { detSvg, precisionRecallSvg, rocSvg } from '../plots/curve-plots.js';
import { scoreStages } from '../endpoints/score.js';
import { focalLossJson } from '../endpoints/focal-loss.js';
import type { Tensor, LabelTensor } from '../batch/tensor.js';
import type { SessionCreateRequest } from '../schemas/sessions.js';
import { ScoreLossOptions } from '../schemas/score.js';
import { chunkScores, decodeCounts, decodeRowGroups, decodeRows, decodeWork, encodeChunk, encodeCounts, type CountStates } from './codec.js';
import type { StoredState } from './store.js';

/**
 * A session's configuration, the creation body with its defaults applied: what every batch
 * shares, stored as JSON with the session.
 */
export interface SessionConfig {
  task: SessionCreateRequest['task'];
  num_classes: number | null;
  num_labels: number | null;
  input: 'auto' | 'probs' | 'logits';
  ignore_index: number | null;
  /** The group count of every batch's `groups` (GROUPS.md); absent for a session without groups. */
  num_groups?: number;
  loss: ScoreLossOptions | null;
  metrics: MetricRequest[];
  /**
   * Keep every batch's rows although no metric needs them (thresholds, calibration, the report):
   * present (true) only where it changes what the session keeps, so sessions that keep the same
   * state have the same configuration text, which merge compares.
   */
  keep_rows?: true;
}
type ScoreLossOptions = NonNullable<SessionCreateRequest['loss']>;

/** The key of the epoch loss's state among the count states: [Σ w·loss, Σ w, contributing elements]. */
const LOSS_KEY = 'focal_loss';

/** The metric configuration of a session (scores, not class indices). */
export function metricConfigOf(config: SessionConfig): MetricConfig {
  const classes = config.task === 'binary' ? 1 : ((config.task === 'multiclass' ? config.num_classes : config.num_labels) as number);
  return { task: config.task, classes, ignoreIndex: config.ignore_index, classIndices: false, ...(config.num_groups === undefined ? {} : { groups: config.num_groups }) };
}

/** Metrics of a request that need groups: any with by_group, and the fairness metrics. */
const GROUP_METRICS: ReadonlySet<string> = new Set(['demographic_parity', 'equal_opportunity', 'groups_stat_rates']);
const needsGroups = (metric: MetricRequest): boolean => (typeof metric === 'string' ? GROUP_METRICS.has(metric) : metric.by_group === true || GROUP_METRICS.has(metric.name));

/**
 * Checks a creation body and applies its defaults: the classes a task needs, the loss's input,
 * and the metrics (resolved once here, so a session never accepts a metric it cannot compute).
 *
 * @throws {ProblemError} 400 naming the field
 */
export function sessionConfigOf(body: SessionCreateRequest, maxStateBytes = Number.POSITIVE_INFINITY): SessionConfig {
  if (body.task === 'multiclass' && body.num_classes === undefined) throw invalidField('num_classes', 'is required for a multiclass session (every batch must have C columns)');
  if (body.task === 'multilabel' && body.num_labels === undefined) throw invalidField('num_labels', 'is required for a multilabel session (every batch must have L columns)');
  if (body.task !== 'multiclass' && body.num_classes !== undefined) throw invalidField('num_classes', `applies to multiclass sessions only (task is ${body.task})`);
  if (body.task !== 'multilabel' && body.num_labels !== undefined) throw invalidField('num_labels', `applies to multilabel sessions only (task is ${body.task})`);
  if (body.loss !== null && body.input === 'auto') throw invalidField('input', 'a session with a loss reads preds as "logits" or "probs" (the focal loss has no "auto")');
  const config: SessionConfig = {
    task: body.task,
    num_classes: body.num_classes ?? null,
    num_labels: body.num_labels ?? null,
    input: body.input ?? (body.loss !== null ? 'logits' : 'auto'),
    ignore_index: body.ignore_index ?? null,
    // Only when sent: a session's configuration text is what merge compares.
    ...(body.num_groups === undefined ? {} : { num_groups: body.num_groups }),
    loss: body.loss,
    metrics: (body.metrics ?? []) as MetricRequest[],
  };
  if (body.keep_rows === true && !keepsRowsForMetrics(config)) config.keep_rows = true;
  const grouped = config.metrics.findIndex(needsGroups);
  if (grouped >= 0 && config.num_groups === undefined) throw invalidField('num_groups', `is required with metrics/${grouped}, which compares groups: every batch then sends "groups" of ids 0..num_groups-1`);
  if (config.loss?.num_classes !== undefined && config.loss.num_classes !== (config.num_classes ?? config.num_labels)) {
    throw invalidField('loss/num_classes', 'must equal the session\'s num_classes / num_labels (or be left out)');
  }
  config.metrics.forEach((metric, i) => {
    // Samplewise values are each one sample's own, so a session's would be the batches' answers
    // concatenated: they are asked of /v1/metrics per batch, and a session keeps no state growing
    // with its samples (its stores add count states of a fixed size).
    if (typeof metric === 'object' && metric.multidim_average === 'samplewise') {
      throw invalidField(`metrics/${i}/multidim_average`, 'sessions answer "global" only: samplewise values are per sample, so ask /v1/metrics with each batch (its answer is that batch\'s samples\' values)');
    }
  });
  checkSessionStates(resolveMetrics(config.metrics, metricConfigOf(config)), metricConfigOf(config), maxStateBytes);
  return config;
}

const rowsMetric = (m: ResolvedMetric): boolean => m.state.key === 'rows' || m.byGroup?.key === 'rows';

/** Whether a session's metrics keep rows of their own (an exact ranking metric). */
const keepsRowsForMetrics = (config: SessionConfig): boolean => resolveMetrics(config.metrics, metricConfigOf(config)).some(rowsMetric);

/** What a session keeps: the metrics resolved, and whether it keeps rows (an exact ranking metric, or `keep_rows`). */
export function sessionPlan(config: SessionConfig): { metrics: ResolvedMetric[]; keepsRows: boolean } {
  const metrics = resolveMetrics(config.metrics, metricConfigOf(config));
  return { metrics, keepsRows: config.keep_rows === true || metrics.some(rowsMetric) };
}

/** One batch, ready for a store: its count states and rows chunk, and its own answer. */
export interface PreparedBatch {
  counts: Uint8Array;
  chunk: Uint8Array | null;
  rows: number;
  /** The batch's answer but the running totals (filled in by the store, atomically). */
  answer: { input: 'probs' | 'logits' | null; loss: ReturnType<typeof focalLossJson> | null; warnings: string[] };
}

/**
 * The update stage of a session batch: formats the batch with the session's configuration (a
 * batch of another task, shape or class count is a 400 and changes nothing), computes its loss,
 * and folds it into empty states, split into count states and the rows chunk.
 *
 * @throws {ProblemError} 400 naming the field
 */
export function prepareBatch(config: SessionConfig, preds: Tensor, labels: LabelTensor, sampleWeight: unknown, groups?: unknown): PreparedBatch {
  if (groups !== undefined && config.num_groups === undefined) throw invalidField('groups', 'this session has no num_groups: create it with num_groups to send groups');
  if (groups === undefined && config.num_groups !== undefined) throw invalidField('groups', `this session has ${config.num_groups} groups: every batch sends one group id per sample`);
  const classes = config.task === 'multiclass' ? config.num_classes : config.task === 'multilabel' ? config.num_labels : null;
  // Scores of another width are named as such (class indices, rank 1, have no width).
  const width = preds.shape.at(-1);
  if (classes !== null && preds.shape.length >= 2 && width !== classes) {
    throw invalidField('preds', `this ${config.task} session has ${classes} ${config.task === 'multilabel' ? 'labels' : 'classes'}; the batch's preds have ${width} columns`);
  }
  const request = {
    task: config.task,
    ignore_index: config.ignore_index ?? undefined,
    num_classes: config.task === 'multiclass' ? (classes ?? undefined) : undefined,
    num_labels: config.task === 'multilabel' ? (classes ?? undefined) : undefined,
    sample_weight: sampleWeight as SessionBatchRequest['sample_weight'],
    // A session adds weighted counts across batches, which one scale per batch would mix.
    extreme_weights: 'refuse' as const,
  };
  // Without a loss a batch is what /v1/metrics takes (class-index preds included); with one,
  // what /v1/score takes ([B, N, C] logits as B·N samples).
  const { focalBatch, loss, metricBatch, input, warnings } =
    config.loss === null
      ? metricsOnly(withGroups(metricBatchFromTensors(preds, labels, { ...request, input: config.input }), { groups, num_groups: config.num_groups }))
      : scoreStages(
          preds,
          labels,
          { ...request, input: config.input as 'logits' | 'probs', loss: config.loss, num_classes: classes ?? undefined, groups, num_groups: config.num_groups },
          // The metric batch is also what a session keeping rows keeps.
          config.metrics.length > 0 || config.keep_rows === true,
        );
  const counts: CountStates = new Map();
  let chunk: Uint8Array | null = null;
  if (metricBatch) {
    const metrics = resolveMetrics(config.metrics, configOf(metricBatch));
    checkMetricsWork(metrics, configOf(metricBatch), metricBatch.rows, { update: true, compute: false });
    const states = updateStates(metrics, initStates(metrics), metricBatch);
    for (const [key, state] of states) {
      const grouped = metrics.find((m) => m.state.key === key)?.byGroup;
      // The rows state is the chunk below.
      if (key === 'rows' || grouped?.key === 'rows') continue;
      if (grouped) counts.set(key, flattenGroupedCounts(state as GroupedState<Float64Array>));
      else counts.set(key, state as Float64Array);
    }
    // What sessionPlan says, from the metrics resolved here already (a batch's hot path).
    if (config.keep_rows === true || metrics.some(rowsMetric)) {
      if (metricBatch.classIndices !== null) throw invalidField('preds', 'this session keeps its rows (exact ranking metrics, or keep_rows): it needs scores [N, C], not predicted class indices');
      // The batch's rows with their scores as sent (and group ids, when the session has groups: the
      // epoch's rows are split by group again when computed). An empty batch keeps nothing
      // (torchmetrics' update of an empty batch changes no state).
      if (metricBatch.rows > 0) chunk = encodeChunk(metricBatch, metricBatch.groups);
    }
  }
  if (loss && focalBatch) {
    // The epoch loss: Σ w·loss and Σ w over the contributing elements (w = 1 without weights).
    const total = contributingWeight(focalBatch.labels.data, focalBatch.sampleWeight, config.ignore_index);
    const sum = loss.loss === undefined ? (loss.losses?.data ?? new Float64Array(0)).reduce((a, b) => a + b, 0) : loss.reduction === 'mean' ? loss.loss * total : loss.loss;
    counts.set(LOSS_KEY, Float64Array.of(sum, total, loss.count));
  }
  // Samples: as the metrics count them ([B, N] multiclass labels are B·N samples; multilabel rows).
  const rows = metricBatch?.rows ?? (config.task === 'multilabel' ? labels.shape[0] : labels.data.length);
  const answer = { input, loss: loss && focalLossJson(loss), warnings };
  // The batch's answer passes the finite check every answer passes (its grad was once written NaN → null).
  assertFiniteResult(answer);
  return { counts: encodeCounts(counts), chunk, rows, answer };
}

/**
 * The grouped rows state of an epoch: every stored chunk's rows (kept with their group ids)
 * split by group once, as a stateless request splits its batch.
 */
function groupedRowsState(m: ResolvedMetric, chunks: readonly Uint8Array[], config: MetricConfig): unknown {
  const rows = concatRows(decodeRows(chunks), config);
  const groups = decodeRowGroups(chunks) ?? new Int32Array(0);
  const batch: MetricBatch = { ...rows, preds: new Float64Array(0), classIndices: null, groups, numGroups: config.groups };
  return m.state.update(m.state.init(), batch);
}

/** A metrics-only batch in the shape of scoreStages' answer. */
function metricsOnly(batch: MetricBatch) {
  return { focalBatch: null, loss: null, metricBatch: { ...batch, warnings: [] }, input: batch.classIndices ? null : batch.input, warnings: batch.warnings };
}

/** A batch's body as the route received it: parsed already, or raw JSON / Arrow bytes. */
export type SessionBatchInput =
  | { kind: 'validated'; body: unknown }
  | { kind: 'json'; bytes: Uint8Array }
  | { kind: 'arrow'; bytes: Uint8Array; query: Record<string, unknown> };

/**
 * The whole update stage of a posted batch, from its body: decoded and checked against the
 * batch schema (raw bodies), flattened, fingerprinted (the same numbers are the same batch,
 * however the JSON was spaced) and prepared. Pure: it runs inline for small bodies and in a
 * worker thread for large ones.
 *
 * @throws {ProblemError} 400 naming the field
 */
export function prepareBody(config: SessionConfig, input: SessionBatchInput): PreparedBatch & { fingerprint: string } {
  let fields = input.kind === 'validated' ? input.body : null;
  if (input.kind === 'arrow') fields = decodeArrowRequest(input.bytes, input.query, SessionBatchRequest);
  else if (input.kind === 'json') {
    const parsed = SessionBatchRequest.safeParse(decodeJsonBody(input.bytes));
    if (!parsed.success) throw fromZodIssues(parsed.error.issues);
    fields = parsed.data;
  }
  const { preds, labels, sample_weight: sampleWeight, groups } = fields as { preds: unknown; labels: unknown; sample_weight?: unknown; groups?: unknown };
  const predsTensor = flattenNumbers('preds', preds, 3);
  const labelsTensor = flattenIntegers('labels', labels, 2);
  const prepared = prepareBatch(config, predsTensor, labelsTensor, sampleWeight, groups);
  return { ...prepared, fingerprint: fingerprintOf(predsTensor, labelsTensor, groups === undefined ? sampleWeight : { sampleWeight, groups }) };
}

/** A digest of a batch's numbers and shapes: the same batch however its JSON was spaced or sent. */
function fingerprintOf(preds: Tensor, labels: LabelTensor, sampleWeight: unknown): string {
  const hash = createHash('sha256');
  for (const t of [preds, labels]) {
    hash.update(JSON.stringify(t.shape));
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  hash.update(JSON.stringify(sampleWeight ?? null, (_key, value: unknown) => (ArrayBuffer.isView(value) ? Array.from(value as Float64Array) : value)));
  return hash.digest('hex');
}

/** Σ of the weights of the elements whose label is kept (a multilabel row's weight on each entry). */
function contributingWeight(labels: Int32Array, weights: Float64Array | null, ignore: number | null): number {
  // Entries per weight: 1, or L for multilabel rows.
  const perWeight = weights ? labels.length / weights.length : 1;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === ignore) continue;
    total += weights ? weights[Math.floor(i / perWeight)] : 1;
  }
  return total;
}

/** The session's answer to GET: the metrics over every batch, and the epoch loss. */
function computeSession(config: SessionConfig, stored: StoredState): { rows: number; batches: number; loss: { loss: number; count: number; reduction: 'mean' | 'sum' | 'none' } | null; metrics: Record<string, unknown>; warnings: string[] } {
  const { metrics } = sessionPlan(config);
  // Decoding the kept rows is a pass over them (update); then each metric's compute.
  checkMetricsWork(metrics, metricConfigOf(config), stored.rows, { update: true, compute: true, chunks: stored.chunks.length });
  checkDecodeWork(config, stored.chunks);
  const counts = stored.counts ? decodeCounts(stored.counts) : new Map<string, Float64Array>();
  const states: MetricStates = initStates(metrics);
  for (const key of states.keys()) {
    const m = metrics.find((r) => r.state.key === key) as ResolvedMetric;
    if (key === 'rows') states.set(key, decodeRows(stored.chunks) satisfies RowsState);
    else if (m.byGroup?.key === 'rows') states.set(key, groupedRowsState(m, stored.chunks, metricConfigOf(config)));
    else if (m.byGroup && counts.has(key)) states.set(key, unflattenGroupedCounts(counts.get(key) as Float64Array, config.num_groups as number));
    else if (counts.has(key)) states.set(key, counts.get(key));
  }
  const warnings: string[] = [];
  if (stored.batches === 0) warnings.push('no batch posted yet: every metric is computed over no samples');
  let loss = null;
  if (config.loss) {
    const [sum, weight, elements] = counts.get(LOSS_KEY) ?? [0, 0, 0];
    const reduction = config.loss.reduction ?? 'mean';
    // `count` is the contributing elements, as /v1/focal-loss counts them (not their weights).
    loss = { loss: lossState.compute(Float64Array.of(sum, weight), reduction), count: elements, reduction };
  }
  return { rows: stored.rows, batches: stored.batches, loss, metrics: computeMetrics(metrics, states, metricConfigOf(config)), warnings };
}

/** The limits on what an exact session keeps: rows, and scores (rows × classes). */
export interface RowLimits {
  maxRows: number;
  maxScores: number;
}

/**
 * The rows an exact session may keep: SESSION_MAX_ROWS, and SESSION_MAX_SCORES / C rows of C
 * classes or labels (what a compute of the epoch holds grows with the scores, not the rows).
 */
export const sessionMaxRows = (config: SessionConfig, limits: RowLimits): number =>
  Math.max(1, Math.min(limits.maxRows, Math.floor(limits.maxScores / metricConfigOf(config).classes)));

/** 413 for a batch that would take an exact session past its rows (see {@link sessionMaxRows}). */
export function tooManyRows(held: number, adding: number, max: number, limits?: RowLimits & { classes: number }) {
  const byScores = limits !== undefined && max < limits.maxRows;
  const limit = byScores ? `${max.toLocaleString('en')} rows of ${limits.classes} classes (SESSION_MAX_SCORES = ${limits.maxScores.toLocaleString('en')} scores)` : `SESSION_MAX_ROWS = ${max.toLocaleString('en')} rows`;
  const message = `this session keeps its rows (for exact ranking metrics, or keep_rows for thresholds and calibration): at most ${limit} (it holds ${held.toLocaleString('en')}, the batch adds ${adding.toLocaleString('en')}); binned metrics (\`thresholds\`, e.g. 1000) keep a state of constant size`;
  return payloadTooLarge(message, [{ path: 'preds', message }]);
}

/**
 * Prices decoding a session's rows chunks for the ranking metrics (their headers and places, and
 * the log-odds of multiclass logits, made as they are decoded), before any is read.
 *
 * @throws {ProblemError} 413 naming `preds` (the stored scores) over MAX_WORK; NeedsWorker inline when large
 */
export function checkDecodeWork(config: SessionConfig, chunks: readonly Uint8Array[]): void {
  const scores = chunkScores(chunks);
  const work = decodeWork(chunks.length, scores, config.task === 'multiclass' && config.input !== 'probs', CHUNK_WORK);
  checkWork('preds', work, `decoding ${chunks.length.toLocaleString('en')} stored batches of ${scores.toLocaleString('en')} scores`);
}

/** The curves a session answers, over its rows. */
export type SessionCurve = 'roc' | 'precision-recall-curve' | 'det-curve';

const CURVE_NAMES: Record<SessionCurve, string> = { roc: 'ROC curves', 'precision-recall-curve': 'precision-recall curves', 'det-curve': 'DET curves' };

/**
 * A session's ROC, precision-recall or DET curves over every batch's rows (the session keeps rows:
 * see `sessionPlan`), as /v1/roc, /v1/precision-recall-curve and /v1/det-curve answer them.
 *
 * @throws {ProblemError} 400 naming `task` for the DET curve of a session that is not binary
 */
function sessionCurves(config: SessionConfig, chunks: readonly Uint8Array[], curve: SessionCurve, options: { drop_intermediate: boolean; max_points?: number | undefined }) {
  return curveOfEpoch(epochRankCounts(config, chunks, CURVE_NAMES[curve]), curve, options);
}

/**
 * The epoch's rows decoded once and ready to sort once per class, for any number of curves
 * (see {@link curveOfEpoch}): priced before decoding, and checked as the ranking endpoints check
 * their batches.
 *
 * @throws {ProblemError} 413 naming `preds` over MAX_WORK or the ranking limits
 */
export function epochRankCounts(config: SessionConfig, chunks: readonly Uint8Array[], what: string): RankCountsCache {
  checkDecodeWork(config, chunks);
  const batch = concatRows(decodeRows(chunks), metricConfigOf(config));
  checkRanking('', { rows: batch.rows, classes: batch.classes }, what);
  return new RankCountsCache(batch);
}

/**
 * One of a session's curves from its epoch's counts ({@link epochRankCounts}).
 *
 * @throws {ProblemError} 400 naming `task` for the DET curve of a session that is not binary
 */
export function curveOfEpoch(cache: RankCountsCache, curve: SessionCurve, options: { drop_intermediate: boolean; max_points?: number | undefined }) {
  if (curve === 'det-curve') {
    if (cache.batch.task !== 'binary') throw invalidField('task', `the DET curve is binary (scikit-learn's det_curve); this session is ${cache.batch.task}`);
    return detOfBatch(cache, { drop_intermediate: options.drop_intermediate });
  }
  return curve === 'roc'
    ? rocOfBatch(cache, { drop_intermediate: options.drop_intermediate, max_points: options.max_points, thresholds: null } as never)
    : precisionRecallOfBatch(cache, { max_points: options.max_points, thresholds: null } as never);
}

/**
 * The answer to GET of a session, as the JSON text sent (inline or from a worker, alike): its
 * `head` (id, task), the computed epoch, `expires_at`; every number checked finite.
 */
export function sessionAnswerText(config: SessionConfig, stored: StoredState, head: { id: string; task: string }, expiresAt: string): string {
  return JSON.stringify(sessionAnswer(config, stored, head, expiresAt));
}

/** The answer to GET of a session as an object (see {@link sessionAnswerText}), every number checked finite. */
export function sessionAnswer(config: SessionConfig, stored: StoredState, head: { id: string; task: string }, expiresAt: string) {
  const answer = { ...head, ...computeSession(config, stored), expires_at: expiresAt };
  assertFiniteResult(answer);
  return answer;
}

/** A session's curves as the text sent: JSON, or the SVG drawing (`svg`); every number checked finite. */
export function sessionCurvesText(config: SessionConfig, chunks: readonly Uint8Array[], curve: SessionCurve, options: { drop_intermediate: boolean; max_points?: number | undefined }, svg: boolean): string {
  const result = sessionCurves(config, chunks, curve, options);
  assertFiniteResult(result);
  if (!svg) return JSON.stringify(result);
  return curve === 'roc' ? rocSvg(result as never) : curve === 'det-curve' ? detSvg(result as never) : precisionRecallSvg(result as never);
}
