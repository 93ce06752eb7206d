import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';
import { loadCases, mismatch, type ReferenceCase } from '../support/reference.js';
import { metricNames } from '../../src/metrics/registry.js';
import { mulberry32, splitRows } from '../support/splits.js';

/**
 * The session guarantee (issue 17): for every reference case of classification.json, auroc.json
 * and ranking.json, the batch split at random into 1–7 parts, posted to a session and computed,
 * equals the stateless answer (counts exactly, exact AUROC and AP within 1e-12); and the same
 * through `merge` of one session per part.
 */

const TOLERANCE = { rel: 1e-12, abs: 1e-15 };

/** The session metric and curve a stateless case asks for. */
function sessionPlan(c: ReferenceCase): { metrics: unknown[]; curve: 'roc' | null } {
  const { preds, labels, task, input, ignore_index, num_classes, num_labels, metrics, sample_weight, drop_intermediate, groups, num_groups, ...options } = c.request as Record<string, unknown>;
  void [preds, labels, task, input, ignore_index, num_classes, num_labels, sample_weight, drop_intermediate, groups, num_groups];
  if (c.endpoint === '/v1/metrics') return { metrics: metrics as unknown[], curve: null };
  if (c.endpoint === '/v1/auroc') return { metrics: [{ name: 'auroc', ...options }], curve: null };
  if (c.endpoint === '/v1/average-precision') return { metrics: [{ name: 'average_precision', ...options }], curve: null };
  return { metrics: ['auroc'], curve: 'roc' };
}

/** groups.json's /v1/metrics cases (by_group, the fairness metrics and scikit-learn's rows; GROUPS.md's Sessions). */
const groupCases = loadCases('groups.json').filter(
  (c) => c.endpoint === '/v1/metrics' && (c.request.metrics as Array<string | { name: string }>).every((m) => metricNames.includes(typeof m === 'string' ? m : m.name)),
);

const cases = [
  ...loadCases('classification.json'),
  ...loadCases('auroc.json'),
  ...loadCases('ranking.json'),
  ...groupCases,
];

describe('a session over any split of a batch answers what the stateless endpoint answers', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const post = async (url: string, payload: object, status = 200) => {
    const res = await app.inject({ method: 'POST', url, payload });
    expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
    return res.json();
  };

  it('covers the three files', () => {
    expect(cases.length).toBe(92 + 22 + 7 + 66);
  });

  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, index) => {
    const stateless = await post(c.endpoint, c.request);
    const request = c.request as Record<string, unknown> & { preds: unknown[]; labels: unknown[]; groups?: number[]; sample_weight?: number[] };
    const { metrics, curve } = sessionPlan(c);
    const task = stateless.task as string;
    const width = Array.isArray(request.preds[0]) ? (request.preds[0] as unknown[]).length : 1;
    const config = {
      task,
      ...(task === 'multiclass' ? { num_classes: request.num_classes ?? width } : task === 'multilabel' ? { num_labels: width } : {}),
      // The stateless call decided `auto` over the whole batch; a part alone could decide otherwise.
      // (Class-index preds have no scale: `auto`.)
      ...(stateless.input === 'probs' || stateless.input === 'logits' ? { input: stateless.input } : {}),
      ...(request.ignore_index !== undefined ? { ignore_index: request.ignore_index } : {}),
      // The stateless default (largest id + 1) is the batch's; a session states it once.
      ...(request.groups !== undefined ? { num_groups: (request.num_groups as number | undefined) ?? Math.max(...request.groups) + 1 } : {}),
      metrics,
    };
    const parts = splitRows(request.labels.length, mulberry32(1000 + index));
    const batchOf = ([from, to]: [number, number]) => ({
      preds: request.preds.slice(from, to),
      labels: request.labels.slice(from, to),
      ...(request.groups ? { groups: request.groups.slice(from, to) } : {}),
      ...(request.sample_weight ? { sample_weight: request.sample_weight.slice(from, to) } : {}),
    });

    // One session, every part posted to it.
    const one = (await post('/v1/sessions', config, 201)).id as string;
    for (const part of parts) await post(`/v1/sessions/${one}/batches`, batchOf(part));
    // One session per part, merged into the first.
    const perPart: string[] = [];
    for (const part of parts) {
      const id = (await post('/v1/sessions', config, 201)).id as string;
      await post(`/v1/sessions/${id}/batches`, batchOf(part));
      perPart.push(id);
    }
    if (perPart.length > 1) await post(`/v1/sessions/${perPart[0]}/merge`, { from: perPart.slice(1) });

    for (const id of [one, perPart[0]]) {
      if (curve) {
        const res = await app.inject({ method: 'GET', url: `/v1/sessions/${id}/${curve}?drop_intermediate=${request.drop_intermediate ?? true}` });
        expect(res.statusCode, res.body).toBe(200);
        const { warnings: _w, ...got } = res.json();
        const { warnings: _s, ...want } = stateless;
        expect(mismatch(got, want, TOLERANCE), `${c.name} (${parts.length} parts)`).toBeNull();
        continue;
      }
      const res = await app.inject({ method: 'GET', url: `/v1/sessions/${id}` });
      expect(res.statusCode, res.body).toBe(200);
      const session = res.json();
      expect(session.rows).toBe(request.labels.length);
      const want =
        c.endpoint === '/v1/metrics'
          ? stateless.metrics
          : (({ task: _t, input: _i, warnings: _w, ...entry }) => ({ [(metrics[0] as { name: string }).name]: entry }))(stateless);
      for (const [key, entry] of Object.entries(want as Record<string, Record<string, unknown>>)) {
        const { warnings: _w, ...values } = entry;
        expect(mismatch(session.metrics[key], values, TOLERANCE, key), `${c.name} (${parts.length} parts)`).toBeNull();
      }
    }
  });
});
