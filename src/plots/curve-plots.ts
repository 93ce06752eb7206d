import type { PrecisionRecallResponse, RocResponse } from '../schemas/curves.js';
import { curveSvg, type PlotSeries } from './curve-svg.js';

const seriesName = (task: string, i: number): string => (task === 'binary' ? 'model' : `${task === 'multiclass' ? 'class' : 'label'} ${i}`);

/** A curve's series, or, where the curve is undefined, a legend entry that says so and no line. */
function seriesOf<Curve>(
  task: string,
  curves: ReadonlyArray<Curve | null>,
  draw: (curve: Curve) => { x: readonly number[]; y: readonly number[]; value: number },
  metric: string,
): PlotSeries[] {
  return curves.map((curve, i) => {
    if (curve === null) return { label: `${seriesName(task, i)}: undefined (no positive or no negative samples), not drawn`, x: [], y: [] };
    const { x, y, value } = draw(curve);
    return { label: `${seriesName(task, i)} (${metric} ${value.toFixed(4)})`, x, y };
  });
}

/** The ROC curves of a /v1/roc response as SVG, AUROC in the legend. */
export function rocSvg(response: RocResponse): string {
  const { fpr, tpr, thresholds, auroc } = response;
  const curves = response.per_class ?? [fpr && tpr && thresholds && typeof auroc === 'number' ? { fpr, tpr, thresholds, auroc } : null];
  const series = seriesOf(response.task, curves, (c) => ({ x: c.fpr, y: c.tpr, value: c.auroc }), 'AUROC');
  return curveSvg({ title: 'ROC curve', xLabel: 'False positive rate', yLabel: 'True positive rate', diagonal: true, series });
}

/** The precision–recall curves of a /v1/precision-recall-curve response as SVG, AP in the legend. */
export function precisionRecallSvg(response: PrecisionRecallResponse): string {
  const { precision, recall, thresholds, average_precision: ap } = response;
  const curves = response.per_class ?? [precision && recall && thresholds && typeof ap === 'number' ? { precision, recall, thresholds, average_precision: ap } : null];
  const series = seriesOf(response.task, curves, (c) => ({ x: c.recall, y: c.precision, value: c.average_precision }), 'AP');
  return curveSvg({ title: 'Precision-recall curve', xLabel: 'Recall', yLabel: 'Precision', diagonal: false, series });
}
