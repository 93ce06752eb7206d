import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configOf, formatMetricBatch, type MetricBatch, type MetricConfig } from '../../src/batch/batch.js';
import { underived, type MetricEntry } from '../../src/metrics/definition.js';
import { computeMetrics, initStates, resolveMetrics, updateStates, type MetricRequest, type MetricStates } from '../../src/metrics/evaluate.js';
import { metricDefinitions } from '../../src/metrics/registry.js';
import { rowsState } from '../../src/metrics/rows.js';
import type { Task } from '../../src/batch/task.js';
import { close } from '../support/close.js';
import { batchOf, optionChoices, optionsOf } from '../support/metric-batches.js';

/**
 * With `thresholds` set (and no interval), the ranking metrics keep binned counts, not rows
 * (torchmetrics' constant-memory mode): the state's size depends on the classes and the grid
 * only, and its answers are those of the rows state on the same batches.
 */

const RANKING = ['auroc', 'average_precision', 'precision_at_fixed_recall', 'recall_at_fixed_precision', 'sensitivity_at_specificity', 'specificity_at_sensitivity', 'eer', 'logauc'];

interface Shape {
  task: Task;
  classes: number;
  input: 'probs' | 'logits';
  ignore: boolean;
  weighted: boolean;
}

/** Scores on a coarse grid, so ties and scores equal to a threshold are common. */
const score = (input: 'probs' | 'logits') => (input === 'probs' ? fc.integer({ min: 0, max: 20 }).map((k) => k / 20) : fc.integer({ min: -12, max: 12 }).map((k) => k / 3));

function rowsArb({ task, classes, input, ignore, weighted }: Shape, rows: number) {
  const n = { minLength: rows, maxLength: rows };
  const label = (upper: number) => (ignore ? fc.oneof({ arbitrary: fc.integer({ min: 0, max: upper }), weight: 6 }, { arbitrary: fc.constant(-1), weight: 1 }) : fc.integer({ min: 0, max: upper }));
  const row = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: classes, maxLength: classes });
  const preds = task === 'binary' ? fc.array(score(input), n) : fc.array(row(score(input)), n);
  const labels = task === 'multilabel' ? fc.array(row(label(1)), n) : fc.array(label(task === 'multiclass' ? classes - 1 : 1), n);
  const weights = weighted ? fc.array(fc.constantFrom(0, 0.25, 1, 3.5), n) : fc.constant(undefined);
  return fc.record({ preds, labels, weights });
}

/** Each ranking metric's options for the task, with a grid always set. */
function optionsArb(name: string, task: Task): fc.Arbitrary<Record<string, unknown>> {
  // One-vs-one is exact only (thresholds with it are a 400): not drawn.
  const { multi_class: _ovo, ...base } = optionChoices(name, 1);
  const choices = { ...base, thresholds: fc.constantFrom(5, 11, 100, [0, 0.1, 0.35, 0.5, 0.9], [0.2, 0.8]), max_fpr: fc.constantFrom(null, 0.3) };
  return optionsOf(name, task, choices, ['thresholds']);
}

/** The one state of a single-metric request, after `batches`. */
function stateAfter(request: MetricRequest, config: MetricConfig, batches: Iterable<MetricBatch>): { states: MetricStates; state: unknown; key: string } {
  const metrics = resolveMetrics([request], config);
  let states = initStates(metrics);
  for (const batch of batches) states = updateStates(metrics, states, batch);
  const key = metrics[0].state.key;
  return { states, state: states.get(key), key };
}

const shapes: Shape[] = [
  { task: 'binary', classes: 1, input: 'probs', ignore: false, weighted: false },
  { task: 'binary', classes: 1, input: 'logits', ignore: true, weighted: true },
  { task: 'multiclass', classes: 3, input: 'probs', ignore: true, weighted: false },
  { task: 'multiclass', classes: 4, input: 'logits', ignore: false, weighted: true },
  { task: 'multilabel', classes: 3, input: 'probs', ignore: false, weighted: true },
  { task: 'multilabel', classes: 2, input: 'logits', ignore: true, weighted: false },
];

const cases = RANKING.flatMap((name) => shapes.map((shape) => ({ name, shape, label: `${name}, ${shape.task}, ${shape.input}${shape.ignore ? ', ignore_index' : ''}${shape.weighted ? ', sample_weight' : ''}` })));

describe('the binned state of the ranking metrics', () => {
  it.each(cases)('answers as the rows do: $label', ({ name, shape }) => {
    const batches = fc.array(fc.integer({ min: 1, max: 15 }).chain((n) => rowsArb(shape, n)), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(batches, optionsArb(name, shape.task), (parts, options) => {
        const sent = parts.map((rows) => batchOf(shape, rows));
        const config = configOf(sent[0]);
        const request = { name, ...options } as MetricRequest;
        const { states, state, key } = stateAfter(request, config, sent);
        expect(key).toMatch(/^binned:/);
        expect(state).toBeInstanceOf(Float64Array);
        // The rows state on the same batches: every row kept, counted at compute (RankCountsCache).
        const definition = metricDefinitions.find((d) => d.name === name)!;
        const rows = sent.reduce((s, batch) => rowsState.update(s, batch), rowsState.init());
        const parsed = definition.options.parse(options);
        const fromRows: MetricEntry = definition.compute(rows, parsed, config, underived);
        const fromBinned = computeMetrics(resolveMetrics([request], config), states, config)[name];
        expect(close(fromBinned, fromRows)).toBeNull();
      }),
      { numRuns: 30 },
    );
  });

  it('shares one state between metrics of one grid, and keeps rows for intervals and one-vs-one', () => {
    const config: MetricConfig = { task: 'multiclass', classes: 3, ignoreIndex: null, classIndices: false };
    const keys = (requests: MetricRequest[]) => resolveMetrics(requests, config).map((m) => m.state.key);
    expect(keys([{ name: 'auroc', thresholds: 11 }, { name: 'eer', thresholds: 11 }, { name: 'average_precision', thresholds: 5 }])).toEqual(['binned:linspace:11', 'binned:linspace:11', 'binned:linspace:5']);
    expect(keys([{ name: 'auroc', thresholds: 11, ci: { method: 'bootstrap' } }, { name: 'auroc', key: 'ovo', thresholds: 11, multi_class: 'ovo' }, { name: 'auroc', key: 'exact' }])).toEqual([
      'rows',
      'rows',
      'rows',
    ]);
  });

  it('keeps the same bytes after 1e4 rows and after 1e6 rows, counts growing exactly', () => {
    const classes = 4;
    const T = 11;
    const rows = 10_000;
    const random = fc.sample(fc.tuple(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: classes, maxLength: classes }), fc.integer({ min: 0, max: classes - 1 })), { numRuns: rows, seed: 17 });
    const batch = { ...formatMetricBatch({ preds: random.map(([p]) => p), labels: random.map(([, y]) => y), task: 'multiclass', input: 'probs' }), warnings: [] };
    const config = configOf(batch);
    const request: MetricRequest = { name: 'auroc', thresholds: T, average: 'weighted' };
    const once = stateAfter(request, config, [batch]);
    const hundred = stateAfter(request, config, Array.from({ length: 100 }, () => batch));
    const [small, large] = [once.state, hundred.state] as Float64Array[];
    expect(small.byteLength).toBe(8 * classes * (2 * T + 2));
    expect(large.byteLength).toBe(small.byteLength);
    // Counts are integers: 100 batches count exactly 100 times one.
    expect(Array.from(large)).toEqual(Array.from(small, (v) => 100 * v));
    expect(small[0] + small[1]).toBe(rows);
    // A hundred copies rank as one: the same AUROC, as the rows state answers it.
    const compute = (states: MetricStates) => computeMetrics(resolveMetrics([request], config), states, config).auroc;
    const fromRows = metricDefinitions.find((d) => d.name === 'auroc')!.compute(rowsState.update(rowsState.init(), batch), { average: 'weighted', multi_class: 'ovr', max_fpr: null, thresholds: T, ci: null }, config, underived);
    expect(close(compute(hundred.states), compute(once.states))).toBeNull();
    expect(close(compute(once.states), fromRows)).toBeNull();
  });
});
