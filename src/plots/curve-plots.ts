import type { PrecisionRecallResponse, RocResponse } from '../schemas/curves.js';
import { curveSvg, type PlotSeries } from './curve-svg.js';

const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? 'undefined' : v.toFixed(4));

const seriesName = (task: string, i: number): string => (task === 'binary' ? 'model' : `${task === 'multiclass' ? 'class' : 'label'} ${i}`);

/** The ROC curves of a /v1/roc response as SVG, AUROC in the legend. */
export function rocSvg(response: RocResponse): string {
  const curves = response.per_class ?? [{ fpr: response.fpr ?? [], tpr: response.tpr ?? [], auroc: response.auroc ?? null }];
  const series: PlotSeries[] = curves.map((c, i) => ({ label: `${seriesName(response.task, i)} (AUROC ${fmt(c.auroc)})`, x: c.fpr, y: c.tpr }));
  return curveSvg({ title: 'ROC curve', xLabel: 'False positive rate', yLabel: 'True positive rate', diagonal: true, series });
}

/** The precision–recall curves of a /v1/precision-recall-curve response as SVG, AP in the legend. */
export function precisionRecallSvg(response: PrecisionRecallResponse): string {
  const curves = response.per_class ?? [
    { precision: response.precision ?? [], recall: response.recall ?? [], average_precision: response.average_precision ?? null },
  ];
  const series: PlotSeries[] = curves.map((c, i) => ({ label: `${seriesName(response.task, i)} (AP ${fmt(c.average_precision)})`, x: c.recall, y: c.precision }));
  return curveSvg({ title: 'Precision-recall curve', xLabel: 'Recall', yLabel: 'Precision', diagonal: false, series });
}
