import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';

/** GROUPS.md's Sessions: num_groups at creation, groups in every batch, merge of equal num_groups only. */
describe('sessions with groups', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });
  const create = async (body: object) => {
    const res = await post('/v1/sessions', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const grouped = { task: 'binary', metrics: [{ name: 'auroc', by_group: true }, 'demographic_parity'] };
  const batch = { preds: [0.9, 0.2, 0.7, 0.4], labels: [1, 0, 0, 1], groups: [0, 0, 1, 1] };

  it('needs num_groups at creation with a grouped metric', async () => {
    for (const metrics of [[{ name: 'f1_score', by_group: true }], ['equal_opportunity']]) {
      const res = await post('/v1/sessions', { task: 'binary', metrics });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0].path).toBe('num_groups');
    }
  });

  it('needs groups in every batch of a session with num_groups, and refuses them in one without', async () => {
    const id = await create({ ...grouped, num_groups: 2 });
    const missing = await post(`/v1/sessions/${id}/batches`, { preds: batch.preds, labels: batch.labels });
    expect(missing.statusCode, missing.body).toBe(400);
    expect(missing.json().errors[0].path).toBe('groups');
    const outOfRange = await post(`/v1/sessions/${id}/batches`, { ...batch, groups: [0, 2, 1, 1] });
    expect(outOfRange.statusCode, outOfRange.body).toBe(400);
    expect(outOfRange.json().errors[0].path).toBe('groups/1');
    const plain = await create({ task: 'binary', metrics: ['auroc'] });
    const unexpected = await post(`/v1/sessions/${plain}/batches`, batch);
    expect(unexpected.statusCode, unexpected.body).toBe(400);
    expect(unexpected.json().errors[0].path).toBe('groups');
  });

  it('describes its num_groups, and merges only sessions of the same num_groups', async () => {
    const a = await create({ ...grouped, num_groups: 2 });
    const b = await create({ ...grouped, num_groups: 3 });
    const described = await app.inject({ method: 'GET', url: `/v1/sessions/${a}` });
    expect(described.statusCode, described.body).toBe(200);
    const merged = await post(`/v1/sessions/${a}/merge`, { from: [b] });
    expect(merged.statusCode, merged.body).toBe(409);
    expect(merged.json().errors[0].path).toBe('from/0');
  });
});
