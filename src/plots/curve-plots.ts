import { normalQuantile } from '../kernels/normal.js';
import type { DetCurveResponse, PrecisionRecallResponse, RocResponse } from '../metrics/curves.js';
import { curveSvg, type PlotSeries } from './curve-svg.js';

const seriesName = (task: string, i: number): string => (task === 'binary' ? 'model' : `${task === 'multiclass' ? 'class' : 'label'} ${i}`);

/** A curve's series, or, where the curve is undefined, a legend entry that says so and no line. */
function seriesOf<Curve>(
  task: string,
  curves: ReadonlyArray<Curve | null>,
  draw: (curve: Curve) => Omit<PlotSeries, 'label'> & { value: number; note?: string },
  metric: string,
): PlotSeries[] {
  return curves.map((curve, i) => {
    if (curve === null) return { label: `${seriesName(task, i)}: undefined (no positive or no negative samples), not drawn`, x: [], y: [] };
    const { value, note, ...series } = draw(curve);
    return { label: `${seriesName(task, i)} (${metric} ${value.toFixed(4)}${note ?? ''})`, ...series };
  });
}

/** The ROC curves of a /v1/roc response as SVG, AUROC in the legend. */
export function rocSvg(response: RocResponse): string {
  const { fpr, tpr, thresholds, auroc } = response;
  const curves = response.per_class ?? [fpr && tpr && thresholds && typeof auroc === 'number' ? { fpr, tpr, thresholds, auroc } : null];
  const series = seriesOf(response.task, curves, (c) => ({ x: c.fpr, y: c.tpr, value: c.auroc }), 'AUROC');
  return curveSvg({ title: 'ROC curve', xLabel: 'False positive rate', yLabel: 'True positive rate', diagonal: true, series });
}

/**
 * The precision–recall curves of a /v1/precision-recall-curve response as SVG, as scikit-learn's
 * `PrecisionRecallDisplay` draws them: steps (`drawstyle="steps-post"`, the interpolation average
 * precision sums), each class's prevalence as its dashed chance level, AP in the legend.
 */
export function precisionRecallSvg(response: PrecisionRecallResponse): string {
  const { precision, recall, thresholds, average_precision: ap, prevalence } = response;
  const defined = precision && recall && thresholds && typeof ap === 'number' && typeof prevalence === 'number';
  const curves = response.per_class ?? [defined ? { precision, recall, thresholds, average_precision: ap, prevalence } : null];
  const series = seriesOf(
    response.task,
    curves,
    (c) => ({ x: c.recall, y: c.precision, steps: true, baseline: c.prevalence, value: c.average_precision, note: `, chance ${c.prevalence.toFixed(4)}` }),
    'AP',
  );
  return curveSvg({ title: 'Precision-recall curve', xLabel: 'Recall', yLabel: 'Precision', diagonal: false, series });
}

/** DetCurveDisplay's axis range in normal deviates, and its ticks (rates) and their labels. */
const DET_LIMIT = 3;
const DET_TICKS = [0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99, 0.999];
/** float64's machine epsilon, DetCurveDisplay's clip of the rates. */
const EPS = 2 ** -52;

/** A normal deviate z ∈ [−3, 3] as a unit coordinate of the plot square. */
const detUnit = (z: number): number => (z + DET_LIMIT) / (2 * DET_LIMIT);

/**
 * The label DetCurveDisplay gives a tick: Python's `"{:.0%}"` where 100·s is whole, else
 * `"{:.1%}"` (0.1%, 1%, 5%, 20%, 50%, 80%, 95%, 99%, 99.9%).
 */
export const detTickLabel = (s: number): string => {
  const percent = Math.round(s * 1000) / 10;
  return Number.isInteger(percent) ? `${percent}%` : `${percent.toFixed(1)}%`;
};

/**
 * The DET curve of a /v1/det-curve response (or a session's) as SVG, as scikit-learn 1.9's
 * `DetCurveDisplay` draws it: x = Φ⁻¹(fpr), y = Φ⁻¹(fnr), each rate clipped to [ε, 1 − ε] first
 * (ε = 2⁻⁵², as DetCurveDisplay clips to keep Φ⁻¹ finite: a rate of 0 sits at −8.1), on
 * normal-deviate axes limited to [−3, 3] (the line clipped to them), ticked at the rates
 * 1% … 99% within them and labelled in percent.
 */
export function detSvg(response: DetCurveResponse): string {
  const { fpr, fnr } = response;
  // matplotlib shows no tick beyond the limits: 0.1% and 99.9% (±3.09) are not drawn.
  const ticks = DET_TICKS.filter((t) => Math.abs(normalQuantile(t)) <= DET_LIMIT).map((t) => ({ at: detUnit(normalQuantile(t)), label: detTickLabel(t) }));
  const deviate = (rate: number) => detUnit(normalQuantile(Math.min(1 - EPS, Math.max(EPS, rate))));
  const series: PlotSeries[] =
    fpr === null || fnr === null
      ? [{ label: 'model: undefined (no positive or no negative samples), not drawn', x: [], y: [] }]
      : [{ label: 'model', x: fpr.map(deviate), y: fnr.map(deviate) }];
  return curveSvg({ title: 'DET curve', xLabel: 'False Positive Rate', yLabel: 'False Negative Rate', diagonal: false, series, ticks });
}
