import { notAcceptable } from '../errors.js';
import type { MetricsResponse } from '../schemas/metrics.js';
import { MAX_DRAWN, confusionMatrixSvg } from './confusion-matrix-svg.js';
import { reliabilitySvg, type CalibrationBins } from './reliability-svg.js';
import { groupsSvg } from './groups-svg.js';

/**
 * The SVG answer of /v1/metrics: the first metric asked `by_group` with a scalar value (each
 * group's value beside the overall one), else the first `confusion_matrix` (a heat map) or
 * `calibration_error` (a reliability diagram) asked.
 *
 * @throws {ProblemError} 406 naming `metrics` when none was asked, or the matrix is too large to draw
 */
export function metricsSvg(result: MetricsResponse): string {
  const grouped = Object.entries(result.metrics).find(([, e]) => Array.isArray(e.by_group) && 'group_min' in e);
  if (grouped) {
    const [key, entry] = grouped;
    const name = Object.keys(entry).find((k) => (entry.by_group as Array<Record<string, unknown> | null>).some((g) => g !== null && k in g && typeof g[k] === 'number' && k !== 'warnings')) ?? key;
    const byGroup = entry.by_group as Array<Record<string, unknown> | null>;
    const value = (e: Record<string, unknown> | null) => (e === null || typeof e[name] !== 'number' ? null : (e[name] as number));
    return groupsSvg({ overall: value(entry), groups: byGroup.map(value), rows: entry.group_rows as number[] }, `${key} by group, ${result.task}`);
  }
  const entry = Object.entries(result.metrics).find(([, e]) => Array.isArray(e.confusion_matrix) || e.bins !== undefined);
  if (!entry) {
    const message = 'image/svg+xml draws a confusion_matrix or a calibration_error: ask for one, or accept application/json';
    throw notAcceptable(`metrics: ${message}`, [{ path: 'metrics', message }]);
  }
  const [key, value] = entry;
  if (value.bins !== undefined) {
    const title = `Reliability diagram${key === 'calibration_error' ? '' : ` "${key}"`}, ${result.task}`;
    return reliabilitySvg(value.bins as CalibrationBins, value.calibration_error as number | null, String(value.norm ?? 'l1'), title);
  }
  const raw = value.confusion_matrix as number[][] | number[][][];
  const matrices = (result.task === 'multilabel' ? raw : [raw]) as number[][][];
  const drawn = Math.max(matrices.length, matrices[0].length);
  if (drawn > MAX_DRAWN) {
    const message = `a heat map is drawn for at most ${MAX_DRAWN} ${result.task === 'multilabel' ? 'labels' : 'classes'} (this one has ${drawn}); accept application/json for the matrix`;
    throw notAcceptable(`metrics: ${message}`, [{ path: 'metrics', message }]);
  }
  const normalize = value.normalize as string | null | undefined;
  const rates = normalize !== null && normalize !== undefined && normalize !== 'none';
  const how = { true: 'rates by true label', pred: 'rates by predicted label', all: 'shares of all samples' }[normalize as 'true'] ?? 'counts';
  const title = `Confusion matrix${key === 'confusion_matrix' ? '' : ` "${key}"`}, ${result.task} (${how})`;
  return confusionMatrixSvg(matrices, title, rates, (m) => `label ${m}`);
}
