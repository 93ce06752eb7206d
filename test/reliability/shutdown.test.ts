import { describe, expect, it } from 'vitest';
import { multiclassBatch } from '../../load/data.js';
import { startServer } from '../support/server-process.js';
import { until } from '../support/until.js';

describe('graceful shutdown of the real server process', () => {
  // Order and outcome, not the clock: every request admitted before the signal is answered 200,
  // /readyz after it is refused, and the process exits 0 by itself (vitest's timeout is the
  // backstop against a shutdown that hangs).
  it('finishes the 8 requests in flight on SIGTERM, refuses new ones, and exits 0', async () => {
    // One worker, held first by a slow computation (bootstrap intervals, seconds of work), so the
    // 8 batches after it are all received and waiting when the signal comes, however loaded the
    // machine is (a race between uploads and computations decided that before).
    const server = await startServer({ WORKERS: '1', INLINE_MAX_BYTES: '0', MAX_WORK: '1000000000000', REQUEST_TIMEOUT_MS: '300000', IDLE_TIMEOUT_MS: '310000' });
    const post = (url: string, body: string) =>
      fetch(`${server.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => ({
        status: r.status,
        answer: (await r.json()) as { loss?: number; metrics?: unknown },
      }));
    const slow = post(
      '/v1/metrics',
      JSON.stringify({
        preds: Array.from({ length: 500 }, (_, i) => ((i * 7919) % 1000) / 1000),
        labels: Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
        metrics: Array.from({ length: 8 }, (_, i) => ({ name: 'auroc', key: `auroc_${i}`, ci: { method: 'bootstrap', n_resamples: 20_000, seed: i } })),
      }),
    );
    const queued = async () => Number(/^worker_pool_queue_size (\d+)/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1] ?? 0);
    const { logits, labels } = multiclassBatch(60_000, 10, 3);
    const body = JSON.stringify({
      preds: Array.from({ length: 60_000 }, (_, i) => Array.from(logits.subarray(i * 10, (i + 1) * 10), (v) => Number(v.toFixed(4)))),
      labels: Array.from(labels),
      return_grad: true,
    });
    const inFlight = Array.from({ length: 8 }, () => post('/v1/focal-loss', body));
    // All 8 wait behind the slow one in the pool's queue (read from /metrics, not timed).
    await until(async () => (await queued()) >= 8, 150_000, 'eight batches waiting in the pool queue');

    server.child.kill('SIGTERM');
    await server.waitFor('shutting down');
    const late = await fetch(`${server.url}/readyz`).then(
      (r) => r.status,
      () => 'refused',
    );
    const answers = await Promise.all([slow, ...inFlight]);
    const exit = await server.exit;

    expect(answers.map((a) => a.status)).toEqual(Array(9).fill(200));
    for (const a of answers.slice(1)) expect(Number.isFinite(a.answer.loss)).toBe(true);
    expect(['refused', 503]).toContain(late);
    expect(exit).toEqual({ code: 0, signal: null });
  });

});
