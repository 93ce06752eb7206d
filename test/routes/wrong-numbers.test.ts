import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ARROW, arrowStream, column } from '../support/arrow.js';
import { bodyPaths, testApp } from '../support/app.js';
import { loadCases, mismatch, vectorsDir } from '../support/reference.js';

/**
 * Issue 24, "Wrong numbers": log_loss reads probability rows as sent (scikit-learn ≥ 1.5),
 * calibration's last bin is closed at 1 (torchmetrics #3510, scikit-learn's calibration_curve),
 * precision–recall operating points exist with positives only (torchmetrics 1.9), and an empty
 * batch is answered like an all-ignored one. Expected values: test/vectors/wrong-numbers.json,
 * made by test/vectors/wrong-numbers.py in the reference venv.
 */
const cases = loadCases('wrong-numbers.json', vectorsDir);

type Body = Record<string, unknown> & { metrics?: Record<string, Record<string, unknown>>; warnings?: string[] };

describe.each(bodyPaths)('issue 24 wrong numbers through the routes ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const post = async (url: string, payload: object): Promise<Body> => {
    const response = await app.inject({ method: 'POST', url, payload });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  it('has cases of every item', () => {
    for (const kind of ['log_loss', 'calibration_error', 'positives only', 'empty']) expect(cases.some((c) => c.name.includes(kind)), kind).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const body = await post(c.endpoint, c.request);
    for (const [field, want] of Object.entries(c.expected)) expect(mismatch(body[field], want, c.tolerance, field), c.source).toBeNull();
    // scikit-learn's warning (log_loss, brier_score_loss), where it gives one, and none where the rows sum to 1.
    for (const entry of [body.metrics?.log_loss, body.metrics?.brier_score]) {
      if (entry) expect((entry.warnings as string[]).some((w) => /do not sum to 1|does not sum to 1/.test(w)), JSON.stringify(entry)).toBe(c.name.includes('sklearn warns'));
    }
  });

  describe('log_loss reads rows as sent', () => {
    const rows = fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 12 });
    it('equals −Σ w·log(clip(p_y)) / Σ w for any rows (not summing to 1), and warns exactly when a row is off by more than 1e-8 + √ε', async () => {
      await fc.assert(
        fc.asyncProperty(rows, fc.infiniteStream(fc.integer({ min: 0, max: 2 })), fc.infiniteStream(fc.double({ min: 0.01, max: 5, noNaN: true })), async (preds, ys, ws) => {
          const labels = preds.map(() => ys.next().value);
          const weights = preds.map(() => ws.next().value);
          const eps = 2 ** -52;
          const clip = (p: number) => Math.min(1 - eps, Math.max(eps, p));
          let sum = 0;
          let total = 0;
          preds.forEach((row, i) => {
            sum -= weights[i] * Math.log(clip(row[labels[i]]));
            total += weights[i];
          });
          const off = preds.some((row) => !(Math.abs(row[0] + row[1] + row[2] - 1) <= 1e-8 + Math.sqrt(eps)));
          const body = await post('/v1/metrics', { task: 'multiclass', input: 'probs', preds, labels, sample_weight: weights, metrics: ['log_loss'] });
          const entry = body.metrics!.log_loss;
          expect(entry.log_loss as number).toBeCloseTo(sum / total, 12);
          expect((entry.warnings as string[]).some((w) => w.includes('sum to 1'))).toBe(off);
        }),
        { numRuns: 40 },
      );
    });

    it('counts the rows off a unit sum across a session\'s batches', async () => {
      const session = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'multiclass', num_classes: 3, input: 'probs', metrics: ['log_loss'] } });
      const id = session.json().id as string;
      for (const preds of [[[0.5, 0.3, 0.1]], [[0.2, 0.2, 0.2], [0.1, 0.1, 0.8]]]) {
        const batch = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: { preds, labels: preds.map(() => 0) } });
        expect(batch.statusCode, batch.body).toBe(200);
      }
      const epoch = (await app.inject({ method: 'GET', url: `/v1/sessions/${id}` })).json();
      // scikit-learn 1.9: log_loss([0, 0, 0], rows above, labels=[0, 1, 2]) = −(log 0.5 + log 0.2 + log 0.1) / 3.
      expect(epoch.metrics.log_loss.log_loss).toBeCloseTo(-(Math.log(0.5) + Math.log(0.2) + Math.log(0.1)) / 3, 14);
      expect(epoch.metrics.log_loss.warnings.join(' ')).toMatch(/^2 probability rows do not sum to 1/);
    });
  });

  describe('calibration bins', () => {
    it('a confidence on any bin edge lands in a bin of the n asked, and the counts add up to the samples', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 30, maxLength: 30 }), async (n, at, ys) => {
          const preds = at.map((k) => (k % (n + 1)) / n);
          const labels = preds.map((_, i) => ys[i]);
          const body = await post('/v1/metrics', { preds, labels, metrics: [{ name: 'calibration_error', n_bins: n, norm: 'max' }] });
          const bins = body.metrics!.calibration_error.bins as { lower: number[]; upper: number[]; count: number[] };
          expect(bins.count.length).toBe(n);
          expect(bins.upper.at(-1)).toBe(1);
          expect(bins.count.reduce((a, b) => a + b, 0)).toBe(preds.length);
          // Each edge i/n (i < n) opens bin i, as torchmetrics' bucketize(right=True); 1 closes bin n − 1.
          const expected = new Array<number>(n).fill(0);
          for (const k of at) expected[Math.min(k % (n + 1), n - 1)]++;
          expect(bins.count).toEqual(expected);
        }),
        { numRuns: 30 },
      );
    });

    it('the reliability diagram draws the confidence of 1 in the last of n bars', async () => {
      const response = await app.inject({ method: 'POST', url: '/v1/metrics', headers: { accept: 'image/svg+xml' }, payload: { preds: [0.95, 1.0], labels: [1, 0], metrics: ['calibration_error'] } });
      expect(response.statusCode, response.body).toBe(200);
      const bars = [...response.body.matchAll(/data-bin="(\d+)"[^>]*data-count="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(bars).toEqual([[14, 2]]);
    });
  });

  describe('operating points by the curve they are read from', () => {
    it('without positives they stay null (torchmetrics: 0 and a NaN or placeholder threshold), with a warning', async () => {
      const body = await post('/v1/metrics', {
        preds: [0.9, 0.3],
        labels: [0, 0],
        metrics: [
          { name: 'precision_at_fixed_recall', min_recall: 0.5 },
          { name: 'recall_at_fixed_precision', min_precision: 0.5 },
          { name: 'sensitivity_at_specificity', min_specificity: 0.5 },
          { name: 'specificity_at_sensitivity', min_sensitivity: 0.5 },
        ],
      });
      for (const [name, entry] of Object.entries(body.metrics!)) {
        expect(entry[name], name).toBeNull();
        expect((entry.warnings as string[]).join(' '), name).toMatch(/no positive/);
      }
    });

    it('sensitivity and specificity need negatives too (the ROC curve divides by them): null without', async () => {
      const body = await post('/v1/metrics', { preds: [0.9, 0.3], labels: [1, 1], metrics: [{ name: 'sensitivity_at_specificity', min_specificity: 0.5 }, { name: 'specificity_at_sensitivity', min_sensitivity: 0.5 }] });
      for (const [name, entry] of Object.entries(body.metrics!)) {
        expect(entry[name], name).toBeNull();
        expect((entry.warnings as string[]).join(' '), name).toMatch(/no positive or no negative/);
      }
    });
  });

  describe('an empty batch', () => {
    const metrics = ['accuracy', 'f1_score', 'precision', 'recall', 'specificity', 'matthews_corrcoef', 'cohen_kappa', 'jaccard_index', 'auroc', 'average_precision', 'log_loss', 'brier_score', 'calibration_error', { name: 'precision_at_fixed_recall', min_recall: 0.5 }];
    it.each([
      ['binary', {}, [0.3, 0.8], [-1, -1]],
      ['multiclass', { task: 'multiclass', num_classes: 3 }, [[0.2, 0.3, 0.5]], [-1]],
      ['multilabel', { task: 'multilabel', num_labels: 2 }, [[0.2, 0.7]], [[-1, -1]]],
    ] as const)('%s: answers what the same batch with every sample ignored answers', async (task, options, preds, labels) => {
      const wanted = task === 'multilabel' ? metrics.filter((m) => !['calibration_error', 'cohen_kappa', 'matthews_corrcoef'].includes(m as string)) : metrics;
      const empty = await post('/v1/metrics', { preds: [], labels: [], ...options, metrics: wanted });
      const ignored = await post('/v1/metrics', { preds, labels, ignore_index: -1, ...options, metrics: wanted });
      expect(empty.metrics).toEqual(ignored.metrics);
      expect(empty.task).toBe(ignored.task);
    });

    it('multiclass without num_classes is a 400 naming num_classes (`[]` has no columns)', async () => {
      const response = await app.inject({ method: 'POST', url: '/v1/auroc', payload: { preds: [], labels: [], task: 'multiclass' } });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0].path).toBe('num_classes');
    });

    it('/v1/score names loss/num_classes, where its request says the classes', async () => {
      const response = await app.inject({ method: 'POST', url: '/v1/score', payload: { preds: [], labels: [], task: 'multiclass', metrics: ['auroc'] } });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0].path).toBe('loss/num_classes');
    });

    it('a row of no classes stays a 400', async () => {
      const response = await app.inject({ method: 'POST', url: '/v1/metrics', payload: { preds: [[]], labels: [0], metrics: ['accuracy'] } });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0].path).toBe('preds/0');
    });

    it('an Arrow stream of zero rows is answered like the JSON empty batch', async () => {
      const body = arrowStream({ preds: column(new Float64Array(0)), labels: column(new Int32Array(0)) });
      const response = await app.inject({ method: 'POST', url: '/v1/arrow/metrics?metrics=accuracy,auroc', payload: body, headers: { 'content-type': ARROW } });
      expect(response.statusCode, response.body).toBe(200);
      const json = await post('/v1/metrics', { preds: [], labels: [], metrics: ['accuracy', 'auroc'] });
      expect(response.json().metrics).toEqual(json.metrics);
    });

    it('changes nothing in a session but its batch count (rows, metrics, epoch loss as before)', async () => {
      const session = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'binary', metrics: ['auroc', 'f1_score', 'log_loss'], loss: { gamma: 2 } } });
      expect(session.statusCode, session.body).toBe(201);
      const id = session.json().id as string;
      await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: { preds: [-1.2, 0.3, 2.1, -0.4], labels: [0, 0, 1, 1] } });
      const before = (await app.inject({ method: 'GET', url: `/v1/sessions/${id}` })).json();
      const batch = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: { preds: [], labels: [] } });
      expect(batch.statusCode, batch.body).toBe(200);
      expect(batch.json()).toMatchObject({ rows: 4, batches: 2, loss: { loss: 0, count: 0 } });
      const after = (await app.inject({ method: 'GET', url: `/v1/sessions/${id}` })).json();
      expect({ ...after, batches: before.batches, expires_at: null }).toEqual({ ...before, expires_at: null });
      expect(after.batches).toBe(2);
    });
  });
});
