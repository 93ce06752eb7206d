import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { normalQuantile, normalUpperQuantile } from '../../src/kernels/normal.js';
import { testApp } from '../support/app.js';

/**
 * Every confidence level the schema accepts, (0, 1), is answered: a level whose 1 − (1 − level) / 2
 * rounds to 1 in float64 (0.9999999999999999) was a 500 from the normal quantile. The kind is
 * "a tail probability formed as 1 − small": the DeLong AUROC interval, the one of /v1/metrics, and
 * the comparison of two AUROCs.
 */
describe('confidence levels near 0 and 1', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const preds = [0.1, 0.3, 0.2, 0.9, 0.4, 0.75];
  const labels = [0, 0, 1, 1, 0, 1];
  const post = (url: string, body: object) => app.inject({ method: 'POST', url, payload: body });

  it('the upper quantile equals the quantile where 1 − tail is representable, and its mirror where it is not', () => {
    for (const tail of [0.025, 0.05, 0.005, 0.25]) expect(normalUpperQuantile(tail)).toBe(normalQuantile(1 - tail));
    expect(normalUpperQuantile((1 - 0.9999999999999999) / 2)).toBeCloseTo(-normalQuantile((1 - 0.9999999999999999) / 2), 12);
  });

  it('answers 200 with a finite interval for any level in (0, 1), on every endpoint with a DeLong interval', async () => {
    const level = fc.oneof(fc.constantFrom(0.9999999999999999, 0.99999999999999, Number.MIN_VALUE, 1e-300), fc.double({ min: 0, max: 1, noNaN: true, minExcluded: true, maxExcluded: true }));
    await fc.assert(
      fc.asyncProperty(level, async (l) => {
        const ci = { method: 'delong', level: l };
        const answers = [
          await post('/v1/auroc', { preds, labels, ci }),
          await post('/v1/metrics', { preds, labels, metrics: [{ name: 'auroc', ci }] }),
          await post('/v1/auroc/compare', { preds_a: preds, preds_b: preds.map((p) => 1 - p), labels, level: l }),
        ];
        for (const answer of answers) {
          expect(answer.statusCode, answer.body).toBe(200);
          expect(answer.body).not.toMatch(/NaN|Infinity/);
        }
      }),
      { numRuns: 40, seed: 24 },
    );
  });
});
