import { z } from 'zod';
import { InputUsed, Task } from '../batch/task.js';
import type { MetricBatch, MetricConfig } from '../batch/batch.js';
import { CLASS_WORK, checkAnswerValues, checkWork, depth } from '../batch/limits.js';
import { invalidField } from '../errors.js';
import type { ClassView } from '../kernels/class-split.js';
import { isotonicFit, isotonicPredict, type IsotonicFit } from '../kernels/isotonic.js';
import { plattFit, type PlattFit } from '../kernels/platt.js';
import { temperatureFit } from '../kernels/temperature.js';
import { probabilitiesOf } from './probabilities.js';
import { metricsWork, resolveMetrics } from './evaluate.js';

/**
 * Probability calibration of one batch (issue 27; contract: DECISIONS.md "Calibration"): Platt
 * scaling and isotonic regression per class one-vs-rest, or one temperature, fitted as
 * scikit-learn 1.9's `CalibratedClassifierCV` on a frozen estimator, and the calibrated
 * probabilities. The before/after metrics are the catalogue's (src/endpoints/calibration.ts).
 */

export const CalibrationMethod = z.enum(['sigmoid', 'isotonic', 'temperature']).meta({
  id: 'CalibrationMethod',
  description:
    '`sigmoid`: Platt scaling of each class\'s score, one-vs-rest, p = 1 / (1 + exp(a·s + b)). `isotonic`: isotonic regression of each class\'s score, one-vs-rest, breakpoints `x`, `y` (linear between, constant outside). `temperature`: one temperature T for all classes, p = softmax(z / T) on logits (on log(p + 1e-12) of probabilities; binary logits z as the classes (0, z), so p = sigmoid(z / T)).',
});
export type CalibrationMethod = z.infer<typeof CalibrationMethod>;

/** The options of POST /v1/calibration beside the batch fields. */
export const CalibrationOptions = z.strictObject({
  method: CalibrationMethod,
  return_probs: z.boolean().default(false).describe('Also answer the calibrated probabilities: `probs` [N] (binary: the positive class) or [N, C].'),
});
export type CalibrationOptions = z.output<typeof CalibrationOptions>;

const SigmoidParameters = z.object({
  a: z.number().nullable().describe('Slope: p = 1 / (1 + exp(a·s + b)) for a score s as sent (scikit-learn `a_`).'),
  b: z.number().nullable().describe('Intercept (scikit-learn `b_`).'),
});
const IsotonicParameters = z.object({
  x: z.array(z.number()).nullable().describe('Scores at the breakpoints, ascending (scikit-learn `X_thresholds_`); a score below the first takes the first `y`, above the last the last.'),
  y: z.array(z.number()).nullable().describe('Calibrated probabilities at the breakpoints, non-decreasing, in [0, 1] (`y_thresholds_`); linear between breakpoints.'),
});
const ClassCalibrator = z.object({ ...SigmoidParameters.partial().shape, ...IsotonicParameters.partial().shape });

export const CalibrationMetrics = z
  .object({
    log_loss: z.number().nullable().describe('scikit-learn `log_loss` (the catalogue\'s `log_loss`).'),
    brier_score: z.number().nullable().describe('scikit-learn `brier_score_loss`; multiclass summed over classes (the catalogue\'s `brier_score`).'),
    calibration_error: z.number().nullable().describe('Expected calibration error: 15 equal-width bins, l1 (the catalogue\'s `calibration_error`).'),
  })
  .meta({ id: 'CalibrationMetrics', description: 'The catalogue\'s log loss, Brier score and calibration error of the batch\'s probabilities.' });
export type CalibrationMetrics = z.infer<typeof CalibrationMetrics>;

export const CalibrationResponse = z
  .object({
    task: Task,
    input: InputUsed,
    method: CalibrationMethod,
    ...SigmoidParameters.partial().shape,
    ...IsotonicParameters.partial().shape,
    per_class: z.array(ClassCalibrator).nullable().optional().describe('Multiclass sigmoid or isotonic: one calibrator per class, one-vs-rest; calibrated rows are renormalised to sum to 1 (1/C each where every class calibrates to 0).'),
    temperature: z.number().nullable().optional().describe('Temperature scaling: T, p = softmax(z / T) (binary logits: sigmoid(z / T)). scikit-learn\'s is 1 / `beta_` (twice this for binary logits, which it reads as (−z, z)).'),
    per_label: z
      .array(z.object({ ...ClassCalibrator.shape, temperature: z.number().nullable().optional(), before: CalibrationMetrics, after: CalibrationMetrics }))
      .optional()
      .describe('Multilabel: each label calibrated on its own as a binary batch (its parameters, before and after).'),
    before: CalibrationMetrics.optional().describe('Binary and multiclass (multilabel: per label).'),
    after: CalibrationMetrics.optional().describe('Binary and multiclass (multilabel: per label).'),
    probs: z.array(z.union([z.number(), z.array(z.number())])).optional().describe('With `return_probs`: the calibrated probabilities, [N] (binary: the positive class), [N, C] or [N, L].'),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'CalibrationResult', description: 'The fitted calibration of one batch, its parameters, and the metrics before and after it.' });
export type CalibrationResponse = z.infer<typeof CalibrationResponse>;

/**
 * A fitted calibration and the batch's calibrated probabilities. Without a sample of positive
 * weight the fit is undefined: no calibrators, no temperature, and the batch's probabilities as
 * they are, with a warning.
 */
export interface FittedCalibration {
  /** Binary: one calibrator; multiclass: one per class (sigmoid, isotonic); empty for temperature; null when undefined. */
  calibrators: Array<PlattFit | IsotonicFit> | null;
  temperature: number | null;
  /** rows (binary: the positive class) or rows × classes, row-major. */
  probs: Float64Array;
  warnings: string[];
}

/** Newton iterations a fit is priced at (the kernels converge in about ten; each reads every row twice). */
const FIT_PASSES = 40;

/** The catalogue's metrics answered before and after calibration (calibration_error: 15 bins, l1, its defaults). */
export const CALIBRATION_METRICS = ['log_loss', 'brier_score', 'calibration_error'] as const;

/**
 * The shape a calibration is priced by: rows × classes (labels), and the task where known
 * (without it: binary for one class, else multiclass; multilabel prices each label on its own).
 */
export interface CalibrationShape {
  rows: number;
  classes: number;
  task?: MetricBatch['task'];
}

const taskOfShape = (shape: CalibrationShape): MetricBatch['task'] => shape.task ?? (shape.classes === 1 ? 'binary' : 'multiclass');

/**
 * The priced work of a calibration: per class, isotonic sorts its rows (rows × log rows), sigmoid
 * and temperature make up to {@link FIT_PASSES} passes over them, then the calibrated
 * probabilities, and {@link CLASS_WORK} per class; with, before and after, the work of
 * {@link CALIBRATION_METRICS} as `/v1/metrics` prices them (multilabel: each label's as a binary
 * batch of its own).
 */
export function calibrationWork(shape: CalibrationShape, method: CalibrationMethod): number {
  const { rows, classes } = shape;
  const task = taskOfShape(shape);
  const perEntry = method === 'isotonic' ? depth(rows) : FIT_PASSES;
  const fit = rows * classes * (perEntry + 2) + classes * CLASS_WORK;
  const multilabel = task === 'multilabel';
  const one: MetricConfig = { task: multilabel ? 'binary' : task, classes: multilabel ? 1 : classes, ignoreIndex: null, classIndices: false };
  const quality = metricsWork(resolveMetrics([...CALIBRATION_METRICS], one), one, rows, { update: true, compute: true }).total;
  return fit + 2 * quality * (multilabel ? classes : 1);
}

/** The numbers of `before` and `after`: log loss, Brier score and calibration error each. */
const METRIC_VALUES = 6;

/**
 * The numbers a calibration answers besides its probabilities, as far as known before the fit:
 * `before` and `after`, and the parameters (sigmoid `a`, `b`; isotonic at least one breakpoint
 * `x`, `y`, its others counted once fitted, see {@link breakpointValues}; temperature `T`), per
 * class for multiclass one-vs-rest; multilabel: all of it per label.
 */
export function calibrationAnswerValues(task: MetricBatch['task'], classes: number, method: CalibrationMethod): number {
  const parameters = method === 'temperature' ? 1 : 2;
  if (task === 'multilabel') return classes * (METRIC_VALUES + parameters);
  return METRIC_VALUES + (task === 'binary' || method === 'temperature' ? parameters : classes * parameters);
}

/** The numbers fitted isotonic calibrators answer beyond the one breakpoint each that {@link calibrationAnswerValues} counts. */
export function breakpointValues(calibrators: ReadonlyArray<PlattFit | IsotonicFit>): number {
  let values = 0;
  for (const fit of calibrators) if ('x' in fit) values += 2 * (fit.x.length - 1);
  return values;
}

/**
 * Prices a calibration before anything is fitted: its answer (the parameters, before and after
 * per class or label, and with `return_probs` the calibrated probabilities), then its work
 * ({@link calibrationWork}). Isotonic breakpoints beyond the first are known once fitted: the
 * endpoint counts them before it writes them out.
 *
 * @throws {ProblemError} 400 naming `preds` for class-index preds or extra dimensions (no scores to calibrate)
 * @throws {ProblemError} 413 naming `preds` for an answer over the limit without probabilities or work over MAX_WORK, `return_probs` with them
 * @throws {NeedsWorker} on the main thread when the fit is too large to run inline
 */
export function checkCalibration(batch: MetricBatch, options: CalibrationOptions): void {
  if (batch.classIndices !== null) throw invalidField('preds', 'calibration needs scores per class [N, C], not predicted class indices');
  if (batch.sampleRows !== undefined) throw invalidField('preds', 'calibration takes preds [N] (binary) or [N, C] (multiclass), without extra dimensions');
  checkCalibrationWork(batch, options);
}

/**
 * The price of {@link checkCalibration} from the shape alone, before the rows are read (a
 * session's stored rows): the answer (see {@link calibrationAnswerValues}; with `return_probs`
 * the probabilities too), then the work ({@link calibrationWork}).
 *
 * @throws {ProblemError} 413 naming `preds` for an answer over the limit without probabilities or work over MAX_WORK, `return_probs` with them
 * @throws {NeedsWorker} on the main thread when the fit is too large to run inline
 */
export function checkCalibrationWork(shape: CalibrationShape, options: CalibrationOptions): void {
  const { rows, classes } = shape;
  const fixed = calibrationAnswerValues(taskOfShape(shape), classes, options.method);
  checkAnswerValues('preds', fixed, `the ${options.method} calibration of ${classes} classes`);
  if (options.return_probs) checkAnswerValues('return_probs', fixed + rows * classes, `calibrated probabilities of ${rows} rows × ${classes} classes`);
  checkWork('preds', calibrationWork(shape, options.method), `a ${options.method} calibration of ${rows} rows × ${classes} classes`);
}

/** One class of a multiclass batch (or the binary batch) as a one-vs-rest problem over its scores as sent. */
function viewOf(batch: MetricBatch, c: number): ClassView {
  const binary = batch.task === 'binary';
  return {
    rows: batch.rows,
    scores: batch.preds,
    scoreOffset: binary ? 0 : c,
    scoreStride: binary ? 1 : batch.classes,
    labels: batch.labels,
    labelOffset: 0,
    labelStride: 1,
    positive: binary ? 1 : c,
    negative: null,
    ignore: batch.ignoreIndex,
  };
}

/**
 * The kept rows of a view (labels other than ignore_index; with `positiveWeightOnly`, of weight
 * > 0 too, as scikit-learn's IsotonicRegression keeps them): their scores, whether positive,
 * their weights. One pass into arrays of the rows' length, answered as views of the kept prefix.
 */
function keptRows(batch: MetricBatch, view: ClassView, positiveWeightOnly = false): { scores: Float64Array; positive: Uint8Array; weights: Float64Array | null } {
  const { rows, labels, ignoreIndex } = batch;
  const batchWeights = batch.weights;
  const scores = new Float64Array(rows);
  const positive = new Uint8Array(rows);
  const weights = batchWeights === null ? null : new Float64Array(rows);
  let k = 0;
  for (let i = 0, at = view.scoreOffset; i < rows; i++, at += view.scoreStride) {
    const label = labels[i];
    if (label === ignoreIndex) continue;
    if (batchWeights !== null) {
      if (positiveWeightOnly && !(batchWeights[i] > 0)) continue;
      weights![k] = batchWeights[i];
    }
    scores[k] = view.scores[at];
    positive[k++] = label === view.positive ? 1 : 0;
  }
  return { scores: scores.subarray(0, k), positive: positive.subarray(0, k), weights: weights === null ? null : weights.subarray(0, k) };
}

const platt = (fit: PlattFit, s: number): number => 1 / (1 + Math.exp(fit.a * s + fit.b));

/** Fits one class's calibrator (null only where isotonic has no sample of positive weight, which the caller rules out). */
function fitClass(batch: MetricBatch, c: number, method: 'sigmoid' | 'isotonic'): PlattFit | IsotonicFit | null {
  const view = viewOf(batch, c);
  if (method === 'sigmoid') {
    const { scores, positive, weights } = keptRows(batch, view);
    return plattFit(scores, positive, weights);
  }
  const { scores, positive, weights } = keptRows(batch, view, true);
  return isotonicFit(scores, positive, weights);
}

/** One class's calibrated scores, rows of them. */
function applyClass(batch: MetricBatch, c: number, fit: PlattFit | IsotonicFit): Float64Array {
  const view = viewOf(batch, c);
  if ('x' in fit) return isotonicPredict(fit, view.scores, batch.rows, view.scoreOffset, view.scoreStride);
  const out = new Float64Array(batch.rows);
  for (let i = 0; i < batch.rows; i++) out[i] = platt(fit, view.scores[view.scoreOffset + i * view.scoreStride]);
  return out;
}

/**
 * The logits temperature scaling reads, rows × K: multiclass logits as sent, probabilities as
 * log(p + 1e-12) (scikit-learn's `_convert_to_logits`); binary logits z as (0, z), binary
 * probabilities as (log(1 − p + 1e-12), log(p + 1e-12)).
 */
function temperatureLogits(batch: MetricBatch): { logits: Float64Array; classes: number } {
  const { rows, preds } = batch;
  const probs = batch.input === 'probs';
  if (batch.task === 'binary') {
    const logits = new Float64Array(2 * rows);
    for (let i = 0; i < rows; i++) {
      logits[2 * i] = probs ? Math.log(1 - preds[i] + 1e-12) : 0;
      logits[2 * i + 1] = probs ? Math.log(preds[i] + 1e-12) : preds[i];
    }
    return { logits, classes: 2 };
  }
  return { logits: probs ? preds.map((p) => Math.log(p + 1e-12)) : preds, classes: batch.classes };
}

/**
 * Applies a temperature: softmax(z / T) of each row of `logits` [rows, classes], row-major
 * (Guo et al. 2017); with `binary`, only each row's second column (p of the positive class).
 * T = 1 is the softmax itself. O(rows × classes).
 */
export function applyTemperature(logits: Float64Array, rows: number, classes: number, temperature: number, binary: boolean): Float64Array {
  const out = new Float64Array(binary ? rows : rows * classes);
  const row = new Float64Array(classes);
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[i * classes + c] / temperature);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      row[c] = Math.exp(logits[i * classes + c] / temperature - max);
      sum += row[c];
    }
    if (binary) out[i] = row[1] / sum;
    else for (let c = 0; c < classes; c++) out[i * classes + c] = row[c] / sum;
  }
  return out;
}

/**
 * Fits the calibration of a binary or multiclass batch of scores and calibrates its rows, as
 * scikit-learn 1.9's `CalibratedClassifierCV(FrozenEstimator(...), method=...)`:
 *
 * - sigmoid, isotonic: one calibrator per class on that class's score as sent (logits as a
 *   `decision_function`, probabilities as `predict_proba`) against "is this class", one-vs-rest;
 *   binary fits one, on the positive score, and p₀ = 1 − p₁. Multiclass rows are divided by
 *   their sum, or 1/C each where it is 0, and values in (1, 1 + 1e-5] set to 1
 *   (`_CalibratedClassifier.predict_proba`).
 * - temperature: one T for all classes (see {@link temperatureLogits}, src/kernels/temperature.ts).
 *
 * Rows labelled `ignore_index` take no part in the fit and are calibrated like the others.
 *
 * @param batch a binary or multiclass batch of scores, checked by {@link checkCalibration}
 * @returns the calibrators (binary: one; multiclass: one per class), or the temperature; the
 *   probabilities [rows] (binary) or [rows, classes]
 */
export function fitCalibration(batch: MetricBatch, method: CalibrationMethod): FittedCalibration {
  const { rows, classes } = batch;
  const warnings: string[] = [];
  const binary = batch.task === 'binary';
  let kept = 0;
  for (let i = 0; i < rows; i++) if (batch.labels[i] !== batch.ignoreIndex && (batch.weights === null || batch.weights[i] > 0)) kept++;
  if (kept === 0) {
    warnings.push('no sample of positive weight: the calibration is undefined (null), and probs are the batch\'s probabilities as they are');
    return { calibrators: null, temperature: null, probs: probabilitiesOf(batch), warnings };
  }
  if (method === 'temperature') {
    const { logits, classes: k } = temperatureLogits(batch);
    const keptIndex: number[] = [];
    for (let i = 0; i < rows; i++) if (batch.labels[i] !== batch.ignoreIndex) keptIndex.push(i);
    const keptLogits = new Float64Array(keptIndex.length * k);
    const keptLabels = new Int32Array(keptIndex.length);
    const keptWeights = batch.weights === null ? null : new Float64Array(keptIndex.length);
    keptIndex.forEach((i, r) => {
      keptLogits.set(logits.subarray(i * k, (i + 1) * k), r * k);
      keptLabels[r] = batch.labels[i];
      if (keptWeights !== null) keptWeights[r] = batch.weights![i];
    });
    const temperature = temperatureFit(keptLogits, keptLabels, keptWeights, keptIndex.length, k);
    return { calibrators: [], temperature, probs: applyTemperature(logits, rows, k, temperature, binary), warnings };
  }
  const calibrators: Array<PlattFit | IsotonicFit> = [];
  const probs = new Float64Array(rows * classes);
  for (let c = 0; c < classes; c++) {
    // Some row of positive weight is kept (above): every class's fit is defined.
    const fit = fitClass(batch, c, method)!;
    calibrators.push(fit);
    const column = applyClass(batch, c, fit);
    for (let i = 0; i < rows; i++) probs[i * classes + c] = column[i];
  }
  if (!binary) renormalise(probs, rows, classes);
  return { calibrators, temperature: null, probs, warnings };
}

/** Rows divided by their sums (1/C each where a sum is 0), then (1, 1 + 1e-5] set to 1, as scikit-learn. */
function renormalise(probs: Float64Array, rows: number, classes: number): void {
  for (let i = 0; i < rows; i++) {
    const base = i * classes;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += probs[base + c];
    for (let c = 0; c < classes; c++) {
      const p = sum === 0 ? 1 / classes : probs[base + c] / sum;
      probs[base + c] = p > 1 && p <= 1 + 1e-5 ? 1 : p;
    }
  }
}
