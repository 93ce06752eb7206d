import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';

const routes = ['/v1/focal-loss', '/v1/auroc', '/v1/average-precision', '/v1/roc', '/v1/precision-recall-curve', '/v1/score'];
const fieldNames = ['preds', 'labels', 'task', 'input', 'alpha', 'gamma', 'reduction', 'ignore_index', 'return_grad', 'num_classes', 'num_labels', 'average', 'multi_class', 'max_fpr', 'thresholds', 'drop_intermediate', 'max_points', 'loss', 'metrics', '__proto__', 'constructor', 'prototype', 'name'];

const extremeNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, 1e-320, -1e-320, 0, -0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 0.5, 1e-7),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -5, max: 12 }),
);
const oddScalar = fc.oneof(extremeNumber, fc.constantFrom('NaN', 'Infinity', '-Infinity', '1', '', 'binary', 'macro', 'ovo', 'none', 'probs'), fc.boolean(), fc.constant(null));

/** Any JSON value, nested up to a few levels, with odd numbers and odd keys. */
const { anyValue } = fc.letrec((tie) => ({
  anyValue: fc.oneof({ depthSize: 'small', withCrossShrink: true }, oddScalar, tie('array'), tie('object')),
  array: fc.array(tie('anyValue'), { maxLength: 6 }),
  object: fc.dictionary(fc.constantFrom(...fieldNames), tie('anyValue'), { maxKeys: 5 }),
}));

/** Something close to a real batch, with one thing wrong as often as not. */
const nearBatch = fc.record(
  {
    preds: fc.oneof(
      fc.array(extremeNumber, { maxLength: 8 }),
      fc.array(fc.array(extremeNumber, { minLength: 0, maxLength: 4 }), { maxLength: 6 }),
      fc.array(fc.array(fc.array(extremeNumber, { maxLength: 3 }), { maxLength: 3 }), { maxLength: 3 }),
      anyValue,
    ),
    labels: fc.oneof(fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 8 }), fc.array(fc.array(fc.integer({ min: -1, max: 2 }), { maxLength: 4 }), { maxLength: 6 }), anyValue),
    task: fc.constantFrom('binary', 'multiclass', 'multilabel', 'regression'),
    average: fc.constantFrom('macro', 'weighted', 'micro', 'none', 'samples'),
    thresholds: fc.oneof(fc.constant(null), fc.integer({ min: -1, max: 12 }), fc.array(extremeNumber, { maxLength: 4 })),
    alpha: fc.oneof(fc.constant(null), extremeNumber, fc.array(extremeNumber, { maxLength: 4 })),
    gamma: extremeNumber,
    max_fpr: fc.oneof(fc.constant(null), extremeNumber),
    ignore_index: fc.integer({ min: -3, max: 3 }),
  },
  { requiredKeys: ['preds', 'labels'] },
);

/**
 * Well-formed batches of every task with extreme numbers (±1e308, subnormals, 2^53 + 1) and
 * padding: the shapes pass, so what is tested is the arithmetic — an overflow must be a 400,
 * never a NaN that turns into a 500 or a `null` in a curve.
 */
const extremeBatch = fc
  .record({ rows: fc.integer({ min: 1, max: 6 }), classes: fc.integer({ min: 2, max: 4 }), task: fc.constantFrom('binary', 'multiclass', 'multilabel') })
  .chain(({ rows, classes, task }) => {
    const label = task === 'multiclass' ? fc.integer({ min: -1, max: classes - 1 }) : fc.integer({ min: -1, max: 1 });
    const row = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: classes, maxLength: classes });
    return fc.record({
      preds: task === 'binary' ? fc.array(extremeNumber, { minLength: rows, maxLength: rows }) : fc.array(row(extremeNumber), { minLength: rows, maxLength: rows }),
      labels: task === 'multilabel' ? fc.array(row(label), { minLength: rows, maxLength: rows }) : fc.array(label, { minLength: rows, maxLength: rows }),
      task: fc.constant(task),
      ignore_index: fc.constant(-1),
      return_grad: fc.boolean(),
      gamma: fc.constantFrom(0, 0.5, 2),
      average: fc.constantFrom('macro', 'weighted', 'micro', 'none'),
      thresholds: fc.constantFrom(null, 5),
      metrics: fc.constant(['auroc', 'average_precision']),
    });
  });

/** Hand-written hostile texts that no generator above produces. */
const hostileTexts = [
  '{"__proto__": {"polluted": 1}, "preds": [0.1, 0.9], "labels": [0, 1]}',
  '{"constructor": {"prototype": {"polluted": 1}}, "preds": [0.1, 0.9], "labels": [0, 1]}',
  '{"preds": [0.1, 0.9], "labels": [0, 1], "\\u005f\\u005fproto\\u005f\\u005f": {"x": 1}}',
  `{"preds": ${'['.repeat(2000)}${']'.repeat(2000)}, "labels": [0]}`,
  '{"preds": [1e999, 0.5], "labels": [0, 1]}',
  '{"preds": [NaN, 0.5], "labels": [0, 1]}',
  '{"preds": [], "labels": []}',
  '[]',
  'null',
  '"just a string"',
  '{"preds": [0.1, 0.9], "labels": [0, 1]',
  '\u0000\u0001',
];

/**
 * Where a response has a number array with `null` in it: the path, or null. Only `per_class`
 * (and `per_class_ci`) lists hold `null` beside values by contract, one entry per class where
 * that class's value is undefined; inside a curve, a tensor or a point list a `null` is a NaN or
 * an Infinity that JSON wrote silently.
 */
function nullInNumberArray(value: unknown, path = ''): string | null {
  if (Array.isArray(value)) {
    const perClass = /(^|\/)per_class(_ci)?$/.test(path);
    if (!perClass && value.includes(null) && value.some((v) => typeof v === 'number' || Array.isArray(v))) return path;
    for (let i = 0; i < value.length; i++) {
      const found = nullInNumberArray(value[i], `${path}/${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const found = nullInNumberArray(child, path ? `${path}/${key}` : key);
    if (found) return found;
  }
  return null;
}

describe.each([
  { path: 'inline', config: {} },
  { path: 'worker pool', config: { INLINE_MAX_BYTES: 0 } },
])('hostile input never gets a 5xx ($path)', ({ path, config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const check = async (url: string, payload: string) => {
    const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode, `${url} ${payload.slice(0, 200)} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
    if (res.statusCode >= 400) {
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: res.statusCode, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    } else {
      expect(res.body).not.toMatch(/NaN|Infinity/);
      expect(nullInNumberArray(res.json()), `${url} ${payload.slice(0, 200)} → ${res.body.slice(0, 300)}`).toBeNull();
    }
  };
  const runs = path === 'inline' ? 400 : 60;

  it.each(routes)('%s: random JSON values', async (url) => {
    await fc.assert(fc.asyncProperty(anyValue, (value) => check(url, JSON.stringify(value) ?? 'null')), { numRuns: runs });
  });

  it.each(routes)('%s: near-valid batches', async (url) => {
    await fc.assert(fc.asyncProperty(nearBatch, (value) => check(url, JSON.stringify(value))), { numRuns: runs });
  });

  it.each(routes)('%s: well-formed batches of extreme numbers', async (url) => {
    const fields: Record<string, string[]> = {
      '/v1/focal-loss': ['preds', 'labels', 'task', 'ignore_index', 'return_grad', 'gamma'],
      '/v1/score': ['preds', 'labels', 'task', 'ignore_index', 'metrics'],
      '/v1/auroc': ['preds', 'labels', 'task', 'ignore_index', 'average', 'thresholds'],
      '/v1/average-precision': ['preds', 'labels', 'task', 'ignore_index', 'average', 'thresholds'],
      '/v1/roc': ['preds', 'labels', 'task', 'ignore_index', 'thresholds'],
      '/v1/precision-recall-curve': ['preds', 'labels', 'task', 'ignore_index', 'thresholds'],
    };
    const pick = (batch: Record<string, unknown>) => Object.fromEntries(fields[url].map((k) => [k, batch[k]]));
    await fc.assert(fc.asyncProperty(extremeBatch, (batch) => check(url, JSON.stringify(pick(batch)))), { numRuns: runs });
  });

  it.each(routes)('%s: hand-written hostile bodies', async (url) => {
    for (const text of hostileTexts) await check(url, text);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stays up', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
