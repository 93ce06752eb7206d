import { readFileSync } from 'node:fs';
import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { testApp } from './support/app.js';

describe('OpenAPI document', () => {
  let app: App;
  let served: Record<string, any>;
  beforeAll(async () => {
    app = await testApp();
    served = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(() => app.close());

  it('is valid OpenAPI 3.1', async () => {
    expect(served.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(served) as Parameters<typeof validate>[0]);
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('equals the committed openapi/openapi.json (run `npm run openapi` after changing a schema)', () => {
    const committed = JSON.parse(readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8'));
    expect(served).toEqual(committed);
  });

  it('documents every operation with a summary, a description and a request example', () => {
    const operations = Object.entries(served.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, any>).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.map((o) => o.path)).toEqual(expect.arrayContaining(['/v1/focal-loss', '/v1/auroc', '/v1/score', '/v1/roc']));
    for (const { path, method, op } of operations) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.description, `${method} ${path}`).toBeTruthy();
      if (method !== 'post') continue;
      const media = op.requestBody.content['application/json'];
      expect(media.example ?? Object.values(media.examples ?? {})[0], `${method} ${path}`).toBeTruthy();
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });
});

describe('seed examples in the docs are correct', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  it('binary AUROC example is 0.5 and multiclass is 0.7778', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const examples = spec.paths['/v1/auroc'].post.requestBody.content['application/json'].examples;
    const results = [];
    for (const example of Object.values(examples) as Array<{ value: object }>) {
      results.push((await app.inject({ method: 'POST', url: '/v1/auroc', payload: example.value })).json().auroc);
    }
    expect(results[0]).toBe(0.5);
    expect(results[1]).toBeCloseTo(0.7778, 4);
  });
});
