import { escapeXml, svgOpening } from './svg.js';

/** One line of a plot: its points in unit coordinates and its legend entry. */
export interface PlotSeries {
  label: string;
  x: readonly number[];
  /** null where the value is undefined: the line breaks there (one polyline per defined run). */
  y: ReadonlyArray<number | null>;
  /** Draw as steps (matplotlib's `drawstyle="steps-post"`: y_k holds until x_{k+1}), not straight segments. */
  steps?: boolean;
  /** A dashed horizontal line at this y in the series' colour (a precision-recall curve's chance level). */
  baseline?: number;
  /**
   * A point marked on the series (a tuned threshold): a dot at (x, y) in unit coordinates and a
   * dashed vertical line through it, in the series' colour; `data` becomes the dot's `data-*`
   * attributes (the values it marks, as sent in JSON).
   */
  marker?: { x: number; y: number; data: Record<string, string | number> };
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** ROC plots draw the chance diagonal. */
  diagonal: boolean;
  series: PlotSeries[];
  /**
   * Ticks of both axes at unit coordinates with their labels (default every 0.2, "0.0" … "1.0");
   * with them the lines are clipped to the plot square, as a curve on scaled axes may leave it.
   */
  ticks?: ReadonlyArray<{ at: number; label: string }>;
  /** Ticks of the y axis where they differ from the x axis' `ticks` (an axis of another range). */
  yTicks?: ReadonlyArray<{ at: number; label: string }>;
}

const WIDTH = 560;
const PLOT = 400;
/** The plot square is centred horizontally; the axis title fits in the left margin. */
const LEFT = (WIDTH - PLOT) / 2;
const TOP = 48;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Plot coordinates of a unit-square point, rounded to 0.01 px. */
export const toPlotX = (x: number): number => Math.round((LEFT + x * PLOT) * 100) / 100;
export const toPlotY = (y: number): number => Math.round((TOP + (1 - y) * PLOT) * 100) / 100;

/** The vertices of a series in plot coordinates: its points, or with `steps` the corners of the steps between them. */
export function polylinePoints(s: { x: readonly number[]; y: readonly number[]; steps?: boolean | undefined }): string {
  const vertices: string[] = [];
  for (let k = 0; k < s.x.length; k++) {
    if (s.steps && k > 0) vertices.push(`${toPlotX(s.x[k])},${toPlotY(s.y[k - 1])}`);
    vertices.push(`${toPlotX(s.x[k])},${toPlotY(s.y[k])}`);
  }
  return vertices.join(' ');
}

/** The maximal runs of a series' points whose y is defined (not null), in order. */
function definedRuns(s: PlotSeries): Array<{ x: number[]; y: number[] }> {
  const runs: Array<{ x: number[]; y: number[] }> = [];
  let run: { x: number[]; y: number[] } | null = null;
  for (let k = 0; k < s.x.length; k++) {
    const y = s.y[k];
    if (y === null) {
      run = null;
      continue;
    }
    if (run === null) runs.push((run = { x: [], y: [] }));
    run.x.push(s.x[k]);
    run.y.push(y);
  }
  return runs;
}

/**
 * A self-contained SVG line plot on the unit square: axes with ticks every 0.2, an optional
 * diagonal, one polyline per series (`data-series` names it; one per defined run where y has
 * nulls), an optional marked point per series, and a legend; a series without points (an
 * undefined curve) is not drawn, only named in the legend (`data-undefined-series`).
 */
export function curveSvg(spec: PlotSpec): string {
  const parts: string[] = [];
  const ticks = spec.ticks ?? [0, 0.2, 0.4, 0.6, 0.8, 1].map((t) => ({ at: t, label: t.toFixed(1) }));
  const yTicks = spec.yTicks ?? ticks;
  const clip = spec.ticks !== undefined || spec.yTicks !== undefined ? ' clip-path="url(#plot-area)"' : '';
  // Room below the axes for the legend, one entry a line (labels are long enough to collide in two columns).
  const height = TOP + PLOT + 70 + spec.series.length * 16;
  parts.push(...svgOpening(WIDTH, height, spec.title, LEFT + PLOT / 2));
  if (clip) parts.push(`<clipPath id="plot-area"><rect x="${LEFT}" y="${TOP}" width="${PLOT}" height="${PLOT}"/></clipPath>`);
  if (spec.yTicks === undefined) {
    for (const { at: t, label } of ticks) {
      parts.push(
        `<line x1="${toPlotX(t)}" y1="${TOP}" x2="${toPlotX(t)}" y2="${TOP + PLOT}" stroke="#eeeeee"/>`,
        `<line x1="${LEFT}" y1="${toPlotY(t)}" x2="${LEFT + PLOT}" y2="${toPlotY(t)}" stroke="#eeeeee"/>`,
        `<text x="${toPlotX(t)}" y="${TOP + PLOT + 18}" text-anchor="middle">${escapeXml(label)}</text>`,
        `<text x="${LEFT - 8}" y="${toPlotY(t) + 4}" text-anchor="end">${escapeXml(label)}</text>`,
      );
    }
  } else {
    for (const { at: t, label } of ticks) {
      parts.push(
        `<line x1="${toPlotX(t)}" y1="${TOP}" x2="${toPlotX(t)}" y2="${TOP + PLOT}" stroke="#eeeeee"/>`,
        `<text x="${toPlotX(t)}" y="${TOP + PLOT + 18}" text-anchor="middle">${escapeXml(label)}</text>`,
      );
    }
    for (const { at: t, label } of yTicks) {
      parts.push(
        `<line x1="${LEFT}" y1="${toPlotY(t)}" x2="${LEFT + PLOT}" y2="${toPlotY(t)}" stroke="#eeeeee"/>`,
        `<text x="${LEFT - 8}" y="${toPlotY(t) + 4}" text-anchor="end">${escapeXml(label)}</text>`,
      );
    }
  }
  parts.push(
    `<rect x="${LEFT}" y="${TOP}" width="${PLOT}" height="${PLOT}" fill="none" stroke="#333333"/>`,
    `<text x="${LEFT + PLOT / 2}" y="${TOP + PLOT + 40}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text x="18" y="${TOP + PLOT / 2}" text-anchor="middle" transform="rotate(-90 18 ${TOP + PLOT / 2})">${escapeXml(spec.yLabel)}</text>`,
  );
  if (spec.diagonal) {
    parts.push(`<line x1="${toPlotX(0)}" y1="${toPlotY(0)}" x2="${toPlotX(1)}" y2="${toPlotY(1)}" stroke="#999999" stroke-dasharray="4 4"/>`);
  }
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const ly = TOP + PLOT + 58 + i * 16;
    const lx = LEFT;
    if (s.x.length === 0) {
      // An undefined curve: no line, and a legend entry that says why.
      parts.push(`<text data-undefined-series="${i}" x="${lx + 24}" y="${ly}" fill="#777777">${escapeXml(s.label)}</text>`);
      return;
    }
    for (const run of definedRuns(s)) {
      parts.push(`<polyline data-series="${i}" points="${polylinePoints({ ...run, steps: s.steps })}" fill="none" stroke="${color}" stroke-width="2"${clip}/>`);
    }
    if (s.marker !== undefined) {
      const { x, y, data } = s.marker;
      const attributes = Object.entries(data).map(([name, value]) => ` data-${name}="${escapeXml(String(value))}"`).join('');
      parts.push(
        `<line x1="${toPlotX(x)}" y1="${TOP}" x2="${toPlotX(x)}" y2="${TOP + PLOT}" stroke="${color}" stroke-width="1" stroke-dasharray="3 3"${clip}/>`,
        `<circle data-marker="${i}"${attributes} cx="${toPlotX(x)}" cy="${toPlotY(y)}" r="4" fill="${color}" stroke="#ffffff"${clip}/>`,
      );
    }
    if (s.baseline !== undefined) {
      const y = toPlotY(s.baseline);
      parts.push(`<line data-baseline="${i}" x1="${toPlotX(0)}" y1="${y}" x2="${toPlotX(1)}" y2="${y}" stroke="${color}" stroke-width="1" stroke-dasharray="6 4"/>`);
    }
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${lx + 24}" y="${ly}">${escapeXml(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
