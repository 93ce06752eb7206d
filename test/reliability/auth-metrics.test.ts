import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';

const body = { preds: [0.13, 0.26, 0.08, 0.19, 0.34], labels: [0, 0, 1, 1, 1] };

describe('authentication with API_TOKENS', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp({ API_TOKENS: ['alpha-token', 'beta-token'] });
  });
  afterAll(() => app.close());

  const post = (authorization?: string) =>
    app.inject({ method: 'POST', url: '/v1/auroc', payload: body, headers: authorization ? { authorization } : {} });

  it('lets a configured token in', async () => {
    expect((await post('Bearer beta-token')).statusCode).toBe(200);
  });

  it('answers a missing token with 401 problem+json and WWW-Authenticate', async () => {
    const res = await post();
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
  });

  it('answers a wrong token (even a prefix of a right one) with 401', async () => {
    for (const token of ['Bearer alpha', 'Bearer alpha-token-x', 'Basic alpha-token', 'alpha-token']) {
      const res = await post(token);
      expect(res.statusCode, token).toBe(401);
    }
  });

  it('keeps health, readiness and docs open', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs/']) expect((await app.inject({ url })).statusCode, url).toBe(200);
  });
});

describe('DOCS_REQUIRE_AUTH', () => {
  it('guards the docs and metrics but not health', async () => {
    const app = await testApp({ API_TOKENS: ['t0ken'], DOCS_REQUIRE_AUTH: true });
    expect((await app.inject({ url: '/openapi.json' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/openapi.json', headers: { authorization: 'Bearer t0ken' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    await app.close();
  });
});

describe('GET /metrics', () => {
  it('exposes request counts and latency by route and status, pool gauges, rejections and event-loop delay', async () => {
    const app = await testApp({ MAX_ELEMENTS: 4 });
    await app.inject({ method: 'POST', url: '/v1/auroc', payload: { preds: [0.1, 0.9], labels: [0, 1] } });
    await app.inject({ method: 'POST', url: '/v1/auroc', payload: body });
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const text = res.body;
    expect(text).toMatch(/http_requests_total\{route="\/v1\/auroc",method="POST",status="200"\} 1/);
    expect(text).toMatch(/http_requests_total\{route="\/v1\/auroc",method="POST",status="413"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="[0-9.]+",route="\/v1\/auroc",status="200"\}/);
    expect(text).toMatch(/http_requests_rejected_total\{reason="ERR_PAYLOAD_TOO_LARGE"\} 1/);
    expect(text).toMatch(/worker_pool_queue_size 0/);
    expect(text).toMatch(/worker_pool_utilization /);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds /);
    await app.close();
  });
});
