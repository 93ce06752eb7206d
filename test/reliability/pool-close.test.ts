import { setImmediate } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { focalBody } from '../support/bodies.js';

describe('closing the app', () => {
  it('lets every batch already admitted to the pool finish, however their ends interleave', async () => {
    const app = await testApp({ WORKERS: 2, INLINE_MAX_BYTES: 0 });
    const post = (payload: string) => app.inject({ method: 'POST', url: '/v1/focal-loss', payload, headers: { 'content-type': 'application/json' } });
    // Two batches of different sizes run on the two workers, a third waits for one of them.
    const answers = Promise.all([post(focalBody(150_000)), post(focalBody(300_000)), post(focalBody(2))]);
    // Closed once all three are admitted (the small one may finish first: waiting for a queued
    // batch could wait for ever when it does).
    while (app.scoring.pooled < 3) await setImmediate();
    await app.close();
    const statuses = (await answers).map((answer) => answer.statusCode);
    expect(statuses).toEqual([200, 200, 200]);
  });
});

describe('a batch that reaches the pool after it closed', () => {
  it('is refused as shutting down (503 ERR_SHUTTING_DOWN with Retry-After), not as a timeout', async () => {
    const app = await testApp({ WORKERS: 1, INLINE_MAX_BYTES: 0 });
    const answer = app.inject({ method: 'POST', url: '/v1/focal-loss', payload: focalBody(2), headers: { 'content-type': 'application/json' } });
    await app.close();
    const response = await answer;
    expect([200, 503]).toContain(response.statusCode);
    if (response.statusCode === 503) {
      expect(response.json()).toMatchObject({ code: 'ERR_SHUTTING_DOWN' });
      expect(response.headers['retry-after']).toBe('1');
    }
  });
});
