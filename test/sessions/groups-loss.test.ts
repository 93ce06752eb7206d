import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';
import { mismatch } from '../support/reference.js';
import { mulberry32, splitRows } from '../support/splits.js';

/**
 * Sessions with a loss take groups (issue 26, GROUPS.md's Sessions): a training job posts logits
 * with a focal loss and asks its metrics by group. The groups go to the metric samples only,
 * shaped as `sample_weight` ([N], or [B, N] with [B, N, C] logits); the loss is not grouped. Over
 * any split of the batch, the session equals the stateless /v1/score of the whole batch, whose
 * metrics equal /v1/metrics over the same samples.
 */

const TOLERANCE = { rel: 1e-12, abs: 1e-15 };
const round = (x: number) => Math.round(x * 1000) / 1000;

/** Binary logits of 40 samples in 3 groups, group 2 scored lower (a gap to find). */
function binaryBatch(seed: number) {
  const random = mulberry32(seed);
  const preds: number[] = [];
  const labels: number[] = [];
  const groups: number[] = [];
  for (let i = 0; i < 40; i++) {
    const g = Math.floor(random() * 3);
    const y = random() < 0.3 ? 1 : 0;
    preds.push(round((y === 1 ? 1.2 : -0.8) - (g === 2 ? 1 : 0) + 2 * (random() - 0.5)));
    labels.push(y);
    groups.push(g);
  }
  return { preds, labels, groups, sample_weight: labels.map((_, i) => 1 + (i % 3)) };
}

/** Multiclass logits [B, N, C] (B = 12 sequences of N = 4 tokens, C = 3) with labels and groups [B, N]. */
function sequenceBatch(seed: number) {
  const random = mulberry32(seed);
  const preds: number[][][] = [];
  const labels: number[][] = [];
  const groups: number[][] = [];
  for (let b = 0; b < 12; b++) {
    preds.push([]);
    labels.push([]);
    groups.push([]);
    for (let n = 0; n < 4; n++) {
      const y = Math.floor(random() * 3);
      const g = Math.floor(random() * 2);
      preds[b].push([0, 1, 2].map((c) => round((c === y ? 1.5 - g : 0) + 2 * (random() - 0.5))));
      labels[b].push(y);
      groups[b].push(g);
    }
  }
  return { preds, labels, groups };
}

describe('sessions with a loss take groups', () => {
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

  /** Posts `parts` to a new session of `config` and answers its GET. */
  async function sessionOf(config: object, parts: object[]) {
    const id = (await post('/v1/sessions', config, 201)).id as string;
    for (const part of parts) await post(`/v1/sessions/${id}/batches`, part);
    const res = await app.inject({ method: 'GET', url: `/v1/sessions/${id}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  const expectEqualMetrics = (got: Record<string, Record<string, unknown>>, want: Record<string, Record<string, unknown>>, what: string) => {
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [key, entry] of Object.entries(want)) {
      const { warnings: _w, ...values } = entry;
      const { warnings: _g, ...gotValues } = got[key];
      expect(mismatch(gotValues, values, TOLERANCE, key), what).toBeNull();
    }
  };

  const binaryMetrics = [
    { name: 'f1_score', by_group: true },
    { name: 'recall', by_group: true },
    { name: 'auroc', by_group: true },
    { name: 'log_loss', by_group: true },
    'demographic_parity',
    'equal_opportunity',
  ];

  it.each([1, 2, 3])('binary logits with a sigmoid focal loss, split at random (seed %i)', async (seed) => {
    const batch = binaryBatch(seed);
    const loss = { gamma: 2, alpha: 0.25 };
    const stateless = await post('/v1/score', { ...batch, task: 'binary', input: 'logits', num_groups: 3, loss, metrics: binaryMetrics });
    expect(stateless.metrics.f1_score.by_group).toHaveLength(3);
    const plain = await post('/v1/metrics', { ...batch, task: 'binary', input: 'logits', num_groups: 3, metrics: binaryMetrics });
    expectEqualMetrics(stateless.metrics, plain.metrics, '/v1/score against /v1/metrics');

    const parts = splitRows(40, mulberry32(100 + seed), 2).map(([from, to]) => ({
      preds: batch.preds.slice(from, to),
      labels: batch.labels.slice(from, to),
      groups: batch.groups.slice(from, to),
      sample_weight: batch.sample_weight.slice(from, to),
    }));
    const session = await sessionOf({ task: 'binary', input: 'logits', num_groups: 3, loss, metrics: binaryMetrics }, parts);
    expect(session.rows).toBe(40);
    expectEqualMetrics(session.metrics, stateless.metrics, `${parts.length} parts`);
    // The loss is not grouped: the epoch's mean focal loss of the whole batch.
    expect(session.loss.loss).toBeCloseTo(stateless.loss.loss, 12);
  });

  const sequenceMetrics = [
    { name: 'accuracy', by_group: true },
    { name: 'f1_score', average: 'micro', by_group: true },
    { name: 'auroc', by_group: true },
    { name: 'confusion_matrix', by_group: true },
  ];

  it.each([4, 5, 6])('[B, N, C] logits with a softmax focal loss and groups [B, N], split at random over B (seed %i)', async (seed) => {
    const batch = sequenceBatch(seed);
    const loss = { gamma: 2 };
    const stateless = await post('/v1/score', { ...batch, task: 'multiclass', input: 'logits', num_groups: 2, loss, metrics: sequenceMetrics });
    expect(stateless.metrics.auroc.group_rows.reduce((a: number, b: number) => a + b, 0)).toBe(48);
    // The metrics read the B·N samples, each in its group: /v1/metrics over them flattened.
    const flat = { preds: batch.preds.flat(), labels: batch.labels.flat(), groups: batch.groups.flat() };
    const plain = await post('/v1/metrics', { ...flat, task: 'multiclass', input: 'logits', num_groups: 2, metrics: sequenceMetrics });
    expectEqualMetrics(stateless.metrics, plain.metrics, '/v1/score against /v1/metrics');

    const parts = splitRows(12, mulberry32(100 + seed), 2).map(([from, to]) => ({
      preds: batch.preds.slice(from, to),
      labels: batch.labels.slice(from, to),
      groups: batch.groups.slice(from, to),
    }));
    const session = await sessionOf({ task: 'multiclass', num_classes: 3, input: 'logits', num_groups: 2, loss, metrics: sequenceMetrics }, parts);
    expect(session.rows).toBe(48);
    expectEqualMetrics(session.metrics, stateless.metrics, `${parts.length} parts`);
    expect(session.loss.loss).toBeCloseTo(stateless.loss.loss, 12);
  });

  it.each([
    ['binary [B, N] scores with groups [B, N]', { task: 'binary', preds: [[0.9, 0.2, 0.7], [0.4, 0.6, 0.1]], labels: [[1, 0, 0], [1, 1, 0]], groups: [[0, 0, 1], [1, 1, 0]] }],
  ])('/v1/score with a loss reads groups shaped as sample_weight: %s, as /v1/metrics over the same samples', async (_what, batch) => {
    const metrics = [{ name: 'f1_score', by_group: true }, { name: 'auroc', by_group: true }];
    const scored = await post('/v1/score', { ...batch, input: 'probs', num_groups: 2, loss: { gamma: 2 }, metrics });
    const flat = { ...batch, preds: batch.preds.flat(), labels: batch.labels.flat(), groups: batch.groups.flat() };
    const plain = await post('/v1/metrics', { ...flat, input: 'probs', num_groups: 2, metrics });
    expectEqualMetrics(scored.metrics, plain.metrics, 'score against metrics');
  });

  it('refuses groups that do not have the shape of the labels\' samples, naming groups (and the index)', async () => {
    const batch = sequenceBatch(7);
    const request = { ...batch, task: 'multiclass', input: 'logits', num_groups: 2, loss: { gamma: 2 }, metrics: sequenceMetrics };
    const perSequence = await post('/v1/score', { ...request, groups: batch.groups.map((row) => row[0]) }, 400);
    expect(perSequence.errors[0].path).toBe('groups');
    expect(perSequence.errors[0].message).toMatch(/shaped \[12, 4\] like the labels/);
    const flat = await post('/v1/score', { ...request, groups: batch.groups.flat() }, 400);
    expect(flat.errors[0].path).toBe('groups');
    const outOfRange = await post('/v1/score', { ...request, groups: batch.groups.map((row, b) => (b === 1 ? [0, 1, 2, 0] : row)) }, 400);
    expect(outOfRange.errors[0].path).toBe('groups/1/2');

    const id = (await post('/v1/sessions', { task: 'multiclass', num_classes: 3, input: 'logits', num_groups: 2, loss: { gamma: 2 }, metrics: sequenceMetrics }, 201)).id as string;
    const bad = await post(`/v1/sessions/${id}/batches`, { preds: batch.preds, labels: batch.labels, groups: batch.groups.flat() }, 400);
    expect(bad.errors[0].path).toBe('groups');
  });
});
