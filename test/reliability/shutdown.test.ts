import { describe, expect, it } from 'vitest';
import { multiclassBatch } from '../../load/data.js';
import { startServer } from '../support/server-process.js';
import { until } from '../support/until.js';

describe('graceful shutdown of the real server process', () => {
  // Order and outcome, not the clock: every request admitted before the signal is answered 200,
  // /readyz after it is refused, and the process exits 0 by itself (vitest's timeout is the
  // backstop against a shutdown that hangs).
  it('finishes the 8 requests in flight on SIGTERM, refuses new ones, and exits 0', async () => {
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
    // In flight: two batches run and at least two wait in the pool's queue (read from /metrics,
    // not timed). Not six: on a loaded machine the first batches can finish before the last
    // bodies have arrived, and the queue never holds all of them at once.
    const queued = async () => Number(/^worker_pool_queue_size (\d+)/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1] ?? 0);
    await until(async () => (await queued()) >= 2, 150_000, 'two batches waiting in the pool queue');

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
  });
});
