import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { bodyPaths, testApp } from '../support/app.js';
import { loadCases, mismatch, vectorsDir } from '../support/reference.js';

/**
 * `matthews_corrcoef` with `degenerate: "zero"` is scikit-learn's MCC where a marginal is empty
 * (0, where torchmetrics' default rule answers 1, −1 or its ε formula); the default stays
 * torchmetrics' (test/reference/classification.json). test/vectors/matthews-degenerate-zero.json
 * is made by test/vectors/matthews-degenerate-zero.py.
 */
const cases = loadCases('matthews-degenerate-zero.json', vectorsDir);

describe.each(bodyPaths)('matthews_corrcoef degenerate "zero" through the routes ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const response = await app.inject({ method: 'POST', url: c.endpoint, payload: c.request });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    for (const [field, want] of Object.entries(c.expected)) expect(mismatch(body[field], want, c.tolerance, field), c.source).toBeNull();
  });
});
