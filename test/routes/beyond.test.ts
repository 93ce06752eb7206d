import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { delongComponents, delongDifferenceVariance, delongVariance } from '../../src/kernels/delong.js';
import { bodyPaths, testApp } from '../support/app.js';

const labels12 = [0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1];
const scores12 = [0.1, 0.35, 0.24, 0.8, 0.2, 0.85, 0.13, 0.85, 0.74, 0.58, 0.71, 0.25];

/** DeLong's variance the slow way: the explicit pair table ψ(x, y). */
function naiveDelong(pos: number[], neg: number[]) {
  const psi = (x: number, y: number) => (x > y ? 1 : x === y ? 0.5 : 0);
  const v10 = pos.map((x) => neg.reduce((s, y) => s + psi(x, y), 0) / neg.length);
  const v01 = neg.map((y) => pos.reduce((s, x) => s + psi(x, y), 0) / pos.length);
  const variance = (v: number[]) => {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1);
  };
  return { v10, v01, total: variance(v10) / pos.length + variance(v01) / neg.length };
}

describe('DeLong components (fast) against the explicit pair loop', () => {
  const side = fc.array(fc.integer({ min: 0, max: 12 }).map((k) => k / 12), { minLength: 2, maxLength: 40 });
  it('gives the same components and variance on random data with ties', () => {
    fc.assert(
      fc.property(side, side, (pos, neg) => {
        const fast = delongComponents(Float64Array.from(pos), Float64Array.from(neg))!;
        const slow = naiveDelong(pos, neg);
        fast.v10.forEach((v, i) => expect(v).toBeCloseTo(slow.v10[i], 12));
        fast.v01.forEach((v, j) => expect(v).toBeCloseTo(slow.v01[j], 12));
        expect(delongVariance(fast)).toBeCloseTo(slow.total, 12);
      }),
    );
  });

  it('gives a zero-variance difference for a model compared with itself', () => {
    const c = delongComponents(Float64Array.from([0.3, 0.9, 0.5]), Float64Array.from([0.1, 0.6]))!;
    expect(delongDifferenceVariance(c, c)).toBeCloseTo(0, 15);
  });
});

describe.each(bodyPaths)('confidence intervals, model comparison, boosting objective, class-balanced weights ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());
  const post = async (url: string, payload: object, status = 200) => {
    const res = await app.inject({ method: 'POST', url, payload });
    expect(res.statusCode, res.body).toBe(status);
    return res.json();
  };

  it('DeLong: AUROC 0.70833, variance 0.028472, 95% interval [0.3776, 1.0]', async () => {
    const body = await post('/v1/auroc', { preds: scores12, labels: labels12, ci: { method: 'delong', level: 0.95 } });
    expect(body.auroc).toBeCloseTo(0.70833, 5);
    expect(body.variance).toBeCloseTo(0.028472, 6);
    expect(body.ci.lower).toBeCloseTo(0.3776, 4);
    expect(body.ci.upper).toBe(1);
    expect(body.ci).toMatchObject({ level: 0.95, method: 'delong' });
  });

  it('DeLong per class for one-vs-rest and multilabel', async () => {
    const multiclass = await post('/v1/auroc', {
      preds: [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9], [0.85, 0.05, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]],
      labels: [0, 1, 1, 2, 2, 0],
      ci: { method: 'delong' },
    });
    expect(multiclass.per_class_ci).toHaveLength(3);
    for (const interval of multiclass.per_class_ci) expect(interval.lower).toBeLessThanOrEqual(interval.upper);
    const multilabel = await post('/v1/auroc', { preds: [[0.1, 0.9], [0.8, 0.2], [0.6, 0.7], [0.3, 0.4]], labels: [[0, 1], [1, 0], [1, 1], [0, 0]], ci: { method: 'delong' }, average: 'micro' });
    expect(multilabel.per_class_ci).toHaveLength(2);
    expect(multilabel.ci.method).toBe('delong');
  });

  it('bootstrap: stratified, reproducible with a seed, covering averaged AUROC and average precision', async () => {
    const request = { preds: scores12, labels: labels12, ci: { method: 'bootstrap', n_resamples: 300, seed: 11 } };
    const first = await post('/v1/auroc', request);
    const again = await post('/v1/auroc', request);
    const other = await post('/v1/auroc', { ...request, ci: { ...request.ci, seed: 12 } });
    expect(again.ci).toEqual(first.ci);
    expect(other.ci).not.toEqual(first.ci);
    expect(first.ci.lower).toBeLessThanOrEqual(first.auroc);
    expect(first.ci.upper).toBeGreaterThanOrEqual(first.auroc);
    const averaged = await post('/v1/auroc', {
      preds: [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9], [0.85, 0.05, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]],
      labels: [0, 1, 1, 2, 2, 0],
      average: 'weighted',
      ci: { method: 'bootstrap', n_resamples: 100 },
    });
    expect(averaged.ci.method).toBe('bootstrap');
    const ap = await post('/v1/average-precision', { preds: scores12, labels: labels12, ci: { method: 'bootstrap', n_resamples: 100 } });
    expect(ap.ci.lower).toBeLessThanOrEqual(ap.ci.upper);
    await post('/v1/average-precision', { preds: scores12, labels: labels12, ci: { method: 'delong' } }, 400);
  });

  it('compare: 1.0 against 0.3333, z = 2.0, p = 0.0455', async () => {
    const body = await post('/v1/auroc/compare', {
      labels: [0, 0, 1, 1, 0, 1, 0],
      preds_a: [0.1, 0.35, 0.4, 0.8, 0.2, 0.75, 0.1],
      preds_b: [0.5, 0.92, 0.1, 0.1, 0.8, 0.95, 0.9],
    });
    expect(body.auroc_a).toBe(1);
    expect(body.auroc_b).toBeCloseTo(0.3333, 4);
    expect(body.difference).toBeCloseTo(0.6667, 4);
    expect(body.z).toBeCloseTo(2.0, 10);
    expect(body.p_value).toBeCloseTo(0.0455, 4);
    expect(body.ci.lower).toBeLessThan(body.difference);
  });

  it('compare rejects scores of the wrong length, naming them', async () => {
    const body = await post('/v1/auroc/compare', { labels: [0, 1], preds_a: [0.1, 0.9], preds_b: [0.1] }, 400);
    expect(body.errors[0].path).toBe('preds_b');
  });

  it('return_hess gives the hessian, floored by min_hessian, for binary and multilabel only', async () => {
    const request = { preds: [2, -3, 0.5], labels: [0, 1, 1], task: 'binary', return_grad: true, return_hess: true };
    const exact = await post('/v1/focal-loss', request);
    expect(exact.hess).toHaveLength(3);
    expect(Math.min(...exact.hess)).toBeLessThan(0); // a confident wrong prediction
    const floored = await post('/v1/focal-loss', { ...request, min_hessian: 1e-6 });
    expect(Math.min(...floored.hess)).toBe(1e-6);
    expect(floored.hess[0]).toBe(exact.hess[0]);
    const multiclass = await post('/v1/focal-loss', { preds: [[1, 2]], labels: [0], return_hess: true }, 400);
    expect(multiclass.errors[0].path).toBe('return_hess');
  });

  it('class-balanced weights: beta 0.9999, counts [2, 3, 1, 2, 2]', async () => {
    const body = await post('/v1/focal-loss', {
      preds: [[1, 2, 3, 4, 5]],
      labels: [2],
      alpha: { effective_number: { beta: 0.9999, counts: [2, 3, 1, 2, 2] } },
    });
    [0.8824, 0.5883, 1.7646, 0.8824, 0.8824].forEach((w, c) => expect(body.alpha[c]).toBeCloseTo(w, 4));
    expect(body.alpha.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(5, 12);
  });

  it('class-balanced weights: an empty class is a 400 with counts given, a warning and weight 0 from the batch', async () => {
    const given = await post('/v1/focal-loss', { preds: [[1, 2, 3]], labels: [0], alpha: { effective_number: { beta: 0.99, counts: [5, 3, 0] } } }, 400);
    expect(given.errors[0].path).toBe('alpha/effective_number/counts/2');
    const batch = await post('/v1/focal-loss', { preds: [[1, 2, 3], [3, 2, 1]], labels: [0, 1], alpha: { effective_number: { beta: 0.99 } } });
    expect(batch.alpha[2]).toBe(0);
    expect(batch.warnings.join(' ')).toMatch(/class 2/);
  });
});
