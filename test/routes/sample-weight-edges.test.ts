import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Float16, Table, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';

/** Found by a hostile review of issue 16's weights; each a property of the contract. */
describe('sample_weight at its edges', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const post = async (url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url, payload });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const batch = { preds: [0.9, 0.2, 0.7, 0.4, 0.8], labels: [1, 0, 0, 1, 1] };
  const metrics = ['auroc', 'average_precision', 'precision', 'recall', 'f1_score', 'matthews_corrcoef', 'cohen_kappa', 'log_loss', 'brier_score', 'calibration_error', { name: 'sensitivity_at_specificity', min_specificity: 0.5 }];

  it.each([1e154, 1e308, 1e77, 1e-82, 1e-200, 5e-324])('equal weights %d answer what no weights answer: extreme weights are scaled exactly', async (w) => {
    const plain = await post('/v1/metrics', { ...batch, metrics });
    const weighted = await post('/v1/metrics', { ...batch, sample_weight: batch.labels.map(() => w), metrics });
    for (const [key, entry] of Object.entries(plain.metrics as Record<string, Record<string, unknown>>)) {
      // Calibration bins report weighted counts, at the weights' scale: compared without them.
      const { warnings: _a, bins: _c, ...want } = entry;
      const { warnings: _b, bins: _d, ...got } = weighted.metrics[key];
      expect(JSON.parse(JSON.stringify(got), (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)), key).toEqual(
        JSON.parse(JSON.stringify(want), (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)),
      );
    }
  });

  it('a weight-0 row does not decide input "auto", nor move a bootstrap interval', async () => {
    const withZero = { preds: [...batch.preds, 5], labels: [...batch.labels, 0], sample_weight: [1, 1, 1, 1, 1, 0] };
    const a = await post('/v1/metrics', { ...batch, metrics: ['f1_score', 'log_loss'] });
    const b = await post('/v1/metrics', { ...withZero, metrics: ['f1_score', 'log_loss'] });
    expect(b.input).toBe('probs');
    expect(b.metrics.f1_score.f1_score).toBe(a.metrics.f1_score.f1_score);
    const ci = { method: 'bootstrap', n_resamples: 200, seed: 0 };
    const x = await post('/v1/auroc', { ...batch, ci });
    const y = await post('/v1/auroc', { preds: [...batch.preds, 0.5], labels: [...batch.labels, 1], sample_weight: [1, 1, 1, 1, 1, 0], ci });
    expect(y.ci).toEqual(x.ci);
  });

  it('multilabel rows whose every label is ignored are left out of the ranking metrics', async () => {
    const body = { preds: [[0.9, 0.2, 0.7], [0.1, 0.8, 0.3]], labels: [[1, 0, 1], [-1, -1, -1]], task: 'multilabel', ignore_index: -1, sample_weight: [1, 1000] };
    const got = await post('/v1/metrics', { ...body, metrics: ['coverage_error', 'ranking_loss', 'ranking_average_precision'] });
    const first = await post('/v1/metrics', { preds: [[0.9, 0.2, 0.7]], labels: [[1, 0, 1]], task: 'multilabel', metrics: ['coverage_error', 'ranking_loss', 'ranking_average_precision'] });
    for (const key of ['coverage_error', 'ranking_loss', 'ranking_average_precision']) expect(got.metrics[key][key]).toBe(first.metrics[key][key]);
    const allIgnored = await post('/v1/metrics', { ...body, labels: [[-1, -1, -1], [-1, -1, -1]], metrics: ['coverage_error'] });
    expect(allIgnored.metrics.coverage_error.coverage_error).toBeNull();
  });

  it('Arrow Float16 columns are refused by name (their bits are not numbers JavaScript reads)', async () => {
    const table = new Table({
      preds: vectorFromArray([0.9, 0.2, 0.7, 0.4]),
      labels: vectorFromArray(Int8Array.from([1, 0, 0, 1])),
      sample_weight: makeVector({ type: new Float16(), data: Uint16Array.from([15360, 15360, 14336, 16384]) } as never),
    });
    const res = await app.inject({ method: 'POST', url: '/v1/arrow/auroc', payload: Buffer.from(tableToIPC(table, 'stream')), headers: { 'content-type': 'application/vnd.apache.arrow.stream' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toMatchObject({ path: 'sample_weight', message: expect.stringMatching(/Float32, Float64/) });
  });
});
