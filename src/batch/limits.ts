import { payloadTooLarge } from '../errors.js';

/**
 * The cost model: every request is priced from its shape and options before anything sized by
 * them is allocated or looped over, and refused (413, naming the field and the limit) when the
 * price is over a limit. Three prices:
 *
 * - **elements**: numbers in the request's tensors (MAX_ELEMENTS), checked as they are decoded;
 * - **state bytes**: what the metrics keep (binned counts: classes × thresholds, C × C matrices,
 *   bins), checked once the metrics are resolved against the batch's classes and before any
 *   state exists (MAX_STATE_BYTES); a session's at its creation;
 * - **work**: elementary operations the computation will do (rows × classes per counting pass,
 *   × log of what is sorted or searched, × resamples for bootstrap intervals), checked before
 *   computing (MAX_WORK). On the main thread, work over INLINE_MAX_WORK is not refused but sent
 *   to the worker pool ({@link NeedsWorker}), so the event loop only ever runs small work, and
 *   every larger computation runs under REQUEST_TIMEOUT_MS and cancellation.
 *
 * Limits are set once per thread: the main thread from its config, each worker from its
 * workerData (where INLINE_MAX_WORK does not apply).
 */
export interface Limits {
  maxElements: number;
  maxStateBytes: number;
  maxWork: number;
  /** Work a computation may do on this thread; more is {@link NeedsWorker} (Infinity in workers). */
  inlineWork: number;
}

const unlimited: Limits = { maxElements: Infinity, maxStateBytes: Infinity, maxWork: Infinity, inlineWork: Infinity };
let limits: Limits = { ...unlimited };

export function configureLimits(given: Partial<Limits>): void {
  limits = { ...unlimited, ...given };
}

/**
 * Thrown on the main thread by a price check when the work is allowed but too large to run on
 * the event loop: the caller sends the same request to the worker pool. Never reaches a client.
 */
export class NeedsWorker extends Error {
  override name = 'NeedsWorker';
  constructor(readonly work: number) {
    super(`priced work ${work} exceeds INLINE_MAX_WORK: run in the worker pool`);
  }
}

/**
 * Runs `compute` on this thread whatever its priced work (INLINE_MAX_WORK lifted, MAX_WORK kept):
 * for the OpenAPI document's example answers, computed once at start from the schemas' own
 * small examples.
 */
export function ignoringInlineLimit<T>(compute: () => T): T {
  const saved = limits.inlineWork;
  limits = { ...limits, inlineWork: Number.POSITIVE_INFINITY };
  try {
    return compute();
  } finally {
    limits = { ...limits, inlineWork: saved };
  }
}

/**
 * Runs a computation on this thread, or answers undefined when its priced work is too large for
 * it ({@link NeedsWorker}, thrown before anything is computed): the caller sends it to the pool.
 */
export function unlessTooCostly<T>(compute: () => T): T | undefined {
  try {
    return compute();
  } catch (error) {
    if (error instanceof NeedsWorker) return undefined;
    throw error;
  }
}

const tooLarge = (field: string, message: string) => payloadTooLarge(`${field}: ${message}`, [{ path: field, message }]);

const amount = (n: number) => Math.round(n).toLocaleString('en');

/**
 * @throws {ProblemError} 413 when a tensor holds more numbers than MAX_ELEMENTS allows
 */
export function checkElementCount(field: string, count: number): void {
  if (count > limits.maxElements) {
    throw tooLarge(field, `holds ${amount(count)} numbers; this service accepts at most ${amount(limits.maxElements)} per request (MAX_ELEMENTS)`);
  }
}

/**
 * @param what what the state is, for the message ("binned counts of 1,000 classes × 100,000 thresholds")
 * @param also a tighter limit where one applies (a session's SESSION_MAX_STATE_BYTES)
 * @throws {ProblemError} 413 naming `field` when `bytes` exceeds MAX_STATE_BYTES (or `also`)
 */
export function checkStateBytes(field: string, bytes: number, what: string, also?: { bytes: number; name: string }): void {
  const [max, name] = also && also.bytes < limits.maxStateBytes ? [also.bytes, also.name] : [limits.maxStateBytes, 'MAX_STATE_BYTES'];
  if (bytes > max) {
    throw tooLarge(field, `${what} would hold ${amount(bytes)} bytes of state; at most ${amount(max)} (${name}): ask fewer thresholds, classes or metrics`);
  }
}

/**
 * @throws {ProblemError} 413 naming `field` when `work` exceeds MAX_WORK
 * @throws {NeedsWorker} on the main thread when `work` exceeds INLINE_MAX_WORK
 */
export function checkWork(field: string, work: number, what: string): void {
  if (work > limits.maxWork) {
    throw tooLarge(field, `${what} is priced at ${amount(work)} units of work; at most ${amount(limits.maxWork)} per request (MAX_WORK): ask fewer resamples, thresholds or metrics, or send fewer rows`);
  }
  if (work > limits.inlineWork) throw new NeedsWorker(work);
}

/**
 * The work of one class (or label, or pair of classes) beyond its rows, wherever a computation
 * goes class by class: its views, counts, sorts and answer entries (~20 µs measured; 15,000
 * labels of one row took 300 ms on the event loop when only rows were priced).
 */
export const CLASS_WORK = 2_000;

/** The most numbers one answer may hold (per-class values, matrices, pairs): about 20 MB of JSON. */
export const MAX_ANSWER_VALUES = 1 << 20;

/**
 * @throws {ProblemError} 413 naming `field` when an answer would hold more than {@link MAX_ANSWER_VALUES} numbers
 */
export function checkAnswerValues(field: string, values: number, what: string): void {
  if (values > MAX_ANSWER_VALUES) {
    throw tooLarge(field, `${what} would answer ${amount(values)} values; at most ${amount(MAX_ANSWER_VALUES)} per request: ask fewer classes or metrics, or split them over requests`);
  }
}

/** Pairs of classes a one-vs-one computation visits: C(C − 1) / 2. */
export const classPairs = (classes: number): number => (classes * (classes - 1)) / 2;

/** log2(n + 2): the depth of a sort or a binary search over n items, at least 1. */
export const depth = (n: number): number => Math.log2(n + 2);

/** How many thresholds a `thresholds` option names (0: exact). */
export const thresholdCount = (thresholds: number | readonly number[] | null | undefined): number =>
  thresholds === null || thresholds === undefined ? 0 : typeof thresholds === 'number' ? thresholds : thresholds.length;

/** Bootstrap resamples an interval option asks for (0 for none, or DeLong's closed form). */
export const resamplesOf = (ci: { method?: string; n_resamples?: number } | null | undefined): number =>
  ci?.method === 'bootstrap' ? (ci.n_resamples ?? 0) : 0;

/** The priced shape of a ranking computation: the batch's size and the options that scale it. */
export interface RankingShape {
  rows: number;
  /** One-vs-rest problems: 1 (binary), C, or L. */
  classes: number;
  thresholds?: number | readonly number[] | null | undefined;
  /** Bootstrap resamples (0 without a bootstrap interval). */
  resamples?: number;
  /** One-vs-one multiclass AUROC: every pair of classes. */
  oneVsOne?: boolean;
}

/**
 * Bytes of binned counts a ranking computation keeps: per class, positives, negatives and the
 * tps / fps of each threshold (float64), as {@link binnedState} lays them out; 0 when exact.
 */
export function rankingStateBytes({ classes, thresholds }: RankingShape): number {
  const T = thresholdCount(thresholds);
  return T === 0 ? 0 : classes * (2 * T + 2) * 8;
}

/**
 * Work of a ranking computation: one sort of the rows per class (exact) or one binary search
 * per score into the grid (binned), pooled counts once more when the batch has classes, the
 * whole again per bootstrap resample; one-vs-one sorts each class's rows once per other class.
 */
export function rankingWork(shape: RankingShape): number {
  const { rows, classes } = shape;
  const T = thresholdCount(shape.thresholds);
  const perPass = rows * classes * (T === 0 ? depth(rows) : depth(T)) + classes * (T + CLASS_WORK);
  const passes = (shape.oneVsOne ? 2 : 1) * (classes > 1 ? 2 : 1);
  // One-vs-one also visits every pair of classes, however few rows each has.
  const pairs = shape.oneVsOne ? classPairs(classes) * CLASS_WORK : 0;
  return (passes * perPass + pairs) * (1 + (shape.resamples ?? 0));
}

/**
 * Prices one ranking computation: its binned state, then its work.
 *
 * @param prefix where its options live in the request: '' for an endpoint's own options, `metrics/2/` for a metric entry
 * @throws {ProblemError} 413 naming `<prefix>thresholds` (state) or `<prefix>ci/n_resamples`, else `preds` (work)
 * @throws {NeedsWorker} on the main thread when the work is too large to run inline
 */
export function checkRanking(prefix: string, shape: RankingShape, what: string): void {
  // One-vs-one answers every pair: C(C − 1) / 2 entries of two classes and a value.
  if (shape.oneVsOne) checkAnswerValues(`${prefix}multi_class`, 3 * classPairs(shape.classes), `one-vs-one AUROC over ${amount(shape.classes)} classes`);
  const T = thresholdCount(shape.thresholds);
  if (T > 0) checkStateBytes(`${prefix}thresholds`, rankingStateBytes(shape), `${what}: binned counts of ${amount(shape.classes)} classes × ${amount(T)} thresholds`);
  const field = shape.resamples ? `${prefix}ci/n_resamples` : prefix === '' ? 'preds' : prefix.replace(/\/$/, '');
  checkWork(field, rankingWork(shape), `${what} over ${amount(shape.rows)} rows × ${amount(shape.classes)} classes${shape.resamples ? ` × ${amount(shape.resamples)} resamples` : ''}`);
}
