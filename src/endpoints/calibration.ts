import { configOf, formatMetricBatch, type MetricBatch } from '../batch/batch.js';
import { checkAnswerValues } from '../batch/limits.js';
import { CALIBRATION_METRICS, breakpointValues, calibrationAnswerValues, checkCalibration, fitCalibration, type CalibrationMetrics, type CalibrationOptions, type CalibrationResponse } from '../metrics/calibration.js';
import { evaluateMetrics } from '../metrics/evaluate.js';
import type { CalibrationBins } from '../plots/reliability-svg.js';
import type { CalibrationRequest } from '../schemas/calibration.js';

/** The catalogue's metrics answered before and after calibration, priced with the fit (`calibrationWork`). */
const QUALITY = CALIBRATION_METRICS;

/** A calibration answer and the reliability bins before and after it (drawn as SVG, not sent as JSON). */
export interface CalibrationResult {
  response: CalibrationResponse;
  /** Null for a multilabel batch (no single reliability diagram). */
  bins: { before: CalibrationBins; after: CalibrationBins } | null;
}

/** The catalogue's log loss, Brier score and calibration error of a batch, its warnings prefixed by `when`. */
function quality(batch: MetricBatch, when: string, warnings: string[]): { metrics: CalibrationMetrics; bins: CalibrationBins } {
  const entries = evaluateMetrics([...QUALITY], batch, configOf(batch));
  for (const name of QUALITY) for (const warning of entries[name].warnings) warnings.push(`${when}: ${warning}`);
  const value = (name: (typeof QUALITY)[number]) => (entries[name][name] as number | null | undefined) ?? null;
  return {
    metrics: { log_loss: value('log_loss'), brier_score: value('brier_score'), calibration_error: value('calibration_error') },
    bins: entries.calibration_error.bins as CalibrationBins,
  };
}

/** Nested arrays of a row-major rows × classes matrix (binary: the flat column). */
function rowsOf(values: Float64Array, rows: number, classes: number, binary: boolean): number[] | number[][] {
  if (binary) return Array.from(values);
  return Array.from({ length: rows }, (_, i) => Array.from(values.subarray(i * classes, (i + 1) * classes)));
}

/**
 * One binary or multiclass batch calibrated: its parameters, metrics before and after,
 * probabilities and bins. `answer.values` counts the numbers of the whole answer so far: the
 * isotonic breakpoints are added once fitted, and checked before they are written out.
 *
 * @throws {ProblemError} 413 naming `method` when the breakpoints take the answer over its limit
 */
function calibrateBatch(batch: MetricBatch, method: CalibrationRequest['method'], warnings: string[], where: string, answer: { values: number }) {
  const before = quality(batch, `${where}before`, warnings);
  const fitted = fitCalibration(batch, method);
  if (fitted.calibrators !== null && method === 'isotonic') {
    answer.values += breakpointValues(fitted.calibrators);
    checkAnswerValues('method', answer.values, `isotonic breakpoints fitted to ${batch.rows} rows`);
  }
  warnings.push(...fitted.warnings.map((w) => `${where}${w}`));
  const binary = batch.task === 'binary';
  // The calibrated probabilities as a batch of their own: the same rows, labels and weights.
  const calibrated: MetricBatch = { ...batch, preds: fitted.probs, scores: fitted.probs, input: 'probs', scoresAreLogOdds: false, warnings: [] };
  const after = quality(calibrated, `${where}after`, warnings);
  const parameters: Partial<CalibrationResponse> = {};
  if (method === 'temperature') parameters.temperature = fitted.temperature;
  else if (fitted.calibrators === null) {
    if (!binary) parameters.per_class = null;
    else Object.assign(parameters, method === 'sigmoid' ? { a: null, b: null } : { x: null, y: null });
  } else {
    const plain = fitted.calibrators.map((fit) => ('x' in fit ? { x: Array.from(fit.x), y: Array.from(fit.y) } : { a: fit.a, b: fit.b }));
    if (binary) Object.assign(parameters, plain[0]);
    else parameters.per_class = plain;
  }
  return { parameters, before, after, probs: fitted.probs };
}

/** Label l of a multilabel batch as a binary batch of its own: its column of scores and labels, the rows' weights. */
function labelBatch(batch: MetricBatch, l: number): MetricBatch {
  const { rows, classes } = batch;
  const preds = new Float64Array(rows);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    preds[i] = batch.preds[i * classes + l];
    labels[i] = batch.labels[i * classes + l];
  }
  return { ...batch, task: 'binary', classes: 1, preds, scores: preds, labels, classIndices: null, warnings: [] };
}

/**
 * POST /v1/calibration: fits `method` to the batch (src/metrics/calibration.ts), and answers its
 * parameters, the catalogue's log loss, Brier score and calibration error of the batch's
 * probabilities before and after it, and with `return_probs` the calibrated probabilities.
 * Multilabel: each label on its own, as a binary batch, under `per_label`.
 *
 * @throws {ProblemError} 400 naming `preds` for class indices or extra dimensions
 * @throws {ProblemError} 413 naming `preds` (work, or the answer without probabilities), `return_probs` (with them), `method` (isotonic breakpoints); NeedsWorker inline when large
 */
export function computeCalibration(request: CalibrationRequest): CalibrationResult {
  const batch = formatMetricBatch(request);
  checkCalibration(batch, request);
  return calibrateMetricBatch(batch, request);
}

/**
 * {@link computeCalibration}'s compute stage over a formatted batch of scores (binary, multiclass
 * or multilabel; priced by `checkCalibration` or `checkCalibrationWork`): also a session's epoch.
 *
 * @throws {ProblemError} 413 naming `method` when isotonic breakpoints take the answer over its limit (counted once fitted)
 */
export function calibrateMetricBatch(batch: MetricBatch, request: CalibrationOptions): CalibrationResult {
  const warnings = [...batch.warnings];
  const answer = { values: calibrationAnswerValues(batch.task, batch.classes, request.method) + (request.return_probs ? batch.rows * batch.classes : 0) };
  const head = { task: batch.task, input: batch.input, method: request.method };
  if (batch.task === 'multilabel') {
    const probs = new Float64Array(batch.rows * batch.classes);
    const perLabel = Array.from({ length: batch.classes }, (_, l) => {
      const one = calibrateBatch(labelBatch(batch, l), request.method, warnings, `label ${l}: `, answer);
      for (let i = 0; i < batch.rows; i++) probs[i * batch.classes + l] = one.probs[i];
      return { ...one.parameters, before: one.before.metrics, after: one.after.metrics };
    });
    const response: CalibrationResponse = {
      ...head,
      per_label: perLabel,
      ...(request.return_probs ? { probs: rowsOf(probs, batch.rows, batch.classes, false) } : {}),
      warnings,
    };
    return { response, bins: null };
  }
  const binary = batch.task === 'binary';
  const one = calibrateBatch(batch, request.method, warnings, '', answer);
  const response: CalibrationResponse = {
    ...head,
    ...one.parameters,
    before: one.before.metrics,
    after: one.after.metrics,
    ...(request.return_probs ? { probs: rowsOf(one.probs, batch.rows, batch.classes, binary) } : {}),
    warnings,
  };
  return { response, bins: { before: one.before.bins, after: one.after.bins } };
}
