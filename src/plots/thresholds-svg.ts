import type { LabelThreshold, ThresholdsResponse } from '../metrics/thresholds.js';
import { curveSvg, type PlotSeries } from './curve-svg.js';

/** An axis: the range it spans and its ticks at unit coordinates. */
interface Axis {
  lo: number;
  hi: number;
  ticks: Array<{ at: number; label: string }>;
}

/** The step of 1, 2 or 5 × 10^k that cuts a span into at most about five whole steps. */
function niceStep(span: number): number {
  const rough = span / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
}

/**
 * An axis over [min, max]: [0, 1] by 0.2 when the values lie in it (probabilities, most
 * objectives), [−1, 1] by 0.5 when they lie in that (MCC, Cohen's kappa), else the range widened
 * to whole steps of 1, 2 or 5 × 10^k, about five of them (a single value: ±1 around it).
 */
function axisOf(min: number, max: number): Axis {
  let lo: number;
  let hi: number;
  let step: number;
  if (min >= 0 && max <= 1) [lo, hi, step] = [0, 1, 0.2];
  else if (min >= -1 && max <= 1) [lo, hi, step] = [-1, 1, 0.5];
  else {
    const [a, b] = max > min ? [min, max] : [min - 1, max + 1];
    step = niceStep(b - a);
    lo = Math.floor(a / step) * step;
    hi = Math.ceil(b / step) * step;
  }
  const steps = Math.round((hi - lo) / step);
  const decimals = Math.max(1, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = Array.from({ length: steps + 1 }, (_, k) => ({ at: k / steps, label: (lo + k * step).toFixed(step >= 1 ? 0 : decimals) }));
  return { lo, hi, ticks };
}

const unit = (axis: Axis, v: number): number => (v - axis.lo) / (axis.hi - axis.lo);

const formatted = (v: number): string => String(Number(v.toPrecision(4)));

/**
 * The SVG answer of POST /v1/thresholds (and a session's thresholds, and the report page's
 * trade-off): the objective against the threshold (`score >= threshold`), one line per label
 * (binary: one), drawn in increasing threshold order, broken where the objective is undefined
 * (null in the curve); each label's tuned threshold is marked by a dot on its line and a dashed
 * vertical line, the dot carrying `data-label`, `data-threshold` and `data-objective` (the JSON
 * answer's numbers). The threshold axis spans the candidates (as probabilities [0, 1] when they
 * lie in it), the objective axis [0, 1], [−1, 1], or the gain's range.
 *
 * @param response an answer whose labels carry their `curve` (computed for the drawing even when
 *   `return_curve` is false; src/endpoints/thresholds.ts)
 * @returns a self-contained SVG document (src/plots/curve-svg.ts)
 */
export function thresholdsSvg(response: ThresholdsResponse): string {
  const labels: LabelThreshold[] = 'per_label' in response ? response.per_label : [response];
  const name = (l: number) => ('per_label' in response ? `label ${l}` : 'model');
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const label of labels) {
    const curve = label.curve ?? { thresholds: [], objective: [] };
    curve.thresholds.forEach((t, k) => {
      const v = curve.objective[k];
      if (v === null) return;
      xMin = Math.min(xMin, t);
      xMax = Math.max(xMax, t);
      yMin = Math.min(yMin, v);
      yMax = Math.max(yMax, v);
    });
  }
  // Nothing defined to draw: the unit square, each label's legend entry saying why.
  const x = Number.isFinite(xMin) ? axisOf(xMin, xMax) : axisOf(0, 1);
  const y = Number.isFinite(yMin) ? axisOf(yMin, yMax) : axisOf(0, 1);
  const series: PlotSeries[] = labels.map((label, l) => {
    const curve = label.curve ?? { thresholds: [], objective: [] };
    if (!curve.objective.some((v) => v !== null)) {
      return { label: `${name(l)}: the objective is undefined at every threshold (${curve.thresholds.length}), not drawn`, x: [], y: [] };
    }
    // Increasing thresholds: an exact curve comes decreasing, a list as sent.
    const order = Array.from(curve.thresholds.keys()).sort((a, b) => curve.thresholds[a] - curve.thresholds[b]);
    const drawn: PlotSeries = {
      label: '',
      x: order.map((k) => unit(x, curve.thresholds[k])),
      y: order.map((k) => (curve.objective[k] === null ? null : unit(y, curve.objective[k]!))),
    };
    if (label.threshold === null || label.objective === null) return { ...drawn, label: `${name(l)}: no threshold chosen (see warnings)` };
    return {
      ...drawn,
      label: `${name(l)} (threshold ${formatted(label.threshold)}, objective ${formatted(label.objective)})`,
      marker: { x: unit(x, label.threshold), y: unit(y, label.objective), data: { label: l, threshold: label.threshold, objective: label.objective } },
    };
  });
  const scale = response.input === 'logits' ? 'logit' : 'probability';
  return curveSvg({
    title: `Objective by decision threshold (score >= threshold)`,
    xLabel: `Threshold (${scale})`,
    yLabel: 'Objective',
    diagonal: false,
    series,
    ticks: x.ticks,
    yTicks: y.ticks,
  });
}
