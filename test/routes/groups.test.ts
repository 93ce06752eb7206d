import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { bodyPaths, testApp } from '../support/app.js';

/** GROUPS.md's bad input: each a 400 application/problem+json naming the field and index. */

const binary = { preds: [0.9, 0.2, 0.7, 0.4, 0.6, 0.1], labels: [1, 0, 0, 1, 1, 0], groups: [0, 0, 0, 1, 1, 1] };
const multiclass = { preds: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.6, 0.3, 0.1]], labels: [0, 2, 1, 1], groups: [0, 1, 0, 1] };
const byGroup = [{ name: 'f1_score', by_group: true }];
/** Binary [N, M] = [3, 2] inputs: one group id per sample N. */
const images = { task: 'binary', preds: [[0.9, 0.2], [0.7, 0.4], [0.6, 0.1]], labels: [[1, 0], [0, 1], [1, 0]], groups: [0, 1, 1] };

describe.each(bodyPaths)('groups in POST /v1/metrics ($path)', ({ config }) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(config);
  });
  afterAll(() => app.close());

  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/metrics', payload });

  it.each([
    ['groups of another length', { ...binary, groups: [0, 1, 0], metrics: byGroup }, 'groups', /6 samples, 3 group ids/],
    ['a group id at or above num_groups', { ...binary, groups: [0, 0, 0, 1, 2, 1], num_groups: 2, metrics: byGroup }, 'groups/4', /0\.\.1 \(num_groups 2\), got 2/],
    ['a negative group id', { ...binary, groups: [0, -1, 0, 1, 1, 1], metrics: byGroup }, 'groups/1', /got -1/],
    ['a group id that is not an integer', { ...binary, groups: [0, 0, 0.5, 1, 1, 1], metrics: byGroup }, 'groups/2', /got 0\.5/],
    ['groups missing for by_group', { preds: binary.preds, labels: binary.labels, metrics: ['accuracy', ...byGroup] }, 'groups', /metrics\/1 \(f1_score\) asks by_group/],
    ['groups missing for a fairness metric', { preds: binary.preds, labels: binary.labels, metrics: ['demographic_parity'] }, 'groups', /demographic_parity compares groups/],
    ['a fairness metric on a multiclass batch', { ...multiclass, metrics: ['equal_opportunity'] }, 'metrics/0', /equal_opportunity exists for binary; this batch is multiclass/],
    ['num_groups without groups', { preds: binary.preds, labels: binary.labels, num_groups: 2, metrics: ['accuracy'] }, 'num_groups', /send groups with it/],
    ['by_group that is not a boolean', { ...binary, metrics: [{ name: 'f1_score', by_group: 'yes' }] }, 'metrics/0/by_group', /boolean|true or false/],
    ['one group id per position of [N, ...] inputs, not per sample', { ...images, groups: [0, 0, 1, 1, 1, 1], metrics: byGroup }, 'groups', /shaped \[3\] \(one per sample N/],
    ['a group id out of range with [N, ...] inputs, named by sample', { ...images, groups: [0, 1, 2], num_groups: 2, metrics: byGroup }, 'groups/2', /got 2/],
    ['by_group on a samplewise metric', { ...images, metrics: [{ name: 'f1_score', multidim_average: 'samplewise', by_group: true }] }, 'metrics/0/by_group', /one value per sample already/],
  ])('%s', async (_what, payload, path, message) => {
    const res = await post(payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const error = res.json().errors[0] as { path: string; message: string };
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('prices a grouped state as num_groups times the state: binned AUROC by 64 groups is a 413 where one state is not', async () => {
    const binned = { name: 'auroc', thresholds: 100_000 };
    const alone = await post({ ...binary, num_groups: 64, metrics: [binned] });
    expect(alone.statusCode, alone.body).toBe(200);
    const grouped = await post({ ...binary, num_groups: 64, metrics: [{ ...binned, by_group: true }] });
    expect(grouped.statusCode, grouped.body).toBe(413);
    expect(grouped.json().errors[0].path).toBe('metrics/0/thresholds');
    expect(grouped.json().detail).toMatch(/MAX_STATE_BYTES/);
  });

  it('draws a grouped metric as SVG: the overall value and each group\'s, with its rows, as the JSON answers them', async () => {
    const payload = { ...binary, num_groups: 3, metrics: ['accuracy', { name: 'recall', by_group: true }] };
    const json = (await post(payload)).json().metrics.recall;
    const res = await app.inject({ method: 'POST', url: '/v1/metrics', payload, headers: { accept: 'image/svg+xml' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(XMLValidator.validate(res.body)).toBe(true);
    const marks = [...res.body.matchAll(/data-group="(\w+)" data-value="([^"]+)" data-rows="(\d+)"/g)].map(([, group, value, rows]) => ({ group, value, rows: Number(rows) }));
    expect(marks).toEqual([
      { group: 'overall', value: String(json.recall), rows: 6 },
      { group: '0', value: String(json.by_group[0].recall), rows: 3 },
      { group: '1', value: String(json.by_group[1].recall), rows: 3 },
      { group: '2', value: 'null', rows: 0 },
    ]);
  });

  it('/v1/score reads groups for its metrics as /v1/metrics does', async () => {
    const metrics = [{ name: 'f1_score', by_group: true }, { name: 'auroc', by_group: true }, 'demographic_parity'];
    const scored = await app.inject({ method: 'POST', url: '/v1/score', payload: { ...binary, input: 'probs', num_groups: 3, loss: null, metrics } });
    expect(scored.statusCode, scored.body).toBe(200);
    const plain = await post({ ...binary, input: 'probs', num_groups: 3, metrics });
    expect(scored.json().metrics).toEqual(plain.json().metrics);
    const bad = await app.inject({ method: 'POST', url: '/v1/score', payload: { ...binary, groups: [0, 1], metrics } });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json().errors[0].path).toBe('groups');
  });

  it('answers a samplewise metric (without by_group) over [N, ...] inputs with groups as without them', async () => {
    const metrics = [{ name: 'f1_score', multidim_average: 'samplewise' }, 'demographic_parity'];
    const grouped = await post({ ...images, metrics });
    expect(grouped.statusCode, grouped.body).toBe(200);
    const { groups: _g, ...plain } = images;
    const alone = await post({ ...plain, metrics: metrics.slice(0, 1) });
    expect(grouped.json().metrics.f1_score).toEqual(alone.json().metrics.f1_score);
  });

  it('answers a metric without by_group as before when the batch has groups', async () => {
    const res = await post({ ...binary, metrics: ['f1_score', { name: 'f1_score', by_group: false, key: 'f1' }] });
    expect(res.statusCode, res.body).toBe(200);
    const { f1_score: plain, f1 } = res.json().metrics;
    expect(plain).not.toHaveProperty('by_group');
    expect(f1).toEqual(plain);
  });

  it('says which groups have no rows, and leaves their null out of the summaries', async () => {
    const res = await post({ ...binary, num_groups: 3, metrics: byGroup });
    expect(res.statusCode, res.body).toBe(200);
    const entry = res.json().metrics.f1_score;
    expect(entry.by_group).toHaveLength(3);
    expect(entry.by_group[2]).toBeNull();
    expect(entry.warnings.join(' ')).toMatch(/group 2 has no rows/);
    expect(entry.group_min).toBeTypeOf('number');
  });
});
