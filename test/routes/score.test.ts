import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { bodyPaths, testApp } from '../support/app.js';
import { loadCases } from '../support/reference.js';

describe.each(bodyPaths)('/v1/score equals the single-metric endpoints ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const post = async (url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url, payload });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  const batches = [
    { name: 'multiclass logits', body: loadCases('focal_loss.json')[0].request },
    { name: 'binary', body: loadCases('focal_loss.json').find((c) => c.request.task === 'binary')!.request },
    { name: 'multilabel', body: loadCases('focal_loss.json').find((c) => c.request.task === 'multilabel')!.request },
  ];

  const score0Task = (body: Record<string, unknown>) => (body.task ?? (Array.isArray((body.preds as unknown[])[0]) ? 'multiclass' : 'binary'));

  it.each(batches)('$name', async ({ body }) => {
    const { preds, labels, task, input } = body as Record<string, unknown>;
    const lossOptions = Object.fromEntries(
      Object.entries(body).filter(([key]) => ['alpha', 'gamma', 'reduction', 'return_grad', 'num_classes'].includes(key)),
    );
    const score = await post('/v1/score', {
      preds,
      labels,
      ...(task ? { task } : {}),
      ...(input ? { input } : {}),
      ...(body.ignore_index !== undefined ? { ignore_index: body.ignore_index } : {}),
      loss: lossOptions,
      metrics: ['auroc', score0Task(body) === 'binary' ? 'average_precision' : { name: 'average_precision', average: 'weighted' }],
    });
    const focal = await post('/v1/focal-loss', body);
    expect(score.loss).toEqual(focal);

    // Metrics see the batch as samples: binary [B, N] scores are B·N samples.
    const metricTask = score.task === 'multilabel' ? 'multilabel' : score.task;
    const samples = { preds, labels, task: metricTask, input: input ?? 'logits', ...(body.ignore_index !== undefined ? { ignore_index: body.ignore_index } : {}) };
    // An entry is the endpoint's answer without the batch fields, which /v1/score gives once.
    const entry = ({ task: _task, input: _input, warnings, ...rest }: Record<string, unknown>) => ({ ...rest, warnings: (warnings as string[]).filter((w) => !score.warnings.includes(w)) });
    const auroc = await post('/v1/auroc', samples);
    expect(score.metrics.auroc).toEqual(entry(auroc));
    expect(score.input).toBe(auroc.input);
    const ap = await post('/v1/average-precision', { ...samples, ...(score.task === 'binary' ? {} : { average: 'weighted' }) });
    expect(score.metrics.average_precision).toEqual(entry(ap));
  });

  it.each(loadCases('weighted.json').filter((c) => c.endpoint === '/v1/focal-loss'))('with sample_weight: $name', async ({ request }) => {
    const { preds, labels, task, sample_weight, ignore_index, ...loss } = request as Record<string, unknown>;
    const batch = { preds, labels, ...(task ? { task } : {}), ...(ignore_index !== undefined ? { ignore_index } : {}), sample_weight };
    const score = await post('/v1/score', { ...batch, loss, metrics: ['auroc', 'f1_score'] });
    expect(score.loss).toEqual(await post('/v1/focal-loss', request));
    // Metrics: the same weights, one per sample ([B, N] multiclass: B·N samples).
    const metrics = await post('/v1/metrics', { ...batch, task: score.task, input: 'logits', metrics: ['auroc', 'f1_score'] });
    for (const key of ['auroc', 'f1_score']) expect(score.metrics[key][key]).toEqual(metrics.metrics[key][key]);
  });

  it('skips the loss when loss is null', async () => {
    const score = await post('/v1/score', { preds: [0.2, 0.7], labels: [0, 1], loss: null, input: 'probs' });
    expect(score.loss).toBeNull();
    expect(score.metrics.auroc.auroc).toBe(1);
  });

  it('rejects a metric requested twice, naming it', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/score', payload: { preds: [0.2, 0.7], labels: [0, 1], metrics: ['auroc', 'auroc'] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('metrics/1');
  });
});
