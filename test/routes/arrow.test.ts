import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { metricNames } from '../../src/metrics/registry.js';
import { ARROW, arrowStream, column } from '../support/arrow.js';
import { bodyPaths, testApp } from '../support/app.js';
import { loadCases, mismatch, referenceDir, vectorsDir } from '../support/reference.js';

describe.each(bodyPaths)('Arrow IPC bodies ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const postArrow = (url: string, payload: Buffer, accept = 'application/json') =>
    app.inject({ method: 'POST', url, payload, headers: { 'content-type': ARROW, accept } });

  it('binary AUROC from Float32 preds and Int8 labels equals the JSON answer', async () => {
    const body = arrowStream({ preds: column(new Float32Array([0.13, 0.26, 0.08, 0.19, 0.34])), labels: column(new Int8Array([0, 0, 1, 1, 1])) });
    const res = await postArrow('/v1/auroc', body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().auroc).toBe(0.5);
  });

  it('reference cases sent as Arrow (FixedSizeList preds, Int64 labels, query options) match', async () => {
    const cases = loadCases('auroc.json').filter((c) => c.request.task === 'multiclass' || c.name.startsWith('binary max_fpr'));
    for (const c of cases) {
      const { preds, labels, ...options } = c.request as { preds: number[] | number[][]; labels: number[] } & Record<string, unknown>;
      const width = Array.isArray(preds[0]) ? (preds[0] as number[]).length : 1;
      const body = arrowStream({ preds: column(Float64Array.from(preds.flat()), width), labels: column(BigInt64Array.from(labels.map(BigInt))) });
      const query = new URLSearchParams(Object.entries(options).map(([k, v]): [string, string] => [k, String(v)])).toString();
      const res = await postArrow(`/v1/auroc?${query}`, body);
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(200);
      for (const [field, want] of Object.entries(c.expected)) expect(mismatch(res.json()[field], want, c.tolerance, field), c.name).toBeNull();
    }
  });

  it('issue 13 vectors on /v1/auroc sent as Arrow match: multiclass logits of confident rows, binned float32 grids, [B, 1] columns', async () => {
    const scalar = (v: unknown) => typeof v !== 'object' || v === null;
    const cases = loadCases('correctness.json', vectorsDir).filter((c) => c.endpoint === '/v1/auroc' && Object.values(c.request).every((v, i) => i < 2 || scalar(v)));
    expect(cases.length).toBeGreaterThan(40);
    for (const c of cases) {
      const { preds, labels, ...options } = c.request as { preds: number[] | number[][]; labels: number[] | number[][] } & Record<string, unknown>;
      const width = Array.isArray(preds[0]) ? (preds[0] as number[]).length : 1;
      const labelWidth = Array.isArray(labels[0]) ? (labels[0] as number[]).length : 1;
      const body = arrowStream({
        preds: column(Float64Array.from(preds.flat()), width, undefined, Array.isArray(preds[0])),
        labels: column(BigInt64Array.from(labels.flat().map(BigInt)), labelWidth),
      });
      const query = new URLSearchParams(Object.entries(options).map(([k, v]): [string, string] => [k, String(v)])).toString();
      const res = await postArrow(`/v1/auroc?${query}`, body);
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(200);
      for (const [field, want] of Object.entries(c.expected)) expect(mismatch(res.json()[field], want, c.tolerance, field), c.name).toBeNull();
    }
  });

  it('every weighted.json case of an Arrow route, its weights as a sample_weight column, matches', async () => {
    const arrowRoute: Record<string, string> = { '/v1/auroc': '/v1/arrow/auroc', '/v1/metrics': '/v1/arrow/metrics', '/v1/focal-loss': '/v1/arrow/focal-loss' };
    const cases = loadCases('weighted.json', referenceDir).filter((c) => c.endpoint in arrowRoute && c.request.sample_weight !== undefined);
    expect(cases.length).toBeGreaterThan(25);
    for (const c of cases) {
      const { preds, labels, sample_weight: weights, ...options } = c.request as { preds: unknown[]; labels: unknown[]; sample_weight: number[] } & Record<string, unknown>;
      const width = Array.isArray(preds[0]) ? (preds[0] as number[]).length : 1;
      const labelWidth = Array.isArray(labels[0]) ? (labels[0] as number[]).length : 1;
      const body = arrowStream({
        preds: column(Float64Array.from(preds.flat() as number[]), width, undefined, Array.isArray(preds[0])),
        labels: column(BigInt64Array.from((labels.flat() as number[]).map(BigInt)), labelWidth),
        sample_weight: column(Float64Array.from(weights)),
      });
      const query = new URLSearchParams(Object.entries(options).map(([k, v]): [string, string] => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])).toString();
      const res = await postArrow(`${arrowRoute[c.endpoint]}?${query}`, body);
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(200);
      for (const [field, want] of Object.entries(c.expected)) expect(mismatch(res.json()[field], want, c.tolerance, field), c.name).toBeNull();
    }
  });

  it('a sample_weight column: negative or NaN weights, or weights in the query too, are a 400 naming the field', async () => {
    const send = (weights: Float64Array, query = '') =>
      postArrow(`/v1/arrow/auroc${query}`, arrowStream({ preds: column(new Float64Array([0.1, 0.9, 0.4])), labels: column(new Int32Array([0, 1, 1])), sample_weight: column(weights) }));
    const negative = await send(new Float64Array([1, -2, 1]));
    expect(negative.statusCode).toBe(400);
    expect(negative.json().errors[0].path).toBe('sample_weight/1');
    const nan = await send(new Float64Array([1, 1, NaN]));
    expect(nan.json().errors[0].path).toBe('sample_weight/2');
    const twice = await send(new Float64Array([1, 1, 1]), '?sample_weight=1,1,1');
    expect(twice.json().errors[0]).toMatchObject({ path: 'sample_weight', message: expect.stringMatching(/not both/) });
  });

  it('every served classification.json case sent to /v1/arrow/metrics (metrics as JSON in the query) matches', async () => {
    const cases = loadCases('classification.json').filter((c) =>
      (c.request.metrics as Array<string | { name: string }>).every((m) => metricNames.includes(typeof m === 'string' ? m : m.name)),
    );
    expect(cases.length).toBe(92);
    for (const c of cases) {
      const { preds, labels, metrics, ...options } = c.request as { preds: number[] | number[][]; labels: number[] | number[][]; metrics: unknown } & Record<string, unknown>;
      const width = Array.isArray(preds[0]) ? (preds[0] as number[]).length : 1;
      const labelWidth = Array.isArray(labels[0]) ? (labels[0] as number[]).length : 1;
      const body = arrowStream({
        preds: column(Float64Array.from(preds.flat()), width, undefined, Array.isArray(preds[0])),
        labels: column(BigInt64Array.from(labels.flat().map(BigInt)), labelWidth),
      });
      const query = new URLSearchParams([...Object.entries(options).map(([k, v]): [string, string] => [k, String(v)]), ['metrics', JSON.stringify(metrics)]]).toString();
      const res = await postArrow(`/v1/arrow/metrics?${query}`, body);
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(200);
      for (const [field, want] of Object.entries(c.expected)) expect(mismatch(res.json()[field], want, c.tolerance, field), c.name).toBeNull();
    }
  });

  it('every served groups.json case sent to /v1/arrow/metrics with a groups column (and sample_weight as a column) matches', async () => {
    const cases = loadCases('groups.json').filter(
      (c) => c.endpoint === '/v1/metrics' && (c.request.metrics as Array<string | { name: string }>).every((m) => metricNames.includes(typeof m === 'string' ? m : m.name)),
    );
    expect(cases.length).toBe(66);
    for (const [i, c] of cases.entries()) {
      const { preds, labels, metrics, groups, sample_weight: weights, ...options } = c.request as { preds: number[] | number[][]; labels: number[] | number[][]; metrics: unknown; groups?: number[]; sample_weight?: number[] } & Record<string, unknown>;
      const width = Array.isArray(preds[0]) ? (preds[0] as number[]).length : 1;
      const labelWidth = Array.isArray(labels[0]) ? (labels[0] as number[]).length : 1;
      const body = arrowStream({
        preds: column(Float64Array.from(preds.flat()), width, undefined, Array.isArray(preds[0])),
        labels: column(BigInt64Array.from(labels.flat().map(BigInt)), labelWidth),
        // Any integer type: Int32 and Int64 in turn (scikit-learn's rows come without groups).
        ...(groups ? { groups: column(i % 2 === 0 ? Int32Array.from(groups) : BigInt64Array.from(groups.map(BigInt))) } : {}),
        ...(weights ? { sample_weight: column(Float64Array.from(weights)) } : {}),
      });
      const query = new URLSearchParams([...Object.entries(options).map(([k, v]): [string, string] => [k, String(v)]), ['metrics', JSON.stringify(metrics)]]).toString();
      const res = await postArrow(`/v1/arrow/metrics?${query}`, body);
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(200);
      for (const [field, want] of Object.entries(c.expected)) expect(mismatch(res.json()[field], want, c.tolerance, field), c.name).toBeNull();
    }
  });

  it('every groups.json DET case sent to /v1/arrow/det-curve (sample_weight as a column) matches', async () => {
    const cases = loadCases('groups.json').filter((c) => c.endpoint === '/v1/det-curve');
    expect(cases.length).toBe(6);
    for (const c of cases) {
      const { preds, labels, sample_weight: weights, ...options } = c.request as { preds: number[]; labels: number[]; sample_weight?: number[] } & Record<string, unknown>;
      const body = arrowStream({
        preds: column(Float64Array.from(preds)),
        labels: column(BigInt64Array.from(labels.map(BigInt))),
        ...(weights ? { sample_weight: column(Float64Array.from(weights)) } : {}),
      });
      const query = new URLSearchParams(Object.entries(options).map(([k, v]): [string, string] => [k, String(v)])).toString();
      const res = await postArrow(`/v1/arrow/det-curve${query ? `?${query}` : ''}`, body);
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(200);
      for (const [field, want] of Object.entries(c.expected)) expect(mismatch(res.json()[field], want, c.tolerance, field), c.name).toBeNull();
    }
  });

  it('groups-multidim.json\'s binary cases sent to /v1/arrow/metrics: [N, M] preds and labels as FixedSizeLists, a groups column of one id per sample', async () => {
    // Arrow columns are [rows] or [rows, width]: binary [N, M] is the only extra-dimension shape they carry.
    const cases = loadCases('groups-multidim.json', vectorsDir).filter((c) => c.request.task === 'binary');
    expect(cases.length).toBe(3);
    for (const c of cases) {
      const { preds, labels, metrics, groups, sample_weight: weights, ...options } = c.request as { preds: number[][]; labels: number[][]; metrics: unknown; groups: number[]; sample_weight?: number[][] } & Record<string, unknown>;
      const width = preds[0].length;
      const body = arrowStream({
        preds: column(Float64Array.from(preds.flat()), width, undefined, true),
        labels: column(Int32Array.from(labels.flat()), width, undefined, true),
        groups: column(Int32Array.from(groups)),
        ...(weights ? { sample_weight: column(Float64Array.from(weights.flat()), width, undefined, true) } : {}),
      });
      const query = new URLSearchParams([...Object.entries(options).map(([k, v]): [string, string] => [k, String(v)]), ['metrics', JSON.stringify(metrics)]]).toString();
      const res = await postArrow(`/v1/arrow/metrics?${query}`, body);
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(200);
      for (const [field, want] of Object.entries(c.expected)) expect(mismatch(res.json()[field], want, c.tolerance, field), c.name).toBeNull();
    }
  });

  it('a groups column that is a list, out of range or also in the query is a 400 naming groups', async () => {
    const send = (groups: ReturnType<typeof column>, query = '') =>
      postArrow(`/v1/arrow/metrics?metrics=${encodeURIComponent(JSON.stringify([{ name: 'accuracy', by_group: true }]))}${query}`, arrowStream({ preds: column(new Float64Array([0.1, 0.9, 0.4])), labels: column(new Int32Array([0, 1, 1])), groups }));
    const list = await send(column(new Int32Array([0, 1, 0, 1, 0, 1]), 2));
    expect(list.statusCode, list.body).toBe(400);
    expect(list.json().errors[0].path).toBe('groups');
    const outOfRange = await send(column(new Int32Array([0, 1, 2])), '&num_groups=2');
    expect(outOfRange.statusCode, outOfRange.body).toBe(400);
    expect(outOfRange.json().errors[0].path).toBe('groups/2');
    const twice = await send(column(new Int32Array([0, 1, 1])), '&groups=0,1,1');
    expect(twice.statusCode, twice.body).toBe(400);
    expect(twice.json().errors[0]).toMatchObject({ path: 'groups', message: expect.stringMatching(/not both/) });
  });

  it('the Arrow operations take typed, dotted query options and answer as the JSON operations do', async () => {
    const preds = [0.1, 0.35, 0.24, 0.8, 0.2, 0.85, 0.13, 0.85, 0.74, 0.58, 0.71, 0.25];
    const labels = [0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1];
    const body = arrowStream({ preds: column(Float64Array.from(preds)), labels: column(Int32Array.from(labels)) });
    const res = await postArrow('/v1/arrow/auroc?ci.method=bootstrap&ci.n_resamples=50&ci.seed=3', body);
    expect(res.statusCode, res.body).toBe(200);
    const json = await app.inject({ method: 'POST', url: '/v1/auroc', payload: { preds, labels, ci: { method: 'bootstrap', n_resamples: 50, seed: 3 } } });
    expect(res.json()).toEqual(json.json());
  });

  it('reads a FixedSizeList(1) column as [B, 1] binary logits, and answers grad in that shape', async () => {
    const preds = [1.5, -0.5, 0.25, 2, -1, 0.75];
    const labels = [1, 0, 1, 1, 0, 0];
    const body = arrowStream({ preds: column(Float32Array.from(preds), 1, undefined, true), labels: column(Int8Array.from(labels)) });
    const json = await postArrow('/v1/arrow/focal-loss?return_grad=true', body);
    expect(json.statusCode, json.body).toBe(200);
    const reference = (await app.inject({ method: 'POST', url: '/v1/focal-loss', payload: { preds: preds.map((p) => [Math.fround(p)]), labels, return_grad: true } })).json();
    expect(json.json()).toEqual(reference);
    expect(json.json().warnings.join(' ')).toMatch(/\[6, 1\]/);
    const arrow = await postArrow('/v1/arrow/focal-loss?return_grad=true', body, ARROW);
    const table = tableFromIPC(arrow.rawPayload);
    expect(String(table.getChild('grad')!.type)).toMatch(/FixedSizeList\[1\]/);
    expect(table.schema.metadata.get('shape:grad')).toBe('[6,1]');
  });

  it('nests dotted query options to any depth, and reads null', async () => {
    const preds = [1.5, -0.5, 0.25, 2];
    const labels = [1, 0, 1, 0];
    const body = arrowStream({ preds: column(Float64Array.from(preds)), labels: column(Int32Array.from(labels)) });
    const res = await postArrow('/v1/arrow/focal-loss?alpha.effective_number.beta=0.999&alpha.effective_number.counts=100,10', body);
    expect(res.statusCode, res.body).toBe(200);
    const json = await app.inject({ method: 'POST', url: '/v1/focal-loss', payload: { preds, labels, alpha: { effective_number: { beta: 0.999, counts: [100, 10] } } } });
    expect(res.json()).toEqual(json.json());
    const metricsOnly = await postArrow('/v1/arrow/score?loss=null&metrics=auroc', body);
    expect(metricsOnly.statusCode, metricsOnly.body).toBe(200);
    const jsonMetrics = await app.inject({ method: 'POST', url: '/v1/score', payload: { preds, labels, loss: null, metrics: ['auroc'] } });
    expect(metricsOnly.json()).toEqual(jsonMetrics.json());
    expect(metricsOnly.json().loss).toBeNull();
  });

  it('the Arrow operations refuse JSON bodies with a 415 that says where JSON goes', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/arrow/auroc', payload: { preds: [0.1, 0.9], labels: [0, 1] } });
    expect(res.statusCode).toBe(415);
    expect(res.json().detail).toMatch(/application\/vnd\.apache\.arrow\.stream.*\/v1\/auroc/);
  });

  it('focal loss answers Arrow when asked: grad as a FixedSizeList column, the rest in metadata', async () => {
    const c = loadCases('focal_loss.json')[0];
    const preds = c.request.preds as number[][];
    const body = arrowStream({ preds: column(Float64Array.from(preds.flat()), preds[0].length), labels: column(Int32Array.from(c.request.labels as number[])) });
    const res = await postArrow('/v1/focal-loss?return_grad=true', body, ARROW);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe(ARROW);
    const table = tableFromIPC(res.rawPayload);
    const response = JSON.parse(table.schema.metadata.get('response')!);
    expect(mismatch(response.loss, c.expected.loss, c.tolerance)).toBeNull();
    expect(JSON.parse(table.schema.metadata.get('shape:grad')!)).toEqual([preds.length, preds[0].length]);
    const grad = Array.from({ length: table.numRows }, (_, i) => Array.from(table.getChild('grad')!.get(i) as Iterable<number>));
    expect(mismatch(grad, c.expected.grad, c.tolerance, 'grad')).toBeNull();
  });

  it('score takes Arrow with dotted loss options and a metric list', async () => {
    const body = arrowStream({ preds: column(new Float64Array([2, -1, 0.5, 0.1, 1.5, -0.3, -0.7, 0.2, 2.2, 1.2, 0.3, -0.5]), 3), labels: column(new Int8Array([0, 1, 2, 0])) });
    const arrow = await postArrow('/v1/score?loss.gamma=1&metrics=auroc', body);
    const json = await app.inject({
      method: 'POST',
      url: '/v1/score',
      payload: { preds: [[2, -1, 0.5], [0.1, 1.5, -0.3], [-0.7, 0.2, 2.2], [1.2, 0.3, -0.5]], labels: [0, 1, 2, 0], loss: { gamma: 1 }, metrics: ['auroc'] },
    });
    expect(arrow.statusCode, arrow.body).toBe(200);
    expect(arrow.json()).toEqual(json.json());
  });

  describe('bad Arrow input is a 4xx problem naming the field', () => {
    const good = { preds: column(new Float64Array([0.1, 0.9])), labels: column(new Int8Array([0, 1])) };

    it('bytes that are not an Arrow stream', async () => {
      const res = await postArrow('/v1/auroc', Buffer.from('definitely not arrow'));
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    });

    it('a missing column', async () => {
      const res = await postArrow('/v1/auroc', arrowStream({ preds: good.preds }));
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].path).toBe('labels');
    });

    it('a column of the wrong type', async () => {
      const res = await postArrow('/v1/auroc', arrowStream({ preds: good.preds, labels: column(new Float64Array([0, 1])) }));
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].path).toBe('labels');
    });

    it('NaN in preds', async () => {
      const res = await postArrow('/v1/auroc', arrowStream({ preds: column(new Float64Array([0.1, NaN])), labels: good.labels }));
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].path).toBe('preds/1');
    });

    it('labels shaped unlike preds', async () => {
      const res = await postArrow('/v1/focal-loss?task=binary', arrowStream({ preds: good.preds, labels: column(new Int8Array([0, 1, 1, 0]), 2) }));
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].path).toBe('labels');
    });

    it('an invalid option in the query', async () => {
      const res = await postArrow('/v1/auroc?average=mean', arrowStream(good));
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].path).toBe('average');
    });

    it('query names that reach a prototype are refused, and leave Object.prototype alone', async () => {
      for (const query of [
        'a.__proto__.ignore_index=1',
        '__proto__.polluted=1',
        'ci.constructor.prototype.x=1',
        'constructor=1',
        'toString=1',
        'metrics=[{"name":"accuracy","__proto__":{"x":1}}]',
        // A dotted name under a scalar, an array or an inherited method has nowhere to go.
        'toString.ignore_index=1',
        'valueOf.ignore_index=1',
        'task=binary&task.ignore_index=1',
        'metrics.ignore_index=1',
      ]) {
        const res = await postArrow(`/v1/arrow/metrics?metrics=accuracy&${query}`.replace('metrics=accuracy&metrics=', 'metrics='), arrowStream(good));
        expect(res.statusCode, `${query}: ${res.body}`).toBe(400);
        expect(res.headers['content-type']).toMatch(/problem\+json/);
      }
      expect(({} as Record<string, unknown>).ignore_index).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // And the next request is answered as if nothing happened.
      const res = await postArrow('/v1/arrow/auroc', arrowStream({ preds: column(new Float64Array([0.2, 0.8, 0.3, 0.1])), labels: column(new Int8Array([0, 1, 1, 0])) }));
      expect(res.json().auroc).toBe(1);
    });

    it('an Arrow body on a JSON-only route is 415', async () => {
      const res = await postArrow('/v1/roc', arrowStream(good));
      expect(res.statusCode).toBe(415);
    });

    it('query options on a JSON request are rejected, not ignored', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/auroc?average=weighted', payload: { preds: [0.1, 0.9], labels: [0, 1] } });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].path).toBe('average');
    });
  });
});
