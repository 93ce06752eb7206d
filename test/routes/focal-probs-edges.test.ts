import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';

/**
 * Probabilities at the edge of float64 with a focusing parameter below 1: (1 − p_t)^(γ−1)
 * overflows where 1 − p_t underflows, and met a cross-entropy of 0 as ∞ · 0 (a 500 statelessly,
 * a `null` in a session's grad). The gradient is finite and of the right limit: for label 0 and
 * p → 0, d/dp [−log(1 − p) · p^γ] → (1 + γ) · p^γ.
 */
describe('focal loss on probabilities near 0 and 1 with γ < 1', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const post = (url: string, body: object) => app.inject({ method: 'POST', url, payload: body });

  it('answers the limit for p = 1e-320, label 0, γ = 1e-4', async () => {
    const answer = await post('/v1/focal-loss', { preds: [1e-320], labels: [0], input: 'probs', task: 'binary', gamma: 0.0001, alpha: null, reduction: 'sum', return_grad: true });
    expect(answer.statusCode, answer.body).toBe(200);
    const gamma = 0.0001;
    expect(answer.json().grad[0]).toBeCloseTo((1 + gamma) * 1e-320 ** gamma, 12);
  });

  it('answers a finite gradient for any tiny or near-one probability and γ in [0, 1), on every path', async () => {
    const p = fc.oneof(fc.constantFrom(5e-324, 1e-320, 1e-310, 1e-300, 1 - 2 ** -53, 0, 1), fc.double({ min: 0, max: 1e-300, noNaN: true }));
    const gamma = fc.oneof(fc.constantFrom(0, 0.0001, 0.01, 0.03, 0.5), fc.double({ min: 0, max: 0.999, noNaN: true }));
    await fc.assert(
      fc.asyncProperty(p, gamma, fc.constantFrom(0, 1), async (prob, g, label) => {
        const answers = [
          await post('/v1/focal-loss', { preds: [prob], labels: [label], input: 'probs', task: 'binary', gamma: g, return_grad: true }),
          await post('/v1/focal-loss', { preds: [[prob, 0.5]], labels: [[label, 1]], input: 'probs', task: 'multilabel', gamma: g, return_grad: true }),
          await post('/v1/score', { preds: [prob, 0.5], labels: [label, 1], input: 'probs', task: 'binary', loss: { gamma: g, return_grad: true }, metrics: [] }),
        ];
        for (const answer of answers) {
          expect(answer.statusCode, answer.body).toBe(200);
          expect(answer.body).not.toMatch(/NaN|Infinity|null\]/);
        }
      }),
      { numRuns: 60, seed: 24 },
    );
  });

  it('answers a session batch with a finite gradient too (it was answered `grad: [null]` and counted)', async () => {
    const { id } = (await post('/v1/sessions', { task: 'binary', input: 'probs', loss: { gamma: 0.0001, return_grad: true } })).json();
    const answer = await post(`/v1/sessions/${id}/batches`, { preds: [1e-320, 0.5], labels: [0, 1] });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json().loss.grad.every((g: unknown) => typeof g === 'number' && Number.isFinite(g))).toBe(true);
  });
});
