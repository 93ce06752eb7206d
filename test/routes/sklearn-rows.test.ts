import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { bodyPaths, testApp } from '../support/app.js';
import { loadCases, mismatch, referenceDir, vectorsDir } from '../support/reference.js';

/**
 * scikit-learn's remaining classification rows (issue 26, GROUPS.md "scikit-learn rows") beyond
 * what test/reference.test.ts runs of groups.json: the text table of classification_report
 * (test/vectors/classification-report-text.json, made by the .py beside it), sessions split
 * into batches answering as one batch does, and bad input.
 */
const textCases = loadCases('classification-report-text.json', vectorsDir);
const rowCases = loadCases('groups.json', referenceDir).filter(
  (c) => c.endpoint === '/v1/metrics' && c.request.groups === undefined && JSON.stringify(c.request.metrics).match(/classification_report|class_likelihood_ratios|d2_/),
);

describe.each(bodyPaths)('classification_report as text/plain ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  it.each(textCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const response = await app.inject({ method: 'POST', url: '/v1/metrics', headers: { accept: 'text/plain' }, payload: c.request });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.body).toBe((c.expected as { text: string }).text);
  });

  it('is a 406 naming metrics when no classification_report is asked', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/metrics', headers: { accept: 'text/plain' }, payload: { preds: [0.2, 0.8], labels: [0, 1], metrics: ['accuracy'] } });
    expect(response.statusCode, response.body).toBe(406);
    expect(response.json().errors[0].path).toBe('metrics');
  });
});

describe('scikit-learn rows in sessions', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  it.each(rowCases.map((c) => [c.name, c] as const))('%s: three batches answer as one', async (_name, c) => {
    const { preds, labels, sample_weight: weights, metrics, ...configuration } = c.request as Record<string, unknown[]>;
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { ...configuration, metrics } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const cuts = [0, 1, Math.ceil(preds.length / 2), preds.length];
    for (let b = 0; b < 3; b++) {
      const [from, to] = [cuts[b], cuts[b + 1]];
      if (from === to) continue;
      const batch = { preds: preds.slice(from, to), labels: labels.slice(from, to), ...(weights ? { sample_weight: weights.slice(from, to) } : {}) };
      const added = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: batch });
      expect(added.statusCode, added.body).toBe(200);
    }
    const epoch = await app.inject({ method: 'GET', url: `/v1/sessions/${id}` });
    expect(epoch.statusCode, epoch.body).toBe(200);
    expect(mismatch(epoch.json().metrics, (c.expected as { metrics: unknown }).metrics, c.tolerance, c.name)).toBeNull();
  });
});

describe('scikit-learn rows: bad input', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/metrics', payload });
  const multiclass = { preds: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], labels: [0, 2] };

  it.each([
    ['class_likelihood_ratios on a multiclass batch', { ...multiclass, metrics: ['class_likelihood_ratios'] }, 'metrics/0'],
    ['d2_log_loss_score on a multilabel batch', { preds: [[0.2, 0.9]], labels: [[0, 1]], metrics: ['d2_log_loss_score'] }, 'metrics/0'],
    ['d2_brier_score of class-index preds', { preds: [0, 2], labels: [0, 2], task: 'multiclass', num_classes: 3, metrics: ['d2_brier_score'] }, 'preds'],
    ['classification_report with zero_division 2', { ...multiclass, metrics: [{ name: 'classification_report', zero_division: 2 }] }, 'metrics/0/zero_division'],
    ['multiclass classification_report with a threshold', { ...multiclass, metrics: [{ name: 'classification_report', threshold: 0.3 }] }, 'metrics/0/threshold'],
    ['classification_report with digits, an option scikit-learn\'s text table has and this service does not', { ...multiclass, metrics: [{ name: 'classification_report', digits: 3 }] }, 'metrics/0/digits'],
  ])('%s is a 400 naming the field', async (_name, payload, path) => {
    const response = await post(payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors[0].path).toBe(path);
  });

  it('prices a report at four numbers a class before computing: eight of 32,768 classes are a 413 naming metrics', async () => {
    const metrics = Array.from({ length: 8 }, (_, i) => ({ name: 'classification_report', key: `report_${i}` }));
    const response = await post({ preds: [0, 1], labels: [1, 1], task: 'multiclass', num_classes: 32_768, metrics });
    expect(response.statusCode, response.body).toBe(413);
    expect(response.json().errors[0].path).toBe('metrics');
  });
});
