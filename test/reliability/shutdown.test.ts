import { describe, expect, it } from 'vitest';
import { multiclassBatch } from '../../load/data.js';
import { startServer } from '../support/server-process.js';

describe('graceful shutdown of the real server process', () => {
  it('finishes the 8 requests in flight on SIGTERM, refuses new ones, and exits 0 within 10 s', async () => {
    const server = await startServer({ WORKERS: '2', INLINE_MAX_BYTES: '0' });
    const { logits, labels } = multiclassBatch(60_000, 10, 3);
    const body = JSON.stringify({
      preds: Array.from({ length: 60_000 }, (_, i) => Array.from(logits.subarray(i * 10, (i + 1) * 10), (v) => Number(v.toFixed(4)))),
      labels: Array.from(labels),
      return_grad: true,
    });
    const inFlight = Array.from({ length: 8 }, () =>
      fetch(`${server.url}/v1/focal-loss`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => ({
        status: r.status,
        loss: ((await r.json()) as { loss?: number }).loss,
      })),
    );
    // In flight: two batches run and six wait in the pool's queue (read from /metrics, not timed).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const queued = Number(/^worker_pool_queue_size (\d+)/m.exec(metrics)?.[1] ?? 0);
      if (queued >= 6 || Date.now() > deadline) break;
    }

    const signalled = Date.now();
    server.child.kill('SIGTERM');
    await server.waitFor('shutting down');
    const late = await fetch(`${server.url}/readyz`).then(
      (r) => r.status,
      () => 'refused',
    );
    const answers = await Promise.all(inFlight);
    const exit = await server.exit;

    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    for (const a of answers) expect(Number.isFinite(a.loss)).toBe(true);
    expect(['refused', 503]).toContain(late);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
  });
});
