import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { bodyPaths, testApp } from './support/app.js';

const PROBLEM = 'application/problem+json; charset=utf-8';
const binary = { preds: [0.13, 0.26, 0.08, 0.19, 0.34], labels: [0, 0, 1, 1, 1] };

describe.each(bodyPaths)('bad input is a 4xx problem+json naming the field ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp({ ...config, BODY_LIMIT_BYTES: 4096 });
  });
  afterAll(() => app.close());

  const post = (url: string, payload: string | object, contentType = 'application/json') =>
    app.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': contentType } });

  it('malformed JSON is 400', async () => {
    const res = await post('/v1/auroc', '{"preds": [0.1,');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json()).toMatchObject({ status: 400, code: 'ERR_MALFORMED_BODY', type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  });

  it('an empty body is 400', async () => {
    const res = await post('/v1/auroc', '');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe(PROBLEM);
  });

  it('a string where a number belongs names preds/1', async () => {
    const res = await post('/v1/auroc', { preds: [0.1, 'NaN'], labels: [0, 1] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ path: 'preds/1', message: expect.stringContaining('finite number') }]);
  });

  it('a label out of range names labels/3', async () => {
    const res = await post('/v1/auroc', { preds: [0.1, 0.2, 0.3, 0.4], labels: [0, 1, 0, 2] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('labels/3');
  });

  it('a fractional multiclass label names its index', async () => {
    const res = await post('/v1/focal-loss', { preds: [[1, 2], [3, 4]], labels: [0, 0.5] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('labels/1');
  });

  it('a ragged row names its index', async () => {
    const res = await post('/v1/focal-loss', { preds: [[1, 2], [3]], labels: [0, 1] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toEqual({ path: 'preds/1', message: expect.stringContaining('ragged') });
  });

  it('a misspelt option is rejected, not defaulted', async () => {
    const res = await post('/v1/auroc', { ...binary, averag: 'weighted' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ path: 'averag', message: 'unknown field "averag"' }]);
  });

  it('a wrong option type names the option', async () => {
    const res = await post('/v1/focal-loss', { preds: [[1, 2]], labels: [0], gamma: -1 });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('gamma');
  });

  it('a wrong alpha length names alpha', async () => {
    const res = await post('/v1/focal-loss', { preds: [[1, 2, 3]], labels: [0], alpha: [0.5, 0.5] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('alpha');
  });

  it('max_fpr with a multiclass batch names max_fpr', async () => {
    const res = await post('/v1/auroc', { preds: [[0.5, 0.5], [0.2, 0.8]], labels: [0, 1], max_fpr: 0.5 });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('max_fpr');
  });

  it('input "auto" decides on the kept samples only: an ignored score outside [0, 1] is no error', async () => {
    const res = await post('/v1/auroc', { preds: [0.2, 7, 0.9, 0.4], labels: [0, -1, 1, 1], ignore_index: -1 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ input: 'probs', auroc: 1 });
  });

  it('thresholds that do not increase name the element', async () => {
    const res = await post('/v1/auroc', { ...binary, thresholds: [0, 0.5, 0.5, 1] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('thresholds/2');
  });

  it('ovo with average none names average', async () => {
    const res = await post('/v1/auroc', { preds: [[0.5, 0.5], [0.2, 0.8]], labels: [0, 1], multi_class: 'ovo', average: 'none' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('average');
  });

  it('__proto__ keys are rejected', async () => {
    const res = await post('/v1/auroc', '{"preds": [0.1, 0.2], "labels": [0, 1], "__proto__": {"polluted": true}}');
    expect(res.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a wrong content type is 415, saying which the operation takes', async () => {
    const res = await post('/v1/auroc', 'preds=1', 'text/plain');
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json().detail).toMatch(/text\/plain is not accepted: this operation takes application\/json/);
  });

  it('a compressed body is 415 naming Content-Encoding, not a parse error', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/auroc', payload: Buffer.from([0x1f, 0x8b, 8, 0]), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(res.statusCode).toBe(415);
    expect(res.json().detail).toMatch(/Content-Encoding gzip is not accepted/);
  });

  it('a number beyond float64 (1e999) is said to be not finite', async () => {
    const res = await post('/v1/auroc', '{"preds": [0.5, 1e999], "labels": [0, 1]}');
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ path: 'preds/1', message: expect.stringMatching(/^not finite \(Infinity: the number overflows float64/) }]);
  });

  it('an oversized body is 413', async () => {
    const res = await post('/v1/auroc', { preds: Array(2000).fill(0.5), labels: Array(2000).fill(0) });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toBe(PROBLEM);
  });

  it('an unknown route is 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json()).toMatchObject({ status: 404, code: 'ERR_NOT_FOUND' });
  });

  it('a wrong method on a known route is 405 with Allow', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/auroc' });
    expect(res.statusCode).toBe(405);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.headers.allow).toBe('POST');
    expect((await app.inject({ method: 'DELETE', url: '/healthz' })).headers.allow).toBe('GET, HEAD');
  });

  it('a wrong method on a route with a path parameter is 405 with Allow too, whatever its body', async () => {
    const id = '0123456789abcdef0123456789abcdef';
    for (const [method, url, allow] of [
      ['PUT', `/v1/sessions/${id}`, 'GET, HEAD, DELETE'],
      ['PATCH', `/v1/sessions/${id}/batches`, 'POST'],
      ['GET', `/v1/sessions/${id}/reset`, 'POST'],
      ['POST', `/v1/sessions/${id}/roc`, 'GET, HEAD'],
    ] as const) {
      const res = await app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload: '{"not": json' });
      expect(res.statusCode, `${method} ${url}`).toBe(405);
      expect(res.headers.allow, `${method} ${url}`).toBe(allow);
      expect(res.json()).toMatchObject({ status: 405, code: 'ERR_METHOD_NOT_ALLOWED' });
    }
    expect((await app.inject({ method: 'PUT', url: '/v1/metrics', headers: { 'content-type': 'application/json' }, payload: '{' })).statusCode).toBe(405);
    expect((await app.inject({ method: 'GET', url: `/v1/sessions/${id}/nothing` })).statusCode).toBe(404);
  });

  it('logits so large that the loss overflows are a 400, never Infinity', async () => {
    const res = await post('/v1/focal-loss', { preds: [[1e308, -1e308]], labels: [1], alpha: null });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('preds');
  });
});
