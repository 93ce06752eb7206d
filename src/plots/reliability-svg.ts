import { toPlotX, toPlotY } from './curve-svg.js';
import { escapeXml, svgOpening } from './svg.js';

/** The bins of a `calibration_error` entry, as the metric answers them. */
export interface CalibrationBins {
  lower: number[];
  upper: number[];
  count: number[];
  confidence: Array<number | null>;
  accuracy: Array<number | null>;
}

const WIDTH = 560;
const PLOT = 400;
const LEFT = (WIDTH - PLOT) / 2;
const TOP = 48;
/** The histogram of bin counts under the plot. */
const HISTOGRAM = 80;

/**
 * A reliability diagram (Niculescu-Mizil & Caruana 2005; Guo et al. 2017): per bin, a bar up to
 * its accuracy and a dot at its mean confidence, the diagonal of perfect calibration, and under
 * the plot the bin counts as bars; the legend gives the error and its norm. Empty bins draw
 * nothing. Each bar carries `data-bin`, `data-accuracy`, `data-confidence` and `data-count`.
 */
export function reliabilitySvg(bins: CalibrationBins, error: number | null, norm: string, title: string): string {
  const height = TOP + PLOT + 40 + HISTOGRAM + 76;
  const maxCount = Math.max(1, ...bins.count);
  const histogramTop = TOP + PLOT + 40;
  const parts = svgOpening(WIDTH, height, title, WIDTH / 2);
  for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    parts.push(
      `<line x1="${toPlotX(t)}" y1="${TOP}" x2="${toPlotX(t)}" y2="${TOP + PLOT}" stroke="#eeeeee"/>`,
      `<line x1="${LEFT}" y1="${toPlotY(t)}" x2="${LEFT + PLOT}" y2="${toPlotY(t)}" stroke="#eeeeee"/>`,
      `<text x="${toPlotX(t)}" y="${histogramTop + HISTOGRAM + 18}" text-anchor="middle">${t.toFixed(1)}</text>`,
      `<text x="${LEFT - 8}" y="${toPlotY(t) + 4}" text-anchor="end">${t.toFixed(1)}</text>`,
    );
  }
  bins.lower.forEach((lower, b) => {
    const accuracy = bins.accuracy[b];
    const confidence = bins.confidence[b];
    const x = toPlotX(lower);
    const width = Math.max(1, toPlotX(Math.max(bins.upper[b], lower + 0.004)) - x - 1);
    const barHeight = (bins.count[b] / maxCount) * HISTOGRAM;
    parts.push(`<rect data-count-bar="${b}" x="${x}" y="${histogramTop + HISTOGRAM - barHeight}" width="${width}" height="${barHeight}" fill="#9ecae1"/>`);
    if (accuracy === null || confidence === null) return;
    parts.push(
      `<rect data-bin="${b}" data-accuracy="${accuracy}" data-confidence="${confidence}" data-count="${bins.count[b]}" x="${x}" y="${toPlotY(accuracy)}" width="${width}" height="${toPlotY(0) - toPlotY(accuracy)}" fill="#1f77b4" fill-opacity="0.75"/>`,
      `<circle cx="${toPlotX(confidence)}" cy="${toPlotY(confidence)}" r="3" fill="#d62728"/>`,
    );
  });
  parts.push(
    `<line x1="${toPlotX(0)}" y1="${toPlotY(0)}" x2="${toPlotX(1)}" y2="${toPlotY(1)}" stroke="#555555" stroke-dasharray="4 4"/>`,
    `<rect x="${LEFT}" y="${TOP}" width="${PLOT}" height="${PLOT}" fill="none" stroke="#333333"/>`,
    `<rect x="${LEFT}" y="${histogramTop}" width="${PLOT}" height="${HISTOGRAM}" fill="none" stroke="#333333"/>`,
    `<text x="${LEFT - 8}" y="${histogramTop + 10}" text-anchor="end">${maxCount}</text>`,
    `<text x="${LEFT + PLOT / 2}" y="${histogramTop + HISTOGRAM + 36}" text-anchor="middle">Confidence (bins; counts below)</text>`,
    `<text x="18" y="${TOP + PLOT / 2}" text-anchor="middle" transform="rotate(-90 18 ${TOP + PLOT / 2})">Accuracy</text>`,
    `<text data-legend="" x="${LEFT}" y="${histogramTop + HISTOGRAM + 58}">calibration error (${escapeXml(norm)}) = ${error === null ? 'undefined (no samples)' : error.toFixed(4)}; bars: accuracy, dots: mean confidence</text>`,
    '</svg>',
  );
  return parts.join('\n');
}
