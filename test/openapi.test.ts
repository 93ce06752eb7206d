import { metricNames } from '../src/metrics/registry.js';
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

  const operations = () =>
    Object.entries(served.paths).flatMap(([path, item]) => Object.entries(item as Record<string, any>).map(([method, op]) => ({ path, method, op })));
  const jsonOperations = () => operations().filter(({ op }) => op.requestBody?.content?.['application/json']);
  /** The stateless scoring operations: an example's answer depends on its body alone (a session's on its state and id). */
  const scoringJsonOperations = () => jsonOperations().filter(({ path }) => !path.startsWith('/v1/sessions'));
  /** Every value under `key` anywhere in the document, with its path. */
  const valuesOf = (key: string) => {
    const found: Array<{ path: string; value: unknown }> = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) node.forEach((child, i) => walk(child, `${path}/${i}`));
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === key) found.push({ path, value: v });
          walk(v, `${path}/${k}`);
        }
      }
    };
    walk(served, '');
    return found;
  };

  it('documents every operation with a unique operationId, a summary, a description and a real success response', () => {
    const all = operations();
    expect(all.map((o) => o.path)).toEqual(expect.arrayContaining(['/v1/focal-loss', '/v1/auroc', '/v1/score', '/v1/roc', '/v1/arrow/auroc']));
    const ids = all.filter((o) => o.path.startsWith('/v1/')).map((o) => o.op.operationId);
    expect(ids).toEqual(
      expect.arrayContaining(['focalLoss', 'auroc', 'aurocCompare', 'averagePrecision', 'roc', 'precisionRecallCurve', 'score', 'focalLossArrow', 'aurocArrow', 'scoreArrow']),
    );
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of all) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.description, `${method} ${path}`).toBeTruthy();
      const success = op.responses['200'] ?? op.responses['201'] ?? op.responses['204'];
      expect(success.description, `${method} ${path}`).not.toMatch(/^Default Response$/);
    }
  });

  it('has servers, a license and a contact', () => {
    expect(served.servers.length).toBeGreaterThan(0);
    expect(served.info.license.name).toBeTruthy();
    expect(served.info.contact.name).toBeTruthy();
  });

  it('documents errors as application/problem+json with one Problem component, 401 with a bearer scheme, 406, and Retry-After on 503', () => {
    expect(served.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { path, op } of operations().filter((o) => o.path.startsWith('/v1/'))) {
      expect(op.security, path).toEqual([{ bearerAuth: [] }, {}]);
      for (const status of ['400', '401', '406', '413', '415', '503']) {
        expect(op.responses[status]?.content, `${path} ${status}`).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
      }
      expect(op.responses['503'].headers['Retry-After'].schema.type).toBe('integer');
    }
    expect(JSON.stringify(served.paths)).not.toMatch(/"application\/json":\{"schema":\{"\$ref":"#\/components\/schemas\/Problem/);
  });

  it('documents every status a session operation answers: 404 for an unknown id, 409 and 422 where they occur', () => {
    const sessionOperations = operations().filter((o) => o.path.startsWith('/v1/sessions/{id}'));
    expect(sessionOperations.length).toBe(11);
    const expected: Record<string, string[]> = {
      addSessionBatch: ['404', '422'],
      computeSession: ['404'],
      sessionRoc: ['404', '409'],
      sessionPrecisionRecallCurve: ['404', '409'],
      sessionDetCurve: ['404', '409'],
      sessionThresholds: ['404', '409'],
      sessionCalibration: ['404', '409'],
      sessionReport: ['404'],
      resetSession: ['404'],
      mergeSessions: ['404', '409'],
      deleteSession: ['404'],
    };
    for (const { op } of sessionOperations) {
      const statuses = Object.keys(op.responses).filter((s) => ['404', '409', '422'].includes(s));
      expect(statuses, op.operationId).toEqual(expected[op.operationId]);
      for (const status of statuses) expect(op.responses[status].content['application/problem+json'].schema.$ref, op.operationId).toBe('#/components/schemas/Problem');
    }
  });

  it('gives every session operation with a body named request examples', () => {
    for (const { path, op } of jsonOperations().filter((o) => o.path.startsWith('/v1/sessions'))) {
      expect(Object.keys(op.requestBody.content['application/json'].examples ?? {}).length, path).toBeGreaterThan(0);
    }
  });

  it('shows problems with realistic values (a status in 400..599, not the bounds of a safe integer)', () => {
    const problem = served.components.schemas.Problem;
    expect(problem.properties.status).toMatchObject({ type: 'integer', minimum: 400, maximum: 599 });
    expect(problem.examples.map((e: { status: number }) => e.status)).toEqual([400, 404]);
    for (const example of problem.examples) expect(Object.keys(example).filter((k) => !(k in problem.properties))).toEqual([]);
  });

  it('types a session curve\'s drop_intermediate as the boolean it is', async () => {
    const parameter = served.paths['/v1/sessions/{id}/roc'].get.parameters.find((p: { name: string }) => p.name === 'drop_intermediate');
    expect(parameter.schema).toEqual({ type: 'boolean' });
    expect(parameter.description).toMatch(/`true`, the default, or `false`/);
    const id = '0123456789abcdef0123456789abcdef';
    const res = await app.inject({ method: 'GET', url: `/v1/sessions/${id}/roc?drop_intermediate=yes` });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('drop_intermediate');
  });

  it('names the shapes users hold (task, interval, curves, per-class values, metric results) as components, once each', () => {
    const names = Object.keys(served.components.schemas);
    for (const name of ['Task', 'Interval', 'RocCurve', 'PrecisionRecallCurve', 'PerClassValues', 'AurocResult', 'AveragePrecisionResult', 'FocalLossResult', 'ScoreResult', 'Problem']) {
      expect(names, name).toContain(name);
    }
    // An input variant survives only where it differs from the output one.
    for (const name of names.filter((n) => n.endsWith('Input'))) expect(served.components.schemas[name]).not.toEqual(served.components.schemas[name.slice(0, -5)]);
  });

  it('has no construct common generators reject: no `items: false`, no tuples, no `default: {}`', () => {
    expect(valuesOf('items').filter((v) => v.value === false)).toEqual([]);
    expect(valuesOf('prefixItems')).toEqual([]);
    expect(valuesOf('default').filter((v) => v.value !== null && typeof v.value === 'object' && Object.keys(v.value as object).length === 0)).toEqual([]);
  });

  it('says what the server enforces: tensors of one depth per alternative, empty only at the outermost level (`[]`, a batch of no samples), 32-bit labels, typed result tensors', () => {
    const body = (path: string) => served.paths[path].post.requestBody.content['application/json'].schema;
    const preds = body('/v1/focal-loss').properties.preds;
    expect(preds.anyOf.map((alt: any) => JSON.stringify(alt))).toEqual([
      '{"type":"array","minItems":0,"items":{"type":"number"}}',
      '{"type":"array","minItems":1,"items":{"type":"array","minItems":1,"items":{"type":"number"}}}',
      '{"type":"array","minItems":1,"items":{"type":"array","minItems":1,"items":{"type":"array","minItems":1,"items":{"type":"number"}}}}',
    ]);
    expect(body('/v1/auroc').properties.labels.anyOf[0].items).toEqual({ type: 'integer', format: 'int32', minimum: -2147483648, maximum: 2147483647 });
    const result = served.components.schemas.FocalLossResult.properties;
    for (const field of ['grad', 'losses', 'hess']) expect(JSON.stringify(result[field]), field).toMatch(/"items":\{"type":"number"\}/);
    expect(body('/v1/average-precision').properties.ci.anyOf[0].$ref).toBe('#/components/schemas/BootstrapIntervalOptions');
    expect(served.components.schemas.BootstrapIntervalOptions.properties.method).toMatchObject({ const: 'bootstrap' });
  });

  it('gives JSON operations no query parameters, and Arrow operations their options typed as the server reads them', () => {
    // Path parameters (a session's id) and headers (Idempotency-Key) are not query options.
    for (const { path, op } of jsonOperations()) expect((op.parameters ?? []).filter((p: any) => p.in === 'query'), path).toEqual([]);
    const params = Object.fromEntries(served.paths['/v1/arrow/auroc'].post.parameters.map((p: any) => [p.name, p]));
    expect(params['ci.method'].schema.enum).toEqual(['delong', 'bootstrap']);
    expect(params['ci.level'].schema.type).toBe('number');
    // A nullable option takes the word null, as the server reads it.
    expect(params.max_fpr.schema.anyOf).toEqual([expect.objectContaining({ type: 'number' }), { type: 'string', enum: ['null'] }]);
    expect(params.average.schema.enum).toEqual(['macro', 'weighted', 'micro', 'samples', 'none']);
    expect(params.thresholds.schema.anyOf.map((a: any) => a.type)).toEqual(['integer', 'array', 'string']);
    expect(params.thresholds).toMatchObject({ style: 'form', explode: false });
    const focal = Object.fromEntries(served.paths['/v1/arrow/focal-loss'].post.parameters.map((p: any) => [p.name, p]));
    expect(focal.return_grad.schema.type).toBe('boolean');
    const score = Object.fromEntries(served.paths['/v1/arrow/score'].post.parameters.map((p: any) => [p.name, p]));
    expect(score['loss.gamma'].schema.type).toBe('number');
    expect(score.metrics).toMatchObject({ style: 'form', explode: false, schema: { type: 'array', items: { type: 'string', enum: metricNames } } });
    const metrics = Object.fromEntries(served.paths['/v1/arrow/metrics'].post.parameters.map((p: any) => [p.name, p]));
    expect(metrics.metrics).toMatchObject({ required: true, schema: { type: 'array', items: { type: 'string', enum: metricNames } } });
    expect(score.loss.schema).toEqual({ type: 'string', enum: ['null'] });
    expect(focal['alpha.effective_number.beta'].schema.type).toBe('number');
    expect(Object.keys(served.paths['/v1/arrow/auroc'].post.requestBody.content)).toEqual(['application/vnd.apache.arrow.stream']);
  });

  it('shows named request examples, each with the answer the app gives to it', async () => {
    for (const { path, op } of scoringJsonOperations()) {
      const examples = op.requestBody.content['application/json'].examples;
      const names = Object.keys(examples ?? {});
      expect(names.length, path).toBeGreaterThan(1);
      expect(names.some((n) => /^example\d+$/.test(n)), path).toBe(false);
      const answers = op.responses['200'].content['application/json'].examples;
      expect(Object.keys(answers), path).toEqual(names);
      for (const name of names) {
        const response = await app.inject({ method: 'POST', url: path, payload: examples[name].value });
        expect(response.statusCode, `${path} ${name}`).toBe(200);
        expect(answers[name].value, `${path} ${name}`).toEqual(response.json());
        expect(answers[name].summary).toBe(examples[name].summary);
      }
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
