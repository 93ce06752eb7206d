import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { polylinePoints, toPlotX, toPlotY } from '../../src/plots/curve-svg.js';
import { bodyPaths, testApp } from '../support/app.js';

const multiclass = {
  preds: [
    [0.9, 0.05, 0.05],
    [0.05, 0.9, 0.05],
    [0.05, 0.05, 0.9],
    [0.85, 0.05, 0.1],
    [0.1, 0.1, 0.8],
    [0.3, 0.4, 0.3],
    [0.5, 0.2, 0.3],
  ],
  labels: [0, 1, 1, 2, 2, 1, 2],
};

const polylines = (svg: string): string[] => {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg);
  const lines = doc.svg.polyline;
  return (Array.isArray(lines) ? lines : [lines]).map((l: { points: string }) => l.points);
};

const expectedPoints = (x: number[], y: number[]) => x.map((v, k) => `${toPlotX(v)},${toPlotY(y[k])}`).join(' ');

describe.each(bodyPaths)('curves ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const post = (url: string, payload: object, accept = 'application/json') => app.inject({ method: 'POST', url, payload, headers: { accept } });

  it('ROC curves start at the origin and end at (1, 1)', async () => {
    const body = (await post('/v1/roc', multiclass)).json();
    expect(body.per_class).toHaveLength(3);
    for (const curve of body.per_class) {
      expect([curve.fpr[0], curve.tpr[0]]).toEqual([0, 0]);
      expect([curve.fpr.at(-1), curve.tpr.at(-1)]).toEqual([1, 1]);
      expect(curve.thresholds).toHaveLength(curve.fpr.length);
    }
  });

  it('max_points caps a curve and keeps its ends', async () => {
    const preds = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 1000) / 1000);
    const labels = preds.map((p, i) => (p + ((i * 31) % 17) / 40 > 0.6 ? 1 : 0));
    const full = (await post('/v1/roc', { preds, labels, drop_intermediate: false })).json();
    const capped = (await post('/v1/roc', { preds, labels, drop_intermediate: false, max_points: 20 })).json();
    expect(full.fpr.length).toBeGreaterThan(20);
    expect(capped.fpr.length).toBeLessThanOrEqual(20);
    expect([capped.fpr[0], capped.fpr.at(-1)]).toEqual([full.fpr[0], full.fpr.at(-1)]);
  });

  it('the ROC SVG is well-formed XML whose polylines are the JSON curves', async () => {
    const json = (await post('/v1/roc', multiclass)).json();
    const res = await post('/v1/roc', multiclass, 'image/svg+xml');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(XMLValidator.validate(res.body)).toBe(true);
    expect(polylines(res.body)).toEqual(json.per_class.map((c: { fpr: number[]; tpr: number[] }) => expectedPoints(c.fpr, c.tpr)));
    expect(res.body).toContain(`AUROC ${json.per_class[0].auroc.toFixed(4)}`);
  });

  it('the precision-recall SVG matches the JSON curve and shows AP', async () => {
    const binary = { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2], labels: [0, 0, 1, 1, 1, 0] };
    const json = (await post('/v1/precision-recall-curve', binary)).json();
    const res = await post('/v1/precision-recall-curve', binary, 'image/svg+xml');
    expect(XMLValidator.validate(res.body)).toBe(true);
    // Steps as scikit-learn's PrecisionRecallDisplay draws them (steps-post), and the chance level.
    expect(polylines(res.body)).toEqual([polylinePoints({ x: json.recall, y: json.precision, steps: true })]);
    expect(polylines(res.body)[0].split(' ')).toHaveLength(2 * json.precision.length - 1);
    expect(json.prevalence).toBe(0.5);
    const baseline = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(res.body).svg.line.find((l: { 'data-baseline'?: string }) => l['data-baseline'] === '0');
    expect([Number(baseline.y1), Number(baseline.y2)]).toEqual([toPlotY(0.5), toPlotY(0.5)]);
    expect(res.body).toContain(`AP ${json.average_precision.toFixed(4)}`);
    expect([json.precision.at(-1), json.recall.at(-1)]).toEqual([1, 0]);
    expect(json.thresholds).toHaveLength(json.precision.length - 1);
  });
});
