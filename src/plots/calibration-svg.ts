import { notAcceptable } from '../errors.js';
import { reliabilitySvg, type CalibrationBins } from './reliability-svg.js';

/** What a calibration's plot reads: its method, task, the errors and the reliability bins before and after. */
export interface CalibrationPlot {
  response: { task: string; method: string; before?: { calibration_error: number | null } | undefined; after?: { calibration_error: number | null } | undefined };
  bins: { before: CalibrationBins; after: CalibrationBins } | null;
}

/**
 * The SVG answer of /v1/calibration: the reliability diagrams (src/plots/reliability-svg.ts) of
 * the batch before and after the fitted calibration, side by side, each in a `<g data-panel>`.
 *
 * @throws {ProblemError} 406 naming `task` for a multilabel batch (one diagram per label: ask JSON)
 */
export function calibrationSvg(result: CalibrationPlot): string {
  const { response, bins } = result;
  if (bins === null) {
    const message = 'a multilabel calibration has a reliability diagram per label: accept application/json for per_label';
    throw notAcceptable(`task: ${message}`, [{ path: 'task', message }]);
  }
  const panel = (which: 'before' | 'after') =>
    reliabilitySvg(bins[which], response[which]?.calibration_error ?? null, 'l1', `${which === 'before' ? 'Before' : 'After'} ${response.method} calibration, ${response.task}`);
  const left = panel('before');
  const right = panel('after');
  const size = /width="(\d+)" height="(\d+)"/.exec(left)!;
  const [width, height] = [Number(size[1]), Number(size[2])];
  // Each panel is a whole <svg>; nested, the second is moved right by its width.
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * width}" height="${height}" viewBox="0 0 ${2 * width} ${height}">`,
    `<g data-panel="before">${left.replace('<svg ', '<svg x="0" ')}</g>`,
    `<g data-panel="after">${right.replace('<svg ', `<svg x="${width}" `)}</g>`,
    '</svg>',
  ].join('\n');
}
