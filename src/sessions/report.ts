import { configOf } from '../batch/batch.js';
import { checkWork, rankingWork } from '../batch/limits.js';
import { ProblemError } from '../errors.js';
import { calibrationWork, type CalibrationMethod } from '../metrics/calibration.js';
import type { PrecisionRecallResponse, RocResponse } from '../metrics/curves.js';
import { evaluateMetrics } from '../metrics/evaluate.js';
import { ThresholdsOptions, tuningWork } from '../metrics/thresholds.js';
import { renderReport, type ReportData } from '../plots/report-html.js';
import { chunkScores, decodeScoresAsSent } from './codec.js';
import { sessionCalibration, sessionThresholds } from './decisions.js';
import { curveOfEpoch, epochRankCounts, metricConfigOf, sessionAnswer, sessionPlan, type SessionConfig } from './session.js';
import type { StoredState } from './store.js';

/** What the report's query may change: the threshold's objective, the calibration's method. */
export interface ReportOptions {
  objective?: ThresholdsOptions['objective'] | undefined;
  method?: CalibrationMethod | undefined;
}

/** The calibration a report shows unless asked another: temperature for multiclass (one parameter for all classes), Platt scaling otherwise. */
export const reportMethod = (config: SessionConfig): CalibrationMethod => (config.task === 'multiclass' ? 'temperature' : 'sigmoid');

/**
 * Prices the row-based sections of a report before any is computed: the two curves' sorts, the
 * tuning (exact, with its curve), the calibration's fit and the confusion matrix's pass, each
 * over the epoch's rows. (The metrics table is priced by the session's own compute.)
 *
 * @throws {ProblemError} 413 naming `preds` (the stored scores) over MAX_WORK; NeedsWorker inline when large
 */
function checkReportWork(config: SessionConfig, chunks: readonly Uint8Array[], method: CalibrationMethod): void {
  const { classes } = metricConfigOf(config);
  const rows = chunkScores(chunks) / classes;
  const work =
    2 * rankingWork({ rows, classes }) +
    (config.task === 'multiclass' ? 0 : tuningWork(rows, classes, null)) +
    calibrationWork({ rows, classes, task: config.task }, method) +
    rows * classes;
  checkWork('preds', work, `a report over ${rows.toLocaleString('en')} rows × ${classes} classes (curves, thresholds, calibration, confusion matrix)`);
}

/**
 * Everything a session's report page shows (`ReportData`, src/plots/report-html.ts), as the
 * session's JSON endpoints answer it:
 *
 * - `session`: GET /v1/sessions/{id}'s answer, parsed;
 * - with rows kept: the ROC and precision-recall curves (GET .../roc, .../precision-recall-curve,
 *   their defaults), the thresholds (GET .../thresholds, objective f1_score unless `objective`,
 *   exact, with the curve; binary and multilabel), the calibration (GET .../calibration, method
 *   temperature for multiclass and sigmoid otherwise unless `method`, with its reliability bins);
 * - the confusion matrix: the session's own `confusion_matrix` entry when it asks one (not by
 *   group), else the metric over the kept rows with its defaults, else null.
 *
 * Without rows, every row-based section is null. Rows kept by the previous codec without their
 * scores as sent (multiclass logits) still give the curves; the sections that need the scores
 * are null, and `session.warnings` says why.
 *
 * @throws {ProblemError} 413 naming `preds` over MAX_WORK; NeedsWorker inline when large
 */
export function sessionReportData(config: SessionConfig, stored: StoredState, head: { id: string; task: string }, expiresAt: string, options: ReportOptions): ReportData {
  const { metrics, keepsRows } = sessionPlan(config);
  const method = options.method ?? reportMethod(config);
  if (keepsRows) checkReportWork(config, stored.chunks, method);
  // The GET answer as a client reads it (JSON text parsed): the numbers on the page are those.
  const session = JSON.parse(JSON.stringify(sessionAnswer(config, stored, head, expiresAt))) as ReportData['session'];
  const own = metrics.find((m) => m.definition.name === 'confusion_matrix' && !m.byGroup);
  const data: ReportData = {
    session,
    roc: null,
    precisionRecall: null,
    confusionMatrix: own ? (session.metrics[own.key] ?? null) : null,
    thresholds: null,
    calibration: null,
  };
  if (!keepsRows) return data;
  const { chunks } = stored;
  // Both curves from one decode and one sort per class.
  const epoch = epochRankCounts(config, chunks, 'ROC and precision-recall curves');
  data.roc = curveOfEpoch(epoch, 'roc', { drop_intermediate: true }) as RocResponse;
  data.precisionRecall = curveOfEpoch(epoch, 'precision-recall-curve', { drop_intermediate: true }) as PrecisionRecallResponse;
  try {
    if (data.confusionMatrix === null) {
      const { task, classes, ignoreIndex } = metricConfigOf(config);
      // The confusion matrix reads the scores as sent (argmax, σ > threshold), never their ranks.
      const batch = decodeScoresAsSent(chunks, { task, classes, ignoreIndex }, false);
      data.confusionMatrix = evaluateMetrics(['confusion_matrix'], batch, configOf(batch)).confusion_matrix as Record<string, unknown>;
    }
    if (config.task !== 'multiclass') data.thresholds = sessionThresholds(config, chunks, ThresholdsOptions.parse({ objective: options.objective ?? 'f1_score', return_curve: true }));
    data.calibration = sessionCalibration(config, chunks, { method, return_probs: false });
  } catch (error) {
    // Rows of the previous codec: what needs the scores as sent is left out, and said.
    if (!(error instanceof ProblemError && error.status === 409)) throw error;
    session.warnings.push(`thresholds, calibration and the confusion matrix are left out: ${error.message}`);
  }
  return data;
}

/** A session's report page as the HTML text sent (see {@link sessionReportData}), inline or in a worker alike. */
export function sessionReportText(config: SessionConfig, stored: StoredState, head: { id: string; task: string }, expiresAt: string, options: ReportOptions): string {
  return renderReport(sessionReportData(config, stored, head, expiresAt, options));
}
