import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { computeCalibration } from '../../src/endpoints/calibration.js';
import { computePrecisionRecall, computeRoc } from '../../src/endpoints/curves.js';
import { computeMetricsRequest } from '../../src/endpoints/metrics.js';
import { computeThresholds } from '../../src/endpoints/thresholds.js';
import { CalibrationRequest } from '../../src/schemas/calibration.js';
import { PrecisionRecallRequest, RocRequest } from '../../src/schemas/curves.js';
import { MetricsRequest } from '../../src/schemas/metrics.js';
import { ThresholdsRequest } from '../../src/schemas/thresholds.js';
import { MemoryStore } from '../../src/sessions/memory-store.js';
import { sessionReportData } from '../../src/sessions/report.js';
import { SessionService } from '../../src/sessions/service.js';
import { prepareBody } from '../../src/sessions/session.js';
import type { SessionCreateRequest } from '../../src/schemas/sessions.js';
import { SessionCreateRequest as CreateSchema } from '../../src/schemas/sessions.js';
import { testApp } from '../support/app.js';

/**
 * GET /v1/sessions/{id}/report (DECISIONS.md, Sessions): the route answers one HTML page for every
 * kind of session, and the data it draws (ReportData) holds what the session's JSON endpoints answer,
 * here checked against the stateless computations over the concatenated batches.
 */

const binary = { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.9, 0.3, 0.55, 0.7], labels: [0, 0, 1, 1, 1, 0, 1, 0, 0, 1] };
const multiclass = {
  preds: [[2.0, -1.0, 0.5], [0.1, 1.5, -0.3], [-0.7, 0.2, 2.2], [1.2, 0.3, -0.5], [0.4, 0.4, 0.1], [-1.5, 2.5, 0.0], [0.9, -0.2, 1.1], [3.0, 0.0, -2.0]],
  labels: [0, 1, 2, 0, 1, 1, 2, 0],
};
const multilabel = {
  preds: [[0.9, 0.2], [0.3, 0.7], [0.6, 0.6], [0.1, 0.4], [0.8, 0.1], [0.45, 0.9]],
  labels: [[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]],
};

describe('GET /v1/sessions/{id}/report answers a page for every kind of session', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  const session = async (config: object, batches: object[]) => {
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: config });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    for (const batch of batches) expect((await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: batch })).statusCode).toBe(200);
    return id as string;
  };
  const page = async (id: string, query = '') => {
    const res = await app.inject({ url: `/v1/sessions/${id}/report${query}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toMatch(/^<!doctype html>/i);
    return res.body;
  };
  const halves = <T extends { preds: unknown[]; labels: unknown[] }>(b: T, extra: (from: number, to: number) => object = () => ({})) => {
    const h = Math.floor(b.labels.length / 2);
    return [
      { preds: b.preds.slice(0, h), labels: b.labels.slice(0, h), ...extra(0, h) },
      { preds: b.preds.slice(h), labels: b.labels.slice(h), ...extra(h, b.labels.length) },
    ];
  };

  it('binary, with its options in the query', async () => {
    const id = await session({ task: 'binary', metrics: ['auroc', 'f1_score'] }, halves(binary));
    expect(await page(id)).toContain('auroc');
    await page(id, `?objective=${encodeURIComponent('{"name":"fbeta_score","beta":2}')}&method=isotonic`);
  });

  it('multiclass (temperature by default), multilabel, and a grouped session', async () => {
    await page(await session({ task: 'multiclass', num_classes: 3, input: 'logits', metrics: ['accuracy'], keep_rows: true }, halves(multiclass)));
    await page(await session({ task: 'multilabel', num_labels: 2, metrics: ['auroc', { name: 'f1_score', average: 'macro' }] }, halves(multilabel)));
    const groups = [0, 1, 0, 1, 1, 0, 0, 1, 1, 0];
    const grouped = await session(
      { task: 'binary', num_groups: 2, metrics: [{ name: 'recall', by_group: true }, 'demographic_parity'], keep_rows: true },
      halves(binary, (from, to) => ({ groups: groups.slice(from, to) })),
    );
    expect(await page(grouped)).toContain('recall');
  });

  it('a session that keeps no rows still renders its metrics table', async () => {
    expect(await page(await session({ task: 'binary', metrics: ['f1_score', 'accuracy'] }, halves(binary)))).toContain('f1_score');
  });

  it('names a bad query parameter in a 400', async () => {
    const id = await session({ task: 'binary', keep_rows: true }, halves(binary));
    for (const [query, field] of [['?method=platt', 'method'], ['?objective=nope', 'objective'], ['?threshold=1', 'threshold']]) {
      const res = await app.inject({ url: `/v1/sessions/${id}/report${query}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].path).toBe(field);
    }
  });
});

describe('the report\'s data is what the session\'s JSON endpoints answer', () => {
  /** A session in a store of its own, its batches posted in halves, and its report data. */
  async function reportOf(body: Record<string, unknown>, batch: { preds: unknown[]; labels: unknown[] }, options: Parameters<typeof sessionReportData>[4] = {}) {
    const service = new SessionService(new MemoryStore(), { maxRows: 1_000_000, maxScores: 1_000_000, maxStateBytes: 1 << 26, ttlSeconds: 3600 });
    const { record } = await service.create(CreateSchema.parse(body) as SessionCreateRequest, null);
    const h = Math.floor(batch.labels.length / 2);
    for (const [from, to] of [[0, h], [h, batch.labels.length]]) {
      const part = { preds: batch.preds.slice(from, to), labels: batch.labels.slice(from, to) };
      await service.addBatch(record.id, null, async (config) => prepareBody(config, { kind: 'validated', body: part }), undefined);
    }
    const { config, state } = await service.load(record.id, null);
    return sessionReportData(config, state, { id: record.id, task: config.task }, '2026-01-01T00:00:00.000Z', options);
  }
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
  const withoutWarnings = (value: unknown) => {
    const { warnings: _w, ...rest } = plain(value) as Record<string, unknown>;
    return rest;
  };

  it('binary: curves, the confusion matrix over the rows with its defaults, f1 thresholds with their curve, sigmoid calibration', async () => {
    const data = await reportOf({ task: 'binary', input: 'probs', metrics: ['auroc'] }, binary);
    const request = { ...binary, task: 'binary', input: 'probs' };
    expect(data.session.metrics.auroc).toBeDefined();
    expect(withoutWarnings(data.roc)).toEqual(withoutWarnings(computeRoc(RocRequest.parse(request))));
    expect(withoutWarnings(data.precisionRecall)).toEqual(withoutWarnings(computePrecisionRecall(PrecisionRecallRequest.parse(request))));
    expect(plain(data.confusionMatrix)).toEqual(plain(computeMetricsRequest(MetricsRequest.parse({ ...request, metrics: ['confusion_matrix'] })).metrics.confusion_matrix));
    expect(plain(data.thresholds)).toEqual(plain(computeThresholds(ThresholdsRequest.parse({ ...request, objective: 'f1_score', return_curve: true }))));
    expect(data.calibration?.response.method).toBe('sigmoid');
    expect(plain(data.calibration)).toEqual(plain(computeCalibration(CalibrationRequest.parse({ ...request, method: 'sigmoid' }))));
  });

  it('the query overrides the objective and the method; the session\'s own confusion_matrix is the one shown', async () => {
    const data = await reportOf({ task: 'binary', input: 'probs', metrics: [{ name: 'confusion_matrix', normalize: 'true' }], keep_rows: true }, binary, { objective: { gain: { tp: 1, fp: -1 } }, method: 'isotonic' } as never);
    const request = { ...binary, task: 'binary', input: 'probs' };
    expect(data.confusionMatrix).toEqual(data.session.metrics.confusion_matrix);
    expect(plain(data.thresholds)).toEqual(plain(computeThresholds(ThresholdsRequest.parse({ ...request, objective: { gain: { tp: 1, fp: -1 } }, return_curve: true }))));
    expect(data.calibration?.response.method).toBe('isotonic');
  });

  it('multiclass: temperature calibration, no thresholds (binary and multilabel only)', async () => {
    const data = await reportOf({ task: 'multiclass', num_classes: 3, input: 'logits', keep_rows: true }, multiclass);
    expect(data.thresholds).toBeNull();
    expect(plain(data.calibration)).toEqual(plain(computeCalibration(CalibrationRequest.parse({ ...multiclass, task: 'multiclass', input: 'logits', method: 'temperature' }))));
  });

  it('without rows: the metrics only, every row-based section null', async () => {
    const data = await reportOf({ task: 'binary', metrics: ['f1_score'] }, binary);
    expect(data.session.rows).toBe(binary.labels.length);
    expect([data.roc, data.precisionRecall, data.confusionMatrix, data.thresholds, data.calibration]).toEqual([null, null, null, null, null]);
  });
});

describe('a report priced over INLINE_MAX_WORK is drawn in the worker pool', () => {
  it('answers the page from the pool', async () => {
    const app = await testApp({ INLINE_MAX_WORK: 0 });
    try {
      const { id } = (await app.inject({ method: 'POST', url: '/v1/sessions', payload: { task: 'binary', metrics: ['auroc', 'f1_score'] } })).json();
      expect((await app.inject({ method: 'POST', url: `/v1/sessions/${id}/batches`, payload: binary })).statusCode).toBe(200);
      const pooled = app.scoring.pooled;
      const res = await app.inject({ url: `/v1/sessions/${id}/report` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('f1_score');
      expect(app.scoring.pooled - pooled).toBe(1);
    } finally {
      await app.close();
    }
  });
});
