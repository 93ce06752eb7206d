import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configOf } from '../../src/batch/batch.js';
import { computeMetrics, initStates, mergeStates, resolveMetrics, updateStates, type MetricRequest, type MetricStates } from '../../src/metrics/evaluate.js';
import { metricDefinitions } from '../../src/metrics/registry.js';
import type { Task } from '../../src/batch/task.js';
import { close } from '../support/close.js';
import { baseShapes, batchOf, concatRowsOf, optionChoices, optionsOf, rowsArb, samplewiseBatchOf, type Shape } from '../support/metric-batches.js';

/**
 * The merge law every metric's state obeys (torchmetrics' `merge_state`, DDP sync): for random
 * batches A and B of one configuration, compute(merge(update(init, A), update(init, B))) equals
 * compute(update(init, A ++ B)); merge is associative and init is its identity. Counts must be
 * equal exactly; sums of floating values and computed values to 1e-12 (relative).
 */

/** Options a task's functional takes, drawn at random (ci left out: it only resamples the same rows). */
function optionsArb(name: string, task: Task, classes: number, weighted = false): fc.Arbitrary<Record<string, unknown>> {
  return optionsOf(name, task, optionChoices(name, classes)).map((o) => {
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

const ungroupedShapes: Shape[] = [
  ...baseShapes,
  { task: 'binary', classes: 1, ignore: false, input: 'probs', indices: false, weighted: true },
  { task: 'multiclass', classes: 3, ignore: true, input: 'logits', indices: false, weighted: true },
  { task: 'multiclass', classes: 3, ignore: false, input: 'probs', indices: true, weighted: true },
  { task: 'multilabel', classes: 3, ignore: false, input: 'probs', indices: false, weighted: true },
];

/** Every shape again with 3 groups: each metric's state by_group, and the fairness metrics' states. */
const shapes: Shape[] = [...ungroupedShapes, ...ungroupedShapes.map((s) => ({ ...s, groups: 3 }))];

/** Metrics that only exist with groups (the fairness metrics) run on the grouped shapes only. */
const needsGroups = new Set(['demographic_parity', 'equal_opportunity', 'groups_stat_rates']);

const cases = metricDefinitions.flatMap((d) =>
  shapes
    .filter((s) => d.tasks.includes(s.task) && !(s.indices && d.needsScores) && (s.groups !== undefined || !needsGroups.has(d.name)))
    .map((shape) => ({
      name: d.name,
      shape,
      label: `${d.name}, ${shape.task}${shape.indices ? ' class indices' : ''}${shape.ignore ? ', ignore_index' : ''}, ${shape.input}${shape.weighted ? ', sample_weight' : ''}${shape.groups ? `, ${shape.groups} groups${needsGroups.has(d.name) ? '' : ' (by_group)'}` : ''}`,
    })),
);

/**
 * An answer without what is ill-conditioned in it: `ratio` = group_min / group_max where
 * group_max is within rounding of 0 (a group whose loss equals its null model's answers D² ±1e-16
 * or 0 depending on the order of its sums), and the warning that says it is 0/0. Merged and joined
 * states add in different orders, so only the rest is held to the merge law.
 */
function conditioned(answer: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(answer).map(([key, entry]) => {
      if (typeof entry.group_max !== 'number' || Math.abs(entry.group_max) > 1e-12) return [key, entry];
      const { ratio: _ratio, ...rest } = entry;
      return [key, { ...rest, warnings: (entry.warnings as string[]).filter((w) => !w.startsWith('by_group: ratio is 0/0')) }];
    }),
  );
}

describe('the merge law, on every metric of the registry', () => {
  it('covers every metric, and every metric by_group', () => {
    expect(new Set(cases.map((c) => c.name))).toEqual(new Set(metricDefinitions.map((d) => d.name)));
    expect(new Set(cases.filter((c) => c.shape.groups !== undefined).map((c) => c.name))).toEqual(new Set(metricDefinitions.map((d) => d.name)));
  });

  it.each(cases)('$label', ({ name, shape }) => {
    const part = (n: number) => rowsArb(shape, n);
    const sizes = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }));
    const arb = sizes.chain(([a, b, c]) => fc.tuple(part(a), part(b), part(c), optionsArb(name, shape.task, shape.classes, shape.weighted)));
    fc.assert(
      fc.property(arb, ([a, b, c, options]) => {
        const [A, B, C] = [a, b, c].map((rows) => batchOf(shape, rows));
        const AB = batchOf(shape, concatRowsOf(a, b));
        const config = configOf(A);
        let metrics;
        try {
          metrics = resolveMetrics([{ name, ...options, ...(shape.groups !== undefined && !needsGroups.has(name) ? { by_group: true } : {}) } as MetricRequest], config);
        } catch {
          return true; // an option combination the task refuses (e.g. top_k above C with indices): a 400, not a state
        }
        const init = initStates(metrics);
        const [sA, sB, sC] = [A, B, C].map((batch) => updateStates(metrics, init, batch));
        const merged = mergeStates(metrics, sA, sB);
        const joined = updateStates(metrics, init, AB);
        const compute = (states: MetricStates) => conditioned(computeMetrics(metrics, states, config));

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

/** The metrics that take torchmetrics' multidim_average, on every task they have it for. */
const samplewiseCases = metricDefinitions.flatMap((d) =>
  shapes
    .filter((s) => (d.optionsFor[s.task] as readonly string[] | undefined)?.includes('multidim_average') && !(s.indices && d.needsScores))
    .map((shape) => ({ name: d.name, shape, label: `${d.name}, ${shape.task}${shape.indices ? ' class indices' : ''}${shape.ignore ? ', ignore_index' : ''}, ${shape.input}${shape.weighted ? ', sample_weight' : ''}` })),
);

/**
 * A samplewise state is one block per sample in batch order, merged by concatenation: merging the
 * states of A and B is the state of A's samples then B's, so the same law holds (merge is
 * associative, init its identity), and the answer is one value per sample of A ++ B. Its key is
 * its own: never the global state's compute group.
 */
describe('the merge law of multidim_average "samplewise" states', () => {
  it('covers the stat-score family and exact_match', () => {
    expect(new Set(samplewiseCases.map((c) => c.name))).toEqual(
      new Set(['stat_scores', 'accuracy', 'precision', 'recall', 'specificity', 'negative_predictive_value', 'f1_score', 'fbeta_score', 'hamming_distance', 'exact_match']),
    );
  });

  it.each(samplewiseCases)('$label', ({ name, shape }) => {
    const m = 3;
    const part = (samples: number) => rowsArb(shape, samples * m);
    const sizes = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }));
    const options = optionsArb(name, shape.task, shape.classes, shape.weighted).map((o) => ({ ...o, multidim_average: 'samplewise' }));
    const arb = sizes.chain(([a, b, c]) => fc.tuple(part(a), part(b), part(c), options));
    fc.assert(
      fc.property(arb, ([a, b, c, options]) => {
        const [A, B, C] = [a, b, c].map((rows) => samplewiseBatchOf(shape, rows, m));
        const AB = samplewiseBatchOf(shape, { preds: [...a.preds, ...b.preds], labels: [...a.labels, ...b.labels], ...(a.weights ? { weights: [...a.weights, ...b.weights!] } : {}) }, m);
        const config = configOf(A);
        let metrics;
        try {
          metrics = resolveMetrics([{ name, ...options } as MetricRequest, { name, key: 'global' } as MetricRequest], config);
        } catch {
          return true; // an option combination the task refuses: a 400, not a state
        }
        expect(metrics[0].state.key).not.toBe(metrics[1].state.key);
        const init = initStates(metrics);
        const [sA, sB, sC] = [A, B, C].map((batch) => updateStates(metrics, init, batch));
        const merged = mergeStates(metrics, sA, sB);
        const joined = updateStates(metrics, init, AB);
        const compute = (states: MetricStates) => conditioned(computeMetrics(metrics, states, config));
        expect(sameCounts(merged, joined)).toBeNull();
        expect(close(compute(merged), compute(joined))).toBeNull();
        // One value per sample of A ++ B.
        const entry = compute(joined)[name];
        const values = (name === 'stat_scores' ? entry.tp : entry[name]) as unknown[] | null;
        if (values !== null) expect(values).toHaveLength(a.labels.length / m + b.labels.length / m);
        const left = mergeStates(metrics, mergeStates(metrics, sA, sB), sC);
        const right = mergeStates(metrics, sA, mergeStates(metrics, sB, sC));
        expect(sameCounts(left, right)).toBeNull();
        expect(close(compute(mergeStates(metrics, init, sA)), compute(sA))).toBeNull();
        expect(close(compute(mergeStates(metrics, sA, init)), compute(sA))).toBeNull();
        expect(close(compute(init), compute(initStates(metrics)))).toBeNull();
      }),
      { numRuns: 25 },
    );
  });
});
