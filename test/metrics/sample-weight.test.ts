import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configOf, type MetricBatch } from '../../src/batch/batch.js';
import type { MetricEntry } from '../../src/metrics/definition.js';
import { evaluateMetrics, type MetricRequest } from '../../src/metrics/evaluate.js';
import { metricDefinitions } from '../../src/metrics/registry.js';
import { comparer } from '../support/close.js';
import { baseShapes, batchOf, optionChoices, optionsOf, rowsArb, type Rows, type Shape } from '../support/metric-batches.js';

/**
 * scikit-learn's meaning of `sample_weight`, on every metric of the registry, every task it
 * exists for, random batches and random options:
 *
 * 1. integer weights are repeated rows: weights k_i ∈ {0..3} answer as the batch with row i
 *    repeated k_i times, unweighted;
 * 2. weight 0 is the row removed: rows of weight 0 (the others 1) answer as the batch without
 *    them, unweighted;
 * 3. equal weights are no weights: every weight c answers as no weights (weighted counts, which
 *    scale by c, are compared divided by c).
 *
 * Entries are compared whole (every numeric field, recursively: per_class, thresholds, bins,
 * matrices) to 1e-9 relative (1e-12 absolute); nulls must match. `warnings` are not compared:
 * their wording may name weighted counts.
 *
 * The generators are the merge law's (test/support/metric-batches.ts).
 */

/** Row i repeated counts[i] times (0: removed). Rows labelled ignore_index are kept as any other. */
function repeatRows(rows: Rows, counts: readonly number[]): Rows {
  const out: Rows = { preds: [], labels: [], ...(rows.groups ? { groups: [] } : {}) };
  rows.preds.forEach((p, i) => {
    for (let k = 0; k < counts[i]; k++) {
      out.preds.push(p);
      out.labels.push(rows.labels[i]);
      out.groups?.push(rows.groups![i]);
    }
  });
  return out;
}

/** The metrics whose `average` takes scikit-learn's "samples" (multilabel only). */
const takesSamplesAverage = new Set(metricDefinitions.filter((d) => d.options.safeParse({ average: 'samples' }).success || d.options.safeParse({ average: 'samples', beta: 2 }).success).map((d) => d.name));

/**
 * Options a task's functional takes, drawn at random. Left out:
 * - `ci`: intervals are not part of the weighting law (DeLong has no weighted form, a 400;
 *   bootstrap resamples rows, which repeated rows change by design);
 * - `multi_class: "ovo"`: with sample_weight it is a 400 by design (scikit-learn has no weighted
 *   one-vs-one AUROC), and every property here sends weights on one side.
 * `average: "samples"` is drawn on multilabel only, and for auroc / average_precision only with
 * `thresholds: null` (it is computed exactly).
 */
function optionsArb(name: string, shape: Shape): fc.Arbitrary<Record<string, unknown>> {
  const { task, classes, indices } = shape;
  const averages = ['micro', 'macro', 'weighted', 'none', ...(task === 'multilabel' && takesSamplesAverage.has(name) ? ['samples'] : [])];
  const choices = {
    ...optionChoices(name, classes),
    ...(name === 'eer' || name === 'logauc' ? {} : { average: fc.constantFrom(...averages) }),
    // Class-index preds name one class per row: top_k above 1 is a 400 there.
    top_k: indices ? fc.constant(1) : fc.integer({ min: 1, max: classes }),
    multi_class: fc.constant('ovr'),
  };
  return optionsOf(name, task, choices).map((o) => {
    // auroc / average_precision compute "samples" exactly: binned thresholds are a 400 there.
    if (o.average === 'samples' && (name === 'auroc' || name === 'average_precision')) return { ...o, thresholds: null };
    return o;
  });
}

/**
 * Property 3 only: the fields that are weighted counts, which scale with a common weight c, put
 * back on the scale of no weights (divided by c). Everything else is a ratio of weighted sums
 * and must not move at all.
 * - stat_scores: tp, fp, tn, fn, support (every field, averaged or per class);
 * - confusion_matrix with `normalize: null` (a normalized matrix is a ratio);
 * - calibration_error: `bins.count`;
 * - classification_report: `support` of every row (per class and each average), scikit-learn's weighted support.
 */
function unscaleCounts(name: string, options: Record<string, unknown>, entry: MetricEntry, c: number): MetricEntry {
  const scale = (v: unknown): unknown => (typeof v === 'number' ? v / c : Array.isArray(v) ? v.map(scale) : v);
  if (name === 'stat_scores') {
    return Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, k === 'warnings' ? v : scale(v)])) as MetricEntry;
  }
  if (name === 'confusion_matrix' && (options.normalize ?? null) === null) return { ...entry, confusion_matrix: scale(entry.confusion_matrix) };
  if (name === 'classification_report') {
    const row = (r: unknown) => (r !== null && typeof r === 'object' ? { ...(r as object), support: (r as { support: number }).support / c } : r);
    return Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, k === 'per_class' ? (v as unknown[]).map(row) : k.endsWith('_avg') ? row(v) : v])) as MetricEntry;
  }
  if (name === 'calibration_error') {
    const bins = entry.bins as Record<string, unknown>;
    return { ...entry, bins: { ...bins, count: scale(bins.count) } };
  }
  return entry;
}

/** Equal to 1e-9 relative (1e-12 absolute), field by field; nulls must match; `warnings` skipped. */
const close = comparer({ rel: 1e-9, abs: 1e-12, integersExact: false, nanEqual: true, skip: ['warnings'] });

function entryOf(name: string, options: Record<string, unknown>, batch: MetricBatch): MetricEntry {
  return evaluateMetrics([{ name, ...options } as MetricRequest], batch, configOf(batch))[name];
}

const shapes: Shape[] = [
  ...baseShapes,
  // Two classes: the 2 × 2 rules of matthews_corrcoef apply to multiclass too.
  { task: 'multiclass', classes: 2, ignore: true, input: 'probs', indices: true },
];

/** The fairness metrics compare groups: their batches carry 3. */
const needsGroups = new Set(['demographic_parity', 'equal_opportunity', 'groups_stat_rates']);
/** Class-index preds have no scores: the metrics that need them are a 400 there, and skipped. */
const cases = metricDefinitions.flatMap((d) =>
  shapes
    .filter((s) => d.tasks.includes(s.task) && !(s.indices && d.needsScores))
    .map((s) => (needsGroups.has(d.name) ? { ...s, groups: 3 } : s))
    .map((shape) => ({ name: d.name, shape, label: `${d.name}, ${shape.task}${shape.indices ? ' class indices' : ''}${shape.ignore ? ', ignore_index' : ''}, ${shape.input}` })),
);

/**
 * KNOWN EXCEPTION (a bug reported, not fixed here: src/ is not this test's to change):
 * matthews_corrcoef, property 3 only, when its 2 × 2 matrix (binary; multilabel summed over
 * labels; multiclass with 2 classes) has a zero marginal and is neither all right nor all wrong.
 * There src/metrics/agreement.ts applies torchmetrics' degenerate-matrix rule
 * (tn − fn) / √((tp + fn)(tn + fp)(tn + fn)) (and its symmetric forms) to weighted counts; it
 * is not homogeneous of degree 0, so every weight c multiplies the answer by 1/√c, and weights
 * below 1 take it outside [−1, 1]: preds [0, 0, 0], labels [0, 0, 1] answer 0.408 unweighted,
 * 0.577 with weights 0.5 and 1.29 with weights 0.1 (scikit-learn answers 0 for any zero
 * marginal, weighted or not). Properties 1 and 2 still hold (they compare the same counts), and
 * the `it.fails` below pins the counterexample: when it starts to pass, the rule was fixed and
 * this exception is to be removed. (`degenerate: "zero"`, scikit-learn's rule, has no such
 * exception: it is checked with the others.)
 */
function degenerateMatthews(name: string, shape: Shape, options: Record<string, unknown>, batch: MetricBatch): boolean {
  if (name !== 'matthews_corrcoef' || (shape.task === 'multiclass' && shape.classes !== 2)) return false;
  // scikit-learn's rule (0 for any zero marginal) is homogeneous: no exception there.
  const { degenerate, ...decision } = options;
  if (degenerate === 'zero') return false;
  const matrix = entryOf('confusion_matrix', decision, batch).confusion_matrix as number[][] | number[][][];
  const matrices = (shape.task === 'multilabel' ? matrix : [matrix]) as number[][][];
  const [tn, fp, fn, tp] = [0, 1, 2, 3].map((k) => matrices.reduce((s, m) => s + m[k >> 1][k & 1], 0));
  const zeroMarginal = tp + fp === 0 || tp + fn === 0 || tn + fp === 0 || tn + fn === 0;
  return zeroMarginal && tp + tn > 0 && fp + fn > 0;
}

/** Runs per metric × task × property; SW_RUNS=400 for a deeper search. */
const NUM_RUNS = Number(process.env.SW_RUNS ?? 30);

/** Random rows (1..12) with options for the case, and one value of `extra` per row. */
function withPerRow<T>(name: string, shape: Shape, perRow: fc.Arbitrary<T>) {
  return fc
    .integer({ min: 1, max: 12 })
    .chain((n) => fc.tuple(rowsArb(shape, n) as fc.Arbitrary<Rows>, fc.array(perRow, { minLength: n, maxLength: n }), optionsArb(name, shape)));
}

describe('sample_weight as scikit-learn means it, on every metric of the registry', () => {
  it('covers every metric', () => {
    expect(new Set(cases.map((c) => c.name))).toEqual(new Set(metricDefinitions.map((d) => d.name)));
    expect(takesSamplesAverage).toEqual(new Set(['precision', 'recall', 'f1_score', 'fbeta_score', 'jaccard_index', 'auroc', 'average_precision']));
  });

  describe('integer weights equal repeated rows', () => {
    it.each(cases)('$label', ({ name, shape }) => {
      const arb = withPerRow(name, shape, fc.integer({ min: 0, max: 3 })).filter(([, k]) => k.some((w) => w > 0));
      fc.assert(
        fc.property(arb, ([rows, k, options]) => {
          const weighted = entryOf(name, options, batchOf(shape, rows, k));
          const repeated = entryOf(name, options, batchOf(shape, repeatRows(rows, k)));
          expect(close(weighted, repeated)).toBeNull();
        }),
        { numRuns: NUM_RUNS },
      );
    });
  });

  describe('weight 0 equals the row removed', () => {
    it.each(cases)('$label', ({ name, shape }) => {
      const arb = withPerRow(name, shape, fc.constantFrom(0, 1)).filter(([, w]) => w.some((x) => x === 1));
      fc.assert(
        fc.property(arb, ([rows, w, options]) => {
          const weighted = entryOf(name, options, batchOf(shape, rows, w));
          const removed = entryOf(name, options, batchOf(shape, repeatRows(rows, w)));
          expect(close(weighted, removed)).toBeNull();
        }),
        { numRuns: NUM_RUNS },
      );
    });
  });

  describe('equal weights equal no weights', () => {
    it.each(cases)('$label', ({ name, shape }) => {
      const arb = fc.tuple(withPerRow(name, shape, fc.constant(null)), fc.constantFrom(0.5, 3.25, 7));
      fc.assert(
        fc.property(arb, ([[rows, , options], c]) => {
          const plainBatch = batchOf(shape, rows);
          fc.pre(!degenerateMatthews(name, shape, options, plainBatch)); // the known exception above
          const weighted = entryOf(name, options, batchOf(shape, rows, rows.preds.map(() => c)));
          const plain = entryOf(name, options, plainBatch);
          expect(close(unscaleCounts(name, options, weighted, c), plain)).toBeNull();
        }),
        { numRuns: NUM_RUNS },
      );
    });

    // The known exception (see degenerateMatthews): fails while the bug is there.
    it.fails('known exception: matthews_corrcoef of a degenerate 2 × 2 matrix scales with the weights', () => {
      const shape: Shape = { task: 'binary', classes: 1, ignore: false, input: 'probs', indices: false };
      const rows = { preds: [0, 0, 0], labels: [0, 0, 1] };
      const plain = entryOf('matthews_corrcoef', {}, batchOf(shape, rows));
      for (const c of [0.1, 0.5, 2]) expect(close(entryOf('matthews_corrcoef', {}, batchOf(shape, rows, [c, c, c])), plain)).toBeNull();
    });
  });
});
