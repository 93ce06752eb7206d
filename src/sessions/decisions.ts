import { assertFiniteResult } from '../batch/finite.js';
import { checkThresholdsTask, checkThresholdsWork } from '../endpoints/thresholds.js';
import { calibrateMetricBatch, type CalibrationResult } from '../endpoints/calibration.js';
import { checkCalibrationWork, type CalibrationOptions } from '../metrics/calibration.js';
import { rankCountsOfBatch } from '../metrics/rows.js';
import { tuneThresholds, type ThresholdsOptions, type ThresholdsResponse } from '../metrics/thresholds.js';
import { thresholdsSvg } from '../plots/thresholds-svg.js';
import { calibrationSvg } from '../plots/calibration-svg.js';
import { chunkScores, decodeScoresAsSent } from './codec.js';
import { checkDecodeWork, metricConfigOf, type SessionConfig } from './session.js';

/**
 * Threshold tuning and calibration over a session's epoch (DECISIONS.md, Sessions): the stateless
 * computations of POST /v1/thresholds and POST /v1/calibration over the session's kept rows, the
 * batches concatenated in the order they were posted, scores as sent. Each is priced from the
 * chunks' headers (decoding, the tuning or the fit, the answer's size) before a row is read.
 */

/** The epoch's rows as one batch of scores as sent; 409 for chunks of the previous codec that lost them. */
const epochBatch = (config: SessionConfig, chunks: readonly Uint8Array[], ranking: boolean) => {
  const { task, classes, ignoreIndex } = metricConfigOf(config);
  return decodeScoresAsSent(chunks, { task, classes, ignoreIndex }, ranking);
};

/** Rows kept in `chunks` (from their headers). */
const rowsOf = (config: SessionConfig, chunks: readonly Uint8Array[]): number => chunkScores(chunks) / metricConfigOf(config).classes;

/**
 * A session's tuned threshold: what POST /v1/thresholds answers for its batches concatenated
 * (binary; multilabel label by label), as an object.
 *
 * @param chunks the session's rows chunks (it keeps rows: see `sessionPlan`)
 * @param drawing the answer is drawn (`Accept: image/svg+xml`): the curve is computed whatever `return_curve` says, and priced as it is (as POST /v1/thresholds)
 * @throws {ProblemError} 400 naming `task` for a multiclass session; 409 for rows stored without
 *   their scores as sent; 413 naming `return_curve` or `preds`; NeedsWorker inline when large
 */
export function sessionThresholds(config: SessionConfig, chunks: readonly Uint8Array[], options: ThresholdsOptions, drawing = false): ThresholdsResponse {
  checkThresholdsTask(config.task, 'task');
  checkDecodeWork(config, chunks);
  checkThresholdsWork(rowsOf(config, chunks), metricConfigOf(config).classes, options, drawing);
  return tuneThresholds(rankCountsOfBatch(epochBatch(config, chunks, true)), drawing ? { ...options, return_curve: true } : options);
}

/**
 * A session's calibration: what POST /v1/calibration answers for its batches concatenated (probs
 * in the order the batches were posted), with the reliability bins before and after (null for
 * multilabel), as objects.
 *
 * @throws {ProblemError} 409 for rows stored without their scores as sent; 413 naming `preds` or
 *   `return_probs`; NeedsWorker inline when large
 */
export function sessionCalibration(config: SessionConfig, chunks: readonly Uint8Array[], options: CalibrationOptions): CalibrationResult {
  checkDecodeWork(config, chunks);
  checkCalibrationWork({ rows: rowsOf(config, chunks), classes: metricConfigOf(config).classes, task: config.task }, options);
  // A calibration ranks nothing: the scores as sent are all it reads.
  return calibrateMetricBatch(epochBatch(config, chunks, false), options);
}

/** The formats a session's decision answers in: JSON, or an SVG drawing. */
export type DecisionFormat = 'json' | 'svg';

/**
 * The encoders of each decision, by format: the routes offer exactly the formats listed here.
 * Thresholds answer JSON for now; the hook for their drawing (the objective against the threshold,
 * the tuned one marked) is an `svg` entry here, once src/plots has it.
 */
export const DECISION_ENCODERS = {
  thresholds: { json: (result: ThresholdsResponse) => JSON.stringify(result), svg: thresholdsSvg } as Partial<Record<DecisionFormat, (result: ThresholdsResponse) => string>>,
  calibration: { json: (result: CalibrationResult) => JSON.stringify(result.response), svg: calibrationSvg } as Partial<Record<DecisionFormat, (result: CalibrationResult) => string>>,
};

/** A session's decision, as the JSON text (or SVG) sent: every number checked finite. */
export type SessionDecision = { kind: 'thresholds'; options: ThresholdsOptions } | { kind: 'calibration'; options: CalibrationOptions };

/**
 * A session's thresholds or calibration as the text sent, inline or in a worker alike.
 *
 * @throws {ProblemError} as {@link sessionThresholds} and {@link sessionCalibration}; 406 when
 *   `format` draws nothing for this answer (a multilabel reliability diagram)
 */
export function sessionDecisionText(config: SessionConfig, chunks: readonly Uint8Array[], decision: SessionDecision, format: DecisionFormat): string {
  if (decision.kind === 'thresholds') {
    const result = sessionThresholds(config, chunks, decision.options, format === 'svg');
    assertFiniteResult(result);
    return (DECISION_ENCODERS.thresholds[format] ?? DECISION_ENCODERS.thresholds.json!)(result);
  }
  const result = sessionCalibration(config, chunks, decision.options);
  assertFiniteResult(result);
  return (DECISION_ENCODERS.calibration[format] ?? DECISION_ENCODERS.calibration.json!)(result);
}
