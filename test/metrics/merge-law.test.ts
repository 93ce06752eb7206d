import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configOf, formatMetricBatch, type MetricBatch } from '../../src/metrics/batch.js';
import { computeMetrics, initStates, mergeStates, resolveMetrics, updateStates, type MetricRequest, type MetricStates } from '../../src/metrics/evaluate.js';
import { metricDefinitions } from '../../src/metrics/registry.js';
import type { Task } from '../../src/schemas/common.js';
import { close } from '../support/close.js';

/**
 * The merge law every metric's state obeys (torchmetrics' `merge_state`, DDP sync): for random
 * batches A and B of one configuration, compute(merge(update(init, A), update(init, B))) equals
 * compute(update(init, A ++ B)); merge is associative and init is its identity. Counts must be
 * equal exactly; sums of floating values and computed values to 1e-12 (relative).
 */

interface Shape {
  task: Task;
  classes: number;
  ignore: boolean;
  input: 'probs' | 'logits';
  /** Multiclass preds as class indices. */
  indices: boolean;
  /** Rows carry sample weights (0 included). */
  weighted?: boolean;
}

/** Scores on a coarse grid, so ties (and scores equal to a threshold) are common. */
const score = (input: 'probs' | 'logits') => (input === 'probs' ? fc.integer({ min: 0, max: 10 }).map((k) => k / 10) : fc.integer({ min: -8, max: 8 }).map((k) => k / 2));

function rowsArb(shape: Shape, rows: number) {
  const records = unweightedRowsArb(shape, rows);
  if (!shape.weighted) return records;
  const weights = fc.array(fc.constantFrom(0, 0.5, 1, 2.5), { minLength: rows, maxLength: rows });
  return fc.tuple(records, weights).map(([r, w]) => ({ ...r, weights: w }));
}

function unweightedRowsArb(shape: Shape, rows: number) {
  const { task, classes, ignore, input, indices } = shape;
  const label = (upper: number) => (ignore ? fc.oneof({ arbitrary: fc.integer({ min: 0, max: upper }), weight: 6 }, { arbitrary: fc.constant(-1), weight: 1 }) : fc.integer({ min: 0, max: upper }));
  if (task === 'binary') return fc.record({ preds: fc.array(score(input), { minLength: rows, maxLength: rows }), labels: fc.array(label(1), { minLength: rows, maxLength: rows }) });
  if (task === 'multilabel') {
    const row = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: classes, maxLength: classes });
    return fc.record({ preds: fc.array(row(score(input)), { minLength: rows, maxLength: rows }), labels: fc.array(row(label(1)), { minLength: rows, maxLength: rows }) });
  }
  const preds = indices
    ? fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: rows, maxLength: rows })
    : fc.array(fc.array(score(input), { minLength: classes, maxLength: classes }), { minLength: rows, maxLength: rows });
  return fc.record({ preds, labels: fc.array(label(classes - 1), { minLength: rows, maxLength: rows }) });
}

type Rows = { preds: unknown[]; labels: unknown[]; weights?: number[] };

function batchOf(shape: Shape, rows: Rows): MetricBatch {
  const batch = formatMetricBatch({
    preds: rows.preds,
    labels: rows.labels,
    task: shape.task,
    input: shape.indices ? 'auto' : shape.input,
    ...(shape.ignore ? { ignore_index: -1 } : {}),
    ...(shape.task === 'multiclass' ? { num_classes: shape.classes } : {}),
    ...(rows.weights ? { sample_weight: rows.weights } : {}),
  });
  // Batch decisions are reported once per request, outside the states.
  return { ...batch, warnings: [] };
}

/** Options a task's functional takes, drawn at random (ci left out: it only resamples the same rows). */
function optionsArb(name: string, task: Task, classes: number, weighted = false): fc.Arbitrary<Record<string, unknown>> {
  const definition = metricDefinitions.find((d) => d.name === name)!;
  const allowed = new Set<string>(definition.optionsFor[task] ?? []);
  const choices: Record<string, fc.Arbitrary<unknown>> = {
    threshold: fc.constantFrom(0.3, 0.5, 0.7),
    average: name === 'eer' ? fc.constantFrom(null, 'micro', 'macro', 'none') : name === 'logauc' ? fc.constantFrom('macro', 'none') : fc.constantFrom('micro', 'macro', 'weighted', 'none'),
    top_k: fc.integer({ min: 1, max: classes }),
    zero_division: fc.constantFrom(0, 1),
    normalize: fc.constantFrom(null, 'true', 'pred', 'all'),
    weights: fc.constantFrom(null, 'linear', 'quadratic'),
    adjusted: fc.boolean(),
    beta: fc.constantFrom(0.5, 2),
    multi_class: fc.constantFrom('ovr', 'ovo'),
    max_fpr: fc.constantFrom(null, 0.5),
    thresholds: fc.constantFrom(null, 5),
    n_bins: fc.integer({ min: 1, max: 12 }),
    norm: fc.constantFrom('l1', 'l2', 'max'),
    squared: fc.boolean(),
    multiclass_mode: fc.constantFrom('crammer-singer', 'one-vs-all'),
    min_recall: fc.constantFrom(0, 0.5, 0.9),
    min_precision: fc.constantFrom(0, 0.5, 0.9),
    min_specificity: fc.constantFrom(0, 0.5, 0.9),
    min_sensitivity: fc.constantFrom(0, 0.5, 0.9),
    fpr_range: fc.constantFrom([0.001, 0.1], [0.05, 0.5], [0.2, 1]),
  };
  const fields = Object.fromEntries(Object.entries(choices).filter(([k]) => allowed.has(k)));
  return fc.record(fields, { requiredKeys: Object.keys(fields).filter((k) => k === 'beta' || k.startsWith('min_')) }).map((o) => {
    // One-vs-one takes macro or weighted, and no binned thresholds (the route answers 400 otherwise).
    // Weighted batches have no one-vs-one AUROC (a 400 naming multi_class).
    if (o.multi_class === 'ovo' && weighted) return { ...o, multi_class: 'ovr' };
    if (o.multi_class === 'ovo') return { ...o, average: o.average === 'weighted' ? 'weighted' : 'macro', thresholds: null };
    return o;
  });
}

/**
 * Typed-array states must agree element for element: counts exactly, sums of floating values
 * (Σ confidence, Σ loss) to 1e-12, since adding in another order may round otherwise.
 */
function sameCounts(a: MetricStates, b: MetricStates): string | null {
  for (const [key, state] of a) {
    const other = b.get(key);
    if (!(state instanceof Float64Array)) continue;
    if (!(other instanceof Float64Array) || state.length !== other.length) return `${key}: states of different shapes`;
    const differs = close(Array.from(state), Array.from(other));
    if (differs) return `${key}${differs}: [${Array.from(state)}] vs [${Array.from(other)}]`;
  }
  return null;
}

const shapes: Shape[] = [
  { task: 'binary', classes: 1, ignore: false, input: 'probs', indices: false },
  { task: 'binary', classes: 1, ignore: true, input: 'logits', indices: false },
  { task: 'multiclass', classes: 3, ignore: false, input: 'probs', indices: false },
  { task: 'multiclass', classes: 4, ignore: true, input: 'logits', indices: false },
  { task: 'multiclass', classes: 3, ignore: false, input: 'probs', indices: true },
  { task: 'multilabel', classes: 3, ignore: false, input: 'probs', indices: false },
  { task: 'multilabel', classes: 2, ignore: true, input: 'logits', indices: false },
  { task: 'binary', classes: 1, ignore: false, input: 'probs', indices: false, weighted: true },
  { task: 'multiclass', classes: 3, ignore: true, input: 'logits', indices: false, weighted: true },
  { task: 'multiclass', classes: 3, ignore: false, input: 'probs', indices: true, weighted: true },
  { task: 'multilabel', classes: 3, ignore: false, input: 'probs', indices: false, weighted: true },
];

const cases = metricDefinitions.flatMap((d) =>
  shapes.filter((s) => d.tasks.includes(s.task) && !(s.indices && d.needsScores)).map((shape) => ({ name: d.name, shape, label: `${d.name}, ${shape.task}${shape.indices ? ' class indices' : ''}${shape.ignore ? ', ignore_index' : ''}, ${shape.input}${shape.weighted ? ', sample_weight' : ''}` })),
);

describe('the merge law, on every metric of the registry', () => {
  it('covers every metric', () => {
    expect(new Set(cases.map((c) => c.name))).toEqual(new Set(metricDefinitions.map((d) => d.name)));
  });

  it.each(cases)('$label', ({ name, shape }) => {
    const part = (n: number) => rowsArb(shape, n);
    const sizes = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }));
    const arb = sizes.chain(([a, b, c]) => fc.tuple(part(a), part(b), part(c), optionsArb(name, shape.task, shape.classes, shape.weighted)));
    fc.assert(
      fc.property(arb, ([a, b, c, options]) => {
        const [A, B, C] = [a, b, c].map((rows) => batchOf(shape, rows as Rows));
        const [ra, rb] = [a, b] as Rows[];
        const AB = batchOf(shape, { preds: [...ra.preds, ...rb.preds], labels: [...ra.labels, ...rb.labels], ...(ra.weights ? { weights: [...ra.weights, ...rb.weights!] } : {}) });
        const config = configOf(A);
        let metrics;
        try {
          metrics = resolveMetrics([{ name, ...options } as MetricRequest], config);
        } catch {
          return true; // an option combination the task refuses (e.g. top_k above C with indices): a 400, not a state
        }
        const init = initStates(metrics);
        const [sA, sB, sC] = [A, B, C].map((batch) => updateStates(metrics, init, batch));
        const merged = mergeStates(metrics, sA, sB);
        const joined = updateStates(metrics, init, AB);
        const compute = (states: MetricStates) => computeMetrics(metrics, states, config);

        expect(sameCounts(merged, joined)).toBeNull();
        expect(close(compute(merged), compute(joined))).toBeNull();
        // Associativity and identity.
        const left = mergeStates(metrics, mergeStates(metrics, sA, sB), sC);
        const right = mergeStates(metrics, sA, mergeStates(metrics, sB, sC));
        expect(sameCounts(left, right)).toBeNull();
        expect(close(compute(left), compute(right))).toBeNull();
        expect(close(compute(mergeStates(metrics, init, sA)), compute(sA))).toBeNull();
        expect(close(compute(mergeStates(metrics, sA, init)), compute(sA))).toBeNull();
        // update is pure: the empty state is still empty.
        expect(close(compute(init), compute(initStates(metrics)))).toBeNull();
      }),
      { numRuns: 40 },
    );
  });
});
