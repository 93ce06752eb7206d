import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';
import { loadCases, mismatch, vectorsDir } from '../support/reference.js';

/**
 * `zero_division: "nan"` (scikit-learn ≥ 1.3): test/vectors/zero-division-nan.json holds
 * scikit-learn 1.9's answers (made by test/vectors/zero-division-nan.py), run here through the
 * real routes on both body paths and, batch by batch, through a session.
 */
const cases = loadCases('zero-division-nan.json', vectorsDir);

describe('zero_division "nan" answers', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const multiclass = { task: 'multiclass', num_classes: 4, preds: [0, 1, 0, 0, 0, 1], labels: [0, 0, 2, 2, 0, 2] };

  it('names the null classes and says they are left out of the average', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/metrics', payload: { ...multiclass, metrics: [{ name: 'precision', average: 'weighted', zero_division: 'nan' }] } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().metrics.precision.warnings).toEqual(['classes 2 and 3: precision is 0/0 (nothing predicted positive); null by zero_division "nan", left out of the weighted average']);
  });

  it('answers an average with no defined class null, with a warning', async () => {
    const payload = { task: 'multilabel', num_labels: 2, preds: [[0.1, 0.2]], labels: [[0, 0]], metrics: [{ name: 'f1_score', zero_division: 'nan' }] };
    const response = await app.inject({ method: 'POST', url: '/v1/metrics', payload });
    expect(response.statusCode, response.body).toBe(200);
    const entry = response.json().metrics.f1_score;
    expect(entry.f1_score).toBeNull();
    expect(entry.per_class).toEqual([null, null]);
    expect(entry.warnings.at(-1)).toMatch(/no class has a defined f1_score: the macro average is undefined \(null\)/);
  });

  it('keeps a session\'s samples average as one batch answers it', async () => {
    const samples = cases.filter((c) => c.name.startsWith('multilabel') && c.name.includes('samples'));
    expect(samples.length).toBeGreaterThan(0);
    for (const c of samples) {
      const { preds, labels, sample_weight: weights, metrics, ...configuration } = c.request as Record<string, unknown[]>;
      const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { ...configuration, metrics } });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id as string;
      for (const [from, to] of [[0, 2], [2, preds.length]]) {
        const batch = { preds: preds.slice(from, to), labels: labels.slice(from, to), ...(weights ? { sample_weight: weights.slice(from, to) } : {}) };
        const added = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: batch });
        expect(added.statusCode, added.body).toBe(200);
      }
      const epoch = await app.inject({ method: 'GET', url: `/v1/sessions/${id}` });
      expect(mismatch(epoch.json().metrics, (c.expected as { metrics: unknown }).metrics, c.tolerance, c.name)).toBeNull();
    }
  });
});
