import type { CalibrationResponse } from '../metrics/calibration.js';
import type { PrecisionRecallResponse, RocResponse } from '../metrics/curves.js';
import type { ThresholdsResponse } from '../metrics/thresholds.js';
import type { CalibrationBins } from './reliability-svg.js';
import { escapeXml } from './svg.js';

/**
 * Everything the report page of a session shows (DECISIONS.md, Sessions), computed before it is
 * drawn: the renderer computes nothing, so each number on the page is one the session's JSON
 * endpoints answer.
 */
export interface ReportData {
  /** GET /v1/sessions/{id}'s answer, parsed: id, task, rows, batches, loss, metrics, warnings, expires_at. */
  session: {
    id: string;
    task: 'binary' | 'multiclass' | 'multilabel';
    rows: number;
    batches: number;
    loss: { loss: number | null; count: number; reduction: string } | null;
    metrics: Record<string, Record<string, unknown>>;
    warnings: string[];
    expires_at: string;
  };
  /** GET /v1/sessions/{id}/roc's answer; null when the session keeps no rows. */
  roc: RocResponse | null;
  /** GET /v1/sessions/{id}/precision-recall-curve's answer; null when the session keeps no rows. */
  precisionRecall: PrecisionRecallResponse | null;
  /**
   * A `confusion_matrix` entry as /v1/metrics answers it: the session's own when it asks for one,
   * else computed over the kept rows with the metric's defaults; null when neither.
   */
  confusionMatrix: Record<string, unknown> | null;
  /** GET /v1/sessions/{id}/thresholds's answer with `return_curve=true`; null for multiclass or without rows. */
  thresholds: ThresholdsResponse | null;
  /** GET /v1/sessions/{id}/calibration's answer and its reliability bins before and after (null bins for multilabel); null without rows. */
  calibration: { response: CalibrationResponse; bins: { before: CalibrationBins; after: CalibrationBins } | null } | null;
}

/**
 * The report page: one self-contained HTML document (no external asset, no script needed to read
 * it), printable. Placeholder until the full page lands: the session's metrics as a table.
 */
export function renderReport(data: ReportData): string {
  const rows = Object.entries(data.session.metrics).map(([name, entry]) => `<tr><th>${escapeXml(name)}</th><td>${escapeXml(JSON.stringify(entry[name] ?? null))}</td></tr>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Session ${escapeXml(data.session.id)}</title></head><body><h1>Session ${escapeXml(data.session.id)}</h1><table>${rows.join('')}</table></body></html>`;
}
