import { configOf, formatMetricBatch, type MetricBatch } from '../batch/batch.js';
import { invalidField } from '../errors.js';
import { checkCalibration, fitCalibration, type CalibrationMetrics, type CalibrationResponse } from '../metrics/calibration.js';
import { evaluateMetrics } from '../metrics/evaluate.js';
import type { CalibrationBins } from '../plots/reliability-svg.js';
import type { CalibrationRequest } from '../schemas/calibration.js';

/** The catalogue's metrics answered before and after calibration (calibration_error: 15 bins, l1, its defaults). */
const QUALITY = ['log_loss', 'brier_score', 'calibration_error'] as const;

/** A calibration answer and the reliability bins before and after it (drawn as SVG, not sent as JSON). */
export interface CalibrationResult {
  response: CalibrationResponse;
  bins: { before: CalibrationBins; after: CalibrationBins };
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
 * POST /v1/calibration: fits `method` to the batch (src/metrics/calibration.ts), and answers its
 * parameters, the catalogue's log loss, Brier score and calibration error of the batch's
 * probabilities before and after it, and with `return_probs` the calibrated probabilities.
 *
 * @throws {ProblemError} 400 naming `task` for a multilabel batch, `preds` for class indices or extra dimensions
 * @throws {ProblemError} 413 naming `preds` (work) or `return_probs` (answer size); NeedsWorker inline when large
 */
export function computeCalibration(request: CalibrationRequest): CalibrationResult {
  const batch = formatMetricBatch(request);
  if (batch.task === 'multilabel') throw invalidField(request.task === undefined ? 'labels' : 'task', 'calibration is binary or multiclass: preds [N] or [N, C] with labels [N]');
  checkCalibration(batch, request);
  const warnings = [...batch.warnings];
  const before = quality(batch, 'before', warnings);
  const fitted = fitCalibration(batch, request.method);
  warnings.push(...fitted.warnings);
  const binary = batch.task === 'binary';
  // The calibrated probabilities as a batch of their own: the same rows, labels and weights.
  const calibrated: MetricBatch = { ...batch, preds: fitted.probs, scores: fitted.probs, input: 'probs', scoresAreLogOdds: false, warnings: [] };
  const after = quality(calibrated, 'after', warnings);
  const parameters: Partial<CalibrationResponse> = {};
  if (request.method === 'temperature') parameters.temperature = fitted.temperature;
  else if (fitted.calibrators === null) {
    if (!binary) parameters.per_class = null;
    else Object.assign(parameters, request.method === 'sigmoid' ? { a: null, b: null } : { x: null, y: null });
  } else {
    const plain = fitted.calibrators.map((fit) => ('x' in fit ? { x: Array.from(fit.x), y: Array.from(fit.y) } : { a: fit.a, b: fit.b }));
    if (binary) Object.assign(parameters, plain[0]);
    else parameters.per_class = plain;
  }
  const response: CalibrationResponse = {
    task: batch.task,
    input: batch.input,
    method: request.method,
    ...parameters,
    before: before.metrics,
    after: after.metrics,
    ...(request.return_probs ? { probs: rowsOf(fitted.probs, batch.rows, batch.classes, binary) } : {}),
    warnings,
  };
  return { response, bins: { before: before.bins, after: after.bins } };
}
