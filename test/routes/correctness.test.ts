import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { assertFiniteResult } from '../../src/batch/finite.js';
import { bodyPaths, testApp } from '../support/app.js';

/**
 * Issue 13's kinds of wrong answer, as properties and contracts on every endpoint and both body
 * paths. Values that come from a reference library are in test/vectors/correctness.json.
 */
describe.each(bodyPaths)('correctness contracts ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const post = async (url: string, payload: object, accept = 'application/json') => {
    const response = await app.inject({ method: 'POST', url, payload, headers: { accept } });
    expect(response.statusCode, `${url}: ${response.body.slice(0, 300)}`).toBe(200);
    return accept === 'application/json' ? response.json() : response.body;
  };

  describe('multiclass ranking does not change when a constant is added to a row of logits', () => {
    // Logits on a grid of 1/8 and integer shifts keep every difference z_j − z_k exact, so the
    // answers must agree bit for bit; confident rows (gaps past softmax's saturation) included.
    const batch = fc
      .record({ rows: fc.integer({ min: 6, max: 14 }), classes: fc.integer({ min: 3, max: 4 }) })
      .chain(({ rows, classes }) =>
        fc.record({
          preds: fc.array(fc.array(fc.integer({ min: -480, max: 480 }).map((k) => k / 8), { minLength: classes, maxLength: classes }), { minLength: rows, maxLength: rows }),
          labels: fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: rows, maxLength: rows }),
          row: fc.nat(rows - 1),
          shift: fc.integer({ min: -4096, max: 4096 }),
        }),
      );
    const requests: Array<[string, object]> = [
      ['/v1/auroc', { average: 'none', ci: { method: 'delong' } }],
      ['/v1/auroc', { average: 'micro', ci: { method: 'delong' } }],
      ['/v1/auroc', { average: 'weighted', ci: { method: 'bootstrap', n_resamples: 20 } }],
      ['/v1/auroc', { multi_class: 'ovo' }],
      ['/v1/average-precision', { average: 'none' }],
      ['/v1/average-precision', { average: 'micro', ci: { method: 'bootstrap', n_resamples: 20 } }],
      ['/v1/roc', {}],
      ['/v1/precision-recall-curve', {}],
      ['/v1/score', { metrics: ['auroc', { name: 'average_precision', average: 'micro' }] }],
    ];

    it.each(requests)('%s %j', async (url, options) => {
      await fc.assert(
        fc.asyncProperty(batch, async ({ preds, labels, row, shift }) => {
          const shifted = preds.map((r, i) => (i === row ? r.map((z) => z + shift) : r));
          const a = await post(url, { preds, labels, input: 'logits', ...options });
          const b = await post(url, { preds: shifted, labels, input: 'logits', ...options });
          if (url === '/v1/score') {
            // The loss is not rank-based: it is checked by the kernel tests; the metrics must agree.
            expect(b.metrics).toEqual(a.metrics);
          } else expect(b).toEqual(a);
        }),
        { numRuns: config.INLINE_MAX_BYTES === 0 ? 8 : 25 },
      );
    });
  });

  describe('a batch where every sample is ignored is answered, with nulls and warnings', () => {
    const padding = { ignore_index: -100 };
    const cases: Array<[string, object, Record<string, unknown>]> = [
      ['/v1/auroc', { preds: [0.2, 0.7], labels: [-100, -100] }, { auroc: null }],
      ['/v1/auroc', { preds: [0.2, 0.7], labels: [-100, -100], ci: { method: 'delong' } }, { auroc: null, ci: null, variance: null }],
      ['/v1/auroc', { preds: [0.2, 0.7], labels: [-100, -100], ci: { method: 'bootstrap', n_resamples: 10 } }, { auroc: null, ci: null }],
      ['/v1/auroc', { preds: [[1, 2], [0.5, 0.1]], labels: [-100, -100] }, { auroc: null, per_class: [null, null] }],
      ['/v1/auroc', { preds: [[1, 2, 0], [0.5, 0.1, 0]], labels: [-100, -100], multi_class: 'ovo' }, { auroc: null }],
      ['/v1/auroc', { preds: [[0.1, 0.2], [0.5, 0.1]], labels: [[-100, -100], [-100, -100]] }, { auroc: null, per_class: [null, null] }],
      ['/v1/average-precision', { preds: [0.2, 0.7], labels: [-100, -100] }, { average_precision: null }],
      ['/v1/average-precision', { preds: [[1, 2], [0.5, 0.1]], labels: [-100, -100], average: 'micro' }, { average_precision: null }],
      ['/v1/roc', { preds: [0.2, 0.7], labels: [-100, -100] }, { fpr: null, tpr: null, thresholds: null, auroc: null }],
      ['/v1/roc', { preds: [[1, 2], [0.5, 0.1]], labels: [-100, -100] }, { per_class: [null, null] }],
      ['/v1/precision-recall-curve', { preds: [0.2, 0.7], labels: [-100, -100] }, { precision: null, recall: null, thresholds: null, average_precision: null }],
      ['/v1/precision-recall-curve', { preds: [[0.1, 0.2], [0.5, 0.1]], labels: [[-100, -100], [-100, -100]] }, { per_class: [null, null] }],
      ['/v1/auroc/compare', { preds_a: [0.2, 0.7], preds_b: [0.3, 0.1], labels: [-100, -100] }, { auroc_a: null, auroc_b: null, p_value: null }],
      ['/v1/focal-loss', { preds: [[1, 2], [0.5, 0.1]], labels: [-100, -100], return_grad: true }, { loss: 0, count: 0, grad: [[0, 0], [0, 0]] }],
    ];
    it.each(cases)('%s %j', async (url, body, expected) => {
      const answer = await post(url, { ...body, ...padding });
      expect(answer).toMatchObject(expected);
      expect(answer.warnings.length).toBeGreaterThan(0);
    });

    it('/v1/score (issue example): loss 0, count 0, AUROC null, with warnings', async () => {
      const answer = await post('/v1/score', { preds: [[1, 2], [0.5, 0.1]], labels: [-100, -100], ignore_index: -100 });
      expect(answer.loss).toMatchObject({ loss: 0, count: 0 });
      expect(answer.loss.warnings.length).toBeGreaterThan(0);
      expect(answer.metrics.auroc).toMatchObject({ auroc: null, per_class: [null, null] });
      expect(answer.metrics.auroc.warnings.length).toBeGreaterThan(0);
    });
  });

  describe('DeLong needs two positives and two negatives: otherwise null with a warning', () => {
    const onePositive = { preds: [0.9, 0.1, 0.2, 0.3, 0.95], labels: [1, 0, 0, 0, 0] };

    it('binary (issue example)', async () => {
      const answer = await post('/v1/auroc', { ...onePositive, ci: { method: 'delong' } });
      expect(answer).toMatchObject({ auroc: 0.75, ci: null, variance: null });
      expect(answer.warnings.join(' ')).toMatch(/two positive and two negative/);
    });

    it('per class and micro', async () => {
      // Class 2 has one sample; classes 0 and 1 have three each.
      const preds = [[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.5, 0.4, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.4, 0.5, 0.1]];
      const labels = [0, 0, 1, 0, 1, 2, 1];
      const none = await post('/v1/auroc', { preds, labels, average: 'none', ci: { method: 'delong' } });
      expect(none.per_class_ci[0]).not.toBeNull();
      expect(none.per_class_ci[2]).toBeNull();
      expect(none.warnings.join(' ')).toMatch(/class 2: no DeLong interval/);
      // One row of three classes: the pooled pairs hold one positive and two negatives.
      const single = await post('/v1/auroc', { preds: [[0.7, 0.2, 0.1]], labels: [0], average: 'micro', ci: { method: 'delong' } });
      expect(single).toMatchObject({ ci: null, variance: null });
    });

    it('/v1/auroc/compare: the AUROCs and their difference, no test', async () => {
      const answer = await post('/v1/auroc/compare', { preds_a: onePositive.preds, preds_b: [0.5, 0.1, 0.2, 0.3, 0.95], labels: onePositive.labels });
      expect(answer).toMatchObject({ auroc_a: 0.75, auroc_b: 0.75, difference: 0, ci: null, z: null, p_value: null });
      expect(answer.warnings.length).toBe(1);
    });
  });

  describe('/v1/auroc/compare', () => {
    it('reads [N, 1] columns as binary scores, as every endpoint does', async () => {
      const labels = [0, 1, 0, 1, 1, 0];
      const flat = await post('/v1/auroc/compare', { preds_a: [0.1, 0.9, 0.4, 0.6, 0.3, 0.5], preds_b: [0.2, 0.8, 0.3, 0.7, 0.6, 0.1], labels });
      const column = await post('/v1/auroc/compare', { preds_a: [[0.1], [0.9], [0.4], [0.6], [0.3], [0.5]], preds_b: [0.2, 0.8, 0.3, 0.7, 0.6, 0.1], labels });
      expect({ ...column, warnings: [] }).toEqual({ ...flat, warnings: [] });
      expect(column.warnings).toHaveLength(1);
    });

    it('names the field the client sent in errors (preds_b/2, not preds/2)', async () => {
      const response = await app.inject({ method: 'POST', url: '/v1/auroc/compare', payload: { preds_a: [0.1, 0.9, 0.4], preds_b: [0.2, 0.8, 1.3], labels: [0, 1, 0], input: 'probs' } });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0].path).toBe('preds_b/2');
    });
  });

  describe('curves in SVG', () => {
    const parse = (svg: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg).svg;
    const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

    it('an undefined curve is named in the legend and not drawn', async () => {
      const body = { preds: [[0.9, 0.5, 0.2], [0.1, 0.3, 0.8], [0.7, 0.6, 0.4]], labels: [[1, -1, 0], [0, -1, 1], [1, -1, 0]], ignore_index: -1 };
      for (const url of ['/v1/roc', '/v1/precision-recall-curve']) {
        const svg = parse(await post(url, body, 'image/svg+xml'));
        const drawn = asList(svg.polyline).map((p: { 'data-series': string }) => p['data-series']);
        expect(drawn).toEqual(['0', '2']);
        const undefinedSeries = asList(svg.text).filter((t: { 'data-undefined-series'?: string }) => t['data-undefined-series'] === '1');
        expect(undefinedSeries).toHaveLength(1);
      }
      const binary = parse(await post('/v1/roc', { preds: [0.1, 0.2], labels: [1, 1] }, 'image/svg+xml'));
      expect(asList(binary.polyline)).toHaveLength(0);
    });

    it('the precision-recall plot draws every point of the uncut curve', async () => {
      const body = { preds: [0.9, 0.1, 0.5, 0.3], labels: [1, 0, 0, 1] };
      const curve = await post('/v1/precision-recall-curve', body);
      expect(curve.thresholds).toEqual([0.1, 0.3, 0.5, 0.9]);
      const svg = parse(await post('/v1/precision-recall-curve', body, 'image/svg+xml'));
      expect(asList(svg.polyline)[0].points.split(' ')).toHaveLength(2 * curve.precision.length - 1); // steps: two vertices a point
    });
  });

  it.each([
    ['/v1/focal-loss', { preds: [[1e308, -1e308]], labels: [1] }],
    ['/v1/roc', { preds: [[1e308, -1e308], [0, 0]], labels: [0, 1] }],
    ['/v1/roc', { preds: [Number.MAX_VALUE, 0], labels: [1, 0] }],
  ])('an overflow is the caller’s 400, naming preds: %s %j', async (url, payload) => {
    const response = await app.inject({ method: 'POST', url, payload });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().errors[0].path).toBe('preds');
  });
});

describe('assertFiniteResult: the one finite check before encoding', () => {
  it('passes finite results, nulls and integer typed arrays', () => {
    expect(() => assertFiniteResult({ a: [1, null, { b: Float64Array.of(1, 2) }], c: Int32Array.of(3), d: 'x' })).not.toThrow();
  });

  it('answers Infinity anywhere as a 400 naming preds and the result field', () => {
    for (const result of [{ loss: Infinity }, { per_class: [{ fpr: [0, -Infinity] }] }, { grad: { data: Float64Array.of(0, Infinity) } }]) {
      let error: unknown;
      try {
        assertFiniteResult(result);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ status: 400, problem: { errors: [{ path: 'preds' }] } });
    }
  });

  it('answers NaN as our bug, a 500', () => {
    expect(() => assertFiniteResult({ metrics: { auroc: { per_class: [0.5, NaN] } } })).toThrow(/metrics\/auroc\/per_class\/1 is NaN/);
  });
});
