/**
 * `npm run bench`: kernel benchmarks next to the reference libraries, same data, same machine,
 * same moment. Prints medians and ratios; not a test (timings belong here, not in CI).
 *
 *   focal loss, mean + gradient, 1,000,000 × 10 logits   vs PyTorch CPU (1 thread) fwd + bwd
 *   exact binary AUROC, 1,000,000 samples                 vs scikit-learn roc_auc_score
 *   exact threshold tuning (F1), 1,000,000 binary scores  vs one scikit-learn roc_curve
 *   the same with sample_weight (uniform on [0, 2))       vs roc_auc_score(sample_weight=...)
 *   multiclass one-vs-rest AUROC, 100,000 × 10            vs scikit-learn roc_auc_score(ovr)
 *   JSON body to typed tensors, 64 × 10 and 100,000 × 10   vs JSON.parse (+ flattening)
 *   gradient to JSON text, 64 × 10 and 100,000 × 10       vs nest + JSON.stringify
 *   the sixteen threshold metrics, 1,000,000 × 10 scores  vs torchmetrics (1 thread), one
 *                                                          functional call each, and one
 *                                                          multiclass_stat_scores call
 *   the sixteen by 8 groups (by_group), 1,000,000 × 10     vs the same without groups (target
 *                                                          ≤ 1.3×), and torchmetrics per group
 *   binary AUROC by 8 groups, 1,000,000 samples            vs the same without groups (≤ 1.3×),
 *                                                          and roc_auc_score per group
 *
 * `BENCH_ONLY=<words>` runs only the benchmarks whose name holds one of the words (e.g.
 * `BENCH_ONLY=groups`); the tables then show what was run.
 *
 * The reference libraries run in `REFERENCE_PYTHON` (default: ../.venv-ref/bin/python when it
 * exists, else /usr/bin/python3); a library that is missing there is reported as n/a.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { focalLossSoftmax } from '../src/kernels/focal-loss.js';
import { logOddsRows } from '../src/kernels/log-odds.js';
import { aurocOfBatch } from '../src/metrics/auroc.js';
import { ThresholdsOptions, tuneThresholds } from '../src/metrics/thresholds.js';
import { RankCountsCache } from '../src/batch/rank-counts-cache.js';
import { decodeJsonBody } from '../src/wire/json-body.js';
import { flattenIntegers, flattenNumbers, nest } from '../src/batch/tensor.js';
import { tensorJson } from '../src/wire/json-write.js';
import type { RankingBatch } from '../src/batch/ranking-batch.js';
import { configOf, type MetricBatch } from '../src/batch/batch.js';
import { computeMetrics, initStates, resolveMetrics, updateStates, type MetricStates } from '../src/metrics/evaluate.js';
import { isotonicFit } from '../src/kernels/isotonic.js';
import { temperatureFit } from '../src/kernels/temperature.js';
import { THRESHOLD_FAMILY, binaryBatch, multiclassBatch, softmaxRows } from './data.js';

const venv = new URL('../../.venv-ref/bin/python', import.meta.url).pathname;
const PYTHON = process.env.REFERENCE_PYTHON ?? (existsSync(venv) ? venv : '/usr/bin/python3');
const focal = multiclassBatch(1_000_000, 10, 1);
const binary = binaryBatch(1_000_000, 2);
const mc = multiclassBatch(100_000, 10, 3);
// Sample weights for the weighted AUROC: uniform on [0, 2), a deterministic sequence.
const sampleWeights = Float64Array.from({ length: binary.labels.length }, (_, i) => ((i * 2654435761) % 4294967296) / 2147483648);
// scikit-learn's multiclass AUROC wants probabilities: softmax the logits once, up front.
const mcProbs = softmaxRows(mc.logits, 10);

const gradBuffer = new Float64Array(focal.logits.length);
const weights = Float64Array.from({ length: 10 }, (_, c) => (c === 0 ? 0.25 : 0.75));
// The kernels start from typed arrays, as scikit-learn starts from numpy arrays; turning JSON or
// Arrow into typed arrays is transport, measured by `npm run load`.
const batch = (task: RankingBatch['task'], scores: Float64Array, labels: Int32Array, classes: number): RankingBatch => ({
  task,
  input: 'probs',
  rows: labels.length,
  classes,
  scores,
  scoresAreLogOdds: false,
  labels,
  ignoreIndex: null,
  weights: null,
  warnings: [],
});
const tuneF1 = ThresholdsOptions.parse({ objective: 'f1_score' });
const aurocOptions = { average: 'macro', multi_class: 'ovr', max_fpr: null, thresholds: null } as const;
/**
 * The binary batch as POST /v1/calibration's isotonic fit reads it: the kept rows copied out
 * (scores, whether positive), then one radix sort, the tie merging and PAVA (src/kernels/isotonic.ts).
 */
const isotonicFitOfBatch = () => {
  const rows = binary.labels.length;
  const scores = new Float64Array(rows);
  const positive = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    scores[i] = binary.scores[i];
    positive[i] = binary.labels[i] === 1 ? 1 : 0;
  }
  return isotonicFit(scores, positive, null);
};

// JSON bodies as clients send them: a training step's batch (17-digit logits, as Python and
// JavaScript print doubles) and an evaluation upload (4 decimals, ~10 MB).
const jsonBody = (rows: number, digits?: number) => {
  const { logits, labels } = multiclassBatch(rows, 10, 11);
  const preds = Array.from({ length: rows }, (_, i) => Array.from(logits.subarray(i * 10, (i + 1) * 10), (v) => (digits === undefined ? v : Number(v.toFixed(digits)))));
  return Buffer.from(JSON.stringify({ preds, labels: Array.from(labels) }));
};
const smallJson = jsonBody(64);
const bigJson = jsonBody(100_000, 4);
/** The decoder's output from JSON.parse: nested arrays copied into typed tensors. */
const parseAndFlatten = (bytes: Buffer) => {
  const body = JSON.parse(bytes.toString('utf8')) as { preds: unknown; labels: unknown };
  return [flattenNumbers('preds', body.preds, 3), flattenIntegers('labels', body.labels, 2)];
};
const toTensors = (bytes: Buffer) => {
  const body = decodeJsonBody(bytes) as { preds: unknown; labels: unknown };
  return [flattenNumbers('preds', body.preds, 3), flattenIntegers('labels', body.labels, 2)];
};

// Gradients as a response carries them: 17-digit doubles of small magnitude.
const smallGrad = Float64Array.from(multiclassBatch(64, 10, 21).logits, (v) => v * 1e-3);
const bigGrad = Float64Array.from(multiclassBatch(100_000, 10, 22).logits, (v) => v * 1e-3);

// The threshold family over 1e6 × 10 probabilities, as a validation epoch would send it.
const thresholdBatch = multiclassBatch(1_000_000, 10, 5);
const thresholdProbs = softmaxRows(thresholdBatch.logits, 10);
const metricBatch = (rows: number): MetricBatch => ({
  ...batch('multiclass', thresholdProbs.subarray(0, rows * 10), thresholdBatch.labels.subarray(0, rows), 10),
  preds: thresholdProbs.subarray(0, rows * 10),
  classIndices: null,
});
const sixteen = resolveMetrics(THRESHOLD_FAMILY, configOf(metricBatch(1)));
// Issue 16's probabilistic trio, each on its own, as a caller asks for one of them.
const probabilistic = Object.fromEntries(
  ['calibration_error', 'log_loss', 'brier_score'].map((name) => [name, resolveMetrics([name], configOf(metricBatch(1)))]),
);
const metricOf = (name: string, b: MetricBatch) => computeMetrics(probabilistic[name], updateStates(probabilistic[name], initStates(probabilistic[name]), b), configOf(b));
const sixteenOf = (b: MetricBatch) => computeMetrics(sixteen, updateStates(sixteen, initStates(sixteen), b), configOf(b));
const fullBatch = metricBatch(1_000_000);
/** Bytes of the states the sixteen keep: typed arrays, whatever the number of rows. */
const stateBytes = (states: MetricStates) => [...states.values()].reduce((n: number, s) => n + (s as Float64Array).byteLength, 0);

// GROUPS.md: 8 groups of unequal sizes (ids scattered by a multiplicative hash; group g holds
// about (g + 1) / 36 of the rows), the same ids for the threshold family and the binary AUROC.
const GROUPS = 8;
const groupIds = Int32Array.from({ length: 1_000_000 }, (_, i) => {
  const u = ((i * 2654435761) % 4294967296) / 4294967296;
  let g = 0;
  for (let acc = 1 / 36; u >= acc && g < GROUPS - 1; acc += (g + 2) / 36) g++;
  return g;
});
const byGroup = (requests: readonly unknown[]) => requests.map((m) => ({ ...(typeof m === 'string' ? { name: m } : (m as object)), by_group: true })) as unknown as Parameters<typeof resolveMetrics>[0];
const groupedConfig = { ...configOf(metricBatch(1)), groups: GROUPS };
const sixteenByGroup = resolveMetrics(byGroup(THRESHOLD_FAMILY), groupedConfig);
const groupedFull: MetricBatch = { ...fullBatch, groups: groupIds, numGroups: GROUPS };
// Binary AUROC through the registry, grouped and not, so both pay the same stages.
const binaryMetricBatch: MetricBatch = { ...batch('binary', binary.scores, binary.labels, 1), preds: binary.scores, classIndices: null };
const aurocPlain = resolveMetrics(['auroc'], configOf(binaryMetricBatch));
const aurocGrouped = resolveMetrics(byGroup(['auroc']), { ...configOf(binaryMetricBatch), groups: GROUPS });
const evaluate = (metrics: ReturnType<typeof resolveMetrics>, b: MetricBatch, config = configOf(b)) => computeMetrics(metrics, updateStates(metrics, initStates(metrics), b), config);

const only = (process.env.BENCH_ONLY ?? '').split(/[\s,]+/).filter(Boolean);
const bench = new Bench({ time: 2000, warmupTime: 500 });
const add = bench.add.bind(bench);
// With BENCH_ONLY, a benchmark whose name holds none of its words is not added.
bench.add = ((name: string, fn: () => unknown) => (only.length === 0 || only.some((w) => name.includes(w)) ? add(name, fn) : bench)) as typeof bench.add;
bench
  .add('sixteen threshold metrics by 8 groups, 1e6 × 10 (groups)', () => evaluate(sixteenByGroup, { ...groupedFull }, groupedConfig))
  .add('sixteen threshold metrics without groups, 1e6 × 10 (groups)', () => evaluate(sixteen, { ...fullBatch }))
  .add('binary AUROC by 8 groups, 1e6 (groups)', () => evaluate(aurocGrouped, { ...binaryMetricBatch, groups: groupIds, numGroups: GROUPS }, { ...configOf(binaryMetricBatch), groups: GROUPS }))
  .add('binary AUROC without groups, 1e6 (groups)', () => evaluate(aurocPlain, { ...binaryMetricBatch }));
bench
  .add('exact binary AUROC, 1e6', () => {
    aurocOfBatch(new RankCountsCache(batch('binary', binary.scores, binary.labels, 1)), aurocOptions);
  })
  .add('exact threshold tuning (F1), 1e6', () => {
    tuneThresholds(new RankCountsCache(batch('binary', binary.scores, binary.labels, 1)), tuneF1);
  })
  .add('weighted exact binary AUROC, 1e6', () => {
    aurocOfBatch(new RankCountsCache({ ...batch('binary', binary.scores, binary.labels, 1), weights: sampleWeights }), aurocOptions);
  })
  .add('multiclass OvR AUROC, 1e5 × 10', () => {
    aurocOfBatch(new RankCountsCache(batch('multiclass', mcProbs, mc.labels, 10)), aurocOptions);
  })
  .add('multiclass OvR AUROC from logits (log-odds stage included), 1e5 × 10', () => {
    aurocOfBatch(new RankCountsCache(batch('multiclass', logOddsRows(mc.logits, 10), mc.labels, 10)), aurocOptions);
  })
  .add('sixteen threshold metrics, 1e6 × 10', () => sixteenOf({ ...fullBatch }))
  .add('calibration_error, 1e6 × 10', () => metricOf('calibration_error', { ...fullBatch }))
  .add('log_loss, 1e6 × 10', () => metricOf('log_loss', { ...fullBatch }))
  .add('brier_score, 1e6 × 10', () => metricOf('brier_score', { ...fullBatch }))
  .add('isotonic calibration fit, 1e6', isotonicFitOfBatch)
  .add('temperature scaling fit, 1e5 × 10', () => temperatureFit(mc.logits, mc.labels, null, 100_000, 10))
  .add('focal loss mean + grad, 1e6 × 10', () => {
    // As /v1/focal-loss runs it: the gradient takes the place of the request's own logits.
    focalLossSoftmax(focal.logits, focal.labels, 10, weights, { gamma: 2, reduction: 'mean', ignoreIndex: null, inputIsProbs: false, withLosses: false, withGrad: true, gradInto: gradBuffer });
  })
  .add('JSON body to tensors, 64 × 10 (decoder)', () => toTensors(smallJson))
  .add('JSON body to tensors, 64 × 10 (JSON.parse + flatten)', () => parseAndFlatten(smallJson))
  .add('JSON body to tensors, 1e5 × 10 (decoder)', () => toTensors(bigJson))
  .add('JSON body to tensors, 1e5 × 10 (JSON.parse + flatten)', () => parseAndFlatten(bigJson))
  .add('gradient to JSON, 64 × 10 (writer)', () => tensorJson(smallGrad, [64, 10]))
  .add('gradient to JSON, 64 × 10 (nest + JSON.stringify)', () => JSON.stringify(nest(smallGrad, [64, 10])))
  .add('gradient to JSON, 1e5 × 10 (writer)', () => tensorJson(bigGrad, [100_000, 10]))
  .add('gradient to JSON, 1e5 × 10 (nest + JSON.stringify)', () => JSON.stringify(nest(bigGrad, [100_000, 10])))
  .add('Float64Array.prototype.sort, 1e6 (for scale)', () => {
    binary.scores.slice().sort();
  });
await bench.run();

/**
 * The p50 of the one task whose name starts with `name` (NaN when BENCH_ONLY left it out). A
 * prefix that names two tasks is an error: `find` took the first, and the sixteen threshold
 * metrics once reported the grouped run.
 */
const ms = (name: string) => {
  const tasks = bench.tasks.filter((t) => t.name.startsWith(name));
  if (tasks.length > 1) throw new Error(`bench: '${name}' names ${tasks.length} tasks (${tasks.map((t) => t.name).join('; ')}); give one`);
  return (tasks[0]?.result as unknown as { latency: { p50: number } } | undefined)?.latency.p50 ?? NaN;
};
const ours = {
  focal: ms('focal loss'),
  binary: ms('exact binary'),
  tuning: ms('exact threshold tuning'),
  weightedBinary: ms('weighted exact binary'),
  multiclass: ms('multiclass OvR AUROC, 1e5'),
  sixteen: ms('sixteen threshold metrics, 1e6'),
  calibration: ms('calibration_error'),
  logLoss: ms('log_loss'),
  brier: ms('brier_score'),
  isotonic: ms('isotonic calibration'),
  temperature: ms('temperature scaling'),
  sixteenByGroup: ms('sixteen threshold metrics by 8 groups'),
  sixteenWithoutGroups: ms('sixteen threshold metrics without groups'),
  aurocByGroup: ms('binary AUROC by 8 groups'),
  aurocWithoutGroups: ms('binary AUROC without groups'),
};

let reference: Record<string, number> = {};
if (existsSync(PYTHON)) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const write = (name: string, data: Float64Array | Int32Array) => writeFileSync(join(dir, name), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  write('focal_logits.f64', focal.logits);
  write('focal_labels.i32', focal.labels);
  write('binary_scores.f64', binary.scores);
  write('binary_labels.i32', binary.labels);
  write('binary_weights.f64', sampleWeights);
  write('mc_probs.f64', mcProbs);
  write('mc_labels.i32', mc.labels);
  write('mc_logits.f64', mc.logits);
  write('threshold_probs.f64', thresholdProbs);
  write('threshold_labels.i32', thresholdBatch.labels);
  write('groups.i32', groupIds);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ focal: [1_000_000, 10], multiclass: [100_000, 10], threshold: [1_000_000, 10], groups: GROUPS, only }));
  try {
    reference = JSON.parse(execFileSync(PYTHON, [new URL('./reference_bench.py', import.meta.url).pathname, dir], { encoding: 'utf8' }));
  } catch (error) {
    console.warn(`reference libraries not measured: ${(error as Error).message.split('\n')[0]}`);
  }
  rmSync(dir, { recursive: true, force: true });
}

const row = (what: string, mine: number, theirs: number | undefined, lib: string, target: number) => ({
  benchmark: what,
  'ours p50 (ms)': mine.toFixed(1),
  [`reference (ms)`]: theirs === undefined ? 'n/a' : `${theirs.toFixed(1)} (${lib})`,
  ratio: theirs === undefined ? 'n/a' : (mine / theirs).toFixed(3),
  target: `<= ${target}`,
});
console.table([
  row('focal loss mean + grad, 1e6 × 10', ours.focal, reference.torch_focal_ms, 'torch 1 thread', 0.4),
  row('exact binary AUROC, 1e6', ours.binary, reference.sklearn_binary_ms, 'sklearn', 0.15),
  row('exact threshold tuning (F1), 1e6', ours.tuning, reference.sklearn_roc_curve_ms, 'sklearn roc_curve', 1),
  row('weighted exact binary AUROC, 1e6', ours.weightedBinary, reference.sklearn_weighted_binary_ms, 'sklearn', 0.2),
  row('multiclass OvR AUROC, 1e5 × 10', ours.multiclass, reference.sklearn_multiclass_ms, 'sklearn', 0.25),
  row('16 threshold metrics, 1e6 × 10 (vs 14 torchmetrics calls)', ours.sixteen, reference.torchmetrics_threshold_family_ms, 'torchmetrics 1 thread', 0.2),
  row('16 threshold metrics, 1e6 × 10 (vs one multiclass_stat_scores)', ours.sixteen, reference.torchmetrics_stat_scores_ms, 'torchmetrics 1 thread', 1),
  row('calibration_error (15 bins, l1), 1e6 × 10', ours.calibration, reference.torchmetrics_calibration_ms, 'torchmetrics 1 thread', 0.3),
  row('log_loss, 1e6 × 10', ours.logLoss, reference.sklearn_log_loss_ms, 'sklearn', 0.3),
  row('brier_score, 1e6 × 10', ours.brier, reference.brier_ms, 'sklearn / numpy', 0.3),
  row('isotonic calibration fit, 1e6', ours.isotonic, reference.sklearn_isotonic_ms, 'sklearn IsotonicRegression.fit', 0.5),
  row('temperature scaling fit, 1e5 × 10', ours.temperature, reference.sklearn_temperature_ms, 'sklearn CalibratedClassifierCV(temperature)', 0.5),
]);
console.table([
  row('16 threshold metrics by 8 groups vs without groups, 1e6 × 10', ours.sixteenByGroup, ours.sixteenWithoutGroups, 'ours, no groups', 1.3),
  row('16 threshold metrics by 8 groups vs torchmetrics per group (14 calls × 8)', ours.sixteenByGroup, reference.torchmetrics_threshold_family_by_group_ms, 'torchmetrics 1 thread', 1),
  row('binary AUROC by 8 groups vs without groups, 1e6', ours.aurocByGroup, ours.aurocWithoutGroups, 'ours, no groups', 1.3),
  row('binary AUROC by 8 groups vs roc_auc_score per group, 1e6', ours.aurocByGroup, reference.sklearn_binary_by_group_ms, 'sklearn', 1),
]);
console.table(
  [10_000, 1_000_000].map((rows) => {
    const b = metricBatch(rows);
    return { 'sixteen threshold metrics': `${rows.toLocaleString('en')} rows`, 'state bytes': stateBytes(updateStates(sixteen, initStates(sixteen), b)), 'compute groups': initStates(sixteen).size };
  }),
);
const decode = (rows: string, bytes: Buffer) => {
  const mine = ms(`JSON body to tensors, ${rows} (decoder)`);
  const parse = ms(`JSON body to tensors, ${rows} (JSON.parse`);
  return { body: `${rows} (${(bytes.length / 1e6).toFixed(2)} MB)`, 'decoder p50 (ms)': mine.toFixed(3), 'JSON.parse + flatten p50 (ms)': parse.toFixed(3), ratio: (mine / parse).toFixed(3) };
};
console.table([decode('64 × 10', smallJson), decode('1e5 × 10', bigJson)]);
const write = (rows: string) => {
  const mine = ms(`gradient to JSON, ${rows} (writer)`);
  const stringify = ms(`gradient to JSON, ${rows} (nest`);
  return { gradient: rows, 'writer p50 (ms)': mine.toFixed(3), 'nest + JSON.stringify p50 (ms)': stringify.toFixed(3), ratio: (mine / stringify).toFixed(3) };
};
console.table([write('64 × 10'), write('1e5 × 10')]);
console.table(bench.table());
