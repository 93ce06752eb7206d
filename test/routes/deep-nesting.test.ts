import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ARROW, arrowStream, column } from '../support/arrow.js';
import { bodyPaths, testApp } from '../support/app.js';

/**
 * Values nested thousands deep: what reads a parsed body (JSON.stringify in a message, zod, the
 * structured clone to a worker) recurses, so without a bound at parse time the stack overflows
 * and the answer is a 500. Each must be a 400 naming the top-level field, and the app must still
 * answer afterwards.
 */
const PROBLEM = 'application/problem+json; charset=utf-8';
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const deepArray = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);

const bodies = (depth: number) => ({
  'a metric name': { field: 'metrics', text: `{"task":"binary","preds":[0.1,0.9],"labels":[0,1],"metrics":[{"name":${deepObject(depth)}}]}` },
  'a metric entry': { field: 'metrics', text: `{"task":"binary","preds":[0.1,0.9],"labels":[0,1],"metrics":[${deepArray(depth)}]}` },
  'preds': { field: 'preds', text: `{"task":"binary","preds":${deepArray(depth)},"labels":[0,1],"metrics":["accuracy"]}` },
  'an unknown field': { field: 'extra', text: `{"task":"binary","preds":[0.1,0.9],"labels":[0,1],"metrics":["accuracy"],"extra":${deepObject(depth)}}` },
  // An escape in a key: the body takes the slow path (secure-json-parse) rather than the scanner.
  'an escaped body': { field: 'metrics', text: `{"task":"binary","preds":[0.1,0.9],"labels":[0,1],"metrics":[{"n\\u0061me":${deepObject(depth)}}]}` },
});

describe.each(bodyPaths)('nesting 5,000 and 100,000 deep is a 400 naming the field ($path)', ({ config }) => {
  let app: App;
  let batches: string;
  beforeAll(async () => {
    app = await testApp(config);
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'binary', metrics: ['auroc'] } });
    expect(created.statusCode).toBe(201);
    batches = `/v1/sessions/${created.json<{ id: string }>().id}/batches`;
  });
  afterAll(() => app.close());

  for (const depth of [5_000, 100_000]) {
    for (const [what, { field, text }] of Object.entries(bodies(depth))) {
      it.each(['/v1/metrics', '/v1/score', '/v1/sessions', 'a session batch'])(`${what}, ${depth} deep, on %s`, async (route) => {
        const url = route === 'a session batch' ? batches : route;
        const res = await app.inject({ method: 'POST', url, payload: text, headers: { 'content-type': 'application/json' } });
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toBe(PROBLEM);
        expect(res.json<{ errors: Array<{ path: string }> }>().errors[0].path).toBe(field);
        const alive = await app.inject({ method: 'POST', url: '/v1/auroc', payload: { preds: [0.1, 0.9], labels: [0, 1] } });
        expect(alive.json()).toMatchObject({ auroc: 1 });
      });
    }
  }

  it('a whole body nested 100,000 deep is a 400 at (body)', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/metrics', payload: deepArray(100_000), headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ errors: Array<{ path: string }> }>().errors[0].path).toBe('(body)');
  });

  it('an unknown metric name is quoted short, however long it is', async () => {
    const name = 'x'.repeat(100_000);
    const res = await app.inject({ method: 'POST', url: '/v1/metrics', payload: { task: 'binary', preds: [0.1, 0.9], labels: [0, 1], metrics: [name] } });
    expect(res.statusCode).toBe(400);
    expect(res.body.length).toBeLessThan(4096);
    expect(res.json<{ detail: string }>().detail).toContain('(100000 characters)');
  });
});

describe('Arrow query options nested 5,000 deep', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  it('is a 400 naming the parameter', async () => {
    const body = arrowStream({ preds: column(new Float64Array([0.1, 0.9])), labels: column(new Int32Array([0, 1])) });
    const metrics = encodeURIComponent(deepArray(5_000));
    const res = await app.inject({ method: 'POST', url: `/v1/arrow/metrics?task=binary&metrics=${metrics}`, payload: body, headers: { 'content-type': ARROW } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json<{ errors: Array<{ path: string }> }>().errors[0].path).toBe('metrics');
  });
});
