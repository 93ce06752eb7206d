import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../support/app.js';
import { until } from '../support/until.js';
import { tuningWork } from '../../src/metrics/thresholds.js';
import { calibrationWork } from '../../src/metrics/calibration.js';

/**
 * The cost model (src/batch/limits.ts): a request is priced from its shape and options before
 * anything sized by them exists, refused with a 413 naming the option when over a limit, and
 * sent to the worker pool when its work is too large for the event loop. The bodies are the
 * issue's: each took the process down, or held its event loop for tens of seconds, before.
 */

const json = { 'content-type': 'application/json' };
const post = (app: App, url: string, body: unknown) => app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: json });

/** One row of 1,000 classes: a 10 KB body. */
const wideRow = () => [Array.from({ length: 1000 }, () => 0.001)];

const expectTooLarge = (answer: Awaited<ReturnType<typeof post>>, path: string, limit: string) => {
  expect(answer.statusCode, answer.body).toBe(413);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = answer.json();
  expect(problem.errors[0].path).toBe(path);
  expect(problem.detail).toContain(limit);
};

describe('state bytes are priced before any state exists (MAX_STATE_BYTES)', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  it('refuses binned AUROC over 1,000 classes × 100,000 thresholds (3 GiB) naming the option', async () => {
    const body = { preds: wideRow(), labels: [0], task: 'multiclass', num_classes: 1000, metrics: [{ name: 'auroc', thresholds: 100_000 }] };
    expectTooLarge(await post(app, '/v1/metrics', body), 'metrics/0/thresholds', 'MAX_STATE_BYTES');
    const { num_classes: _, ...score } = body;
    expectTooLarge(await post(app, '/v1/score', { ...score, loss: null }), 'metrics/0/thresholds', 'MAX_STATE_BYTES');
  });

  it('adds up many entries: 256 binned AUROCs on a 2-row batch (1.8 GB before) are one 413', async () => {
    const metrics = Array.from({ length: 256 }, (_, i) => ({ name: 'auroc', key: `auroc_${i}`, thresholds: 100_000 - i }));
    const answer = await post(app, '/v1/metrics', { preds: [0.2, 0.7], labels: [0, 1], metrics });
    expectTooLarge(answer, 'metrics/0/thresholds', 'MAX_STATE_BYTES');
  });

  it('refuses the same on the ranking endpoints, each naming its own `thresholds`', async () => {
    const body = { preds: wideRow(), labels: [0], task: 'multiclass', num_classes: 1000, thresholds: 100_000 };
    for (const url of ['/v1/auroc', '/v1/average-precision', '/v1/roc', '/v1/precision-recall-curve']) {
      expectTooLarge(await post(app, url, body), 'thresholds', 'MAX_STATE_BYTES');
    }
  });

  it('prices a session at its creation: nothing is stored, no batch can make it grow', async () => {
    const answer = await post(app, '/v1/sessions', { task: 'multiclass', num_classes: 1000, metrics: [{ name: 'auroc', thresholds: 100_000 }] });
    expectTooLarge(answer, 'metrics/0/thresholds', 'MAX_STATE_BYTES');
  });

  it('answers the same body within the limit (1,000 thresholds), and on its limit exactly', async () => {
    const body = { preds: wideRow(), labels: [0], task: 'multiclass', num_classes: 1000, metrics: [{ name: 'auroc', thresholds: 1000 }] };
    expect((await post(app, '/v1/metrics', body)).statusCode).toBe(200);
    // 1,000 classes × (2 · 1,000 + 2) float64s: exactly the limit is allowed, a byte less is not.
    const bytes = 1000 * (2 * 1000 + 2) * 8;
    const exact = await testApp({ MAX_STATE_BYTES: bytes });
    const under = await testApp({ MAX_STATE_BYTES: bytes - 1 });
    try {
      expect((await post(exact, '/v1/metrics', body)).statusCode).toBe(200);
      expectTooLarge(await post(under, '/v1/metrics', body), 'metrics/0/thresholds', 'MAX_STATE_BYTES');
    } finally {
      await Promise.all([exact.close(), under.close()]);
    }
  });
});

/** 32 bootstrap AUROCs of 20,000 resamples on 500 rows: a 10 KB body that held the event loop 32 s. */
const bootstrapBody = () => ({
  preds: Array.from({ length: 500 }, (_, i) => ((i * 7919) % 1000) / 1000),
  labels: Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
  metrics: Array.from({ length: 32 }, (_, i) => ({ name: 'auroc', key: `auroc_${i}`, ci: { method: 'bootstrap', n_resamples: 20_000, seed: i } })),
});

describe('work is priced before it starts (MAX_WORK, INLINE_MAX_WORK)', () => {
  it('refuses work over MAX_WORK with a 413 naming the resamples', async () => {
    const app = await testApp({ MAX_WORK: 1_000_000 });
    try {
      expectTooLarge(await post(app, '/v1/metrics', bootstrapBody()), 'metrics/0/ci/n_resamples', 'MAX_WORK');
      const auroc = await post(app, '/v1/auroc', { preds: bootstrapBody().preds, labels: bootstrapBody().labels, ci: { method: 'bootstrap', n_resamples: 20_000 } });
      expectTooLarge(auroc, 'ci/n_resamples', 'MAX_WORK');
    } finally {
      await app.close();
    }
  });

  it('sends a small body of heavy work to the worker pool, where the timeout cancels it', async () => {
    const app = await testApp({ REQUEST_TIMEOUT_MS: 1000, MAX_WORK: 1e12 });
    try {
      const before = app.scoring.pooled;
      const answer = await post(app, '/v1/metrics', bootstrapBody());
      // Run inline, it would have held the event loop ~30 s and answered 200.
      expect(app.scoring.pooled).toBe(before + 1);
      expect(answer.statusCode).toBe(503);
      expect(answer.json()).toMatchObject({ code: 'ERR_TIMEOUT' });
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });


  it('answers a small heavy body from the pool with the numbers the inline path gives', async () => {
    const body = { ...bootstrapBody(), metrics: [{ name: 'auroc', ci: { method: 'bootstrap', n_resamples: 200, seed: 3 } }, 'average_precision'] };
    const pooled = await testApp({ INLINE_MAX_WORK: 0 });
    const inline = await testApp({ INLINE_MAX_WORK: Number.MAX_SAFE_INTEGER });
    try {
      const [a, b] = await Promise.all([post(pooled, '/v1/metrics', body), post(inline, '/v1/metrics', body)]);
      expect(a.statusCode).toBe(200);
      expect(a.json()).toEqual(b.json());
    } finally {
      await Promise.all([pooled.close(), inline.close()]);
    }
  });

  it('sends a heavy session computation to the pool too (bootstrap over a small epoch)', async () => {
    const app = await testApp({ REQUEST_TIMEOUT_MS: 1000, MAX_WORK: 1e12 });
    try {
      const created = await post(app, '/v1/sessions', { task: 'binary', metrics: bootstrapBody().metrics });
      expect(created.statusCode).toBe(201);
      const { id } = created.json();
      const { preds, labels } = bootstrapBody();
      expect((await post(app, `/v1/sessions/${id}/batches`, { preds, labels })).statusCode).toBe(200);
      const before = app.scoring.pooled;
      const answer = await app.inject({ url: `/v1/sessions/${id}` });
      expect(app.scoring.pooled).toBe(before + 1);
      expect(answer.json()).toMatchObject({ code: 'ERR_TIMEOUT' });
    } finally {
      await app.close();
    }
  });

});

describe('an exact session keeps at most SESSION_MAX_SCORES scores', () => {
  it('counts rows × labels: 4 labels and 10 scores keep 2 rows', async () => {
    const app = await testApp({ SESSION_MAX_SCORES: 10 });
    try {
      const { id } = (await post(app, '/v1/sessions', { task: 'multilabel', num_labels: 4, metrics: ['auroc'] })).json();
      const row = { preds: [[0.1, 0.9, 0.4, 0.6]], labels: [[0, 1, 0, 1]] };
      expect((await post(app, `/v1/sessions/${id}/batches`, row)).statusCode).toBe(200);
      expect((await post(app, `/v1/sessions/${id}/batches`, row)).statusCode).toBe(200);
      const third = await post(app, `/v1/sessions/${id}/batches`, row);
      expect(third.statusCode).toBe(413);
      expect(third.json().detail).toContain('2 rows of 4 classes (SESSION_MAX_SCORES = 10 scores)');
    } finally {
      await app.close();
    }
  });
});

describe('routes that take no raw bodies parse large JSON themselves, within their own limit', () => {
  it('creates a session from a body over INLINE_MAX_BYTES (a 500 before), refuses one over 4 MiB, and refuses Arrow', async () => {
    const app = await testApp({ INLINE_MAX_BYTES: 0 });
    try {
      const created = await post(app, '/v1/sessions', { task: 'binary', metrics: ['auroc', { name: 'f1_score', threshold: 0.3 }] });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ task: 'binary' });
      const merged = await post(app, `/v1/sessions/${created.json().id}/merge`, { from: ['0'.repeat(32)] });
      expect(merged.statusCode, merged.body).toBe(404);
      const thresholds = Array.from({ length: 100_000 }, (_, k) => k / 100_000);
      const huge = { task: 'binary', metrics: Array.from({ length: 8 }, (_, i) => ({ name: 'auroc', key: `a${i}`, thresholds })) };
      expect((await post(app, '/v1/sessions', huge)).statusCode).toBe(413);
      const arrow = await app.inject({ method: 'POST', url: '/v1/sessions', payload: Buffer.from([1, 2, 3]), headers: { 'content-type': 'application/vnd.apache.arrow.stream' } });
      expect(arrow.statusCode).toBe(415);
    } finally {
      await app.close();
    }
  });
});

describe('a session is priced as it lives: its state at every batch and merge, its chunks at every read', () => {
  it('bounds a session\'s count state by SESSION_MAX_STATE_BYTES at creation (a 64 MB state made one-row batches take seconds)', async () => {
    const app = await testApp();
    try {
      const answer = await post(app, '/v1/sessions', { task: 'multilabel', num_labels: 41, metrics: [{ name: 'auroc', thresholds: 100_000 }] });
      expectTooLarge(answer, 'metrics/0/thresholds', 'SESSION_MAX_STATE_BYTES');
      // The same metrics on one request are within MAX_STATE_BYTES.
      const row = Array.from({ length: 41 }, (_, l) => (l % 3) / 3);
      expect((await post(app, '/v1/metrics', { preds: [row], labels: [row.map((p) => (p > 0.5 ? 1 : 0))], task: 'multilabel', metrics: [{ name: 'auroc', thresholds: 100_000 }] })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('prices a merge as the sum of its sessions\' states, before any is loaded', async () => {
    const app = await testApp({ MAX_STATE_BYTES: 1024 * 1024, SESSION_MAX_STATE_BYTES: 1024 * 1024 });
    try {
      // 2 × (2 · 50,000 + 2) float64s: 0.8 MB each, 1.6 MB merged.
      const config = { task: 'binary', metrics: [{ name: 'auroc', thresholds: 50_000 }] };
      const [a, b] = await Promise.all([post(app, '/v1/sessions', config), post(app, '/v1/sessions', config)]);
      expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
      expectTooLarge(await post(app, `/v1/sessions/${a.json().id}/merge`, { from: [b.json().id] }), 'from', 'MAX_STATE_BYTES');
    } finally {
      await app.close();
    }
  });

  it('prices the stored batches a read decodes: 500 one-row batches cost more than their 500 rows', async () => {
    const app = await testApp({ MAX_WORK: 1_000_000 });
    try {
      const { id } = (await post(app, '/v1/sessions', { task: 'binary', metrics: ['auroc'] })).json();
      for (let i = 0; i < 500; i++) expect((await post(app, `/v1/sessions/${id}/batches`, { preds: [(i % 10) / 10], labels: [i % 2] })).statusCode).toBe(200);
      expectTooLarge(await app.inject({ url: `/v1/sessions/${id}` }) as never, 'metrics/0', 'MAX_WORK');
      expectTooLarge(await app.inject({ url: `/v1/sessions/${id}/roc` }) as never, 'preds', 'MAX_WORK');
    } finally {
      await app.close();
    }
  });
});

describe('memory is priced before a pooled computation starts (MEMORY_BUDGET_MB)', () => {
  /** A focal-loss body of `rows` rows × 4 logits. */
  const focal = (rows: number) => JSON.stringify({ preds: Array.from({ length: rows }, (_, i) => [0.1 * (i % 7), -0.3, 0.25, 1.5]), labels: Array.from({ length: rows }, (_, i) => i % 4), return_grad: true });

  it('refuses a body priced over the budget alone with a 413 naming the body', async () => {
    const app = await testApp({ INLINE_MAX_BYTES: 0, MEMORY_BUDGET_MB: 1 });
    try {
      const answer = await app.inject({ method: 'POST', url: '/v1/focal-loss', payload: focal(5000), headers: json });
      expectTooLarge(answer as never, 'body', 'MEMORY_BUDGET_MB');
    } finally {
      await app.close();
    }
  });

  it('sheds a computation that would take the memory in flight past the budget (503 + Retry-After), and takes it once there is room', async () => {
    const app = await testApp({ INLINE_MAX_BYTES: 0, MEMORY_BUDGET_MB: 1, MAX_WORK: 1e12 });
    try {
      // A slow computation (bootstrap intervals) holds its priced memory while it runs...
      const slowBody = { ...bootstrapBody(), metrics: bootstrapBody().metrics.map((m) => ({ ...m, ci: { ...m.ci, n_resamples: 2000 } })) };
      const slow = JSON.stringify(slowBody);
      // ...so a body that fits the budget alone, but not beside it, is shed.
      let rows = 1;
      while ((focal(rows + 100).length + slow.length) * 16 <= 1024 * 1024) rows += 100;
      const second = focal(rows + 100);
      expect(second.length * 16).toBeLessThanOrEqual(1024 * 1024);
      const first = app.inject({ method: 'POST', url: '/v1/metrics', payload: slow, headers: json });
      // The second is sent once the first is admitted to the pool, holding its priced memory.
      await until(async () => app.scoring.memoryInFlight > 0, 120_000, 'the first computation admitted');
      let shed = await app.inject({ method: 'POST', url: '/v1/focal-loss', payload: second, headers: json });
      expect(shed.statusCode, shed.body.slice(0, 200)).toBe(503);
      expect(shed.headers['retry-after']).toBe('1');
      expect(shed.json().detail).toMatch(/memory budget/);
      expect((await first).statusCode).toBe(200);
      shed = await app.inject({ method: 'POST', url: '/v1/focal-loss', payload: second, headers: json });
      expect(shed.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

});

describe('work that grows with classes, not rows, is priced too', () => {
  const twoRows = (classes: number) => [Array.from({ length: classes }, (_, c) => (c === 0 ? 1 : 0)), Array.from({ length: classes }, (_, c) => (c === 1 ? 1 : 0))];

  it('refuses one-vs-one AUROC over 1,000 classes (a 4 KB body answered 75 MB, and 5,000 classes killed the process)', async () => {
    const app = await testApp();
    try {
      const batch = { preds: twoRows(1000), labels: [0, 1], task: 'multiclass', num_classes: 1000 };
      expectTooLarge(await post(app, '/v1/auroc', { ...batch, multi_class: 'ovo' }), 'multi_class', 'values');
      expectTooLarge(await post(app, '/v1/metrics', { ...batch, metrics: [{ name: 'auroc', multi_class: 'ovo' }] }), 'metrics', 'values');
      expectTooLarge(await post(app, '/v1/sessions', { task: 'multiclass', num_classes: 32_768, metrics: [{ name: 'auroc', multi_class: 'ovo' }] }), 'metrics', 'values');
      // 300 classes: 44,850 pairs, answered (from the pool).
      const answer = await post(app, '/v1/auroc', { preds: twoRows(300), labels: [0, 1], task: 'multiclass', num_classes: 300, multi_class: 'ovo' });
      expect(answer.statusCode).toBe(200);
      expect(answer.json().per_pair).toHaveLength(44_850);
    } finally {
      await app.close();
    }
  });

  it('sends 15,000 labels of one row to the pool (a 60 KB body, computed inline, held the event loop ~1 s)', async () => {
    const app = await testApp();
    try {
      const L = 15_000;
      const body = { task: 'multilabel', preds: [Array.from({ length: L }, (_, l) => l % 10)], labels: [Array.from({ length: L }, (_, l) => l % 2)], metrics: ['ranking_loss', 'auroc'] };
      const before = app.scoring.pooled;
      expect((await post(app, '/v1/metrics', body)).statusCode).toBe(200);
      expect(app.scoring.pooled).toBe(before + 1);
    } finally {
      await app.close();
    }
  });

});

describe('the decision endpoints are priced before they allocate: /v1/thresholds and /v1/calibration', () => {
  /** One app at a time: the main thread's limits are the last built app's. */
  const withApp = async (config: Parameters<typeof testApp>[0], run: (app: App) => Promise<void>) => {
    const app = await testApp(config);
    try {
      await run(app);
    } finally {
      await app.close();
    }
  };
  const binary = { preds: [0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.55, 0.3], labels: [0, 0, 1, 1, 1, 0, 0, 1] };
  /** 2^20 numbers: MAX_ANSWER_VALUES. */
  const ANSWER_LIMIT = 1 << 20;

  it('thresholds: a curve of 2^20 numbers with its label\'s six (threshold, objective, four counts) is answered, one more candidate is not', async () => {
    await withApp({}, async (app) => {
      // 6 + 2n = 2^20 exactly at n = 524,285.
      const n = (ANSWER_LIMIT - 6) / 2;
      const at = await post(app, '/v1/thresholds', { ...binary, objective: 'f1_score', thresholds: n, return_curve: true });
      expect(at.statusCode, at.body.slice(0, 300)).toBe(200);
      expect(at.json().curve.thresholds).toHaveLength(n);
      expectTooLarge(await post(app, '/v1/thresholds', { ...binary, objective: 'f1_score', thresholds: n + 1, return_curve: true }), 'return_curve', 'values');
      // Drawn, the curve is computed without return_curve and priced the same; n is what to lower.
      const drawn = await app.inject({ method: 'POST', url: '/v1/thresholds', payload: { ...binary, objective: 'f1_score', thresholds: n + 1 }, headers: { accept: 'image/svg+xml' } });
      expectTooLarge(drawn as never, 'thresholds', 'values');
    });
  });

  it('thresholds: more labels than an answer holds (six numbers each) are refused naming preds, before any is tuned', async () => {
    await withApp({ MAX_WORK: 1e12 }, async (app) => {
      const L = Math.floor(ANSWER_LIMIT / 6) + 1;
      const body = { preds: [Array.from({ length: L }, (_, l) => (l % 10) / 10)], labels: [Array.from({ length: L }, (_, l) => l % 2)], task: 'multilabel', objective: 'f1_score' };
      // Without the price, 174,763 labels of one row were tuned (work allowed by MAX_WORK) and answered 1,048,578 numbers.
      expectTooLarge(await post(app, '/v1/thresholds', body), 'preds', 'values');
    });
  });

  it('thresholds: a grid or a list is counted into tps and fps per label, priced as binned state (exactly at MAX_STATE_BYTES answered, a byte less not)', async () => {
    const preds = binary.preds.map((p, i) => [p, 1 - p, ((i * 3) % 8) / 8]);
    const labels = binary.labels.map((y, i) => [y, 1 - y, i % 2]);
    const list = Array.from({ length: 1000 }, (_, k) => k / 1000);
    // 3 labels × (2 · 1,000 + 2) float64s.
    const bytes = 3 * (2 * 1000 + 2) * 8;
    const bodies = [1000, list].map((thresholds) => ({ preds, labels, objective: 'balanced_accuracy', thresholds }));
    await withApp({ MAX_STATE_BYTES: bytes }, async (app) => {
      for (const body of bodies) expect((await post(app, '/v1/thresholds', body)).statusCode).toBe(200);
    });
    await withApp({ MAX_STATE_BYTES: bytes - 1 }, async (app) => {
      for (const body of bodies) expectTooLarge(await post(app, '/v1/thresholds', body), 'thresholds', 'MAX_STATE_BYTES');
    });
  });

  it('thresholds: the sort and sweep are priced (exactly at MAX_WORK answered, a unit less not)', async () => {
    const rows = 200;
    const body = { preds: Array.from({ length: rows }, (_, i) => ((i * 7919) % 1000) / 1000), labels: Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 1 : 0)), objective: 'f1_score' };
    // Exact: one sort and a sweep over every distinct score.
    const work = Math.ceil(tuningWork(rows, 1, null));
    await withApp({ MAX_WORK: work }, async (app) => {
      expect((await post(app, '/v1/thresholds', body)).statusCode).toBe(200);
    });
    await withApp({ MAX_WORK: work - 1 }, async (app) => {
      expectTooLarge(await post(app, '/v1/thresholds', body), 'preds', 'MAX_WORK');
    });
  });

  it('calibration: each method\'s fit is priced (exactly at MAX_WORK answered, a unit less not)', async () => {
    const rows = 300;
    const body = { preds: Array.from({ length: rows }, (_, i) => ((i * 7919) % 1000) / 1000), labels: Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 1 : 0)) };
    // Before and after, the catalogue metrics' work is part of the price: it named `metrics/2`, a field the request has not, before.
    for (const method of ['sigmoid', 'isotonic'] as const) {
      const work = Math.ceil(calibrationWork({ rows, classes: 1, task: 'binary' }, method));
      await withApp({ MAX_WORK: work }, async (app) => {
        expect((await post(app, '/v1/calibration', { ...body, method })).statusCode).toBe(200);
      });
      await withApp({ MAX_WORK: work - 1 }, async (app) => {
        expectTooLarge(await post(app, '/v1/calibration', { ...body, method }), 'preds', 'MAX_WORK');
      });
    }
  });

  it('calibration: probabilities that take the answer past 2^20 numbers are refused naming return_probs, at the limit answered', async () => {
    await withApp({}, async (app) => {
      // Binary sigmoid: before and after (6) and a, b (2), then one probability a row.
      const rows = ANSWER_LIMIT - 8;
      const body = (n: number) => ({ preds: Array.from({ length: n }, (_, i) => (i % 97) / 100), labels: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0)), method: 'sigmoid', return_probs: true });
      const at = await post(app, '/v1/calibration', body(rows));
      expect(at.statusCode, at.body.slice(0, 300)).toBe(200);
      expect(at.json().probs).toHaveLength(rows);
      expectTooLarge(await post(app, '/v1/calibration', body(rows + 1)), 'return_probs', 'values');
    });
  });

  it('calibration: isotonic breakpoints that take the answer past 2^20 numbers are refused naming method, before they are written out', async () => {
    await withApp({}, async (app) => {
      // Pairs of rows at one score, a negative of weight 1 − q and a positive of weight q, q
      // increasing: each pair a breakpoint of its own (x and y), none pooled.
      const body = (pairs: number) => {
        const preds: number[] = [];
        const labels: number[] = [];
        const sample_weight: number[] = [];
        for (let k = 0; k < pairs; k++) {
          const q = (k + 1) / (pairs + 1);
          preds.push(k, k);
          labels.push(0, 1);
          sample_weight.push(1 - q, q);
        }
        return { preds, labels, sample_weight, input: 'logits', method: 'isotonic' };
      };
      // Before and after (6) and x, y of each pair: 2^20 exactly at 524,285 pairs.
      const pairs = (ANSWER_LIMIT - 6) / 2;
      const at = await post(app, '/v1/calibration', body(pairs));
      expect(at.statusCode, at.body.slice(0, 300)).toBe(200);
      expect(at.json().x).toHaveLength(pairs);
      expectTooLarge(await post(app, '/v1/calibration', body(pairs + 1)), 'method', 'values');
    });
  });
});
