import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';
import { loadCases, mismatch, vectorsDir } from '../support/reference.js';

/**
 * `hinge_loss` with `scores: "decision_values"` is scikit-learn's `hinge_loss` of raw decision
 * values; the default stays torchmetrics' (σ / softmax first, test/reference/classification.json).
 * test/vectors/hinge-decision-values.json is made by test/vectors/hinge-decision-values.py.
 */
const cases = loadCases('hinge-decision-values.json', vectorsDir);

describe('hinge_loss scores in a session', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  it('accumulates decision values batch by batch to scikit-learn\'s answer for the whole set, beside the default', async () => {
    const weighted = cases.find((c) => c.name === 'multiclass hinge_loss of decision values (Crammer-Singer) with sample_weight')!;
    const { preds, labels, sample_weight: weights, metrics: _m, ...configuration } = weighted.request as Record<string, unknown[]>;
    const metrics = [{ name: 'hinge_loss', scores: 'decision_values', key: 'sklearn' }, 'hinge_loss'];
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { ...configuration, metrics } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    for (const [from, to] of [[0, 11], [11, preds.length]]) {
      const added = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: { preds: preds.slice(from, to), labels: labels.slice(from, to), sample_weight: weights.slice(from, to) } });
      expect(added.statusCode, added.body).toBe(200);
    }
    const epoch = (await app.inject({ method: 'GET', url: `/v1/sessions/${id}` })).json();
    const want = (weighted.expected as { metrics: { hinge_loss: { hinge_loss: number } } }).metrics.hinge_loss.hinge_loss;
    expect(mismatch(epoch.metrics.sklearn.hinge_loss, want, weighted.tolerance)).toBeNull();
    // The default keeps a state of its own (probabilities), so the two never mix.
    expect(epoch.metrics.hinge_loss.hinge_loss).not.toBeCloseTo(want, 3);
  });
});
