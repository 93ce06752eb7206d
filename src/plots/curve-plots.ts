import type { PrecisionRecallResponse, RocResponse } from '../metrics/curves.js';
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
