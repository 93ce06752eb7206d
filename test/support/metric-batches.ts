import fc from 'fast-check';
import { formatMetricBatch, type MetricBatch } from '../../src/batch/batch.js';
import { metricDefinitions } from '../../src/metrics/registry.js';
import type { Task } from '../../src/batch/task.js';

/**
 * Random metric batches and options for the property tests of the metric states (the merge law,
 * sample weights, binned states): one generator of rows, one batch builder, one table of option
 * choices that each test narrows.
 */
export interface Shape {
  task: Task;
  classes: number;
  ignore: boolean;
  input: 'probs' | 'logits';
  /** Multiclass preds as class indices. */
  indices?: boolean;
  /** Rows carry sample weights (0 included). */
  weighted?: boolean;
  /** Rows carry group ids in 0 … groups − 1 (GROUPS.md), and the batch `num_groups: groups`. */
  groups?: number;
}

/** The configurations every property runs on: binary, multiclass scores and class indices, multilabel; ignore_index; probabilities and logits. */
export const baseShapes: readonly Shape[] = [
  { task: 'binary', classes: 1, ignore: false, input: 'probs', indices: false },
  { task: 'binary', classes: 1, ignore: true, input: 'logits', indices: false },
  { task: 'multiclass', classes: 3, ignore: false, input: 'probs', indices: false },
  { task: 'multiclass', classes: 4, ignore: true, input: 'logits', indices: false },
  { task: 'multiclass', classes: 3, ignore: false, input: 'probs', indices: true },
  { task: 'multilabel', classes: 3, ignore: false, input: 'probs', indices: false },
  { task: 'multilabel', classes: 2, ignore: true, input: 'logits', indices: false },
];

export type Rows = { preds: unknown[]; labels: unknown[]; weights?: number[] | undefined; groups?: number[] | undefined };

/** Scores on a coarse grid, so ties (and scores equal to a threshold) are common. */
const score = (input: 'probs' | 'logits') => (input === 'probs' ? fc.integer({ min: 0, max: 10 }).map((k) => k / 10) : fc.integer({ min: -8, max: 8 }).map((k) => k / 2));

/** `rows` rows of a shape: scores (or class indices), labels (-1 ignored), weights when weighted. */
export function rowsArb(shape: Shape, rows: number): fc.Arbitrary<Rows> {
  const { task, classes, ignore, input, indices } = shape;
  const n = { minLength: rows, maxLength: rows };
  const label = (upper: number) => (ignore ? fc.oneof({ arbitrary: fc.integer({ min: 0, max: upper }), weight: 6 }, { arbitrary: fc.constant(-1), weight: 1 }) : fc.integer({ min: 0, max: upper }));
  const row = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: classes, maxLength: classes });
  let records: fc.Arbitrary<Rows>;
  if (task === 'binary') records = fc.record({ preds: fc.array(score(input), n), labels: fc.array(label(1), n) });
  else if (task === 'multilabel') records = fc.record({ preds: fc.array(row(score(input)), n), labels: fc.array(row(label(1)), n) });
  else {
    const preds = indices ? fc.array(fc.integer({ min: 0, max: classes - 1 }), n) : fc.array(row(score(input)), n);
    records = fc.record({ preds, labels: fc.array(label(classes - 1), n) });
  }
  if (shape.weighted) records = fc.tuple(records, fc.array(fc.constantFrom(0, 0.5, 1, 2.5), n)).map(([r, weights]) => ({ ...r, weights }));
  const groups = shape.groups;
  if (groups === undefined) return records;
  return fc.tuple(records, fc.array(fc.integer({ min: 0, max: groups - 1 }), n)).map(([r, ids]) => ({ ...r, groups: ids }));
}

/**
 * The batch of `rows` (weighted by `sampleWeight`, by default the rows' own weights), its batch
 * decisions left out (a request reports them once, outside the states). Class-index preds are
 * read with `auto`; scores with the shape's `input`, always explicit, since `auto` decides over
 * the rows kept and a property that removes or repeats rows could change that decision.
 */
export function batchOf(shape: Shape, rows: Rows, sampleWeight: number[] | undefined = rows.weights): MetricBatch {
  const batch = formatMetricBatch({
    preds: rows.preds,
    labels: rows.labels,
    task: shape.task,
    input: shape.indices ? 'auto' : shape.input,
    ...(shape.ignore ? { ignore_index: -1 } : {}),
    ...(shape.task === 'multiclass' ? { num_classes: shape.classes } : {}),
    ...(sampleWeight ? { sample_weight: sampleWeight } : {}),
    ...(shape.groups !== undefined ? { groups: rows.groups ?? [], num_groups: shape.groups } : {}),
  });
  return { ...batch, warnings: [] };
}

/** Rows `a` then rows `b`, every field of theirs (weights, groups) concatenated. */
export function concatRowsOf(a: Rows, b: Rows): Rows {
  return {
    preds: [...a.preds, ...b.preds],
    labels: [...a.labels, ...b.labels],
    ...(a.weights ? { weights: [...a.weights, ...b.weights!] } : {}),
    ...(a.groups ? { groups: [...a.groups, ...b.groups!] } : {}),
  };
}

/** Every option of the catalogue with the values the properties draw (a test overrides some). */
export function optionChoices(name: string, classes: number): Record<string, fc.Arbitrary<unknown>> {
  return {
    threshold: fc.constantFrom(0.3, 0.5, 0.7),
    average: name === 'eer' ? fc.constantFrom(null, 'micro', 'macro', 'none') : name === 'logauc' ? fc.constantFrom('macro', 'none') : fc.constantFrom('micro', 'macro', 'weighted', 'none'),
    top_k: fc.integer({ min: 1, max: classes }),
    zero_division: fc.constantFrom(0, 1, 'nan' as const),
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
    scores: fc.constantFrom('probabilities', 'decision_values'),
    degenerate: fc.constantFrom('epsilon', 'zero'),
    min_recall: fc.constantFrom(0, 0.5, 0.9),
    min_precision: fc.constantFrom(0, 0.5, 0.9),
    min_specificity: fc.constantFrom(0, 0.5, 0.9),
    min_sensitivity: fc.constantFrom(0, 0.5, 0.9),
    fpr_range: fc.constantFrom([0.001, 0.1], [0.05, 0.5], [0.2, 1]),
  };
}

/**
 * Options `name` takes on `task`, drawn from `choices`; the required ones (`beta`, `min_*`, and
 * any named in `required`) always present.
 */
export function optionsOf(name: string, task: Task, choices: Record<string, fc.Arbitrary<unknown>>, required: readonly string[] = []): fc.Arbitrary<Record<string, unknown>> {
  const allowed = new Set<string>(metricDefinitions.find((d) => d.name === name)!.optionsFor[task] ?? []);
  const fields = Object.fromEntries(Object.entries(choices).filter(([k]) => allowed.has(k)));
  return fc.record(fields, { requiredKeys: Object.keys(fields).filter((k) => k === 'beta' || k.startsWith('min_') || required.includes(k)) });
}

/**
 * The batch of `rows` read as samples of `m` positions each (`multidim_average` inputs): rows
 * n·m … n·m + m − 1 are sample n's positions, nested as torchmetrics takes them: binary and class
 * indices [N, m], multiclass scores [N, C, m] with labels [N, m], multilabel [N, L, m]; weights
 * per element [N, m]. `rows` must hold a multiple of m rows.
 */
export function samplewiseBatchOf(shape: Shape, rows: Rows, m: number): MetricBatch {
  const n = rows.labels.length / m;
  const samples = <T>(f: (s: number) => T) => Array.from({ length: n }, (_, s) => f(s));
  const positions = <T>(s: number, f: (r: number) => T) => Array.from({ length: m }, (_, j) => f(s * m + j));
  const flat = shape.task === 'binary' || (shape.task === 'multiclass' && shape.indices);
  const nestRows = (values: unknown[]) => samples((s) => positions(s, (r) => values[r]));
  const moveClasses = (values: unknown[]) => samples((s) => Array.from({ length: shape.classes }, (_, c) => positions(s, (r) => (values[r] as number[])[c])));
  const batch = formatMetricBatch({
    preds: flat ? nestRows(rows.preds) : moveClasses(rows.preds),
    labels: shape.task === 'multilabel' ? moveClasses(rows.labels) : nestRows(rows.labels),
    task: shape.task,
    input: shape.indices ? 'auto' : shape.input,
    ...(shape.ignore ? { ignore_index: -1 } : {}),
    ...(shape.task === 'multiclass' ? { num_classes: shape.classes } : {}),
    ...(rows.weights ? { sample_weight: nestRows(rows.weights) } : {}),
  });
  return { ...batch, warnings: [] };
}
