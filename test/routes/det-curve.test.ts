import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { App } from '../../src/app.js';
import { bodyPaths, testApp } from '../support/app.js';
import { loadCases, mismatch, referenceDir, vectorsDir } from '../support/reference.js';

/**
 * The DET curve (issue 26): POST /v1/det-curve as SVG against what scikit-learn's DetCurveDisplay
 * plots (test/vectors/det-curve-svg.json, made by the .py beside it), a session's det-curve
 * against groups.json's det_curve cases, and bad input. The JSON answers of groups.json run in
 * test/reference.test.ts.
 */
const detCases = loadCases('groups.json', referenceDir).filter((c) => c.endpoint === '/v1/det-curve');
const svgVectors = JSON.parse(readFileSync(`${vectorsDir}det-curve-svg.json`, 'utf8')) as {
  axes: { tick_locations: number[]; tick_labels: string[]; limits: [number, number]; xlabel: string; ylabel: string };
};
const svgCases = loadCases('det-curve-svg.json', vectorsDir);

// The plot square of src/plots/curve-svg.ts: 400 px from (80, 48); DetCurveDisplay's limits [-3, 3].
const deviateOfX = (px: number) => ((px - 80) / 400) * 6 - 3;
const deviateOfY = (px: number) => (1 - (px - 48) / 400) * 6 - 3;

describe.each(bodyPaths)('POST /v1/det-curve as SVG ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  it.each(svgCases.map((c) => [c.name, c] as const))('%s: the line and axes DetCurveDisplay draws', async (_name, c) => {
    const response = await app.inject({ method: 'POST', url: '/v1/det-curve', headers: { accept: 'image/svg+xml' }, payload: c.request });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    const svg = response.body;
    const points = /data-series="0" points="([^"]*)"/.exec(svg)?.[1].split(' ').map((p) => p.split(',').map(Number)) ?? [];
    const { x, y } = c.expected as { x: number[]; y: number[] };
    expect(mismatch(points.map(([px]) => deviateOfX(px)), x, c.tolerance, 'x')).toBeNull();
    expect(mismatch(points.map(([, py]) => deviateOfY(py)), y, c.tolerance, 'y')).toBeNull();
    expect(svg).toContain('clip-path="url(#plot-area)"');
    const { axes } = svgVectors;
    expect(svg).toContain(`>${axes.xlabel}</text>`);
    expect(svg).toContain(`>${axes.ylabel}</text>`);
    // matplotlib draws the ticks within the limits only.
    const ticks = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="middle">([^<]*%)<\/text>/g)].map((m) => [deviateOfX(Number(m[1])), m[2]] as const);
    const shown = axes.tick_locations.map((at, i) => [at, axes.tick_labels[i]] as const).filter(([at]) => at >= axes.limits[0] && at <= axes.limits[1]);
    expect(ticks.map(([, label]) => label)).toEqual(shown.map(([, label]) => label));
    expect(mismatch(ticks.map(([at]) => at), shown.map(([at]) => at), { rel: 0, abs: 1e-4 }, 'ticks')).toBeNull();
  });
});

describe('a session\'s det-curve', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  async function sessionOf(request: Record<string, unknown>, metrics: unknown[] = ['auroc']): Promise<string> {
    const { preds, labels, sample_weight: weights } = request as Record<string, number[]>;
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'binary', metrics } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const cuts = [0, 5, 11, preds.length];
    for (let b = 0; b < 3; b++) {
      const [from, to] = [cuts[b], Math.max(cuts[b], cuts[b + 1])];
      if (from >= to) continue;
      const batch = { preds: preds.slice(from, to), labels: labels.slice(from, to), ...(weights ? { sample_weight: weights.slice(from, to) } : {}) };
      const added = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: batch });
      expect(added.statusCode, added.body).toBe(200);
    }
    return id;
  }

  it.each(detCases.map((c) => [c.name, c] as const))('%s: batches answer as one', async (_name, c) => {
    const id = await sessionOf(c.request);
    const query = c.request.drop_intermediate === true ? '?drop_intermediate=true' : '';
    const response = await app.inject({ method: 'GET', url: `/v1/sessions/${id}/det-curve${query}` });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    for (const [field, want] of Object.entries(c.expected)) expect(mismatch(body[field], want, c.tolerance, field)).toBeNull();
  });

  it('draws it as SVG with Accept: image/svg+xml', async () => {
    const id = await sessionOf(detCases[0].request);
    const response = await app.inject({ method: 'GET', url: `/v1/sessions/${id}/det-curve`, headers: { accept: 'image/svg+xml' } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).toMatch(/^<svg[^]*DET curve[^]*data-series="0"/);
  });

  it('is a 400 naming task for a multiclass session', async () => {
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'multiclass', num_classes: 3, metrics: ['auroc'] } });
    const id = created.json().id as string;
    await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: { preds: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], labels: [0, 2] } });
    const response = await app.inject({ method: 'GET', url: `/v1/sessions/${id}/det-curve` });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().errors[0].path).toBe('task');
  });
});

describe('POST /v1/det-curve: bad input and undefined curves', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/det-curve', payload });

  it.each([
    ['multiclass scores (task inferred)', { preds: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], labels: [0, 2] }, 'preds'],
    ['task multilabel', { preds: [[0.7, 0.2], [0.1, 0.3]], labels: [[1, 0], [0, 1]], task: 'multilabel' }, 'task'],
    ['a label out of 0/1', { preds: [0.2, 0.8, 0.4], labels: [0, 2, 1] }, 'labels/1'],
    ['drop_intermediate not a boolean', { preds: [0.2, 0.8], labels: [0, 1], drop_intermediate: 'yes' }, 'drop_intermediate'],
    ['thresholds (no binned DET curve)', { preds: [0.2, 0.8], labels: [0, 1], thresholds: 10 }, 'thresholds'],
    ['sample_weight of another length', { preds: [0.2, 0.8], labels: [0, 1], sample_weight: [1] }, 'sample_weight'],
  ])('%s is a 400 naming the field', async (_name, payload, path) => {
    const response = await post(payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors[0].path).toBe(path);
  });

  it('answers null with a warning when one class is missing (scikit-learn raises)', async () => {
    const response = await post({ preds: [0.2, 0.8, 0.4], labels: [1, 1, 1] });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect([body.fpr, body.fnr, body.thresholds]).toEqual([null, null, null]);
    expect(body.warnings).toEqual(['the batch has no negative samples: its DET curve is undefined (null) and left out of averages']);
  });
});
