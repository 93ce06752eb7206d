import { describe, expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { focalBody, slowAurocBody } from '../support/bodies.js';


const post = (app: Awaited<ReturnType<typeof testApp>>, payload: string) =>
  app.inject({ method: 'POST', url: '/v1/focal-loss', payload, headers: { 'content-type': 'application/json' } });

describe('overload: a bounded queue sheds load with 503 and Retry-After', () => {
  it('answers 60 concurrent large requests with 200 or 503, turns readiness off while saturated, and stays up', async () => {
    const app = await testApp({ WORKERS: 1, MAX_QUEUE: 2, INLINE_MAX_BYTES: 0 });
    const body = focalBody(20_000);
    const inFlight = Array.from({ length: 60 }, () => post(app, body));
    // Shedding is immediate, so when the first 503 arrives the admitted batches still run.
    await Promise.race(inFlight.map((answer) => answer.then((a) => (a.statusCode === 503 ? a : new Promise(() => {})))));
    expect(app.scoring.saturated).toBe(true);
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.headers['retry-after']).toBe('1');

    const answers = await Promise.all(inFlight);
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    for (const shed of answers.filter((a) => a.statusCode === 503)) {
      expect(shed.headers['retry-after']).toBe('1');
      expect(shed.json()).toMatchObject({ status: 503, code: 'ERR_OVERLOADED' });
    }
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    await app.close();
  });
});

describe('timeouts cancel the computation', () => {
  it('answers 503 ERR_TIMEOUT past REQUEST_TIMEOUT_MS, and the freed worker serves the next request', async () => {
    const app = await testApp({ WORKERS: 1, INLINE_MAX_BYTES: 0, REQUEST_TIMEOUT_MS: 500, MAX_WORK: 1e12 });
    // About 10 s of work, 20x the limit (the decoder made the one-vs-one batch used before too quick).
    const slow = await app.inject({ method: 'POST', url: '/v1/auroc', payload: slowAurocBody(4_000), headers: { 'content-type': 'application/json' } });
    expect(slow.statusCode).toBe(503);
    expect(slow.json()).toMatchObject({ code: 'ERR_TIMEOUT' });
    expect(slow.headers['retry-after']).toBe('1');
    // The cancelled worker was terminated; its replacement answers once it has started.
    await app.scoring.ping();
    const next = await post(app, focalBody(2));
    expect(next.statusCode, next.body).toBe(200);
    await app.close();
  });
});

describe('a worker that dies fails only its own request', () => {
  it('answers 500 problem+json without internals when a worker runs out of memory, then serves the next request', async () => {
    // A memory budget above the worker's heap, so the batch reaches the worker: within the
    // default budget (WORKER_MEMORY_MB) it is priced and refused first (413, see cost-model.test.ts).
    const app = await testApp({ WORKERS: 1, INLINE_MAX_BYTES: 0, WORKER_MEMORY_MB: 64, MEMORY_BUDGET_MB: 4096 });
    // Typed tensors live outside the JavaScript heap; an escaped key ("\u0070reds" is "preds")
    // makes the decoder hand the body to JSON.parse, whose nested arrays overflow the heap limit.
    const huge = await post(app, focalBody(600_000).replace('{"preds"', '{"\\u0070reds"'));
    expect(huge.statusCode).toBe(500);
    expect(huge.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(huge.json()).toEqual(expect.objectContaining({ status: 500, code: 'ERR_INTERNAL' }));
    expect(huge.body).not.toMatch(/heap|memory|stack|at \w+ \(/i);
    const next = await post(app, focalBody(4));
    expect(next.statusCode, next.body).toBe(200);
    await app.close();
  });
});
