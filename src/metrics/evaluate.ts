import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { ProblemError, invalidField, invalidRequest } from '../errors.js';
import { CLASS_WORK, checkAnswerValues, checkStateBytes, checkWork } from '../batch/limits.js';
import { describeValue } from '../errors.js';
import type { MetricBatch, MetricConfig } from '../batch/batch.js';
import type { Derived, MetricDefinition, MetricEntry } from './definition.js';
import { metricDefinition, metricNames } from './registry.js';
import { samplesOf } from './samplewise.js';
import type { StateSpec } from './state.js';
import { groupedEntry, groupedState, type GroupedState } from './grouped.js';

/** A metric as a request names it: its name, or an object with `name`, optional `key` and options. */
export type MetricRequest = string | ({ name: string; key?: string | undefined } & Record<string, unknown>);

/** A requested metric, checked against the batch's task, with its options parsed and its state chosen. */
export interface ResolvedMetric {
  /** The entry's name in the response. */
  key: string;
  definition: MetricDefinition<object, unknown>;
  options: object;
  state: StateSpec<unknown>;
  /** Its index in the request, for error paths. */
  index: number;
  /** Options sent with their declared default to a task that does not take them: left out, and said in the entry's warnings. */
  ignored: readonly string[];
  /** `by_group: true`: the metric's own state, of which `state` keeps one per group (G = config.groups). */
  byGroup?: StateSpec<unknown>;
}

const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const quoted = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');

/**
 * Checks each requested metric against the task (torchmetrics' argument validation): a known
 * name, a task it exists for, only the options that task's functional takes, valid values, a
 * unique key. Defaults are applied here, after the check, so an option sent is distinguishable
 * from one defaulted.
 *
 * @throws {ProblemError} 400 naming `metrics/<i>` (and the option), with what is allowed
 */
export function resolveMetrics(requests: readonly MetricRequest[], config: MetricConfig): ResolvedMetric[] {
  const cacheKey = `${config.task}|${config.classes}|${config.ignoreIndex}|${config.classIndices}|${config.multidim === true}|${config.groups}|${JSON.stringify(requests)}`;
  let metrics = resolved.get(cacheKey);
  if (!metrics) {
    const keys = new Set<string>();
    metrics = shareContainedStates(requests.map((request, index) => resolveOne(request, index, config, keys)));
    checkAnswerSize(metrics, config);
    checkStates(metrics, config);
    if (resolved.size >= RESOLVED_KEPT) resolved.delete(resolved.keys().next().value as string);
    resolved.set(cacheKey, metrics);
  }
  return metrics;
}

/**
 * A metric whose state another metric of the list contains (`StateSpec.contains`: its numbers
 * open the other's, counted alike, as `log_loss`'s open `d2_log_loss_score`'s) reads the containing
 * state instead: one compute group, so the rows are counted once for both, and each answer is
 * what it is alone (its compute reads its own numbers). A grouped metric shares only with a
 * grouped one of the same groups (their keys say the groups).
 */
function shareContainedStates(metrics: ResolvedMetric[]): ResolvedMetric[] {
  const containing = new Map<string, ResolvedMetric>();
  for (const m of metrics) if (m.state.contains !== undefined && !containing.has(m.state.contains)) containing.set(m.state.contains, m);
  if (containing.size === 0) return metrics;
  return metrics.map((m) => {
    const by = containing.get(m.state.key);
    // A grouped metric's compute merges its groups with its inner state's merge: the container's.
    return by === undefined ? m : { ...m, state: by.state, ...(by.byGroup === undefined ? {} : { byGroup: by.byGroup }) };
  });
}

/**
 * Metric lists already checked, by configuration and request text: a training loop asks the same
 * list every batch, and the checks (a zod parse of each metric's options) cost more than the
 * counting. Resolved metrics are never modified.
 */
const resolved = new Map<string, ResolvedMetric[]>();
const RESOLVED_KEPT = 256;

function resolveOne(request: MetricRequest, index: number, config: MetricConfig, keys: Set<string>): ResolvedMetric {
  const path = `metrics/${index}`;
  const entry = typeof request === 'string' ? { name: request } : request;
  const definition = metricDefinition(entry.name);
  if (!definition) throw invalidField(typeof request === 'string' ? path : `${path}/name`, `unknown metric ${describeValue(entry.name)}: allowed names are ${quoted(metricNames)}`);
  if (!definition.tasks.includes(config.task)) {
    throw invalidField(path, `${definition.name} exists for ${definition.tasks.join(', ')}; this batch is ${config.task}`);
  }
  const { name, key = definition.name, by_group: byGroup = false, ...given } = entry;
  if (typeof byGroup !== 'boolean') throw invalidField(`${path}/by_group`, `must be true or false, got ${describeValue(byGroup)}`);
  if (byGroup && config.groups === undefined) throw invalidField('groups', `metrics/${index} (${definition.name}) asks by_group: send one group id per sample in "groups"`);
  if (typeof key !== 'string' || key.length === 0) throw invalidField(`${path}/key`, 'must be a non-empty string');
  // The key names a property of the answer: one that is an object's prototype cannot be.
  if (RESERVED_KEYS.has(key)) throw invalidField(`${path}/key`, `"${key}" is reserved; choose another key`);
  if (keys.has(key)) throw invalidField(path, `"${key}" is asked twice: give one of them another "key"`);
  keys.add(key);
  const allowed = definition.optionsFor[config.task] ?? [];
  const ignored: string[] = [];
  for (const option of Object.keys(given)) {
    if ((allowed as readonly string[]).includes(option)) continue;
    // The document declares one schema per metric, defaults included, and generated clients send
    // those defaults whatever the task: a default is accepted where it changes nothing.
    const declared = declaredDefault(definition, option);
    if (declared.has && isDeepStrictEqual(given[option], declared.value)) {
      ignored.push(option);
      delete given[option];
      continue;
    }
    const takes = allowed.length > 0 ? `takes ${quoted(allowed)}` : 'takes no options';
    throw invalidField(`${path}/${option}`, `${config.task} ${definition.name} ${takes} (and "key"), or another task's option only at its default`);
  }
  if (definition.needsScores && config.classIndices) throw invalidField('preds', `${definition.name} needs scores (probabilities or logits); preds are class indices: send scores [N, C]`);
  const parsed = definition.options.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidField([path, ...issue.path.map(String)].join('/'), z.prettifyError(new z.ZodError([{ ...issue, path: [] }])).replace(/^✖ /, ''));
  }
  const options = parsed.data;
  if (byGroup && (options as { multidim_average?: string }).multidim_average === 'samplewise') {
    // A grouped state's overall answer is its groups' states merged in group order, which would
    // reorder the per-sample values; each sample's value is answered with its own group id in hand.
    throw invalidField(`${path}/by_group`, 'a samplewise metric answers one value per sample already: read each sample\'s group from "groups" beside it, or ask by_group with multidim_average "global"');
  }
  definition.check?.(options, config, path);
  const state = definition.state(options, config);
  if (!byGroup || config.groups === undefined) return { key, definition, options, state, index, ignored };
  return { key, definition, options, state: groupedState(state, config.groups) as StateSpec<unknown>, index, ignored, byGroup: state };
}

/**
 * The default an option's schema declares (what the OpenAPI document shows as `default`), if it
 * declares one: `{ has: false }` for an option without a default or not of this metric.
 */
function declaredDefault(definition: MetricDefinition<object, unknown>, option: string): { has: boolean; value?: unknown } {
  const field = (definition.options as unknown as z.ZodObject).shape?.[option];
  if (!(field instanceof z.ZodDefault)) return { has: false };
  return { has: true, value: field.def.defaultValue };
}

/**
 * @param samples the batch's samples where known (samplewise answers hold one answer per sample), else 0
 * @throws {ProblemError} 413 naming `metrics` when the answer would exceed MAX_ANSWER_VALUES (src/batch/limits.ts)
 */
function checkAnswerSize(metrics: readonly ResolvedMetric[], config: MetricConfig, samples = 0): void {
  let size = 0;
  // A grouped answer is the overall one and one per group.
  for (const m of metrics) size += (m.definition.answerSize?.(config, m.options, samples) ?? config.classes) * (m.byGroup ? (config.groups ?? 0) + 1 : 1);
  checkAnswerValues('metrics', size, `${metrics.length} metrics of ${config.classes} classes${samples > 0 ? ` over ${samples.toLocaleString('en')} samples (samplewise)` : ''}`);
}

/** Where a metric's cost comes from in the request: the option that sizes it, else the entry. */
function costField(m: ResolvedMetric, of: 'state' | 'work'): string {
  const path = `metrics/${m.index}`;
  const options = m.options as { thresholds?: unknown; n_bins?: unknown; ci?: { method?: string } | null };
  // A grouped state is sized by its metric's state (times the groups): the same option names it.
  if (of === 'state' && (m.byGroup ?? m.state).key.startsWith('binned:')) return `${path}/thresholds`;
  if (m.state.bytesPerSample !== undefined) return `${path}/multidim_average`;
  if (of === 'state' && options.n_bins !== undefined) return `${path}/n_bins`;
  if (of === 'work' && options.ci?.method === 'bootstrap') return `${path}/ci/n_resamples`;
  return path;
}

/**
 * Prices the metrics' states (each compute group once, as they will exist) against
 * MAX_STATE_BYTES, before any is made: binned thresholds × classes, C × C matrices, bins.
 *
 * @throws {ProblemError} 413 naming the option of the largest state (`metrics/3/thresholds`)
 */
function checkStates(metrics: readonly ResolvedMetric[], config: MetricConfig, limit?: { bytes: number; name: string }, samples = 0): void {
  const { bytes, field } = statesSize(metrics, samples);
  checkStateBytes(field, bytes, `${metrics.length === 1 ? 'this metric' : `${metrics.length} metrics`} of ${config.classes} classes`, limit);
}

/**
 * The bytes of the metrics' count states (each compute group once), and the option that sizes
 * the largest (`metrics/3/thresholds`), for a 413. A state kept per sample (samplewise) holds
 * `bytesPerSample` for each of `samples` (0 where the samples are not known yet).
 */
export function statesSize(metrics: readonly ResolvedMetric[], samples = 0): { bytes: number; field: string } {
  const seen = new Set<string>();
  let bytes = 0;
  let largest: ResolvedMetric | null = null;
  let largestBytes = -1;
  for (const m of metrics) {
    if (seen.has(m.state.key)) continue;
    seen.add(m.state.key);
    const size = stateBytes(m.state, samples);
    bytes += size;
    if (size > largestBytes) [largest, largestBytes] = [m, size];
  }
  return { bytes, field: largest === null ? 'metrics' : costField(largest, 'state') };
}

/** A state's bytes over `samples` samples: its fixed size, or its size per sample. */
const stateBytes = (state: StateSpec<unknown>, samples: number): number => (state.bytes ?? 0) + (state.bytesPerSample ?? 0) * samples;

/**
 * A session's state against SESSION_MAX_STATE_BYTES (and MAX_STATE_BYTES), at its creation: a
 * session's count states are read, added to and written on every batch and every merge.
 *
 * @throws {ProblemError} 413 naming the option of the largest state
 */
export function checkSessionStates(metrics: readonly ResolvedMetric[], config: MetricConfig, maxBytes: number): void {
  checkStates(metrics, config, { bytes: maxBytes, name: 'SESSION_MAX_STATE_BYTES' });
}

/**
 * The priced work of a computation over `rows` rows: folding them into each compute group once
 * (`update`), then each metric's compute (sorts of kept rows, resamples), and the costliest entry
 * (the field a 413 names).
 */
export function metricsWork(
  metrics: readonly ResolvedMetric[],
  config: MetricConfig,
  rows: number,
  stages: { update: boolean; compute: boolean; chunks?: number; samples?: number },
): { total: number; costliest: ResolvedMetric | null } {
  const samples = stages.samples ?? 0;
  const seen = new Set<string>();
  let total = 0;
  let costliest: ResolvedMetric | null = null;
  let costliestWork = -1;
  for (const m of metrics) {
    let work = 0;
    if (!seen.has(m.state.key)) {
      seen.add(m.state.key);
      // Made empty, counted into and encoded (update); decoded and read (compute): its size either way.
      const size = stateBytes(m.state, samples) / 8;
      if (stages.update) work += size + rows * config.classes * (m.state.workPerElement ?? 1);
      if (stages.compute) work += size + (m.state.computeWork?.(config.classes, rows) ?? 0);
    }
    // Every metric's compute goes class by class (values, warnings, averages) however few rows.
    // A samplewise metric computes once per sample.
    const computes = (m.state.bytesPerSample === undefined ? 1 : samples) * (m.byGroup ? (config.groups ?? 0) + 1 : 1);
    // A grouped compute reads the groups' rows once and all of them once: twice the metric's work.
    if (stages.compute) work += (m.definition.work?.(m.options, config, rows) ?? 0) * (m.byGroup ? 2 : 1) + computes * config.classes * CLASS_WORK;
    total += work;
    if (work > costliestWork) [costliest, costliestWork] = [m, work];
  }
  // Kept rows arrive as one chunk per batch, each decoded on its own.
  total += (stages.chunks ?? 0) * CHUNK_WORK;
  return { total, costliest };
}

/**
 * Prices a computation over `rows` rows ({@link metricsWork}) against MAX_WORK, before it starts;
 * on the main thread, work over INLINE_MAX_WORK goes to the worker pool instead.
 *
 * @throws {ProblemError} 413 naming the costliest entry (`metrics/2/ci/n_resamples`)
 * @throws {NeedsWorker} on the main thread when the work is too large to run inline
 */
export function checkMetricsWork(metrics: readonly ResolvedMetric[], config: MetricConfig, rows: number, stages: { update: boolean; compute: boolean; chunks?: number; samples?: number }): void {
  const { total, costliest } = metricsWork(metrics, config, rows, stages);
  if (costliest !== null) checkWork(costField(costliest, 'work'), total, `${metrics.length === 1 ? 'this metric' : `${metrics.length} metrics`} over ${rows.toLocaleString('en')} rows of ${config.classes} classes`);
}

/** The work of decoding one stored rows chunk (its header, its arrays, its place in the concatenation): ~25 µs measured. */
export const CHUNK_WORK = 2_500;

/** The states of a set of metrics, one per compute group (shared key). */
export type MetricStates = Map<string, unknown>;

/** Empty states for the metrics' compute groups. */
export function initStates(metrics: readonly ResolvedMetric[]): MetricStates {
  const states: MetricStates = new Map();
  for (const m of metrics) if (!states.has(m.state.key)) states.set(m.state.key, m.state.init());
  return states;
}

/** Folds one batch into every compute group once. Pure: a new map of new states. */
export function updateStates(metrics: readonly ResolvedMetric[], states: MetricStates, batch: MetricBatch): MetricStates {
  const next: MetricStates = new Map();
  for (const m of metrics) {
    if (!next.has(m.state.key)) next.set(m.state.key, m.state.update(states.get(m.state.key), batch));
  }
  return next;
}

/** Merges two sets of states of the same metrics (ranks, replicas, sessions). */
export function mergeStates(metrics: readonly ResolvedMetric[], a: MetricStates, b: MetricStates): MetricStates {
  const merged: MetricStates = new Map();
  for (const m of metrics) {
    if (!merged.has(m.state.key)) merged.set(m.state.key, m.state.merge(a.get(m.state.key), b.get(m.state.key)));
  }
  return merged;
}

/** Each metric's entry, under its key, from the states. Errors about options name `metrics/<i>`. */
export function computeMetrics(metrics: readonly ResolvedMetric[], states: MetricStates, config: MetricConfig): Record<string, MetricEntry> {
  const out: Record<string, MetricEntry> = {};
  const groups = new Map<string, Derived>();
  const derivedOf = (key: string) => {
    let derived = groups.get(key);
    if (!derived) groups.set(key, (derived = sharedWithin(new Map())));
    return derived;
  };
  for (const m of metrics) {
    const state = states.get(m.state.key);
    try {
      const entry = m.byGroup
        ? groupedEntry(m.definition, m.options, m.byGroup, state as GroupedState<unknown>, config, (g) => derivedOf(`${m.state.key}#${g}`))
        : m.definition.compute(state, m.options, config, derivedOf(m.state.key));
      out[m.key] = m.ignored.length === 0 ? entry : { ...entry, warnings: [...entry.warnings, ...m.ignored.map((o) => `"${o}" was sent with its default and ignored: ${config.task} ${m.definition.name} does not take it`)] };
    } catch (error) {
      throw underPath(error, `metrics/${m.index}`);
    }
  }
  return out;
}

/** A {@link Derived} that keeps each value in `values`, by name. */
function sharedWithin(values: Map<string, unknown>): Derived {
  return <T>(name: string, make: () => T): T => {
    if (values.has(name)) return values.get(name) as T;
    const value = make();
    values.set(name, value);
    return value;
  };
}

/** A 400 raised about an option (`ci/method`) re-addressed under the metric (`metrics/2/ci/method`). */
function underPath(error: unknown, prefix: string): unknown {
  if (!(error instanceof ProblemError) || error.status !== 400 || !error.problem.errors) return error;
  const errors = error.problem.errors.map((e) => (/^(preds|labels)\b/.test(e.path) ? e : { ...e, path: `${prefix}/${e.path}` }));
  return invalidRequest(`${errors[0].path}: ${errors[0].message}`, errors);
}

/** The stateless answer: `compute(update(init(), batch))` for every metric asked. */
export function evaluateMetrics(requests: readonly MetricRequest[], batch: MetricBatch, config: MetricConfig): Record<string, MetricEntry> {
  const metrics = resolveMetrics(requests, config);
  const samples = samplesOf(batch);
  if (metrics.some((m) => m.state.bytesPerSample !== undefined)) {
    // Samplewise states and answers grow with the samples, known now: priced before they exist.
    checkStates(metrics, config, undefined, samples);
    checkAnswerSize(metrics, config, samples);
  }
  checkMetricsWork(metrics, config, batch.rows, { update: true, compute: true, samples });
  return computeMetrics(metrics, updateStates(metrics, initStates(metrics), batch), config);
}
