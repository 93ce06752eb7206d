import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { bodyPaths, testApp } from '../support/app.js';

/**
 * `multidim_average: "samplewise"` as a client meets it through the routes: the inputs and
 * combinations torchmetrics refuses are 400s naming `metrics/<i>/multidim_average` and saying what
 * is allowed; sessions refuse it at creation; its states and answers, which grow with the samples,
 * are priced before they exist. The values themselves are test/vectors/samplewise.json's.
 */

const post = (app: App, url: string, payload: object) => app.inject({ method: 'POST', url, payload });

async function expectInvalid(answer: Awaited<ReturnType<typeof post>>, path: string, says: RegExp) {
  expect(answer.statusCode, answer.body).toBe(400);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = answer.json();
  expect(problem.errors[0].path).toBe(path);
  expect(problem.errors[0].message).toMatch(says);
}

const samplewise = (name: string, options: object = {}) => ({ name, multidim_average: 'samplewise', ...options });

describe.each(bodyPaths)('multidim_average refusals ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  it('refuses samplewise on inputs without extra dimensions (torchmetrics: "at least 2D"), each task saying the shapes it needs', async () => {
    await expectInvalid(await post(app, '/v1/metrics', { preds: [0.2, 0.8], labels: [0, 1], metrics: [samplewise('f1_score')] }), 'metrics/0/multidim_average', /extra dimensions, preds and labels \[N, \.\.\.\].*"global"/);
    await expectInvalid(
      await post(app, '/v1/metrics', { preds: [[0.7, 0.3], [0.4, 0.6]], labels: [0, 1], metrics: ['accuracy', samplewise('precision', { average: 'micro' })] }),
      'metrics/1/multidim_average',
      /\[N, C, \.\.\.\]/,
    );
    await expectInvalid(
      await post(app, '/v1/metrics', { preds: [[0.7, 0.3], [0.4, 0.6]], labels: [[1, 0], [0, 1]], metrics: [samplewise('exact_match')] }),
      'metrics/0/multidim_average',
      /\[N, L, \.\.\.\]/,
    );
  });

  it('refuses samplewise with average "samples" (scikit-learn\'s per-row average), naming the averages it takes', async () => {
    const body = { task: 'multilabel', preds: [[[0.9, 0.1], [0.2, 0.7]]], labels: [[[1, 0], [0, 1]]], metrics: [samplewise('f1_score', { average: 'samples' })] };
    await expectInvalid(await post(app, '/v1/metrics', body), 'metrics/0/multidim_average', /"samples".*"micro", "macro", "weighted" or "none"/);
  });

  it('refuses it on a metric that has no such option in torchmetrics, naming the metrics that take it', async () => {
    const body = { task: 'binary', preds: [[0.9, 0.1]], labels: [[1, 0]], metrics: [samplewise('jaccard_index')] };
    await expectInvalid(await post(app, '/v1/metrics', body), 'metrics/0/multidim_average', /jaccard_index.*"multidim_average" is taken by stat_scores, accuracy, precision/);
  });

  it('refuses a value that is neither "global" nor "samplewise"', async () => {
    const body = { task: 'binary', preds: [[0.9, 0.1]], labels: [[1, 0]], metrics: [{ name: 'recall', multidim_average: 'pixelwise' }] };
    await expectInvalid(await post(app, '/v1/metrics', body), 'metrics/0/multidim_average', /"global"\|"samplewise"/);
  });

  it('asks for the task where same-shaped inputs of rank 3 could be binary or multilabel', async () => {
    const body = { preds: [[[0.9, 0.1]]], labels: [[[1, 0]]], metrics: [samplewise('recall')] };
    await expectInvalid(await post(app, '/v1/metrics', body), 'task', /binary \[N, \.\.\.\] or multilabel \[N, L, \.\.\.\]/);
  });

  it('names a bad label and a misshapen sample_weight by the element and shape as sent', async () => {
    const preds = [[[0.9, 0.1], [0.1, 0.9]], [[0.5, 0.5], [0.5, 0.5]]];
    await expectInvalid(await post(app, '/v1/metrics', { preds, labels: [[0, 1], [1, 2]], metrics: [samplewise('accuracy')] }), 'labels/1/1', /expected 0\.\.1, got 2/);
    await expectInvalid(await post(app, '/v1/metrics', { preds, labels: [[0, 1], [1, 0]], sample_weight: [1, 2], metrics: [samplewise('accuracy')] }), 'sample_weight', /shaped \[2, 2\]/);
  });

  it('refuses samplewise in a session at its creation: a session keeps no state that grows with its samples', async () => {
    const answer = await post(app, '/v1/sessions', { task: 'multiclass', num_classes: 3, metrics: ['accuracy', samplewise('f1_score')] });
    await expectInvalid(answer, 'metrics/1/multidim_average', /sessions answer "global" only.*\/v1\/metrics/);
  });
});

describe('samplewise states and answers are priced once the samples are known', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  /** `n` samples of one class-index position each, among 32,768 classes: a body of a few hundred bytes. */
  const classIndices = (n: number, metric: object) => ({
    task: 'multiclass',
    num_classes: 32_768,
    preds: Array.from({ length: n }, () => [0]),
    labels: Array.from({ length: n }, () => [0]),
    metrics: [metric],
  });

  it('refuses 65 samples × 32,768 classes of counts (65 MiB) with a 413 naming the option, where global keeps one block', async () => {
    const answer = await post(app, '/v1/metrics', classIndices(65, samplewise('stat_scores')));
    expect(answer.statusCode, answer.body).toBe(413);
    expect(answer.json().errors[0].path).toBe('metrics/0/multidim_average');
    expect(answer.json().detail).toContain('MAX_STATE_BYTES');
    const global = await post(app, '/v1/metrics', classIndices(65, { name: 'stat_scores' }));
    expect(global.statusCode, global.body).toBe(200);
  });

  it('refuses an answer of 40 samples × 32,768 per-class values (over 2^20), naming the samples', async () => {
    const answer = await post(app, '/v1/metrics', classIndices(40, samplewise('recall', { average: 'none' })));
    expect(answer.statusCode, answer.body).toBe(413);
    expect(answer.json().errors[0].path).toBe('metrics');
    expect(answer.json().detail).toContain('over 40 samples');
  });
});
