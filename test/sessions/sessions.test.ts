import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ARROW, arrowStream, column } from '../support/arrow.js';
import { testApp } from '../support/app.js';

const binary = { preds: [0.1, 0.8, 0.4, 0.3, 0.9, 0.65], labels: [0, 1, 1, 1, 0, 1] };
const multiclass = { preds: [[2, 0.1, -1], [0.2, 1.5, 0.3], [-0.5, 0.2, 2.5], [1.1, 1.0, 0.9]], labels: [0, 1, 2, 1] };

describe('sessions: the API', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp({ SESSION_MAX_ROWS: 10 });
  });
  afterAll(() => app.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) => app.inject({ method, url, payload, headers });
  const create = async (body: object) => {
    const res = await call('POST', '/v1/sessions', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const state = async (id: string) => (await call('GET', `/v1/sessions/${id}`)).json();
  const problem = (res: { statusCode: number; headers: Record<string, unknown>; json: () => { errors?: Array<{ path: string; message: string }>; detail: string } }, status: number) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    return res.json();
  };

  it('creates a session: 201, Location, a 128-bit id, its configuration with defaults', async () => {
    const res = await call('POST', '/v1/sessions', { task: 'binary', metrics: ['auroc'] });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.id).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.location).toBe(`/v1/sessions/${body.id}`);
    expect(body).toMatchObject({ task: 'binary', input: 'auto', loss: null, ttl_seconds: 86400 });
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());
  });

  it.each([
    ['multiclass without num_classes', { task: 'multiclass', metrics: ['accuracy'] }, 'num_classes'],
    ['num_labels on a binary session', { task: 'binary', num_labels: 3 }, 'num_labels'],
    ['a loss with input auto', { task: 'binary', loss: {}, input: 'auto' }, 'input'],
    ['an unknown metric', { task: 'binary', metrics: ['auroc', 'f2'] }, 'metrics/1'],
    ['a metric the task lacks', { task: 'binary', metrics: ['coverage_error'] }, 'metrics/0'],
    ['a ttl under a minute', { task: 'binary', ttl_seconds: 5 }, 'ttl_seconds'],
  ])('refuses a bad configuration: %s', async (_what, body, path) => {
    const error = problem(await call('POST', '/v1/sessions', body), 400);
    expect(error.errors?.[0].path).toBe(path);
  });

  it('404 for an unknown or deleted id, 400 for a malformed one', async () => {
    problem(await call('GET', `/v1/sessions/${'0'.repeat(32)}`), 404);
    expect(problem(await call('GET', '/v1/sessions/abc'), 400).errors?.[0].path).toMatch(/id/);
    const id = await create({ task: 'binary', metrics: ['auroc'] });
    expect((await call('DELETE', `/v1/sessions/${id}`)).statusCode).toBe(204);
    problem(await call('GET', `/v1/sessions/${id}`), 404);
    problem(await call('POST', `/v1/sessions/${id}/batches`, binary), 404);
  });

  it('a batch of another task, shape or class count, or labels out of range, is a 400 that changes nothing', async () => {
    const id = await create({ task: 'multiclass', num_classes: 3, metrics: ['accuracy', 'auroc'] });
    expect((await call('POST', `/v1/sessions/${id}/batches`, multiclass)).statusCode).toBe(200);
    const before = await state(id);
    const bad = [
      { preds: [[0.1, 0.9], [0.5, 0.5]], labels: [0, 1] },
      { preds: [0.2, 0.8], labels: [0, 1] },
      { preds: [[0.1, 0.2, 0.7]], labels: [3] },
      { preds: [[0.1, 0.2, 0.7]], labels: [1, 2] },
    ];
    for (const body of bad) problem(await call('POST', `/v1/sessions/${id}/batches`, body), 400);
    expect(await state(id)).toEqual({ ...before, expires_at: expect.any(String) });
  });

  it('Idempotency-Key: a retry counts once and gets the first answer; another body under the key is 422', async () => {
    const id = await create({ task: 'binary', metrics: ['accuracy'], loss: { return_grad: true }, input: 'probs' });
    const first = await call('POST', `/v1/sessions/${id}/batches`, binary, { 'idempotency-key': 'batch-1' });
    const again = await call('POST', `/v1/sessions/${id}/batches`, binary, { 'idempotency-key': 'batch-1' });
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect((await state(id)).rows).toBe(6);
    const other = { ...binary, labels: [1, 1, 1, 1, 0, 1] };
    expect(problem(await call('POST', `/v1/sessions/${id}/batches`, other, { 'idempotency-key': 'batch-1' }), 422).detail).toMatch(/another batch/);
    // Sent five times at once: applied once.
    const racing = await Promise.all(Array.from({ length: 5 }, () => call('POST', `/v1/sessions/${id}/batches`, other, { 'idempotency-key': 'batch-2' })));
    expect(racing.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(racing.map((r) => r.body)).size).toBe(1);
    expect((await state(id)).rows).toBe(12);
  });

  it('SESSION_MAX_ROWS bounds a session that keeps rows (413 suggesting thresholds); binned and threshold metrics have no bound', async () => {
    const exact = await create({ task: 'binary', metrics: ['auroc'] });
    expect((await call('POST', `/v1/sessions/${exact}/batches`, binary)).statusCode).toBe(200);
    const error = problem(await call('POST', `/v1/sessions/${exact}/batches`, binary), 413);
    expect(error.detail).toMatch(/SESSION_MAX_ROWS = 10.*thresholds/);
    expect((await state(exact)).rows).toBe(6);
    const binned = await create({ task: 'binary', metrics: ['f1_score', 'calibration_error'] });
    for (let i = 0; i < 3; i++) expect((await call('POST', `/v1/sessions/${binned}/batches`, binary)).statusCode).toBe(200);
    expect((await state(binned)).rows).toBe(18);
  });

  it('reset empties the state and keeps the configuration', async () => {
    const id = await create({ task: 'binary', metrics: ['auroc', 'accuracy'] });
    await call('POST', `/v1/sessions/${id}/batches`, binary);
    expect((await call('POST', `/v1/sessions/${id}/reset`)).statusCode).toBe(204);
    const after = await state(id);
    expect(after).toMatchObject({ rows: 0, batches: 0, metrics: { auroc: { auroc: null } } });
    await call('POST', `/v1/sessions/${id}/batches`, binary);
    expect((await state(id)).rows).toBe(6);
  });

  it('merge: refuses itself, an unknown session and another configuration, naming from/i', async () => {
    const id = await create({ task: 'binary', metrics: ['auroc'] });
    const other = await create({ task: 'binary', metrics: ['accuracy'] });
    expect(problem(await call('POST', `/v1/sessions/${id}/merge`, { from: [id] }), 400).errors?.[0].path).toBe('from/0');
    expect(problem(await call('POST', `/v1/sessions/${id}/merge`, { from: ['f'.repeat(32)] }), 404).errors?.[0].path).toBe('from/0');
    expect(problem(await call('POST', `/v1/sessions/${id}/merge`, { from: [other] }), 409).errors?.[0].path).toBe('from/0');
  });

  it('the epoch loss is the loss of the concatenation; each batch answers its own loss and gradient as /v1/score', async () => {
    const id = await create({ task: 'multiclass', num_classes: 3, loss: { gamma: 2, alpha: null, return_grad: true }, metrics: ['accuracy'] });
    const halves = [
      { preds: multiclass.preds.slice(0, 1), labels: multiclass.labels.slice(0, 1) },
      { preds: multiclass.preds.slice(1), labels: multiclass.labels.slice(1) },
    ];
    for (const half of halves) {
      const batch = (await call('POST', `/v1/sessions/${id}/batches`, half)).json();
      const score = (await call('POST', '/v1/score', { ...half, loss: { gamma: 2, alpha: null, return_grad: true }, metrics: [] })).json();
      expect(batch.loss).toEqual(score.loss);
    }
    const whole = (await call('POST', '/v1/focal-loss', { ...multiclass, gamma: 2, alpha: null })).json();
    const epoch = (await state(id)).loss;
    expect(epoch.count).toBe(4);
    expect(Math.abs(epoch.loss - whole.loss)).toBeLessThan(1e-12 * whole.loss);
  });

  it('curves of the epoch, JSON or SVG; 409 for a session that keeps no rows', async () => {
    const id = await create({ task: 'binary', metrics: ['auroc'] });
    await call('POST', `/v1/sessions/${id}/batches`, binary);
    const roc = await call('GET', `/v1/sessions/${id}/roc`);
    const stateless = (await call('POST', '/v1/roc', binary)).json();
    expect(roc.json().fpr).toEqual(stateless.fpr);
    const svg = await call('GET', `/v1/sessions/${id}/precision-recall-curve`, undefined, { accept: 'image/svg+xml' });
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toMatch(/^<svg/);
    const noRows = await create({ task: 'binary', metrics: ['accuracy'] });
    problem(await call('GET', `/v1/sessions/${noRows}/roc`), 409);
  });

  it('a large session computes in the worker pool and answers what a small one computing inline answers', async () => {
    const big = await testApp({ SESSION_MAX_ROWS: 1_000_000 });
    try {
      const random = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const next = random(7);
      const preds = Array.from({ length: 60_000 }, () => Math.round(next() * 1000) / 1000);
      const labels = preds.map((p) => (next() < p ? 1 : 0));
      const metrics = ['auroc', 'average_precision', 'f1_score', { name: 'recall_at_fixed_precision', min_precision: 0.8 }];
      const created = await big.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'binary', input: 'probs', metrics } });
      const { id } = created.json();
      for (const half of [0, 1]) {
        const part = { preds: preds.slice(half * 30_000, (half + 1) * 30_000), labels: labels.slice(half * 30_000, (half + 1) * 30_000) };
        expect((await big.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: part })).statusCode).toBe(200);
      }
      const session = (await big.inject({ method: 'GET', url: `/v1/sessions/${id}` })).json();
      const stateless = (await big.inject({ method: 'POST', url: '/v1/metrics', payload: { preds, labels, input: 'probs', metrics } })).json();
      expect(session.rows).toBe(60_000);
      for (const key of Object.keys(stateless.metrics)) expect(session.metrics[key][key]).toBeCloseTo(stateless.metrics[key][key], 12);
    } finally {
      await big.close();
    }
  });

  it('refuses weights beyond 2^±64 in a session (one scale per batch would mix scales); the epoch loss counts elements as /v1/focal-loss does', async () => {
    const id = await create({ task: 'binary', loss: { gamma: 2 }, metrics: ['auroc'] });
    const huge = problem(await call('POST', `/v1/sessions/${id}/batches`, { preds: [-1, 2], labels: [0, 1], sample_weight: [1.5e308, 1.5e308] }), 400);
    expect(huge.errors?.[0].path).toBe('sample_weight');
    const weighted = { preds: [-1, 2, 0.5], labels: [0, 1, 1], sample_weight: [0.5, 2, 1] };
    expect((await call('POST', `/v1/sessions/${id}/batches`, weighted)).statusCode).toBe(200);
    const epoch = (await state(id)).loss;
    const whole = (await call('POST', '/v1/focal-loss', { ...weighted, task: 'binary', gamma: 2 })).json();
    expect(epoch.count).toBe(whole.count);
    expect(Math.abs(epoch.loss - whole.loss)).toBeLessThan(1e-12 * whole.loss);
  });

  it('takes an Idempotency-Key of any printable ASCII, spaces included, and a lower-case bearer scheme', async () => {
    const id = await create({ task: 'binary', metrics: ['accuracy'] });
    expect((await call('POST', `/v1/sessions/${id}/batches`, binary, { 'idempotency-key': 'epoch 1 step 3' })).statusCode).toBe(200);
    problem(await call('POST', `/v1/sessions/${id}/batches`, binary, { 'idempotency-key': 'é' }), 400);
  });

  it('takes Arrow batches, with a sample_weight column, as JSON ones', async () => {
    const config = { task: 'binary', metrics: ['auroc', 'f1_score'], input: 'probs' };
    const weights = [1, 2, 0, 1, 0.5, 1];
    const json = await create(config);
    await call('POST', `/v1/sessions/${json}/batches`, { ...binary, sample_weight: weights });
    const arrow = await create(config);
    const body = arrowStream({ preds: column(Float64Array.from(binary.preds)), labels: column(Int8Array.from(binary.labels)), sample_weight: column(Float64Array.from(weights)) });
    const res = await app.inject({ method: 'POST', url: `/v1/sessions/${arrow}/batches`, payload: body, headers: { 'content-type': ARROW } });
    expect(res.statusCode, res.body).toBe(200);
    expect((await state(arrow)).metrics).toEqual((await state(json)).metrics);
  });
});

describe('sessions: with API_TOKENS, another token\'s session is a 404', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp({ API_TOKENS: ['token-a', 'token-b'] });
  });
  afterAll(() => app.close());

  it('isolates sessions by token', async () => {
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'binary', metrics: ['auroc'] }, headers: as('token-a') });
    const { id } = created.json();
    expect((await app.inject({ method: 'GET', url: `/v1/sessions/${id}`, headers: as('token-a') })).statusCode).toBe(200);
    for (const [method, url] of [['GET', `/v1/sessions/${id}`], ['POST', `/v1/sessions/${id}/reset`], ['DELETE', `/v1/sessions/${id}`]] as const) {
      expect((await app.inject({ method, url, headers: as('token-b') })).statusCode).toBe(404);
    }
    const batch = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: binary, headers: as('token-b') });
    expect(batch.statusCode).toBe(404);
    // The scheme is case-insensitive (RFC 9110): the same token, written "bearer", is the same owner.
    expect((await app.inject({ method: 'GET', url: `/v1/sessions/${id}`, headers: { authorization: 'bearer token-a' } })).statusCode).toBe(200);
  });
});
