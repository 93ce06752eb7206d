import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';

/** When the service decides something the request did not say, the answer says so in `warnings`. */
describe('warnings for decisions the request did not state', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const warningsOf = async (url: string, payload: object): Promise<string> => {
    const response = await app.inject({ method: 'POST', url, payload });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    return [...(body.warnings ?? []), ...(body.loss?.warnings ?? [])].join(' | ');
  };
  const oneHot = { preds: [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]], labels: [[1, 0], [0, 1], [0, 1]] };

  it('one-hot-looking labels read as multilabel from the shapes', async () => {
    expect(await warningsOf('/v1/auroc', oneHot)).toMatch(/labels look one-hot/);
    expect(await warningsOf('/v1/focal-loss', oneHot)).toMatch(/labels look one-hot/);
    expect(await warningsOf('/v1/auroc', { ...oneHot, task: 'multilabel' })).not.toMatch(/one-hot/);
  });

  it('[B, 1] scores read as binary, in the loss and for the metrics of /v1/score', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/score', payload: { preds: [[1.5], [-0.5], [0.25]], labels: [1, 0, 0], metrics: ['auroc', 'average_precision'] } });
    const body = response.json();
    expect(body.metrics.auroc.auroc).toBe(1);
    for (const warnings of [body.loss.warnings, body.warnings]) {
      expect(warnings.join(' ')).toMatch(/preds \[3, 1\] with labels \[3\]: read as one binary score/);
    }
  });

  it('logits inferred by input "auto"', async () => {
    expect(await warningsOf('/v1/auroc', { preds: [2.5, -1, 0.3], labels: [1, 0, 1] })).toMatch(/input "auto".*read as logits/);
    expect(await warningsOf('/v1/auroc', { preds: [2.5, -1, 0.3], labels: [1, 0, 1], input: 'logits' })).toBe('');
    expect(await warningsOf('/v1/auroc', { preds: [0.5, 0.1, 0.3], labels: [1, 0, 1] })).toBe('');
  });

  it('the default alpha weighing class 0 as background (multiclass only)', async () => {
    const batch = { preds: [[2, -1, 0.5], [0.1, 1.5, -0.3]], labels: [0, 1] };
    expect(await warningsOf('/v1/focal-loss', batch)).toMatch(/alpha was not given: the default 0.25 weighs class 0 \(background\)/);
    expect(await warningsOf('/v1/score', { ...batch, metrics: [] })).toMatch(/alpha was not given/);
    expect(await warningsOf('/v1/focal-loss', { ...batch, alpha: 0.25 })).toBe('');
  });

  it('the default alpha weighing positives by 0.25 (binary and multilabel, torchvision)', async () => {
    const binary = { preds: [2, -1], labels: [1, 0] };
    const multilabel = { task: 'multilabel', preds: [[2, -1], [0.5, 0.3]], labels: [[1, 1], [0, 1]] };
    const told = /alpha was not given: the default 0.25 weighs positives \(label 1\) by 0.25 and negatives by 0.75/;
    expect(await warningsOf('/v1/focal-loss', binary)).toMatch(told);
    expect(await warningsOf('/v1/focal-loss', multilabel)).toMatch(told);
    expect(await warningsOf('/v1/score', { ...binary, metrics: [] })).toMatch(told);
    for (const alpha of [0.25, null, 0.9]) {
      expect(await warningsOf('/v1/focal-loss', { ...binary, alpha })).toBe('');
      expect(await warningsOf('/v1/focal-loss', { ...multilabel, alpha })).toBe('');
    }
  });

  it('a loss that underflowed to 0 for every element', async () => {
    expect(await warningsOf('/v1/focal-loss', { preds: [[800, 0], [0, 900]], labels: [0, 1], alpha: null })).toMatch(/loss is 0: it underflowed/);
    expect(await warningsOf('/v1/focal-loss', { preds: [[50, 0]], labels: [0], alpha: null })).toBe('');
  });
});
