import type { AddressInfo } from 'node:net';
import { setImmediate } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { slowAurocBody } from '../support/bodies.js';

describe('a client that hangs up while its batch is in the pool', () => {
  it('has the batch cancelled: the worker is freed at once and /metrics counts it', async () => {
    const app = await testApp({ WORKERS: 1, MAX_QUEUE: 0, INLINE_MAX_BYTES: 0 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    // A bootstrap interval that would keep the only worker busy for seconds.
    const body = slowAurocBody(2_000);
    const client = new AbortController();
    const abandoned = fetch(`${url}/v1/auroc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: client.signal }).catch(
      (error: Error) => error.name,
    );
    while (!app.scoring.saturated) await setImmediate(); // admitted: with MAX_QUEUE 0 it fills the pool
    client.abort();
    expect(await abandoned).toBe('AbortError');

    // Freed long before the bootstrap could end: the pool takes a new batch (MAX_QUEUE 0 would
    // turn it away with 503 while the abandoned one still ran).
    while (app.scoring.saturated) await setImmediate();
    const next = await app.inject({ method: 'POST', url: '/v1/auroc', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ preds: [0.1, 0.9], labels: [0, 1] }) });
    expect(next.statusCode).toBe(200);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/http_requests_rejected_total\{reason="ERR_CLIENT_CLOSED"\} 1/);
    await app.close();
  });
});
