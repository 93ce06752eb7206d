import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { bodyPaths, testApp } from '../support/app.js';

/**
 * A worker writes its JSON answer straight to bytes, its tensors from their flat values (the
 * nested arrays are never built there); the main thread writes the same answer through Fastify's
 * serializer. The texts must be identical, for tensors the writer takes (32 values or more) and
 * for those it leaves to JSON.stringify (fewer, or empty).
 */
const rows = (n: number, c: number) => Array.from({ length: n }, (_, i) => Array.from({ length: c }, (_, j) => Math.sin(i * 7 + j * 3) * 4));
const cases = {
  'a large multiclass gradient and losses': {
    url: '/v1/focal-loss',
    body: { preds: rows(40, 3), labels: Array.from({ length: 40 }, (_, i) => i % 3), gamma: 2, reduction: 'none', return_grad: true },
  },
  'a large binary gradient and hessian': {
    url: '/v1/focal-loss',
    body: { task: 'binary', preds: rows(40, 1).flat(), labels: Array.from({ length: 40 }, (_, i) => i % 2), return_grad: true, return_hess: true },
  },
  'a small binary gradient (below the writer)': { url: '/v1/focal-loss', body: { preds: [0.3, -1.2, 2.5], labels: [0, 1, 1], return_grad: true } },
  'a gradient of a batch whose labels are all ignored': {
    url: '/v1/focal-loss',
    body: { preds: [[0.1, 0.2], [0.3, 0.4]], labels: [-100, -100], ignore_index: -100, return_grad: true, reduction: 'sum' },
  },
  '/v1/score with a loss and metrics': {
    url: '/v1/score',
    body: { task: 'binary', preds: Array.from({ length: 50 }, (_, i) => Math.cos(i)), labels: Array.from({ length: 50 }, (_, i) => i % 2), loss: { return_grad: true }, metrics: ['auroc'] },
  },
};

describe('a worker answers the same JSON text as the main thread', () => {
  const apps: Record<string, App> = {};
  beforeAll(async () => {
    for (const { path, config } of bodyPaths) apps[path] = await testApp(config);
  });
  afterAll(() => Promise.all(Object.values(apps).map((app) => app.close())));

  it.each(Object.entries(cases))('%s', async (_, { url, body }) => {
    const [inline, worker] = await Promise.all(bodyPaths.map(({ path }) => apps[path].inject({ method: 'POST', url, payload: body })));
    expect(inline.statusCode).toBe(200);
    expect(worker.statusCode).toBe(200);
    expect(worker.body).toBe(inline.body);
  });
});
