import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';
import { loadCases, referenceDir } from '../support/reference.js';

/**
 * POST /v1/calibration beyond the reference vectors (test/reference.test.ts runs those): its
 * SVG, its 4xx, rows it must leave out, an undefined fit, and its price (413, worker pool).
 */

const post = (app: App, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/calibration', payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

const binary = { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.9, 0.3], labels: [0, 0, 1, 1, 1, 0, 1, 0] };

const expectProblem = (answer: Awaited<ReturnType<typeof post>>, status: number, path: string) => {
  expect(answer.statusCode, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.json().errors[0].path).toBe(path);
};

describe('POST /v1/calibration', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  it('draws the reliability diagrams before and after as SVG, with the bins of each', async () => {
    const answer = await post(app, { ...binary, method: 'isotonic' }, { accept: 'image/svg+xml' });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const json = (await post(app, { ...binary, method: 'isotonic' })).json();
    const [before, after] = answer.body.split('data-panel="after"');
    expect(before).toContain('data-panel="before"');
    expect(before).toContain(`calibration error (l1) = ${json.before.calibration_error.toFixed(4)}`);
    expect(after).toContain(`calibration error (l1) = ${json.after.calibration_error.toFixed(4)}`);
    // Isotonic on its own batch is calibrated: every drawn bin's accuracy equals its confidence.
    for (const [, accuracy, confidence] of after.matchAll(/data-accuracy="([^"]+)" data-confidence="([^"]+)"/g)) {
      expect(Number(accuracy)).toBeCloseTo(Number(confidence), 12);
    }
  });

  it('calibrates a multilabel batch label by label, each as that label\'s column alone', async () => {
    const preds = binary.preds.map((p, i) => [p, (i * 0.37) % 1, 1 - p]);
    const labels = binary.labels.map((y, i) => [y, i % 2, i % 3 === 0 ? 1 : 0]);
    const sample_weight = binary.preds.map((_, i) => (i % 4) + 0.5);
    for (const method of ['sigmoid', 'isotonic', 'temperature']) {
      const answer = await post(app, { preds, labels, sample_weight, method, return_probs: true });
      expect(answer.statusCode, answer.body).toBe(200);
      const body = answer.json();
      expect(body.task).toBe('multilabel');
      for (let l = 0; l < 3; l++) {
        const alone = (await post(app, { preds: preds.map((r) => r[l]), labels: labels.map((r) => r[l]), sample_weight, method, return_probs: true })).json();
        const { task: _t, input: _i, method: _m, probs, warnings: _w, ...fields } = alone;
        expect(body.per_label[l]).toEqual(fields);
        expect(body.probs.map((r: number[]) => r[l])).toEqual(probs);
      }
    }
    expectProblem(await post(app, { preds, labels, method: 'sigmoid' }, { accept: 'image/svg+xml' }), 406, 'task');
  });

  it('refuses class-index preds naming preds, an unknown method naming method, a bad label naming it', async () => {
    expectProblem(await post(app, { preds: [1, 0, 1], labels: [1, 0, 0], task: 'multiclass', num_classes: 2, method: 'sigmoid' }), 400, 'preds');
    expectProblem(await post(app, { ...binary, method: 'beta' }), 400, 'method');
    expectProblem(await post(app, { ...binary, labels: [0, 0, 1, 1, 1, 0, 1, 2], method: 'sigmoid' }), 400, 'labels/7');
  });

  it('leaves rows labelled ignore_index out of the fit, as a batch without them', async () => {
    for (const method of ['sigmoid', 'isotonic', 'temperature']) {
      const without = (await post(app, { ...binary, method })).json();
      const withIgnored = (await post(app, { preds: [...binary.preds, 0.99, 0.01], labels: [...binary.labels, -1, -1], ignore_index: -1, method })).json();
      for (const field of ['a', 'b', 'x', 'y', 'temperature', 'before', 'after']) expect(withIgnored[field]).toEqual(without[field]);
    }
  });

  it('answers an undefined fit (no sample of positive weight) as null with a warning, never NaN', async () => {
    for (const method of ['sigmoid', 'isotonic', 'temperature'] as const) {
      const answer = await post(app, { ...binary, sample_weight: binary.preds.map(() => 0), method, return_probs: true });
      expect(answer.statusCode, answer.body).toBe(200);
      const body = answer.json();
      const fields = { sigmoid: ['a', 'b'], isotonic: ['x', 'y'], temperature: ['temperature'] }[method];
      for (const field of fields) expect(body[field]).toBeNull();
      expect(body.after).toEqual({ log_loss: null, brier_score: null, calibration_error: null });
      expect(body.probs).toEqual(binary.preds);
      expect(body.warnings.join(' ')).toContain('calibration is undefined');
    }
  });
});

describe('POST /v1/calibration is priced before it fits', () => {
  const big = { preds: Array.from({ length: 2000 }, (_, i) => ((i * 7919) % 1000) / 1000), labels: Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? 1 : 0)) };

  it('refuses a fit over MAX_WORK with a 413 naming preds', async () => {
    const app = await testApp({ MAX_WORK: 10_000 });
    try {
      for (const method of ['sigmoid', 'isotonic', 'temperature']) expectProblem(await post(app, { ...big, method }), 413, 'preds');
    } finally {
      await app.close();
    }
  });

  it('runs a fit too large for the event loop in the worker pool, with the numbers of the inline path', async () => {
    const c = loadCases('decisions.json', referenceDir).find((r) => r.endpoint === '/v1/calibration' && r.request.method === 'temperature')!;
    const bodies = [{ ...big, method: 'isotonic' }, c.request];
    // One app at a time: the main thread's work limits are the last built app's.
    const answers = async (config: Parameters<typeof testApp>[0]) => {
      const app = await testApp(config);
      try {
        const out = [];
        for (const body of bodies) {
          const before = app.scoring.pooled;
          const answer = await post(app, body);
          expect(answer.statusCode, answer.body).toBe(200);
          out.push({ pooled: app.scoring.pooled - before, body: answer.json() });
        }
        return out;
      } finally {
        await app.close();
      }
    };
    const pooled = await answers({ INLINE_MAX_WORK: 1_000 });
    const inline = await answers({ INLINE_MAX_WORK: Number.MAX_SAFE_INTEGER });
    expect(pooled.map((a) => a.pooled)).toEqual([1, 1]);
    expect(inline.map((a) => a.pooled)).toEqual([0, 0]);
    expect(pooled.map((a) => a.body)).toEqual(inline.map((a) => a.body));
  });
});
